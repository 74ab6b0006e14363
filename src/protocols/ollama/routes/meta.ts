/** Probes and operations: what Copilot, Open WebUI and the Ollama CLI call first, plus health, readiness, metrics. */
import { Elysia } from "elysia";
import { jsonResponse } from "../../../http/json-response.ts";
import { OLLAMA_COMPAT_VERSION, PROXY_VERSION } from "../../../lib/version.ts";
import type { AppDeps } from "../../../pipeline/deps.ts";
import { CloudStatusResponse, HealthResponse, VersionResponse } from "../response-schemas.ts";

export function metaRoutes(deps: AppDeps) {
	return (
		new Elysia({ name: "meta" })
			.get("/", () => new Response("Ollama is running", { headers: { "content-type": "text/plain; charset=utf-8" } }), {
				detail: { summary: "Liveness probe, as Ollama answers it", tags: ["meta"] },
			})
			.get("/api/version", () => jsonResponse({ version: OLLAMA_COMPAT_VERSION }), {
				response: VersionResponse,
				detail: { summary: "The Ollama API version this proxy speaks", tags: ["meta"] },
			})
			// No Ollama cloud stands behind the proxy: clients that ask (the Ollama app, the CLI) hide cloud models and sign-in.
			.get("/api/status", () => jsonResponse({ cloud: { disabled: true, source: "ollama-proxy" } }), {
				response: CloudStatusResponse,
				detail: {
					summary: "Ollama cloud status: always disabled, there is no Ollama cloud behind the proxy",
					tags: ["meta"],
				},
			})
			.get("/health", () => jsonResponse({ status: "healthy", version: PROXY_VERSION }), {
				response: HealthResponse,
				detail: { summary: "Liveness of the proxy itself, with its version", tags: ["meta"] },
			})
			.get(
				"/health/ready",
				async () => {
					// Ready once some upstream can list models: one upstream down must not take every replica out.
					const models = await deps.registry.list().then(
						(routes) => routes.length,
						() => 0,
					);
					const upstreams = deps.registry.status();
					return jsonResponse(
						{ status: models > 0 ? "ready" : "not ready", models, upstreams },
						models > 0 ? 200 : 503,
					);
				},
				{ detail: { summary: "Readiness: at least one model can be served", tags: ["meta"] } },
			)
			.get(
				"/metrics",
				() =>
					new Response(deps.metrics.render(), {
						headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
					}),
				{ detail: { summary: "Prometheus metrics", tags: ["meta"] } },
			)
	);
}
