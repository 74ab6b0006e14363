/**
 * The configuration file (YAML): several upstreams, model aliases and overrides, inbound keys. This zod schema is
 * the one source of the file's shape: it validates the file, types the code (`z.infer`), and is exported as
 * `deploy/config.schema.json` for editor completion. Secrets stay out of the file through `${ENV_VAR}` references.
 */
import { z } from "zod";
import { DIALECTS, SYSTEM_MESSAGES } from "../core/dialect.ts";
import { Capability } from "../core/target.ts";
import { isGlob } from "../lib/glob.ts";
import { fleetIssues, fleetKeys } from "./fleet.ts";

/** The agent protocols an upstream may speak itself, relayed to it instead of translated onto chat completions. */
export const AGENT_PROTOCOLS = ["responses", "messages"] as const;
export type AgentProtocol = (typeof AGENT_PROTOCOLS)[number];

const ms = (fallback: number) => z.number().int().positive().default(fallback);
const glob = z.string().min(1).describe('A glob over model names or ids: "*" matches any run of characters, "?" one.');

export const Timeouts = z
	.strictObject({
		connect_ms: ms(10_000).describe("With first_byte_ms, the limit on the wait for the upstream's response headers."),
		first_byte_ms: ms(30_000).describe(
			"After the headers, the limit on the wait for the first chunk of a streamed answer.",
		),
		idle_ms: ms(300_000).describe("The longest quiet gap between two chunks of a streamed answer."),
	})
	.prefault({});
export type Timeouts = z.infer<typeof Timeouts>;

export const Retries = z
	.strictObject({
		max: z.number().int().min(0).max(10).default(2).describe("Retries of one upstream before the first byte."),
		backoff_ms: ms(250).describe("The first wait; it doubles on each retry. A 429's Retry-After wins when longer."),
		max_wait_ms: ms(10_000).describe("The longest single wait, Retry-After included."),
	})
	.prefault({});
export type Retries = z.infer<typeof Retries>;

export const UpstreamConfig = z
	.strictObject({
		name: z
			.string()
			.regex(/^[\w.-]+$/, "upstream names are letters, digits, '.', '_' and '-'")
			.describe("How models and logs refer to this upstream."),
		kind: z
			.enum(["openai", "azure", "ollama"])
			.default("openai")
			.describe(
				"openai: any OpenAI-compatible API; azure: Azure OpenAI deployments; ollama: a real Ollama, passed through.",
			),
		base_url: z
			.url({ protocol: /^https?$/ })
			.optional()
			.describe("For azure, the resource endpoint; for ollama, its root URL. Or replicas, for several servers."),
		// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${ENV_VAR}` syntax the file accepts
		api_key: z.string().optional().describe("Use ${ENV_VAR} to keep the key out of the file."),
		api_version: z.string().optional().describe("Azure's api-version."),
		headers: z.record(z.string(), z.string()).default({}).describe("Extra headers on every upstream request."),
		dialect: z.enum(DIALECTS).optional().describe("What the upstream accepts beyond OpenAI's parameters."),
		timeouts: Timeouts,
		retries: Retries,
		discover: z.boolean().optional().describe("List the upstream's own /models (default: yes, but not for azure)."),
		include: z.array(glob).default(["*"]).describe("Discovered ids to list."),
		exclude: z.array(glob).default([]).describe("Discovered ids to hide."),
		prefix: z.string().default("").describe('Put before every discovered name, e.g. "openrouter/".'),
		system_messages: z
			.enum(SYSTEM_MESSAGES)
			.optional()
			.describe(
				"Agent requests (/v1/messages, /v1/responses): in_place keeps system messages where the client put them; merged joins them into one leading system message, for chat templates that refuse any other (Qwen, Mistral, Gemma on vLLM or llama.cpp). Default: in_place for openai and openrouter, merged for vllm and llamacpp.",
			),
		protocols: z
			.array(z.enum(AGENT_PROTOCOLS))
			.default([])
			.describe(
				"Agent protocols the upstream speaks itself (responses: OpenAI, Azure, a real Ollama, vLLM; messages: a real Ollama ≥ 0.14, vLLM, llama.cpp, LM Studio): /v1/responses and /v1/messages for its models are relayed to it instead of translated onto chat completions.",
			),
		...fleetKeys,
	})
	.superRefine((upstream, ctx) => {
		for (const issue of fleetIssues(upstream)) ctx.addIssue({ code: "custom", ...issue });
		if (upstream.kind === "azure" && upstream.replicas)
			ctx.addIssue({ code: "custom", path: ["replicas"], message: "an azure upstream takes one base_url" });
	});
