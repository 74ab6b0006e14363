/**
 * Configuration from the environment, with the openai SDK's own variable names for the upstream. Validated once at
 * start-up: a bad value stops the server with one line naming the variable, not a stack trace.
 */
import { z } from "zod";
import { DIALECTS } from "./translate/dialect.ts";

const intFrom = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

export const Config = z.object({
	OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.openai.com/v1"),
	OPENAI_API_KEY: z.string().optional(),
	/** What the upstream accepts beyond OpenAI's parameters; by default OpenRouter is recognised by its URL. */
	UPSTREAM_DIALECT: z.enum(DIALECTS).optional(),
	HOST: z.string().min(1).default("127.0.0.1"),
	PORT: z.coerce.number().int().min(0).max(65535).default(11434),
	LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
	/** How long to wait for the upstream's first byte; a stream that keeps producing is never cut. */
	UPSTREAM_TIMEOUT_MS: intFrom(30_000),
	/** How long the upstream's model list is reused. */
	MODELS_CACHE_TTL_MS: intFrom(60_000, 0),
	/** Bound on an inbound request body: room for a few large base64 images. */
	MAX_BODY_BYTES: intFrom(32 * 1024 * 1024),
	/** The context length reported for a model the upstream and the known-model table say nothing about. */
	DEFAULT_CONTEXT_LENGTH: intFrom(32_768),
});
export type Config = z.infer<typeof Config>;

/** Parses the environment; empty strings count as unset, as shells and compose files often leave them. */
export function loadConfig(env: Record<string, string | undefined>): Config {
	const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
	const parsed = Config.safeParse(present);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	throw new ConfigError(`invalid configuration: ${issue?.path.join(".")}: ${issue?.message}`);
}

export class ConfigError extends Error {
	override readonly name = "ConfigError";
}
