/**
 * The fleet keys of an upstream entry: several replicas behind one name, how requests are spread over them, when a
 * replica is ejected, and how requests wait while every replica is busy. Part of the configuration file's schema
 * (`file.ts`), kept apart because it is one concern with its own checks.
 */
import { z } from "zod";
import { normalisedUrl, urlLabel } from "../lib/normalised-url.ts";

const ms = (fallback: number) => z.number().int().positive().default(fallback);

export const maxConcurrency = z
	.number()
	.int()
	.min(1, "max_concurrency is at least 1")
	.optional()
	.describe("Requests in flight to this replica at once, streams until their last byte; absent: unlimited.");

export const ReplicaConfig = z.strictObject({
	base_url: z.url({ protocol: /^https?$/ }).describe("The replica's root URL (an Ollama's) or its /v1 URL."),
	weight: z
		.number()
		.positive("weight must be above 0")
		.default(1)
		.describe("Its share of the traffic against the other replicas of its tier; fractions allowed."),
	max_concurrency: maxConcurrency,
	priority: z
		.number()
		.int()
		.min(0)
		.default(0)
		.describe("Its tier: tier 1 gets requests only while every replica of tier 0 is full or ejected, and so on."),
	kind: z
		.enum(["openai", "ollama"])
		.optional()
		.describe("Overrides the upstream's kind for this replica (a cloud overflow behind an Ollama fleet)."),
	// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${ENV_VAR}` syntax the file accepts
	api_key: z.string().optional().describe("Overrides the upstream's api_key. Use ${ENV_VAR}."),
	headers: z.record(z.string(), z.string()).optional().describe("Added to the upstream's headers for this replica."),
});
export type ReplicaConfig = z.infer<typeof ReplicaConfig>;

export const HealthConfig = z
	.strictObject({
		eject_after: z
			.number()
			.int()
			.min(1)
			.default(3)
			.describe("Consecutive failures (connection error, timeout, 5xx) that eject a replica."),
		eject_ms: ms(30_000).describe("The first ejection; it doubles on each repeat, up to max_eject_ms."),
		max_eject_ms: ms(300_000).describe("The longest ejection, a 429's Retry-After included."),
		probe_ms: z
			.number()
			.int()
			.min(0)
			.default(10_000)
			.describe("How often an ejected replica's model list is asked for, to bring it back early; 0: never."),
	})
	.optional();

export const QueueConfig = z
	.strictObject({
		max_depth: z
			.number()
			.int()
			.min(0)
			.default(64)
			.describe("Requests waiting for a free slot; one more is refused at once with a 503."),
		timeout_ms: ms(30_000).describe("The longest wait for a slot, then a 503."),
	})
	.optional();

/** The fleet keys an upstream entry may carry; absent, a single-URL upstream works exactly as it always has. */
export const fleetKeys = {
	replicas: z
		.array(ReplicaConfig)
		.optional()
		.describe("Several servers that serve this upstream's models, instead of base_url."),
	max_concurrency: maxConcurrency,
	balance: z
		.enum(["least_outstanding", "round_robin"])
		.optional()
		.describe(
			"least_outstanding (default): the replica with the fewest requests in flight for its weight; round_robin: in turn, by weight.",
		),
	affinity: z
		.enum(["prefix", "none"])
		.optional()
		.describe(
			"prefix (default): a conversation (its system text and first user message) stays on one replica while load allows, so its prompt cache is reused; none: balance alone decides.",
		),
	health: HealthConfig,
	queue: QueueConfig,
};

type FleetEntry = { base_url?: string | undefined; replicas?: readonly { base_url: string }[] | undefined };

/** The checks that span keys: `base_url` or `replicas`, never both or neither, and no replica listed twice. */
export function fleetIssues(entry: FleetEntry): Array<{ path: (string | number)[]; message: string }> {
	if (entry.replicas === undefined)
		return entry.base_url === undefined ? [{ path: ["base_url"], message: "base_url or replicas is required" }] : [];
	if (entry.base_url !== undefined)
		return [{ path: ["replicas"], message: "replicas replaces base_url: give one or the other" }];
	if (entry.replicas.length === 0) return [{ path: ["replicas"], message: "replicas must list at least one replica" }];
	const seen = new Map<string, number>();
	const issues: Array<{ path: (string | number)[]; message: string }> = [];
	entry.replicas.forEach((replica, index) => {
		const key = normalisedUrl(replica.base_url);
		const first = seen.get(key);
		if (first === undefined) seen.set(key, index);
		else
			issues.push({
				path: ["replicas", index, "base_url"],
				message: `the same replica as replicas[${first}] (${urlLabel(replica.base_url)})`,
			});
	});
	return issues;
}

type FleetKeys = {
	base_url?: string | undefined;
	replicas?: ReplicaConfig[] | undefined;
	max_concurrency?: number | undefined;
	balance?: "least_outstanding" | "round_robin" | undefined;
	affinity?: "prefix" | "none" | undefined;
	health?: z.infer<typeof HealthConfig>;
	queue?: z.infer<typeof QueueConfig>;
};

/** An upstream's fleet with every default applied: its replicas (one for a single URL), balance, health and queue. */
export type FleetSettings = {
	replicas: ReplicaConfig[];
	balance: "least_outstanding" | "round_robin";
	affinity: "prefix" | "none";
	health: NonNullable<z.infer<typeof HealthConfig>>;
	queue: NonNullable<z.infer<typeof QueueConfig>>;
};

/**
 * The fleet an entry describes, or undefined for a single URL without any fleet key: that one keeps today's direct
 * path. A single URL with `max_concurrency` (or health, or queue) is a fleet of one, so one GPU box is queued instead
 * of overloaded. `max_concurrency` next to `replicas` is the default of the replicas that set none.
 */
export function fleetOf(entry: FleetKeys): FleetSettings | undefined {
	const single = entry.replicas === undefined;
	if (single && entry.max_concurrency === undefined && !entry.health && !entry.queue) return undefined;
	const replicas = (entry.replicas ?? [{ base_url: entry.base_url as string, weight: 1, priority: 0 }]).map((r) => ({
		...r,
		max_concurrency: r.max_concurrency ?? entry.max_concurrency,
	}));
	return {
		replicas,
		balance: entry.balance ?? "least_outstanding",
		affinity: entry.affinity ?? "prefix",
		health: HealthConfig.unwrap().parse(entry.health ?? {}),
		queue: QueueConfig.unwrap().parse(entry.queue ?? {}),
	};
}