export type UpstreamConfig = z.infer<typeof UpstreamConfig>;

/** How the agent protocols behave where clients differ from the APIs they were written against. */
export const AgentsConfig = z
	.strictObject({
		keep_billing_header: z
			.boolean()
			.default(false)
			.describe(
				"Keep Claude Code's per-request `x-anthropic-billing-header:` system block. Dropped by default: it changes on every request and defeats the upstream's prompt cache.",
			),
		strict_incomplete: z
			.boolean()
			.default(false)
			.describe(
				"End a /v1/responses answer cut by the token limit with `response.incomplete`, as OpenAI does, instead of `response.completed` with status incomplete (which Codex keeps instead of retrying).",
			),
	})
	.prefault({});
export type AgentsConfig = z.infer<typeof AgentsConfig>;

/** How one request parameter is overridden for a model. */
export const ParamOverride = z
	.strictObject({
		force: z.union([z.number(), z.string()]).optional().describe("Always this value, whatever the client sent."),
		default: z.union([z.number(), z.string()]).optional().describe("This value when the client sent none."),
		min: z.number().optional().describe("Raise smaller values to this."),
		max: z.number().optional().describe("Lower larger values to this."),
	})
	.refine((o) => Object.keys(o).length > 0, "an override needs force, default, min or max");
export type ParamOverride = z.infer<typeof ParamOverride>;

export const ModelParams = z
	.strictObject({
		max_tokens: ParamOverride.optional().describe("Applies to max_tokens or max_completion_tokens, whichever is sent."),
		temperature: ParamOverride.optional(),
		top_p: ParamOverride.optional(),
		reasoning_effort: ParamOverride.optional(),
	})
	.default({});
export type ModelParams = z.infer<typeof ModelParams>;

export const ModelConfig = z
	.strictObject({
		name: z
			.string()
			.min(1)
			.describe(
				'What clients see and send (listed with a :latest tag). A glob ("claude-*") makes a pattern alias: never listed, it serves every name no listed model has, first matching entry first.',
			),
		upstream: z
			.string()
			.optional()
			.describe("The upstream that serves it; omitted, the entry overrides a discovered model of the same name."),
		id: z.string().optional().describe("What the upstream is asked for (default: the name; required for a glob)."),
		target: z
			.string()
			.min(1)
			.optional()
			.describe(
				"Glob names only, instead of upstream and id: the listed model the pattern stands for, with its settings.",
			),
		context_length: z.number().int().positive().optional(),
		capabilities: z.array(Capability).optional(),
		params: ModelParams,
		fallbacks: z.array(z.string()).default([]).describe("Models tried in order when this one fails before answering."),
	})
	.superRefine((model, ctx) => {
		const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
		if (!isGlob(model.name)) {
			if (model.target !== undefined)
				issue("target", "target is for glob names (with * or ?); an exact name takes upstream and id");
			return;
		}
		if (model.target === undefined) {
			if (model.upstream === undefined)
				issue("target", "a glob name needs target (the listed model it stands for), or upstream and id");
			else if (model.id === undefined) issue("id", "a glob name needs the id its upstream is asked for");
			return;
		}
		if (model.upstream !== undefined) issue("target", "a glob name takes target or upstream, not both");
		else if (isGlob(model.target)) issue("target", "target names one listed model, not a glob");
		// A target alias is the target itself under another name: two sets of settings would be a puzzle.
		const own = [
			model.id !== undefined && "id",
			model.context_length !== undefined && "context_length",
			model.capabilities !== undefined && "capabilities",
			Object.keys(model.params).length > 0 && "params",
			model.fallbacks.length > 0 && "fallbacks",
		].find(Boolean);
		if (own) issue(own, `a target alias uses the settings of '${model.target}': set ${own} there`);
	});
export type ModelConfig = z.infer<typeof ModelConfig>;

