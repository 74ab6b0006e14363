/**
 * Wires the real dependencies from a Config and starts listening. Shared by the CLI and by tests that need the
 * whole server as a user runs it.
 */
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { requestLog } from "./http/request-context.ts";
import { dialectOf } from "./translate/dialect.ts";
import { modelCatalog } from "./upstream/model-catalog.ts";
import { openAIUpstream } from "./upstream/openai-upstream.ts";

export function startServer(config: Config, log: Logger) {
	if (!config.OPENAI_API_KEY) {
		log.warn("OPENAI_API_KEY is not set: requests go upstream without a key, which only keyless servers accept");
	}
	const upstream = openAIUpstream({
		baseURL: config.OPENAI_BASE_URL,
		apiKey: config.OPENAI_API_KEY,
		firstByteTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
	});
	const catalog = modelCatalog(upstream, {
		ttlMs: config.MODELS_CACHE_TTL_MS,
		dialect: config.UPSTREAM_DIALECT ?? dialectOf(config.OPENAI_BASE_URL),
		defaultContextLength: config.DEFAULT_CONTEXT_LENGTH,
		log,
	});
	const app = createApp({
		config,
		upstream,
		catalog,
		log,
		clock: systemClock,
		requests: requestLog(log),
	});
	app.listen({ hostname: config.HOST, port: config.PORT });
	log.info(
		{
			host: config.HOST,
			port: app.server?.port,
			upstream: config.OPENAI_BASE_URL,
		},
		"ollama-proxy listening",
	);
	return app;
}
