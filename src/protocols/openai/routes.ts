/**
 * The OpenAI-compatible surface Ollama itself serves under `/v1`. GitHub Copilot's Ollama provider discovers models
 * through `/api/*` and then chats here, and OpenAI-SDK users point at it directly. Requests are relayed to the
 * upstream as they are, with the model name mapped from its Ollama spelling to the upstream id; the answer's bytes
 * (SSE or JSON) come back untouched, so every field the upstream sends reaches the client.
 */
import type { Server } from "bun";
import { Elysia } from "elysia";
import { z } from "zod";
import { requiredModel } from "../../core/model-field.ts";
import { modelNotFound } from "../../core/proxy-error.ts";
import { tokenLimitKey } from "../../core/token-limit.ts";
import { jsonResponse } from "../../http/json-response.ts";
import { relayed } from "../../http/relay.ts";
import type { AppDeps } from "../../pipeline/deps.ts";
import { dispatch, routeFor, visibleRoutes } from "../../pipeline/dispatch.ts";
import { relayAccounting } from "../../pipeline/relay-accounting.ts";
import { listedForChat, type ModelFacts } from "../../routing/model-facts.ts";
import { applyParamOverrides } from "../../routing/param-overrides.ts";
import type { OpenAIPath } from "../../upstream/upstream.ts";

/** Only what the proxy reads; everything else is relayed as sent. */
export const OpenAIRequest = z.looseObject({
	model: requiredModel,
	stream: z.boolean().nullish(),
});

function openAIModel(facts: ModelFacts) {
	return {
		id: facts.name,
		object: "model",
		created: Math.floor(facts.modifiedAt.getTime() / 1000),
		owned_by: facts.family,
	};
}

export function openAICompatRoutes(deps: AppDeps) {
	const relay =
		(path: OpenAIPath) =>
		async ({
			body,
			request,
			server,
		}: {
			body: z.infer<typeof OpenAIRequest>;
			request: Request;
			server: Server<unknown> | null;
		}) => {
			// A relayed stream can be quiet for minutes (reasoning): Bun's idle timer must not cut it.
			server?.timeout(request, 0);
			const route = await routeFor(deps, request, body.model, () => modelNotFound(body.model));
			const accounting = relayAccounting(deps, request);
			const upstream = await dispatch(
				deps,
				request,
				route,
				(current, scope) => {
					accounting.answeredBy(current.upstream.name);
					const sent = { ...body, model: current.facts.id };
					const overridden =
						path === "/embeddings"
							? sent
							: applyParamOverrides(
									sent,
									current.params,
									tokenLimitKey(path === "/chat/completions" ? "chat" : "completions", current.facts.id),
								);
					return current.upstream.forward(path, overridden, scope);
				},
				body.model,
				{ watch: accounting.watch },
			);
			return accounting.answer(relayed(upstream));
		};
	const doc = (summary: string) => ({
		body: OpenAIRequest,
		parse: "json" as const,
		detail: { summary, tags: ["openai"] },
	});

	return new Elysia({ name: "openai-compat" })
		.post("/v1/chat/completions", relay("/chat/completions"), doc("OpenAI chat completions (SSE or JSON), relayed"))
		.post("/v1/completions", relay("/completions"), doc("OpenAI text completions, relayed"))
		.post("/v1/embeddings", relay("/embeddings"), doc("OpenAI embeddings, relayed"))
		.get(
			"/v1/models",
			async ({ request }) =>
				jsonResponse({
					object: "list",
					data: (await visibleRoutes(deps, request))
						.filter((r) => listedForChat(r.facts))
						.map((r) => openAIModel(r.facts)),
				}),
			{ detail: { summary: "The models of /api/tags, in OpenAI's shape", tags: ["openai"] } },
		)
		.get(
			"/v1/models/*",
			async ({ params, request }) => {
				let name: string;
				try {
					name = decodeURIComponent(params["*"]);
				} catch {
					throw modelNotFound(params["*"]);
				}
				const route = await routeFor(deps, request, name, () => modelNotFound(name));
				return jsonResponse(openAIModel(route.facts));
			},
			{ detail: { summary: "One model, in OpenAI's shape", tags: ["openai"] } },
		);
}
