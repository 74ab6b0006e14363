/**
 * The limit store the settings ask for: Redis when `state.redisUrl` is set (shared by every replica), else this
 * process's memory. A Redis outage is logged once when it starts and once when it ends, and every limit check
 * decided without Redis is counted on `/metrics`. The URL is never logged: it may carry a password.
 */
import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { redact } from "../lib/redact.ts";
import type { ProxyMetrics } from "../metrics/proxy-metrics.ts";
import { MemoryLimitStore } from "./memory-store.ts";
import { RedisLimitStore, type RedisStoreOptions } from "./redis-store.ts";
import type { LimitStore } from "./types.ts";

export function createLimitStore(
	settings: Pick<Settings, "state">,
	log: Logger,
	metrics: Pick<ProxyMetrics, "redisFallback">,
	extra: Partial<RedisStoreOptions> = {},
): LimitStore {
	const { redisUrl, replicas } = settings.state;
	if (!redisUrl) return new MemoryLimitStore();
	// The URL's password, were a client error ever to quote it.
	const password = decodeURIComponent(new URL(redisUrl).password);
	const reason = (error: unknown) => ({
		message: redact(error instanceof Error ? error.message : String(error), [password, redisUrl]),
	});
	return new RedisLimitStore({
		url: redisUrl,
		replicas,
		onFallback: (error) =>
			log.warn(
				{ err: reason(error), replicas },
				"Redis does not answer: limits are enforced by this process alone, with its share of each, until it does",
			),
		onFallbackCall: () => metrics.redisFallback(),
		onRecovered: () => log.info("Redis answers again: limits are shared again"),
		onBackgroundFailure: (error) => log.debug({ err: reason(error) }, "Redis call failed"),
		...extra,
	});
}
