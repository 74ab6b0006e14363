/**
 * An Upstream from its settings: chat, completions and embeddings through the official openai SDK's client (see
 * `sdk-client.ts`), the hot chat and completion calls prebuilt from it, the `/v1` and agent-protocol relays, and a
 * real Ollama's native `/api/*`. Every failure leaves as a ProxyError.
 */
import { APIError } from "openai";
import type { ResolvedUpstream } from "../config/settings.ts";
import { ProxyError } from "../core/proxy-error.ts";
import type { BodyWatch } from "../http/relay.ts";
import { upstreamFailure } from "./errors.ts";
import { EventRelay, type RelayStart } from "./event-relay.ts";
import { bodyReader } from "./http-client.ts";
import { type BodyFormat, bodyFormat, watchIdle } from "./idle-watch.ts";
import { ollamaRunning, ollamaTags } from "./ollama-tags.ts";
import { prebuiltPost } from "./prebuilt-post.ts";
import { ollamaRoot, ownsAuthorization, sdkClient } from "./sdk-client.ts";
import type { ByteReader } from "./socket-body.ts";
import { sseDecoder } from "./sse-decoder.ts";
import { callTimers } from "./timers.ts";
import { sharedTransport, type Transport } from "./transport.ts";
import type { CallScope, OpenAIPath, Upstream } from "./upstream.ts";
import { UpstreamModelList } from "./upstream-models.ts";
import { wholeAnswerAsChunk } from "./whole-answer.ts";
import { asked, parseEvent, parseModels } from "./wire.ts";

// Anthropic's API refuses requests without it; the servers that copy the API ignore it.
const ANTHROPIC_VERSION = "2023-06-01";

export type UpstreamOptions = {
	/** What the operator should check when the upstream refuses the key. */
	keyHint?: string;
	/** How requests are sent; by default the process-wide transport bounded by `max_upstream_connections`. */
	transport?: Transport;
};

