/**
 * The path every agent-protocol request takes (`/v1/messages`, `/v1/responses`): resolve the model through the same
 * registry as `/api/chat`, send one streaming chat-completions request upstream (retries and fallbacks before the
 * first byte), and hand each chunk to the protocol's renderer, which either streams its events as SSE or folds
 * them into one JSON body. Nothing is committed to the client before the upstream answered.
 */

import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { withoutReasoningParams } from "../core/dialect.ts";
import { modelNotFound, ProxyError } from "../core/proxy-error.ts";
import type { ProtocolRenderer, SseEvent } from "../core/renderer.ts";
import { mergeSystemMessages } from "../core/system-messages.ts";
import type { Target } from "../core/target.ts";
import { tokenLimitKey } from "../core/token-limit.ts";
import { chatPiece } from "../core/upstream-chunks.ts";
import { jsonResponse } from "../http/json-response.ts";
import { QUIET, withKeepalive } from "../http/keepalive.ts";
import type { StreamSummary } from "../http/request-context.ts";
import { sseResponse } from "../http/sse.ts";
import { nsToMs } from "../lib/clock.ts";
import type { ModelFacts } from "../routing/model-facts.ts";
import { type Route, routeTarget } from "../routing/model-registry.ts";
import { applyParamOverrides } from "../routing/param-overrides.ts";
import type { AppDeps } from "./deps.ts";
import { dispatch, routeFor } from "./dispatch.ts";
import { streamAccounting } from "./stream-accounting.ts";

export type AgentCall = {
	request: Request;
	/** The model as the client spelled it. */
	model: string;
	/** The registry's answer for `model`, already looked up by the route. */
	resolved: Promise<Route | undefined>;
	stream: boolean;
	/** The route's path, for the metrics label. */
	path: string;
	/** The upstream request for the resolved model; throws a 400 for input it cannot take. */
	params(target: Target, facts: ModelFacts): ChatCompletionCreateParamsStreaming;
	renderer(): ProtocolRenderer;
};

// Anthropic's own servers ping about this often; Codex waits 300 s, Claude Code's SDK 10 min, for any event.
const KEEPALIVE_MS = 15_000;

export async function agentAnswer(deps: AppDeps, call: AgentCall): Promise<Response> {
	const systemMessagesFor = (upstream: string) =>
		deps.settings.upstreams.find((u) => u.name === upstream)?.system_messages ?? "in_place";
	const requestStart = deps.clock.nowNs();
	const route = await routeFor(deps, call.request, call.model, () => modelNotFound(call.model), call.resolved);
	const chunks = await dispatch(
		deps,
		call.request,
		route,
		(current, scope) => {
			const target = routeTarget(current);
			const built = call.params(target, current.facts);
			if (systemMessagesFor(current.upstream.name) === "merged") built.messages = mergeSystemMessages(built.messages);
			// A whole answer for a client that wants one: one JSON parse upstream instead of a stream to fold.
			const params = applyParamOverrides(
				call.stream ? built : { ...built, stream: false },
				current.params,
				tokenLimitKey("chat", target.id),
			);
			return current.upstream.chat(params, scope).catch((error: unknown) => {
				// Thinking was asked for a model that does not think after all: answer without it, once.
				const retry =
					error instanceof ProxyError && error.kind === "bad_request"
						? withoutReasoningParams(params, error.message)
						: undefined;
				if (!retry) throw error;
				deps.log.debug(
					{ reqId: deps.requests.recordOf(call.request).id },
					"upstream refused thinking; sent again without",
				);
				return current.upstream.chat(retry, scope);
			});
		},
		call.model,
		// The protocol's first events go out as soon as the upstream said 200, then keepalives while it reads the prompt.
		{ answeredByHeaders: call.stream },
	);
	const record = deps.requests.recordOf(call.request);
	record.route = call.path;
	const renderer = call.renderer();
	let firstToken: number | undefined;
	const stats = (): Omit<StreamSummary, "status"> => {
		const { promptTokens, completionTokens } = renderer.usage();
		return {
			firstTokenMs: nsToMs((firstToken ?? deps.clock.nowNs()) - requestStart),
			promptTokens,
			evalTokens: completionTokens,
		};
	};

	if (!call.stream) {
		for await (const chunk of chunks) renderer.push(chatPiece(chunk));
		renderer.finish();
		record.stats = stats();
		return jsonResponse(renderer.whole());
	}

	async function* events(): AsyncGenerator<SseEvent[]> {
		yield renderer.start();
		// What counts is the client's silence: an upstream busy streaming a long tool call sends chunks that make no
		// event until the call is whole, and the agent's idle timer does not know that.
		let lastSent = deps.clock.nowNs();
		for await (const chunk of withKeepalive(chunks, KEEPALIVE_MS)) {
			const out = chunk === QUIET ? [] : renderer.push(chatPiece(chunk));
			const now = deps.clock.nowNs();
			if (out.length > 0) {
				firstToken ??= now;
				lastSent = now;
				yield out;
			} else if (renderer.keepalive && now - lastSent >= KEEPALIVE_MS * 1e6) {
				lastSent = now;
				yield renderer.keepalive();
			}
		}
		yield renderer.finish();
	}

	// Counted from before the first event: a short stream can end before `sseResponse` returns.
	deps.metrics.streamOpened();
	const response = await sseResponse(
		events(),
		(error) => renderer.fail(error),
		streamAccounting<SseEvent[]>(deps, call.request, route.upstream.name, ({ error, aborted, stalled }) =>
			error || aborted || stalled ? {} : stats(),
		),
	).catch((error: unknown) => {
		// Nothing was sent: the stream never started, so it never ended either.
		deps.metrics.streamClosed();
		throw error;
	});
	record.streaming = true;
	return response;
}
