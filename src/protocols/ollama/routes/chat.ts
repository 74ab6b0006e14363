/** `POST /api/chat` and `POST /api/generate`. */
import { Elysia } from "elysia";
import { modelNotFound } from "../../../core/proxy-error.ts";
import { tokenLimitKey } from "../../../core/token-limit.ts";
import { chatPiece, completionPiece } from "../../../core/upstream-chunks.ts";
import { jsonResponse } from "../../../http/json-response.ts";
import type { AppDeps } from "../../../pipeline/deps.ts";
import { routeFor } from "../../../pipeline/dispatch.ts";
import type { Route } from "../../../routing/model-registry.ts";
import { applyParamOverrides } from "../../../routing/param-overrides.ts";
import { answer, passThrough } from "../answer.ts";
import { chatToOpenAI, fillInMiddleToOpenAI, generateToOpenAI } from "../chat-request.ts";
import { collectChat, collectGenerate } from "../collect.ts";
import { chatLoadReply, generateLoadReply } from "../load-reply.ts";
import { ChatRequest, GenerateRequest } from "../request-schemas.ts";
import { ChatResponse, ErrorResponse, GenerateResponse } from "../response-schemas.ts";
import { chatLines, generateLines, translateChunks } from "../stream.ts";

export function chatRoutes(deps: AppDeps) {
	/** A load or unload request: a real Ollama does it; a remote model needs nothing but the reply. */
	async function loadOrUnload(request: Request, path: string, body: { model: string }, reply: () => object) {
		const route: Route = await routeFor(deps, request, body.model, () => modelNotFound(body.model));
		if (route.upstream.native) return passThrough(deps, request, route, path, body, body.model);
		return jsonResponse(reply());
	}

	return new Elysia({ name: "chat" })
		.post(
			"/api/chat",
			async ({ body, request, server }) => {
				// Answers can pause for minutes (reasoning models); the idle timer must not cut them.
				server?.timeout(request, 0);
				if (!body.messages?.length) {
					return loadOrUnload(request, "/api/chat", body, () =>
						chatLoadReply(body.model, body.keep_alive, deps.clock.wallTime()),
					);
				}
				const stream = body.stream ?? true;
				return answer(deps, {
					request,
					model: body.model,
					body,
					path: "/api/chat",
					stream,
					hideThinking: body.think === false,
					open: async (route, target, scope, ctx) => {
						const params = applyParamOverrides(
							chatToOpenAI(body, target, stream),
							route.params,
							tokenLimitKey("chat", target.id),
						);
						return translateChunks(await route.upstream.chat(params, scope), chatPiece, chatLines(ctx));
					},
					collect: collectChat,
				});
			},
			{
				body: ChatRequest,
				parse: "json",
				response: { 200: ChatResponse, 400: ErrorResponse, 404: ErrorResponse },
				detail: {
					summary: "Chat with a model",
					description:
						"Streams NDJSON unless `stream` is false. An empty `messages` loads (or with keep_alive 0 unloads) the model.",
					tags: ["inference"],
				},
			},
		)
		.post(
			"/api/generate",
			async ({ body, request, server }) => {
				server?.timeout(request, 0);
				if (body.model === "") throw modelNotFound("");
				if (!body.prompt && !body.images?.length && !body.suffix) {
					return loadOrUnload(request, "/api/generate", body, () =>
						generateLoadReply(body.model, body.keep_alive, deps.clock.wallTime()),
					);
				}
				const stream = body.stream ?? true;
				return answer(deps, {
					request,
					model: body.model,
					body,
					path: "/api/generate",
					stream,
					hideThinking: body.think === false,
					open: async (route, target, scope, ctx) => {
						if (body.suffix) {
							const params = applyParamOverrides(
								fillInMiddleToOpenAI(body, target, stream),
								route.params,
								tokenLimitKey("completions", target.id),
							);
							return translateChunks(await route.upstream.complete(params, scope), completionPiece, generateLines(ctx));
						}
						const params = applyParamOverrides(
							generateToOpenAI(body, target, stream),
							route.params,
							tokenLimitKey("chat", target.id),
						);
						return translateChunks(await route.upstream.chat(params, scope), chatPiece, generateLines(ctx));
					},
					collect: collectGenerate,
				});
			},
			{
				body: GenerateRequest,
				parse: "json",
				response: { 200: GenerateResponse, 400: ErrorResponse, 404: ErrorResponse },
				detail: {
					summary: "Complete a prompt",
					description:
						"Streams NDJSON unless `stream` is false. An empty `prompt` loads (or with keep_alive 0 unloads) the model.",
					tags: ["inference"],
				},
			},
		);
}
