/** Liveness and version probes: what Copilot, Open WebUI and the Ollama CLI call before anything else. */
import { Elysia } from "elysia";
import { jsonResponse } from "../http/responses.ts";
import { HealthResponse, VersionResponse } from "../schemas/ollama-responses.ts";
import { OLLAMA_COMPAT_VERSION, PROXY_VERSION } from "../version.ts";

export const metaRoutes = new Elysia({ name: "meta" })
	.get(
		"/",
		() =>
			new Response("Ollama is running", {
				headers: { "content-type": "text/plain; charset=utf-8" },
			}),
		{
			detail: {
				summary: "Liveness probe, as Ollama answers it",
				tags: ["meta"],
			},
		},
	)
	.get("/api/version", () => jsonResponse({ version: OLLAMA_COMPAT_VERSION }), {
		response: VersionResponse,
		detail: {
			summary: "The Ollama API version this proxy speaks",
			tags: ["meta"],
		},
	})
	.get("/health", () => jsonResponse({ status: "healthy", version: PROXY_VERSION }), {
		response: HealthResponse,
		detail: {
			summary: "Liveness of the proxy itself, with its version",
			tags: ["meta"],
		},
	});
