/**
 * Ollama `options` → OpenAI sampling parameters. Only the keys OpenAI itself accepts are sent: OpenAI answers 400 to
 * unknown parameters, so the llama.cpp-only ones (`top_k`, `min_p`, `repeat_penalty`, …) are dropped here.
 */
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { usesMaxCompletionTokens } from "../../core/token-limit.ts";
import type { OllamaOptions } from "./request-schemas.ts";

export type SamplingParams = Pick<
	ChatCompletionCreateParamsStreaming,
	| "max_tokens"
	| "max_completion_tokens"
	| "temperature"
	| "top_p"
	| "seed"
	| "stop"
	| "frequency_penalty"
	| "presence_penalty"
>;

export function samplingParams(options: OllamaOptions, upstreamId: string): SamplingParams {
	const params: SamplingParams = {};
	if (!options) return params;
	// num_predict -1 (unlimited) and -2 (fill the context) have no OpenAI equivalent: leave the upstream's default.
	if (options.num_predict != null && options.num_predict > 0) {
		if (usesMaxCompletionTokens(upstreamId)) params.max_completion_tokens = options.num_predict;
		else params.max_tokens = options.num_predict;
	}
	if (options.temperature != null) params.temperature = options.temperature;
	if (options.top_p != null) params.top_p = options.top_p;
	// Ollama's seed -1 means "random", which is OpenAI's default when no seed is sent.
	if (options.seed != null && options.seed >= 0) params.seed = options.seed;
	if (options.stop != null && options.stop.length > 0) params.stop = options.stop;
	if (options.frequency_penalty != null) params.frequency_penalty = options.frequency_penalty;
	if (options.presence_penalty != null) params.presence_penalty = options.presence_penalty;
	return params;
}
