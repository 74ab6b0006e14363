/**
 * Settings from the environment, with the openai SDK's own variable names for the single upstream that an env-only
 * setup has. Unset values stay unset here: `settings.ts` decides between flags, environment, file and defaults.
 */
import { z } from "zod";
import { DIALECTS } from "../core/dialect.ts";
import { maxUpstreamConnections } from "./file.ts";

const int = (min = 1) => z.coerce.number().int().min(min).optional();

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const EnvConfig = z.object({
	OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
	OPENAI_API_KEY: z.string().optional(),
	/** What the upstream accepts beyond OpenAI's parameters; by default OpenRouter is recognised by its URL. */
	UPSTREAM_DIALECT: z.enum(DIALECTS).optional(),
	/** A configuration file, as `--config` names it. */
	OLLAMA_PROXY_CONFIG: z.string().optional(),
	HOST: z.string().min(1).optional(),
	PORT: z.coerce.number().int().min(0).max(65535).optional(),
	LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
	/** How long to wait for the upstream's first byte; a stream that keeps producing is never cut. */
	UPSTREAM_TIMEOUT_MS: int(),
	/** Retries of a failed upstream call before its first byte. */
	UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(10).optional(),
	/** How long an upstream's model list is reused before it is refreshed. */
	MODELS_CACHE_TTL_MS: int(0),
	/** Bound on an inbound request body: room for a few large base64 images. */
	MAX_BODY_BYTES: int(),
	/** The context length reported for a model the upstream and the known-model table say nothing about. */
	DEFAULT_CONTEXT_LENGTH: int(),
	/** How long in-flight streams may run after SIGTERM before they are cut. */
	SHUTDOWN_GRACE_MS: int(0),
	/** How long a streamed answer waits for a client that stopped reading before it is cut. */
	CLIENT_STALL_MS: int(),
	/** Connections open to all upstreams together: one per request in flight, streams included. */
	MAX_UPSTREAM_CONNECTIONS: z.coerce.number().pipe(maxUpstreamConnections).optional(),
	/** The Redis (or Valkey) every replica shares limits and usage through; the file's `state.redis_url`. */
	REDIS_URL: z.url({ protocol: /^(rediss?|valkeys?)$/ }).optional(),
});
export type EnvConfig = z.infer<typeof EnvConfig>;

export class ConfigError extends Error {
	override readonly name = "ConfigError";
}

/** One line naming the first bad value: `invalid configuration: PORT: expected number, received NaN`. */
export function configIssue(prefix: string, error: z.ZodError): ConfigError {
	const issue = error.issues[0];
	const path = issue?.path.join(".");
	return new ConfigError(`${prefix}: ${path ? `${path}: ` : ""}${issue?.message}`);
}

/** Parses the environment; empty or blank values count as unset, as shells and compose files often leave them. */
export function loadEnv(env: Record<string, string | undefined>): EnvConfig {
	const present = Object.fromEntries(
		Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
	);
	const parsed = EnvConfig.safeParse(present);
	if (parsed.success) return parsed.data;
	throw configIssue("invalid configuration", parsed.error);
}
