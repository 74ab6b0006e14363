/**
 * An Upstream from its settings, backed by the official openai SDK (its Azure client for `kind: azure`; a real
 * Ollama is reached through its own OpenAI-compatible `/v1` plus its native `/api/*`). The SDK's own retries are
 * off: retries happen once, in the routing layer, and only before the first byte. Its timeout is replaced by the
 * connect / first-byte / idle timers.
 */
import OpenAI, { AzureOpenAI } from "openai";
import type { ResolvedUpstream } from "../config/settings.ts";
import { ProxyError } from "../errors.ts";
import { UpstreamModel, UpstreamModelList } from "../schemas/upstream-models.ts";
import { callTimers } from "./call-timers.ts";
import { ollamaTags } from "./ollama-tags.ts";
import type { CallScope, DiscoveredModel, Upstream } from "./upstream.ts";
import { upstreamFailure } from "./upstream-errors.ts";

// The SDK's timeout would also cap slow-but-alive requests; the proxy's timers are the real limits.
const NO_SDK_TIMEOUT = 2_147_483_647;
const AZURE_API_VERSION = "2024-10-21";

export type UpstreamOptions = {
	/** What the operator should check when the upstream refuses the key. */
	keyHint?: string;
};

function sdkClient(settings: ResolvedUpstream): OpenAI {
	const common = {
		maxRetries: 0,
		timeout: NO_SDK_TIMEOUT,
		// The SDK refuses to start without a key; keyless servers (vLLM, LM Studio, Ollama) get no Authorization header.
		apiKey: settings.api_key || "unset",
		defaultHeaders: { ...settings.headers, ...(!settings.api_key && { Authorization: null }) },
	};
	if (settings.kind === "azure") {
		return new AzureOpenAI({
			...common,
			endpoint: settings.base_url,
			apiVersion: settings.api_version ?? AZURE_API_VERSION,
		});
	}
	const baseURL = settings.kind === "ollama" ? `${settings.base_url.replace(/\/+$/, "")}/v1` : settings.base_url;
	return new OpenAI({ ...common, baseURL });
}

function parseModels(entries: readonly unknown[]): DiscoveredModel[] {
	return entries.flatMap((entry) => {
		const parsed = UpstreamModel.safeParse(entry);
		return parsed.success ? [parsed.data] : [];
	});
}

export function createUpstream(settings: ResolvedUpstream, options: UpstreamOptions = {}): Upstream {
	const client = sdkClient(settings);
	const keyHint = options.keyHint ?? `check the api_key of upstream '${settings.name}'`;
	const secrets = [settings.api_key, ...Object.values(settings.headers)];

	function begin(scope: CallScope) {
		const timers = callTimers(scope, settings.timeouts);
		const fail = (error: unknown) =>
			upstreamFailure(error, { modelName: scope.modelName, timeout: timers.expired(), secrets, keyHint });
		return { timers, fail };
	}

	/** Runs a call whose whole answer is the first byte (model lists, embeddings). */
	async function whole<T>(scope: CallScope, call: (signal: AbortSignal) => PromiseLike<T>): Promise<T> {
		const { timers, fail } = begin(scope);
		try {
			return await call(timers.signal);
		} catch (error) {
			throw fail(error);
		} finally {
			timers.dispose();
		}
	}

	/**
	 * Starts a streaming call and waits for its first chunk; then relays every chunk under the idle timer. Errors
	 * before the first chunk reject here, so the route can still answer with a real status (or retry).
	 */
	async function streamed<T>(scope: CallScope, start: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>) {
		const { timers, fail } = begin(scope);
		let iterator: AsyncIterator<T>;
		let first: IteratorResult<T>;
		try {
			const stream = await start(timers.signal);
			timers.headersArrived();
			iterator = stream[Symbol.asyncIterator]();
			first = await iterator.next();
			// The SDK ends a stream quietly when its signal aborts: a timer that fired must still be an error.
			const expired = timers.expired();
			if (expired) throw new ProxyError(504, expired, {}, "timeout");
			timers.chunkArrived();
		} catch (error) {
			timers.dispose();
			throw fail(error);
		}
		return (async function* relay() {
			try {
				if (first.done) return;
				yield first.value;
				for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
					timers.chunkArrived();
					yield next.value;
				}
				const expired = timers.expired();
				if (expired) throw new ProxyError(504, expired, {}, "timeout");
			} catch (error) {
				throw fail(error);
			} finally {
				timers.dispose();
				// Leaving early (the client went away) must close the upstream stream too.
				await iterator.return?.();
			}
		})();
	}

	const upstream: Upstream = {
		name: settings.name,
		kind: settings.kind,
		dialect: settings.dialect,
		listModels: (scope) =>
			settings.kind === "ollama"
				? whole(scope, (signal) => ollamaTags(settings.base_url, settings.headers, signal))
				: whole(scope, async (signal) =>
						parseModels(UpstreamModelList.parse(await client.models.list({ signal })).data),
					),
		chat: (params, scope) => streamed(scope, (signal) => client.chat.completions.create(params, { signal })),
		complete: (params, scope) => streamed(scope, (signal) => client.completions.create(params, { signal })),
		embed: (params, scope) => whole(scope, (signal) => client.embeddings.create(params, { signal })),
		forward: (path, body, scope) =>
			whole(scope, (signal) => client.post(path, { body, signal, stream: body.stream === true }).asResponse()),
	};
	if (settings.kind === "ollama") {
		const root = settings.base_url.replace(/\/+$/, "");
		upstream.native = (path, body, scope) =>
			whole(scope, (signal) =>
				fetch(root + path, {
					method: "POST",
					body: JSON.stringify(body),
					headers: { "content-type": "application/json", ...settings.headers },
					signal,
				}),
			);
	}
	return upstream;
}
