/** Model discovery (`/api/tags`, `/api/show`, `/api/ps`) and `/api/pull`, which has nothing to download. */
import { Elysia } from "elysia";
import { badRequest, ProxyError } from "../../../core/proxy-error.ts";
import { jsonResponse } from "../../../http/json-response.ts";
import { ndjsonResponse } from "../../../http/ndjson.ts";
import type { AppDeps } from "../../../pipeline/deps.ts";
import { routeFor, visibleRoutes } from "../../../pipeline/dispatch.ts";
import { listedForChat } from "../../../routing/model-facts.ts";
import { ollamaName } from "../../../routing/model-names.ts";
import type { Route } from "../../../routing/model-registry.ts";
import { passThrough } from "../answer.ts";
import { runningEntry, showResponse, tagsEntry } from "../model-info.ts";
import { ModelRef } from "../request-schemas.ts";
import { ErrorResponse, PsResponse, ShowResponse, StatusResponse, TagsResponse } from "../response-schemas.ts";

/** `model`, or `name` as older clients send it; 400 when neither is there. */
function requestedModel(body: ModelRef): string {
	const model = body.model || body.name;
	if (!model) throw badRequest("model is required");
	return model;
}

// What `ollama pull` prints for a model that is already present; clients such as ollama-js stop at "success".
const PULL_PROGRESS = ["pulling manifest", "verifying sha256 digest", "writing manifest", "success"];

async function* pullProgress() {
	for (const status of PULL_PROGRESS) yield { status };
}

/** A real Ollama's models keep their own entry (size, digest, details); remote ones get theirs built. */
const listEntry = (route: Route) => route.native ?? tagsEntry(route.facts);

export function modelRoutes(deps: AppDeps) {
	const find = (request: Request, body: ModelRef) => {
		const model = requestedModel(body);
		// Ollama's show and pull name the model with its tag in "not found".
		return routeFor(deps, request, model, () => new ProxyError(404, `model '${ollamaName(model)}' not found`));
	};
	return (
		new Elysia({ name: "models" })
			.get(
				"/api/tags",
				async ({ request }) => {
					const routes = (await visibleRoutes(deps, request)).filter((route) => listedForChat(route.facts));
					return jsonResponse({ models: routes.map(listEntry) });
				},
				{
					response: TagsResponse,
					detail: { summary: "List every upstream's models under Ollama names", tags: ["models"] },
				},
			)
			.post(
				"/api/show",
				async ({ body, request }) => {
					const route = await find(request, body);
					if (route.upstream.native) return passThrough(deps, request, route, "/api/show", body, requestedModel(body));
					return jsonResponse(showResponse(route.facts));
				},
				{
					body: ModelRef,
					parse: "json",
					response: { 200: ShowResponse, 400: ErrorResponse, 404: ErrorResponse },
					detail: { summary: "Describe a model: capabilities, context length, template", tags: ["models"] },
				},
			)
			// Remote models are never "loaded" in this process; a real Ollama (each replica of a fleet) says what it has.
			.get(
				"/api/ps",
				async ({ request }) => {
					const record = deps.requests.recordOf(request);
					const scope = { signal: request.signal };
					const lists = await Promise.allSettled(
						deps.settings.upstreams.map(async (settings) => {
							const running = (await deps.upstreams.get(settings.name)?.running?.(scope)) ?? [];
							return running.map((entry) => runningEntry(entry, settings.prefix));
						}),
					);
					const models = lists
						.flatMap((list) => (list.status === "fulfilled" ? list.value : []))
						.filter((entry) => record.allows(entry.name as string));
					return jsonResponse({ models });
				},
				{
					response: PsResponse,
					detail: {
						summary: "Running models: what each real Ollama upstream (every replica of a fleet) has loaded",
						tags: ["models"],
					},
				},
			)
			.post(
				"/api/pull",
				async ({ body, request }) => {
					const route = await find(request, body);
					if (route.upstream.native) return passThrough(deps, request, route, "/api/pull", body, requestedModel(body));
					if (body.stream === false) return jsonResponse({ status: "success" });
					return ndjsonResponse(pullProgress(), {
						toError: () => new ProxyError(500, "internal error"),
						onEnd: () => {},
					});
				},
				{
					body: ModelRef,
					parse: "json",
					response: { 200: StatusResponse, 400: ErrorResponse, 404: ErrorResponse },
					detail: {
						summary: "Succeeds for a model an upstream serves; there is nothing to download",
						tags: ["models"],
					},
				},
			)
	);
}
