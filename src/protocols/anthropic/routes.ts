/**
 * Anthropic's Messages API, as Ollama ≥ 0.14 serves it and Claude Code calls it (`ANTHROPIC_BASE_URL`):
 * `POST /v1/messages` translated onto the route's upstream chat completions, `POST /v1/messages/count_tokens`
 * (an estimate: Ollama has no such route). Other `/v1/messages/*` paths are the app's 404, in Anthropic's shape there.
 */
import { Elysia } from "elysia";
import { badRequest, modelNotFound } from "../../core/proxy-error.ts";
import { ORPHANS_LOGGED } from "../../core/tool-history.ts";
import { jsonResponse } from "../../http/json-response.ts";
import { agentAnswer } from "../../pipeline/agent-answer.ts";
import type { AppDeps } from "../../pipeline/deps.ts";
import { routeFor } from "../../pipeline/dispatch.ts";
import { relayOrTranslate } from "../../pipeline/protocol-relay.ts";
import { anthropicProtocol } from "./descriptor.ts";
import { orphanResults } from "./messages.ts";
import { thinkOf, toChatParams } from "./request.ts";
import { CountTokensRequest, MessagesRequest, requestProblem } from "./schema.ts";
import { renderer } from "./stream.ts";
import { estimateInputTokens } from "./token-estimate.ts";

/** Blocks and tools the proxy cannot take are a 400 before the model is even looked up, as in Ollama. */
function checked<T extends Parameters<typeof requestProblem>[0]>(body: T): T {
	const problem = requestProblem(body);
	if (problem) throw badRequest(problem);
	return body;
}

export function messagesRoutes(deps: AppDeps) {
	return new Elysia({ name: "messages" })
		.post(
			"/v1/messages",
			async ({ body: sent, request, server }) => {
				const body = checked(sent);
				// Long prefills and reasoning can be quiet for minutes; the idle timer must not cut them.
				server?.timeout(request, 0);
				return relayOrTranslate(deps, anthropicProtocol, { request, body, model: body.model }, (resolved) => {
					// Only a translated answer needs these; a relayed one is the upstream's own.
					const estimatedInputTokens = estimateInputTokens(body);
					const requestId = deps.requests.recordOf(request).id;
					// Found by translating the history once more: only worth it when the line is written.
					if (deps.log.isLevelEnabled("debug")) {
						const orphans = orphanResults(body.messages);
						if (orphans.length > 0) deps.log.debug({ reqId: requestId, callIds: orphans }, ORPHANS_LOGGED);
					}
					return agentAnswer(deps, {
						request,
						model: body.model,
						resolved,
						// Claude Code sends `accept: application/json` even when it streams: only the body decides.
						stream: body.stream ?? false,
						path: "/v1/messages",
						params: (target, facts) =>
							toChatParams(body, target, {
								// The configured fallback is a guess, not the model's window: clamping to it could starve answers.
								contextLength:
									facts.contextLength === deps.settings.defaultContextLength ? undefined : facts.contextLength,
								keepBillingHeader: deps.settings.agents.keep_billing_header,
							}),
						renderer: () =>
							renderer({
								model: body.model,
								requestId,
								estimatedInputTokens,
								hideThinking: thinkOf(body) === false,
							}),
					});
				});
			},
			{
				body: MessagesRequest,
				parse: "json",
				detail: {
					summary: "Anthropic Messages",
					description:
						"Anthropic's Messages API translated onto the model's upstream chat completions: one `message` object, " +
						"or SSE events when `stream` is true. Errors come in Anthropic's shape.",
					tags: ["anthropic"],
				},
			},
		)
		.post(
			"/v1/messages/count_tokens",
			async ({ body, request }) => {
				checked(body);
				await routeFor(deps, request, body.model, () => modelNotFound(body.model));
				// Ollama's len/4 estimate (see token-estimate.ts): no upstream tokenizer is asked.
				return jsonResponse({ input_tokens: estimateInputTokens(body) });
			},
			{
				body: CountTokensRequest,
				parse: "json",
				detail: {
					summary: "Count a Messages request's input tokens (estimate)",
					description:
						"An estimate, as Ollama makes it: the UTF-8 length of the system prompt, messages and tools divided by 4. " +
						"Images are not counted.",
					tags: ["anthropic"],
				},
			},
		);
}
