/**
 * The path every chat and generate request takes: resolve the model, send one streaming request upstream, translate
 * the chunks, then either stream them as NDJSON or fold them into one object for `stream: false`.
 */
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { modelNotFound, ProxyError } from "../errors.ts";
import { ndjsonResponse } from "../http/ndjson.ts";
import type { StreamSummary } from "../http/request-context.ts";
import { jsonResponse } from "../http/responses.ts";
import type { Metrics } from "../schemas/ollama-responses.ts";
import type { StreamContext } from "../translate/ollama-stream.ts";
import type { AppDeps } from "./deps.ts";

type Answer = Partial<Metrics> & { done: boolean };

export type InferenceCall<T extends Answer> = {
	request: Request;
	/** The model as the client spelled it. */
	model: string;
	stream: boolean;
	/** Builds the upstream request for the resolved upstream id; may reject bad input with a 400. */
	params(upstreamId: string): ChatCompletionCreateParamsStreaming;
	translate(chunks: AsyncIterable<ChatCompletionChunk>, ctx: StreamContext): AsyncGenerator<T>;
	collect(lines: AsyncIterable<T>): Promise<T | undefined>;
};

/** Resolves a client's model name to the upstream id, with Ollama's 404 when the upstream does not serve it. */
export async function resolveModel(deps: AppDeps, model: string): Promise<string> {
	const id = await deps.catalog.upstreamId(model);
	if (id === undefined) throw modelNotFound(model);
	return id;
}

const nsToMs = (ns: number) => Math.round(ns / 1e4) / 100;

function summarize(final: Answer | undefined): Omit<StreamSummary, "status"> {
	if (!final?.done) return {};
	return {
		firstTokenMs: nsToMs((final.load_duration ?? 0) + (final.prompt_eval_duration ?? 0)),
		promptTokens: final.prompt_eval_count,
		evalTokens: final.eval_count,
	};
}

export async function answer<T extends Answer>(deps: AppDeps, call: InferenceCall<T>): Promise<Response> {
	const requestStart = deps.clock.nowNs();
	const record = deps.requests.recordOf(call.request);
	record.model = call.model;
	const params = call.params(await resolveModel(deps, call.model));
	const upstreamStart = deps.clock.nowNs();
	const chunks = await deps.upstream.chat(params, {
		signal: call.request.signal,
		modelName: call.model,
	});
	const lines = call.translate(chunks, {
		model: call.model,
		clock: deps.clock,
		requestStart,
		upstreamStart,
	});
	if (!call.stream) {
		const whole = await call.collect(lines);
		if (!whole) throw new ProxyError(502, "upstream sent no answer");
		return jsonResponse(whole);
	}
	const response = await ndjsonResponse(lines, {
		toError: (error) => {
			deps.log.error({ err: error, reqId: record.id }, "stream failed");
			return new ProxyError(500, "internal error");
		},
		onEnd: ({ last, error, aborted }) =>
			deps.requests.end(call.request, {
				status: aborted ? 499 : 200,
				...(error && { error: error.message }),
				...(aborted && { aborted }),
				...summarize(last),
			}),
	});
	record.streaming = true;
	return response;
}
