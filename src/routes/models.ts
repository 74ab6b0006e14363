/** Model discovery (`/api/tags`, `/api/show`, `/api/ps`) and `/api/pull`, which has nothing to download. */
import { Elysia } from "elysia";
import { badRequest, ProxyError } from "../errors.ts";
import { ndjsonResponse } from "../http/ndjson.ts";
import { jsonResponse } from "../http/responses.ts";
import { ModelRef } from "../schemas/ollama-requests.ts";
import { ErrorResponse, PsResponse, ShowResponse, StatusResponse, TagsResponse } from "../schemas/ollama-responses.ts";
import { showResponse, tagsEntry } from "../translate/model-metadata.ts";
import { normalizedName } from "../translate/model-names.ts";
import type { AppDeps } from "./deps.ts";

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

export function modelRoutes(deps: AppDeps) {
	const facts = async (body: ModelRef) => {
		const model = requestedModel(body);
		const found = await deps.catalog.find(model);
		if (!found) throw new ProxyError(404, `model '${normalizedName(model)}' not found`);
		return found;
	};
	return (
		new Elysia({ name: "models" })
			.get("/api/tags", async () => jsonResponse({ models: (await deps.catalog.list()).map(tagsEntry) }), {
				response: TagsResponse,
				detail: {
					summary: "List the upstream's models under Ollama names",
					tags: ["models"],
				},
			})
			.post("/api/show", async ({ body }) => jsonResponse(showResponse(await facts(body))), {
				body: ModelRef,
				parse: "json",
				response: {
					200: ShowResponse,
					400: ErrorResponse,
					404: ErrorResponse,
				},
				detail: {
					summary: "Describe a model: capabilities, context length, template",
					tags: ["models"],
				},
			})
			// Remote models are never "loaded" in this process, so none is reported as running.
			.get("/api/ps", () => jsonResponse({ models: [] }), {
				response: PsResponse,
				detail: {
					summary: "Running models (always none: the upstream runs them)",
					tags: ["models"],
				},
			})
			.post(
				"/api/pull",
				async ({ body }) => {
					await facts(body);
					if (body.stream === false) return jsonResponse({ status: "success" });
					return ndjsonResponse(pullProgress(), {
						toError: () => new ProxyError(500, "internal error"),
						onEnd: () => {},
					});
				},
				{
					body: ModelRef,
					parse: "json",
					response: {
						200: StatusResponse,
						400: ErrorResponse,
						404: ErrorResponse,
					},
					detail: {
						summary: "Succeeds for a model the upstream serves; there is nothing to download",
						tags: ["models"],
					},
				},
			)
	);
}
