/** `POST /api/embed` and the legacy `POST /api/embeddings`. */
import { Elysia } from "elysia";
import { ProxyError } from "../errors.ts";
import { jsonResponse } from "../http/responses.ts";
import { EmbeddingsRequest, EmbedRequest } from "../schemas/ollama-requests.ts";
import { EmbeddingsResponse, EmbedResponse, ErrorResponse } from "../schemas/ollama-responses.ts";
import { embeddingParams, embedInputs, embedResponse, vectorsInOrder } from "../translate/embeddings.ts";
import type { AppDeps } from "./deps.ts";

export function embedRoutes(deps: AppDeps) {
	/** Embedding routes word "not found" differently from chat (Go `%q`): `model "x" not found, try pulling it first`. */
	const upstreamId = async (model: string) => {
		const id = (await deps.catalog.target(model))?.id;
		if (id === undefined) throw new ProxyError(404, `model ${JSON.stringify(model)} not found, try pulling it first`);
		return id;
	};
	return new Elysia({ name: "embed" })
		.post(
			"/api/embed",
			async ({ body, request }) => {
				const start = deps.clock.nowNs();
				deps.requests.recordOf(request).model = body.model;
				const inputs = embedInputs(body.input);
				const id = await upstreamId(body.model);
				if (inputs.length === 0) return jsonResponse({ model: body.model, embeddings: [] });
				const sent = deps.clock.nowNs();
				const response = await deps.upstream.embed(embeddingParams(id, inputs, body.dimensions), {
					signal: request.signal,
					modelName: body.model,
				});
				const end = deps.clock.nowNs();
				return jsonResponse(
					embedResponse(body, response, {
						total: end - start,
						load: sent - start,
					}),
				);
			},
			{
				body: EmbedRequest,
				parse: "json",
				response: {
					200: EmbedResponse,
					400: ErrorResponse,
					404: ErrorResponse,
				},
				detail: {
					summary: "Embed one text or a batch; vectors are L2-normalised",
					tags: ["embeddings"],
				},
			},
		)
		.post(
			"/api/embeddings",
			async ({ body, request }) => {
				deps.requests.recordOf(request).model = body.model;
				const id = await upstreamId(body.model);
				if (!body.prompt) return jsonResponse({ embedding: [] });
				const response = await deps.upstream.embed(embeddingParams(id, [body.prompt]), {
					signal: request.signal,
					modelName: body.model,
				});
				return jsonResponse({ embedding: vectorsInOrder(response)[0] ?? [] });
			},
			{
				body: EmbeddingsRequest,
				parse: "json",
				response: {
					200: EmbeddingsResponse,
					400: ErrorResponse,
					404: ErrorResponse,
				},
				detail: {
					summary: "Legacy single embedding, returned as the upstream computed it",
					tags: ["embeddings"],
				},
			},
		);
}
