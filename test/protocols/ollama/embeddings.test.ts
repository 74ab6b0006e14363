import { describe, expect, test } from "bun:test";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import {
	embeddingParams,
	embedInputs,
	embedResponse,
	normalize,
	vectorsInOrder,
} from "../../../src/protocols/ollama/embeddings.ts";

/** An OpenAI embeddings response whose `data` lists the vectors in the given order. */
function openAIResponse(
	data: ReadonlyArray<{ index: number; embedding: number[] }>,
	promptTokens?: number,
): CreateEmbeddingResponse {
	return {
		object: "list",
		model: "text-embedding-3-small",
		data: data.map(({ index, embedding }) => ({ object: "embedding", index, embedding })),
		...(promptTokens !== undefined && { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
	} as CreateEmbeddingResponse;
}

describe("embedInputs: `input` as the list of texts to embed", () => {
	test.each<{ kind: string; input: unknown; texts: string[] }>([
		{ kind: "a string is one text", input: "Hello", texts: ["Hello"] },
		{ kind: "an empty string is nothing to embed", input: "", texts: [] },
		{ kind: "a missing input is nothing to embed", input: undefined, texts: [] },
		{ kind: "a null input is nothing to embed", input: null, texts: [] },
		{ kind: "a list of strings, in order", input: ["a", "b"], texts: ["a", "b"] },
		{ kind: "an empty list is nothing to embed", input: [], texts: [] },
		{ kind: "empty strings inside a list are kept", input: ["", "b"], texts: ["", "b"] },
	])("$kind", ({ input, texts }) => {
		expect(embedInputs(input)).toEqual(texts);
	});
});

describe("embedInputs: anything but a string or a list of strings is 400 `invalid input type`", () => {
	test.each<{ kind: string; input: unknown }>([
		{ kind: "a number", input: 5 },
		{ kind: "a boolean", input: true },
		{ kind: "an object", input: { text: "a" } },
		{ kind: "a list with a number", input: ["a", 1] },
		{ kind: "a list of lists", input: [["a"]] },
		{ kind: "a list of token ids", input: [1, 2, 3] },
	])("$kind", ({ input }) => {
		let error: unknown;
		try {
			embedInputs(input);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ProxyError);
		expect({ status: (error as ProxyError).status, message: (error as ProxyError).message }).toEqual({
			status: 400,
			message: "invalid input type",
		});
	});
});

describe("embeddingParams: the OpenAI /embeddings request", () => {
	test("model, inputs and float encoding; dimensions are applied here, not sent", () => {
		const params: EmbeddingCreateParams = {
			model: "text-embedding-3-small",
			input: ["a", "b"],
			encoding_format: "float",
		};
		expect(embeddingParams("text-embedding-3-small", ["a", "b"])).toEqual(params);
	});
});

describe("normalize: L2 normalisation, after truncating to `dimensions`", () => {
	test.each<{ kind: string; vector: number[]; dimensions?: number | null; normalized: number[] }>([
		{ kind: "a 3-4-5 vector", vector: [3, 4], normalized: [0.6, 0.8] },
		{ kind: "a 1-2-2 vector", vector: [1, 2, 2], normalized: [1 / 3, 2 / 3, 2 / 3] },
		{ kind: "negative components", vector: [-3, 0, 4], normalized: [-0.6, 0, 0.8] },
		{ kind: "an already unit vector is unchanged", vector: [0, 1, 0], normalized: [0, 1, 0] },
		{ kind: "null dimensions keep every component", vector: [3, 4], dimensions: null, normalized: [0.6, 0.8] },
		{ kind: "truncated, then re-normalised", vector: [3, 4, 12], dimensions: 2, normalized: [0.6, 0.8] },
		{ kind: "truncated to one component", vector: [-2, 5], dimensions: 1, normalized: [-1] },
		{ kind: "dimensions equal to the length", vector: [3, 4], dimensions: 2, normalized: [0.6, 0.8] },
		{ kind: "dimensions beyond the length", vector: [3, 4], dimensions: 10, normalized: [0.6, 0.8] },
		{ kind: "the zero vector stays zero", vector: [0, 0, 0], normalized: [0, 0, 0] },
		{ kind: "an empty vector stays empty", vector: [], normalized: [] },
	])("$kind", ({ vector, dimensions, normalized }) => {
		expect(normalize(vector, dimensions)).toEqual(normalized);
	});

	test("the input vector is not modified", () => {
		const vector = [3, 4, 12];
		normalize(vector, 2);
		normalize(vector);
		expect(vector).toEqual([3, 4, 12]);
	});
});

describe("vectorsInOrder: vectors in input order, whatever the order of `data`", () => {
	test.each<{ kind: string; data: { index: number; embedding: number[] }[]; vectors: number[][] }>([
		{
			kind: "already in order",
			data: [
				{ index: 0, embedding: [1] },
				{ index: 1, embedding: [2] },
			],
			vectors: [[1], [2]],
		},
		{
			kind: "shuffled",
			data: [
				{ index: 2, embedding: [3] },
				{ index: 0, embedding: [1] },
				{ index: 1, embedding: [2] },
			],
			vectors: [[1], [2], [3]],
		},
		{ kind: "no data", data: [], vectors: [] },
	])("$kind", ({ data, vectors }) => {
		expect(vectorsInOrder(openAIResponse(data, 1))).toEqual(vectors);
	});
});

describe("embedResponse: the /api/embed body", () => {
	test.each<{
		kind: string;
		request: { model: string; dimensions?: number | null };
		response: CreateEmbeddingResponse;
		durations: { total: number; load: number };
		body: string;
	}>([
		{
			kind: "normalised vectors in input order, the three metrics always present (contract case 19)",
			request: { model: "all-minilm" },
			response: openAIResponse(
				[
					{ index: 1, embedding: [0, 2] },
					{ index: 0, embedding: [3, 4] },
				],
				8,
			),
			durations: { total: 14_143_917, load: 1_019_500 },
			body: '{"model":"all-minilm","embeddings":[[0.6,0.8],[0,1]],"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":8}',
		},
		{
			kind: "dimensions truncate and re-normalise every vector",
			request: { model: "text-embedding-3-small:latest", dimensions: 2 },
			response: openAIResponse([{ index: 0, embedding: [3, 4, 12, 84] }], 1),
			durations: { total: 2_000_000, load: 500_000 },
			body: '{"model":"text-embedding-3-small:latest","embeddings":[[0.6,0.8]],"total_duration":2000000,"load_duration":500000,"prompt_eval_count":1}',
		},
		{
			kind: "durations are rounded to whole nanoseconds, at least 1",
			request: { model: "all-minilm", dimensions: null },
			response: openAIResponse([{ index: 0, embedding: [1] }], 2),
			durations: { total: 1234.6, load: 0.2 },
			body: '{"model":"all-minilm","embeddings":[[1]],"total_duration":1235,"load_duration":1,"prompt_eval_count":2}',
		},
		{
			kind: "a response without usage counts 0 prompt tokens",
			request: { model: "all-minilm" },
			response: openAIResponse([{ index: 0, embedding: [0, 0] }]),
			durations: { total: 0, load: -5 },
			body: '{"model":"all-minilm","embeddings":[[0,0]],"total_duration":1,"load_duration":1,"prompt_eval_count":0}',
		},
	])("$kind", ({ request, response, durations, body }) => {
		expect(JSON.stringify(embedResponse(request, response, durations))).toBe(body);
	});
});
