/**
 * `POST /v1/responses` (OpenAI's Responses API, as Codex and `openai.responses` speak it), translated onto the
 * route's upstream chat completions. Stateless: nothing is stored, so the other `/v1/responses/*` routes find nothing.
 */
import { Elysia } from "elysia";
import { modelNotFound, ProxyError } from "../../core/proxy-error.ts";
import { ORPHANS_LOGGED } from "../../core/tool-history.ts";
import { jsonResponse } from "../../http/json-response.ts";
import { randomId } from "../../lib/random-id.ts";
import { agentAnswer } from "../../pipeline/agent-answer.ts";
import type { AppDeps } from "../../pipeline/deps.ts";
import { routeFor } from "../../pipeline/dispatch.ts";
import { relayOrTranslate } from "../../pipeline/protocol-relay.ts";
import { responsesProtocol } from "./descriptor.ts";
import { responsesErrorResponse } from "./errors.ts";
import {
	estimatePromptTokens,
	prepareResponses,
	refuseInvalidFields,
	refuseStatefulFields,
	toChatParams,
} from "./request.ts";
import { ResponsesRequest } from "./schema.ts";
import { renderer } from "./stream.ts";

// OpenAI's own Responses ids carry 96 random bits.
const newId = (prefix: string) => randomId(prefix, 12);

/**
 * The 404 OpenAI answers for a response id it does not know; the id is the path's first segment. Returned, not
 * thrown: these routes come before the app's error handler.
 */
function missing(rest: string): Response {
	return responsesErrorResponse(new ProxyError(404, `Response with id '${rest.split("/")[0]}' not found.`));
}

export function responsesRoutes(deps: AppDeps) {
	const now = () => Math.floor(deps.clock.wallTime().getTime() / 1000);

	return new Elysia({ name: "responses" })
		.post(
			"/v1/responses",
			async ({ body, request, server }) => {
				// Answers can pause for minutes (reasoning models); the idle timer must not cut them.
				server?.timeout(request, 0);
				// Nothing is stored, here or (through a fallback) upstream: stateful fields are refused either way.
				refuseStatefulFields(body);
				// What OpenAI's API refuses is refused here too, relayed or translated, before any upstream call.
				refuseInvalidFields(body);
				// An upstream that speaks the protocol gets the input as sent, items the translation cannot read included.
				return relayOrTranslate(deps, responsesProtocol, { request, body, model: body.model }, (resolved) => {
					const prepared = prepareResponses(body);
					const reqId = deps.requests.recordOf(request).id;
					if (prepared.dropped.length > 0) {
						deps.log.debug({ reqId, dropped: prepared.dropped }, "hosted tools dropped: no upstream can run them");
					}
					if (prepared.orphans.length > 0) {
						deps.log.debug({ reqId, callIds: prepared.orphans }, ORPHANS_LOGGED);
					}
					return agentAnswer(deps, {
						request,
						model: body.model,
						resolved,
						stream: body.stream ?? false,
						path: "/v1/responses",
						params: (target) => toChatParams(body, prepared, target),
						renderer: () =>
							renderer({
								request: body,
								names: prepared.names,
								now,
								newId,
								promptEstimate: estimatePromptTokens(prepared),
								strictIncomplete: deps.settings.agents.strict_incomplete,
							}),
					});
				});
			},
			{
				body: ResponsesRequest,
				parse: "json",
				detail: {
					summary: "Create a model response (OpenAI Responses API)",
					description:
						"Translated onto the model's chat completions. Streams server-sent events when `stream` is true. " +
						"Stateless: `previous_response_id`, `conversation`, `background` and `prompt` are refused; hosted " +
						"tools (web_search, …) are dropped.",
					tags: ["openai"],
				},
			},
		)
		.post(
			"/v1/responses/input_tokens",
			async ({ body, request }) => {
				const prepared = prepareResponses(body);
				await routeFor(deps, request, body.model, () => modelNotFound(body.model));
				return jsonResponse({ object: "response.input_tokens", input_tokens: estimatePromptTokens(prepared) });
			},
			{
				body: ResponsesRequest,
				parse: "json",
				detail: {
					summary: "Estimate a request's input tokens",
					description: "About four characters per token of the translated conversation and tools.",
					tags: ["openai"],
				},
			},
		);
}

/**
 * Stored responses and their sub-resources (`/input_items`, `/cancel`, DELETE): nothing is ever stored, so OpenAI's
 * 404. No body is read: register it before the body parser, as `unsupportedRoutes` is.
 */
export const storedResponsesRoutes = new Elysia({ name: "stored-responses" }).all(
	"/v1/responses/*",
	({ params }) => missing(params["*"]),
	{ detail: { hide: true } },
);
