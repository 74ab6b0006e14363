/** `POST /api/embed` and the legacy `POST /api/embeddings`. */
import { Elysia } from "elysia";
import { ProxyError } from "../../../core/proxy-error.ts";
import { jsonResponse } from "../../../http/json-response.ts";
import type { AppDeps } from "../../../pipeline/deps.ts";
import { dispatch, routeFor } from "../../../pipeline/dispatch.ts";
import { passThrough } from "../answer.ts";
import { embeddingParams, embedInputs, embedResponse, vectorsInOrder } from "../embeddings.ts";
import { EmbeddingsRequest, EmbedRequest } from "../request-schemas.ts";
import { EmbeddingsResponse, EmbedResponse, ErrorResponse } from "../response-schemas.ts";

/** Embedding routes word "not found" differently from chat (Go `%q`): `model "x" not found, try pulling it first`. */
const notFound = (model: string) => () =>
	new ProxyError(404, `model ${JSON.stringify(model)} not found, try pulling it first`);

export function embedRoutes(deps: AppDeps) {
	return new Elysia({ name: "embed" })
		.post(
			"/api/embed",
			async ({ body, request }) => {
				const start = deps.clock.nowNs();
				const inputs = embedInputs(body.input);
				const route = await routeFor(deps, request, body.model, notFound(body.model));
				if (route.upstream.native) return passThrough(deps, request, route, "/api/embed", body, body.model);
				if (inputs.length === 0) return jsonResponse({ model: body.model, embeddings: [] });
				const sent = deps.clock.nowNs();
				const response = await dispatch(
					deps,
					request,
					route,
					(current, scope) => current.upstream.embed(embeddingParams(current.facts.id, inputs), scope),
					body.model,
				);
				const end = deps.clock.nowNs();
				return jsonResponse(embedResponse(body, response, { total: end - start, load: sent - start }));
			},
			{
				body: EmbedRequest,
				parse: "json",
				response: { 200: EmbedResponse, 400: ErrorResponse, 404: ErrorResponse },
				detail: { summary: "Embed one text or a batch; vectors are L2-normalised", tags: ["embeddings"] },
			},
		)
		.post(
			"/api/embeddings",
			async ({ body, request }) => {
				const route = await routeFor(deps, request, body.model, notFound(body.model));
				if (route.upstream.native) return passThrough(deps, request, route, "/api/embeddings", body, body.model);
				const prompt = body.prompt;
				if (!prompt) return jsonResponse({ embedding: [] });
				const response = await dispatch(
					deps,
					request,
					route,
					(current, scope) => current.upstream.embed(embeddingParams(current.facts.id, [prompt]), scope),
					body.model,
				);
				return jsonResponse({ embedding: vectorsInOrder(response)[0] ?? [] });
			},
			{
				body: EmbeddingsRequest,
				parse: "json",
				response: { 200: EmbeddingsResponse, 400: ErrorResponse, 404: ErrorResponse },
				detail: { summary: "Legacy single embedding, returned as the upstream computed it", tags: ["embeddings"] },
			},
		);
}
