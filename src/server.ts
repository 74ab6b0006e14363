/**
 * Wires the real dependencies from Settings: one Upstream per configured upstream, the model registry over them,
 * the app. Shared by the CLI and by tests that need the whole server as a user runs it.
 */
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { systemClock } from "./clock.ts";
import type { Settings } from "./config/settings.ts";
import { requestLog } from "./http/request-context.ts";
import { proxyMetrics } from "./metrics/proxy-metrics.ts";
import { modelRegistry } from "./routing/model-registry.ts";
import { createUpstream } from "./upstream/create-upstream.ts";
import type { Upstream } from "./upstream/upstream.ts";

/** The env-only setup names its key's variable in errors; a file setup names the upstream. */
function keyHint(settings: Settings, upstream: Settings["upstreams"][number]): string | undefined {
	if (settings.configFile) return undefined;
	return upstream.api_key ? "check OPENAI_API_KEY" : "OPENAI_API_KEY is not set";
}

export function buildDeps(settings: Settings, log: Logger) {
	const upstreams = new Map<string, Upstream>(
		settings.upstreams.map((u) => [u.name, createUpstream(u, { keyHint: keyHint(settings, u) })]),
	);
	const registry = modelRegistry({ settings, upstreams, log });
	const metrics = proxyMetrics();
	return { settings, registry, log, clock: systemClock, requests: requestLog(log, metrics), metrics };
}

export function startServer(settings: Settings, log: Logger) {
	if (!settings.configFile && !settings.upstreams[0]?.api_key) {
		log.warn("OPENAI_API_KEY is not set: requests go upstream without a key, which only keyless servers accept");
	}
	const app = createApp(buildDeps(settings, log));
	app.listen({ hostname: settings.host, port: settings.port });
	log.info(
		{
			host: settings.host,
			port: app.server?.port,
			// Host and path only: a base URL may carry credentials (user:pass@host, ?key=…).
			upstreams: settings.upstreams.map((u) => {
				const url = new URL(u.base_url);
				return `${u.name}=${url.origin}${url.pathname}`;
			}),
		},
		"ollama-proxy listening",
	);
	return app;
}