export function createUpstream(settings: ResolvedUpstream, options: UpstreamOptions = {}): Upstream {
	const transport = options.transport ?? sharedTransport(settings.maxConnections, Bun.env);
	const send = transport.fetch;
	const client = sdkClient(settings, send);
	// Headers for the calls made without the SDK (a real Ollama's native API): the key goes as a bearer token there too.
	const nativeHeaders = {
		...settings.headers,
		...(settings.api_key && !ownsAuthorization(settings.headers) && { Authorization: `Bearer ${settings.api_key}` }),
	};
	// Azure's paths name the deployment per request: its calls stay with the SDK.
	const postChat = settings.kind === "azure" ? undefined : prebuiltPost(client, "/chat/completions");
	const postCompletion = settings.kind === "azure" ? undefined : prebuiltPost(client, "/completions");
	const sendFor = (params: { stream?: boolean | null }) => (params.stream === true ? transport.stream : send);
	const keyHint = options.keyHint ?? `check the api_key of upstream '${settings.name}'`;
	const secrets = [settings.api_key, ...Object.values(settings.headers)];

	function begin(scope: CallScope, whole = false) {
		const timers = callTimers(scope, settings.timeouts, { whole });
		const fail = (error: unknown) =>
			upstreamFailure(error, { modelName: scope.modelName, timeout: timers.expired(), secrets, keyHint });
		return { timers, fail };
	}

	/** Runs a call that is done once its response (headers) arrives: model lists, embeddings, relays. */
	async function whole<T>(
		scope: CallScope,
		call: (signal: AbortSignal) => PromiseLike<T>,
		options: { wholeAnswer?: boolean; keepCode?: boolean } = {},
	): Promise<T> {
		const { timers, fail } = begin(scope, options.wholeAnswer);
		try {
			return await call(timers.signal);
		} catch (error) {
			const failure = fail(error);
			// OpenAI's own code for a refusal (invalid_encrypted_content) says what to do about it; the status alone does not.
			const code = options.keepCode && error instanceof APIError && error.status === 400 ? error.code : undefined;
			if (typeof code !== "string" || failure.code !== undefined) throw failure;
			throw new ProxyError(failure.status, failure.message, failure.headers, failure.kind, code);
		} finally {
			timers.dispose();
		}
	}

	/**
	 * Starts a streaming call and reads until its first event, under the connect and first-byte timers; then relays
	 * every event under the idle timer, which runs only while a read waits on the upstream: a consumer that holds a
	 * yielded event (its client is not reading) suspends it. The SDK sends the request (auth, base URL, Azure paths,
	 * error statuses); the body's SSE is decoded here, in one loop, which costs a fraction of the SDK's own stream
	 * machinery per chunk.
	 * Errors before the first event reject here, so the route can still answer with a real status (or retry).
	 */
	async function streamed<T>(
		scope: CallScope,
		start: (signal: AbortSignal) => PromiseLike<Response>,
		whole: boolean,
	): Promise<AsyncIterableIterator<T>> {
		const { timers, fail } = begin(scope, whole);
		const at: RelayStart<T> = {
			reader: undefined,
			decoder: sseDecoder(),
			events: [],
			next: 0,
			ended: false,
			first: undefined,
		};
		try {
			const response = await start(timers.signal);
			timers.headersArrived();
			if (response.headers.get("content-type")?.includes("application/json")) {
				// A server that ignored `stream: true`: its whole answer is the one and only event.
				at.events = [JSON.stringify(wholeAnswerAsChunk(await response.json()))];
				at.ended = true;
			} else {
				if (!response.body) throw new ProxyError(502, "upstream sent no body", {}, "stream");
				at.reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
			}
			if (scope.answeredByHeaders && at.reader) {
				// The first chunk is then read by the relay below, under the idle limit, once the client asks for it.
				timers.chunkArrived();
				return new EventRelay(at, timers, fail);
			}
			while (at.events.length === 0 && !at.ended) {
				timers.waiting();
				const part = await (at.reader as ByteReader).read();
				at.events = part.done ? at.decoder.end() : at.decoder.push(part.value);
				at.ended = part.done;
			}
			// A timer that aborted the read may surface as a quiet end of the body: it must still be an error.
			const expired = timers.expired();
			if (expired) throw new ProxyError(504, expired, {}, "timeout");
			// The first event is parsed here, so an error object or malformed JSON in it is still a failure before the
			// first byte: a real status for the client, and a retry or a fallback where the route allows one.
			const data = at.events[0];
			if (data !== undefined && data !== "[DONE]") {
				at.first = parseEvent<T>(data);
				at.next = 1;
			}
			timers.chunkArrived();
		} catch (error) {
			timers.dispose();
			at.reader?.cancel().catch(() => undefined);
			throw fail(error);
		}
		return new EventRelay(at, timers, fail);
	}

	/** A relayed body under the idle limit, ended in its own format when the upstream goes quiet; watched for routes. */
	function idleWatched(
		response: Response,
		format: BodyFormat = bodyFormat(response.headers.get("content-type")),
		watch?: BodyWatch,
	): Response {
		if (!response.body) return response;
		const body = watchIdle(response.body, settings.timeouts.idle_ms, format, watch);
		return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
	}

	// Anthropic's servers read the key from x-api-key; the servers that copy the API read either.
	const anthropicHeaders = {
		"anthropic-version": ANTHROPIC_VERSION,
		...(settings.api_key && !ownsAuthorization(settings.headers) && { "x-api-key": settings.api_key }),
	};

	/**
	 * An agent protocol relayed as it is. A whole answer (`stream` not true) may take one idle gap more for its headers,
	 * like a whole chat answer. An SSE body cut short ends in the protocol's words the route gave (`sseEnding`); any
	 * other body cut short errors ("other").
	 */
	async function relayAgent(path: OpenAIPath, body: Record<string, unknown>, scope: CallScope): Promise<Response> {
		const stream = body.stream === true;
		const headers = path === "/messages" ? anthropicHeaders : undefined;
		const response = await whole(
			scope,
			(signal) => client.post(path, { body, signal, stream, ...(headers && { headers }) }).asResponse(),
			{ wholeAnswer: !stream, keepCode: path === "/responses" },
		);
		const sse = response.headers.get("content-type")?.includes("text/event-stream") && scope.watch?.sseEnding;
		return idleWatched(response, sse ? "sse" : "other", scope.watch);
	}

	const upstream: Upstream = {
		name: settings.name,
		kind: settings.kind,
		dialect: settings.dialect,
		protocols: settings.protocols,
		listModels: (scope) =>
			settings.kind === "ollama"
				? whole(scope, (signal) => ollamaTags(ollamaRoot(settings), nativeHeaders, signal, send))
				: whole(scope, async (signal) =>
						parseModels(UpstreamModelList.parse(await client.models.list({ signal })).data),
					),
		chat: (params, scope) =>
			streamed(
				scope,
				(signal) =>
					postChat
						? postChat(sendFor(params), asked(params), signal)
						: client.chat.completions.create(asked(params), { signal }).asResponse(),
				params.stream === false,
			),
		complete: (params, scope) =>
			streamed(
				scope,
				(signal) =>
					postCompletion
						? postCompletion(sendFor(params), asked(params), signal)
						: client.completions.create(asked(params), { signal }).asResponse(),
				params.stream === false,
			),
		embed: (params, scope) => whole(scope, (signal) => client.embeddings.create(params, { signal })),
		forward: async (path, body, scope) =>
			path === "/responses" || path === "/messages"
				? relayAgent(path, body, scope)
				: idleWatched(
						await whole(scope, (signal) =>
							client.post(path, { body, signal, stream: body.stream === true }).asResponse(),
						),
						undefined,
						scope.watch,
					),
		transcribe: async ({ body, contentType, model }, scope) =>
			idleWatched(
				await whole(scope, (signal) =>
					// The bytes go as they are, under their own boundary; Azure's deployment path comes from `__metadata`.
					client
						.post("/audio/transcriptions", {
							body,
							headers: { "content-type": contentType },
							signal,
							__metadata: { model },
						})
						.asResponse(),
				),
				undefined,
				scope.watch,
			),
	};
	if (settings.kind === "ollama") {
		const root = ollamaRoot(settings);
		upstream.running = (scope) => whole(scope, (signal) => ollamaRunning(root, nativeHeaders, signal, send));
		upstream.native = async (path, body, scope) =>
			idleWatched(
				await whole(scope, (signal) =>
					send(root + path, {
						method: "POST",
						body: JSON.stringify(body),
						headers: { "content-type": "application/json", ...nativeHeaders },
						signal,
					}),
				),
				undefined,
				scope.watch,
			);
	}
	return upstream;
}
