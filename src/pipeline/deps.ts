import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import type { RequestLog } from "../http/request-context.ts";
import type { Clock } from "../lib/clock.ts";
import type { KeyPolicy } from "../limits/key-limits.ts";
import type { LimitStore } from "../limits/types.ts";
import type { ProxyMetrics } from "../metrics/proxy-metrics.ts";
import type { ModelRegistry } from "../routing/model-registry.ts";
import type { Upstream } from "../upstream/upstream.ts";

/** Everything a route needs from outside, passed in so that tests can build the app around test upstreams. */
export type AppDeps = {
	settings: Settings;
	registry: ModelRegistry;
	log: Logger;
	clock: Clock;
	requests: RequestLog;
	metrics: ProxyMetrics;
	/** Every upstream by name, for what spans them all (the models a real Ollama has loaded). */
	upstreams: ReadonlyMap<string, Upstream>;
	/** Per-key limits: the store (in memory or Redis) outlives a reload, the policy is the configuration's. */
	limits: { store: LimitStore; policy: KeyPolicy };
};