const limit = (what: string) => z.number().int().min(1).optional().describe(what);

/** A set of limits; every field is optional (absent: unlimited). Its `z.infer` is the engine's `KeyLimits`. */
export const Limits = z.strictObject({
	requests_per_minute: limit(
		"Requests admitted per minute, spread evenly (GCRA): a full minute's worth may come at once.",
	),
	tokens_per_minute: limit(
		"Prompt plus completion tokens per minute (a token bucket refilled evenly); an answer may overdraw it once.",
	),
	concurrent: limit("Requests in flight at once, streams until their last byte."),
	tokens_per_day: limit("Prompt plus completion tokens per UTC day."),
	tokens_per_month: limit("Prompt plus completion tokens per UTC calendar month."),
});
export type Limits = z.infer<typeof Limits>;

export const KeyConfig = z.strictObject({
	// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${ENV_VAR}` syntax the file accepts
	key: z.string().min(16, "inbound keys must be at least 16 characters").describe("Use ${ENV_VAR}."),
	name: z
		.string()
		.min(1)
		.optional()
		.describe("Shown in logs, usage and metrics instead of the key (default key-<position>, from 1)."),
	models: z.array(glob).default(["*"]).describe("The model names this key may use."),
	admin: z.boolean().optional().describe("May read every key's usage (GET /api/usage); default false."),
	limits: Limits.optional().describe("Replaces the top-level limits field by field for this key."),
});
export type KeyConfig = z.infer<typeof KeyConfig>;

/** Bounds of `max_upstream_connections`: beyond 65 536 a process runs out of ports to one upstream anyway. */
export const MAX_UPSTREAM_CONNECTIONS = { default: 4096, min: 1, max: 65_536 } as const;
export const maxUpstreamConnections = z
	.number()
	.int()
	.min(MAX_UPSTREAM_CONNECTIONS.min)
	.max(MAX_UPSTREAM_CONNECTIONS.max);

/**
 * Default of `client_stall_ms`. A client that reads at all never trips it (each read restarts the clock); one that has
 * taken nothing for a minute while its answer waits is gone for practical purposes, and meanwhile holds an upstream
 * connection, the upstream's stream and about 10 MB of socket buffers.
 */
export const CLIENT_STALL_MS = 60_000;

export const FileConfig = z.strictObject({
	$schema: z.string().optional(),
	listen: z
		.strictObject({
			host: z.string().min(1).optional(),
			port: z.number().int().min(0).max(65535).optional(),
		})
		.default({}),
	log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
	max_upstream_connections: maxUpstreamConnections
		.optional()
		.describe(
			`Connections open to all upstreams together, one per request in flight (default ${MAX_UPSTREAM_CONNECTIONS.default}); more requests wait for one to end.`,
		),
	client_stall_ms: z
		.number()
		.int()
		.positive()
		.optional()
		.describe(
			`How long a streamed answer waits for a client that stopped reading (its socket buffers full) before it is cut, which frees the upstream stream and the buffers it holds (default ${CLIENT_STALL_MS}).`,
		),
	upstreams: z.array(UpstreamConfig).min(1, "at least one upstream is needed"),
	agents: AgentsConfig,
	models: z.array(ModelConfig).default([]),
	keys: z.array(KeyConfig).optional().describe("Absent: no inbound authentication."),
	limits: Limits.optional().describe(
		"Defaults for every key without its own; without keys, one shared set for all callers (named anonymous).",
	),
	state: z
		.strictObject({
			redis_url: z
				.url({ protocol: /^(rediss?|valkeys?)$/ })
				.optional()
				.describe(
					"Redis or Valkey shared by every replica (env REDIS_URL wins); absent: counters live in this process.",
				),
			replicas: z
				.number()
				.int()
				.min(1)
				.default(1)
				.describe("How many proxies share the limits; used only while Redis is unreachable, to take a share each."),
		})
		.optional()
		.describe("Where limit counters and usage live."),
	cors: z
		.strictObject({
			origins: z.array(glob).describe('Origins allowed to call from a browser, e.g. "https://*.example.com".'),
		})
		.optional()
		.describe("Absent: no CORS headers, like Ollama without OLLAMA_ORIGINS."),
});
export type FileConfig = z.infer<typeof FileConfig>;
