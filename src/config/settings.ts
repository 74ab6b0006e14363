/**
 * The settings the server runs with, from command-line flags over the environment over the configuration file over
 * the defaults. Without a file, the environment describes one upstream, as the openai SDK reads it.
 */

import { readFileSync } from "node:fs";
import { type Dialect, dialectOf, type SystemMessages, systemMessagesOf } from "../core/dialect.ts";
import { keyNameOf } from "../http/inbound-auth.ts";
import { ConfigError, configIssue, type EnvConfig, type LOG_LEVELS, loadEnv } from "./env.ts";
import {
	type AgentsConfig,
	CLIENT_STALL_MS,
	FileConfig,
	type KeyConfig,
	type Limits,
	MAX_UPSTREAM_CONNECTIONS,
	type ModelConfig,
	type UpstreamConfig,
} from "./file.ts";
import { type FleetSettings, fleetOf } from "./fleet.ts";

export type Flags = { host?: string; port?: number; config?: string; logLevel?: (typeof LOG_LEVELS)[number] };

export type ResolvedUpstream = UpstreamConfig & {
	/** The URL of a single-URL upstream, or of a fleet's first replica (for its dialect and the start-up line). */
	base_url: string;
	/** Several replicas, or one URL queued under `max_concurrency`; absent for a plain single URL. */
	fleet?: FleetSettings;
	discover: boolean;
	dialect: Dialect;
	system_messages: SystemMessages;
	/** The process-wide `max_upstream_connections`: every upstream shares the one pool it bounds. */
	maxConnections: number;
};

