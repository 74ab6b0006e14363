/** `POST /api/chat` and `POST /api/generate`. */
import { Elysia } from "elysia";
import { modelNotFound } from "../errors.ts";
import { jsonResponse } from "../http/responses.ts";
import { ChatRequest, GenerateRequest } from "../schemas/ollama-requests.ts";
import { ChatResponse, ErrorResponse, GenerateResponse } from "../schemas/ollama-responses.ts";
import { chatToOpenAI, fillInMiddleToOpenAI, generateToOpenAI } from "../translate/chat-request.ts";
import { collectChat, collectGenerate } from "../translate/collect.ts";
import { chatLoadReply, generateLoadReply } from "../translate/load-reply.ts";
import { chatStream, generateStream } from "../translate/ollama-stream.ts";
import { chatPiece, completionPiece, piecesOf } from "../translate/upstream-events.ts";
import type { AppDeps } from "./deps.ts";
import { answer, resolveTarget } from "./inference.ts";

export function chatRoutes(deps: AppDeps) {
	return new Elysia({ name: "chat" })
		.post(
			"/api/chat",
			async ({ body, request, server }) => {
				// Answers can pause for minutes (reasoning models); the idle timer must not cut them.
				server?.timeout(request, 0);
				if (!body.messages?.length) {
					await resolveTarget(deps, body.model);
					return jsonResponse(chatLoadReply(body.model, body.keep_alive, deps.clock.wallTime()));
				}
				return answer(deps, {
					request,
					model: body.model,
					stream: body.stream ?? true,
					hideThinking: body.think === false,
					send: async (target, scope) =>
						piecesOf(await deps.upstream.chat(chatToOpenAI(body, target), scope), chatPiece),
					translate: chatStream,
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
					await resolveTarget(deps, body.model);
					return jsonResponse(generateLoadReply(body.model, body.keep_alive, deps.clock.wallTime()));
				}
				return answer(deps, {
					request,
					model: body.model,
					stream: body.stream ?? true,
					hideThinking: body.think === false,
					send: async (target, scope) =>
						body.suffix
							? piecesOf(await deps.upstream.complete(fillInMiddleToOpenAI(body, target), scope), completionPiece)
							: piecesOf(await deps.upstream.chat(generateToOpenAI(body, target), scope), chatPiece),
					translate: generateStream,
					collect: collectGenerate,
				});
			},
			{
				body: GenerateRequest,
				parse: "json",
				response: {
					200: GenerateResponse,
					400: ErrorResponse,
					404: ErrorResponse,
				},
				detail: {
					summary: "Complete a prompt",
					description:
						"Streams NDJSON unless `stream` is false. An empty `prompt` loads (or with keep_alive 0 unloads) the model.",
					tags: ["inference"],
				},
			},
		);
}
