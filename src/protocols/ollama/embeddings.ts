/**
 * `/api/embed` and the legacy `/api/embeddings` ⇄ OpenAI `/embeddings`. Ollama L2-normalises every `/api/embed`
 * vector (truncating to `dimensions` first) but returns legacy vectors as they are.
 */
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import { badRequest } from "../../core/proxy-error.ts";
import type { EmbedRequest } from "./request-schemas.ts";
import type { EmbedResponse } from "./response-schemas.ts";

/** `input` as a list of texts: a string is one text; a missing or empty input is nothing to embed, as in Ollama. */
export function embedInputs(input: unknown): string[] {
	if (input === undefined || input === null) return [];
	if (typeof input === "string") return input === "" ? [] : [input];
	if (Array.isArray(input) && input.every((item) => typeof item === "string")) return input;
	throw badRequest("invalid input type");
}

/**
 * The upstream request. `dimensions` is not sent: the vectors are truncated and re-normalised here, as Ollama does,
 * which for models that support shortening gives the same vectors and for the others (ada-002, most vLLM models)
 * avoids a 400.
 */
export function embeddingParams(upstreamId: string, inputs: string[]): EmbeddingCreateParams {
	return { model: upstreamId, input: inputs, encoding_format: "float" };
}

export function normalize(vector: readonly number[], dimensions?: number | null): number[] {
	const kept = dimensions != null && dimensions < vector.length ? vector.slice(0, dimensions) : [...vector];
	const norm = Math.sqrt(kept.reduce((sum, x) => sum + x * x, 0));
	return norm === 0 ? kept : kept.map((x) => x / norm);
}

/** Vectors in input order: OpenAI tags each with `index` and does not promise the order of `data`. */
export function vectorsInOrder(response: CreateEmbeddingResponse): number[][] {
	return [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
}

export function embedResponse(
	request: Pick<EmbedRequest, "model" | "dimensions">,
	response: CreateEmbeddingResponse,
	durations: { total: number; load: number },
): EmbedResponse {
	return {
		model: request.model,
		embeddings: vectorsInOrder(response).map((v) => normalize(v, request.dimensions)),
		total_duration: Math.max(1, Math.round(durations.total)),
		load_duration: Math.max(1, Math.round(durations.load)),
		prompt_eval_count: response.usage?.prompt_tokens ?? 0,
	};
}