export type Settings = {
	host: string;
	port: number;
	logLevel: (typeof LOG_LEVELS)[number];
	maxBodyBytes: number;
	modelsCacheTtlMs: number;
	defaultContextLength: number;
	shutdownGraceMs: number;
	/** Connections open to all upstreams together; requests beyond it wait for one to end. */
	maxUpstreamConnections: number;
	/** Bun's idle timeout for quiet connections (its maximum); answers that relay a stream lift it per request. */
	idleTimeoutSeconds: number;
	/** How long a streamed answer waits for a client that stopped reading before it is cut. */
	clientStallMs: number;
	upstreams: ResolvedUpstream[];
	models: ModelConfig[];
	keys?: KeyConfig[];
	/** The limits of every key that has none of its own, and of every caller when there are no keys. */
	limits: Limits;
	/** Where counters live: Redis when `redisUrl` is set, else this process. */
	state: { redisUrl?: string; replicas: number };
	cors?: { origins: string[] };
	agents: AgentsConfig;
	/** The file the settings came from, if any. */
	configFile?: string;
};

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${VAR}` in every string of a parsed file; an unset variable is an error, not an empty key. */
export function interpolate(value: unknown, env: Record<string, string | undefined>, path = ""): unknown {
	if (typeof value === "string") {
		return value.replace(ENV_REF, (_, name: string) => {
			const found = env[name];
			if (found === undefined || found === "") throw new ConfigError(`${path}: \${${name}} is not set`);
			return found;
		});
	}
	if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, `${path}.${i}`));
	if (value && typeof value === "object") {
		return Object.fromEntries(
			Object.entries(value).map(([key, item]) => [key, interpolate(item, env, path ? `${path}.${key}` : key)]),
		);
	}
	return value;
}

/** Checks what the schema cannot: names are unique and every reference points at something. */
function crossCheck(file: FileConfig) {
	const upstreams = new Set<string>();
	for (const upstream of file.upstreams) {
		if (upstreams.has(upstream.name)) throw new ConfigError(`upstreams: the name '${upstream.name}' is used twice`);
		upstreams.add(upstream.name);
	}
	const keyNames = new Set<string>();
	for (const [i, key] of (file.keys ?? []).entries()) {
		// Limits, usage and metrics count by name: two keys under one name would share every counter.
		const name = keyNameOf(key, i);
		if (keyNames.has(name)) throw new ConfigError(`keys: the name '${name}' is used twice`);
		keyNames.add(name);
	}
	for (const model of file.models) {
		if (model.upstream !== undefined && !upstreams.has(model.upstream)) {
			throw new ConfigError(`models: '${model.name}' names the unknown upstream '${model.upstream}'`);
		}
	}
}

export function parseFileConfig(text: string, env: Record<string, string | undefined>, source: string): FileConfig {
	let raw: unknown;
	try {
		raw = Bun.YAML.parse(text);
	} catch (error) {
		throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
	}
	let interpolated: unknown;
	try {
		interpolated = interpolate(raw, env);
	} catch (error) {
		throw new ConfigError(`invalid configuration file ${source}: ${(error as Error).message}`);
	}
	const parsed = FileConfig.safeParse(interpolated);
	if (!parsed.success) throw configIssue(`invalid configuration file ${source}`, parsed.error);
	crossCheck(parsed.data);
	return parsed.data;
}

/** The file an env-only setup stands for: one upstream named `default`. */
function envOnlyFile(env: EnvConfig): FileConfig {
	return FileConfig.parse({
		upstreams: [
			{
				name: "default",
				base_url: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
				...(env.OPENAI_API_KEY && { api_key: env.OPENAI_API_KEY }),
				...(env.UPSTREAM_DIALECT && { dialect: env.UPSTREAM_DIALECT }),
				...(env.UPSTREAM_TIMEOUT_MS && {
					timeouts: { connect_ms: env.UPSTREAM_TIMEOUT_MS, first_byte_ms: env.UPSTREAM_TIMEOUT_MS },
				}),
				...(env.UPSTREAM_RETRIES !== undefined && { retries: { max: env.UPSTREAM_RETRIES } }),
			},
		],
	});
}

function resolveUpstream(upstream: UpstreamConfig, maxConnections: number): ResolvedUpstream {
	const fleet = fleetOf(upstream);
	const baseUrl = upstream.base_url ?? (fleet?.replicas[0]?.base_url as string);
	const dialect = upstream.dialect ?? dialectOf(baseUrl);
	return {
		...upstream,
		base_url: baseUrl,
		...(fleet && { fleet }),
		discover: upstream.discover ?? upstream.kind !== "azure",
		dialect,
		system_messages: upstream.system_messages ?? systemMessagesOf(dialect),
		maxConnections,
	};
}

export type SettingsSource = {
	env: Record<string, string | undefined>;
	flags?: Flags;
	readFile?: (path: string) => string;
};

export function loadSettings({ env: rawEnv, flags = {}, readFile }: SettingsSource): Settings {
	const env = loadEnv(rawEnv);
	const configFile = flags.config ?? env.OLLAMA_PROXY_CONFIG;
	let file: FileConfig;
	if (configFile) {
		let text: string;
		try {
			text = (readFile ?? ((p) => readFileSync(p, "utf8")))(configFile);
		} catch (error) {
			throw new ConfigError(`cannot read configuration file ${configFile}: ${(error as Error).message}`);
		}
		file = parseFileConfig(text, rawEnv, configFile);
	} else {
		file = envOnlyFile(env);
	}
	const maxUpstreamConnections =
		env.MAX_UPSTREAM_CONNECTIONS ?? file.max_upstream_connections ?? MAX_UPSTREAM_CONNECTIONS.default;
	const redisUrl = env.REDIS_URL ?? file.state?.redis_url;
	return {
		host: flags.host ?? env.HOST ?? file.listen.host ?? "127.0.0.1",
		port: flags.port ?? env.PORT ?? file.listen.port ?? 11434,
		logLevel: flags.logLevel ?? env.LOG_LEVEL ?? file.log_level ?? "info",
		maxBodyBytes: env.MAX_BODY_BYTES ?? 32 * 1024 * 1024,
		modelsCacheTtlMs: env.MODELS_CACHE_TTL_MS ?? 60_000,
		defaultContextLength: env.DEFAULT_CONTEXT_LENGTH ?? 32_768,
		shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
		maxUpstreamConnections,
		idleTimeoutSeconds: 255,
		clientStallMs: env.CLIENT_STALL_MS ?? file.client_stall_ms ?? CLIENT_STALL_MS,
		upstreams: file.upstreams.map((upstream) => resolveUpstream(upstream, maxUpstreamConnections)),
		models: file.models,
		agents: file.agents,
		limits: file.limits ?? {},
		state: {
			...(redisUrl && { redisUrl }),
			replicas: file.state?.replicas ?? 1,
		},
		...(file.keys && { keys: file.keys }),
		...(file.cors && { cors: file.cors }),
		...(configFile && { configFile }),
	};
}
