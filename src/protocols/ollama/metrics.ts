/**
 * Ollama's six metrics, measured by the proxy since an OpenAI upstream reports only token counts. Every value is an
 * integer ≥ 1 ns for durations: Open WebUI shows tokens/s only when durations are positive, and the Vercel
 * providers' zod schemas require all of them on the final object.
 */
import type { TokenUsage } from "../../core/upstream-chunks.ts";
import type { Metrics } from "./response-schemas.ts";

/** Monotonic readings (ns) taken along one request. */
export type Timings = {
	/** The request arrived. */
	requestStart: number;
	/** The upstream request was sent. */
	upstreamStart: number;
	/** The first token arrived (the end, when none did). */
	firstToken: number;
	end: number;
};

const span = (from: number, to: number) => Math.max(1, Math.round(to - from));

export function metricsFrom(t: Timings, usage: TokenUsage): Metrics {
	return {
		total_duration: span(t.requestStart, t.end),
		load_duration: span(t.requestStart, t.upstreamStart),
		prompt_eval_count: usage.promptTokens,
		prompt_eval_duration: span(t.upstreamStart, t.firstToken),
		eval_count: usage.completionTokens,
		eval_duration: span(t.firstToken, t.end),
	};
}
