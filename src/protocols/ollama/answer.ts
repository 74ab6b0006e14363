/**
 * The path every chat and generate request takes: resolve the model, send one streaming request upstream (with
 * retries and fallbacks before the first byte), translate the chunks, then either stream them as NDJSON or fold
 * them into one object for `stream: false`.
 */

import { modelNotFound, ProxyError } from "../../core/proxy-error.ts";
import type { Target } from "../../core/target.ts";
import { jsonResponse } from "../../http/json-response.ts";
import { ndjsonResponse } from "../../http/ndjson.ts";
import { relayed } from "../../http/relay.ts";
import type { StreamSummary } from "../../http/request-context.ts";
import { nsToMs } from "../../lib/clock.ts";
import type { AppDeps } from "../../pipeline/deps.ts";
import { dispatch, routeFor } from "../../pipeline/dispatch.ts";
import { relayAccounting } from "../../pipeline/relay-accounting.ts";
import { streamAccounting } from "../../pipeline/stream-accounting.ts";
import { type Route, routeTarget } from "../../routing/model-registry.ts";
import type { CallScope } from "../../upstream/upstream.ts";
import type { Metrics } from "./response-schemas.ts";
import type { StreamContext } from "./stream.ts";

type Answer = Partial<Metrics> & { done: boolean };

export type InferenceCall<T extends Answer> = {
	request: Request;
	/** The model as the client spelled it. */
	model: string;
	/** The body as the client sent it, for a real Ollama upstream that takes it unchanged. */
	body: Record<string, unknown>;
	/** The native path (`/api/chat` or `/api/generate`). */
	path: string;
	stream: boolean;
	/** `think: false`: no reasoning reaches the client. */
	hideThinking: boolean;
	/**
	 * Builds and sends the upstream request for the resolved route (it may reject bad input with a 400 first) and
	 * returns the translated lines, once the upstream has sent its first chunk.
	 */
	open(route: Route, target: Target, scope: CallScope, ctx: StreamContext): Promise<AsyncIterableIterator<T>>;
	collect(lines: AsyncIterable<T>): Promise<T | undefined>;
};

function summarize(final: Answer | undefined): Omit<StreamSummary, "status"> {
	if (!final?.done) return {};
	return {
		firstTokenMs: nsToMs((final.load_duration ?? 0) + (final.prompt_eval_duration ?? 0)),
		promptTokens: final.prompt_eval_count,
		evalTokens: final.eval_count,
	};
}

/** A route to a real Ollama: the request goes through as the client sent it, with the model renamed. */
export async function passThrough(
	deps: AppDeps,
	request: Request,
	route: Route,
	path: string,
	body: object,
	model: string,
) {
	const accounting = relayAccounting(deps, request);
	const response = await dispatch(
		deps,
		request,
		route,
		(current, scope) => {
			accounting.answeredBy(current.upstream.name);
			return (current.upstream.native as NonNullable<typeof current.upstream.native>)(
				path,
				{ ...body, model: current.facts.id },
				scope,
			);
		},
		model,
		{ watch: accounting.watch },
	);
	return accounting.answer(relayed(response, response.body, ["content-type"]));
}

export async function answer<T extends Answer>(deps: AppDeps, call: InferenceCall<T>): Promise<Response> {
	const requestStart = deps.clock.nowNs();
	const route = await routeFor(deps, call.request, call.model, () => modelNotFound(call.model));
	if (route.upstream.native) return passThrough(deps, call.request, route, call.path, call.body, call.model);
	const ctx = {
		model: call.model,
		clock: deps.clock,
		requestStart,
		upstreamStart: deps.clock.nowNs(),
		hideThinking: call.hideThinking,
	};
	const lines = await dispatch(
		deps,
		call.request,
		route,
		(current, scope) => call.open(current, routeTarget(current), scope, ctx),
		call.model,
	);
	const record = deps.requests.recordOf(call.request);
	if (!call.stream) {
		const whole = await call.collect(lines);
		if (!whole) throw new ProxyError(502, "upstream sent no answer");
		record.stats = summarize(whole);
		return jsonResponse(whole);
	}
	// Counted, and labelled, from before the first line: a short stream can end before `ndjsonResponse` returns.
	deps.metrics.streamOpened();
	record.route = call.path;
	const response = await ndjsonResponse(
		lines,
		streamAccounting<T>(deps, call.request, route.upstream.name, ({ last }) => summarize(last)),
	).catch((error: unknown) => {
		deps.metrics.streamClosed();
		throw error;
	});
	record.streaming = true;
	return response;
}
