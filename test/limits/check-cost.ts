/**
 * What a limit check costs, on the store the proxy builds (`createLimitStore`, as src/server.ts does) with a key
 * that has every limit set, none ever reached. One request's check is what the request path waits for: `await
 * admit`, then `settle` as LimitTicket calls it (its work in Redis runs in the background); that background settle
 * is timed apart, one call in flight at a time. The bench's `limits` scenario reports these figures; run alone
 * (`bun test/limits/check-cost.ts`) it prints them, on REDIS_URL when set, else on a throwaway redis-server.
 * Targets (issue 20): memory ≤ 5 µs p50; Redis on loopback ≤ 0.3 ms p50 and ≤ 1 ms p99.
 */
import pino from "pino";
import { createLimitStore } from "../../src/limits/create-store.ts";
import { RedisLimitStore } from "../../src/limits/redis-store.ts";
import type { KeyLimits } from "../../src/limits/types.ts";
import { hasRedis, startRedis } from "../support/redis-server.ts";

/** Every limit set, each far above what a measurement can reach. */
export const NEVER_REACHED: KeyLimits = {
	requests_per_minute: 1e9,
	tokens_per_minute: 1e12,
	concurrent: 1e6,
	tokens_per_day: 1e15,
	tokens_per_month: 1e15,
};

export type CheckCost = {
	/** ns per request of `await admit`. */
	admitNs: number[];
	/** ns per request on its path: `await admit` plus the `settle` call. */
	checkNs: number[];
	/** ns of the settle's background work (Redis: one EVALSHA), waited for apart; empty for the memory store. */
	settleNs: number[];
	/** Checks decided without Redis (it did not answer in time): the figures then are not Redis's. */
	fallbacks: number;
};

/** `iterations` checks over 100 keys, the first `warmup` of them not counted. */
export async function measureCheckCost(
	redisUrl: string | undefined,
	iterations: number,
	warmup: number,
): Promise<CheckCost> {
	const cost: CheckCost = { admitNs: [], checkNs: [], settleNs: [], fallbacks: 0 };
	const metrics = { redisFallback: () => void cost.fallbacks++ };
	const state = { replicas: 1, ...(redisUrl && { redisUrl }) };
	const store = createLimitStore({ state }, pino({ level: "silent" }), metrics);
	const redis = store instanceof RedisLimitStore ? store : undefined;
	await redis?.connected();
	for (let i = 0; i < iterations; i++) {
		const requestId = crypto.randomUUID();
		const keyName = `k${i % 100}`;
		const t0 = Bun.nanoseconds();
		await store.admit({ keyName, model: "m", limits: NEVER_REACHED, requestId, reserveTokens: 4100 });
		const t1 = Bun.nanoseconds();
		void store.settle({
			keyName,
			model: "m",
			requestId,
			reservedTokens: 4100,
			promptTokens: 60,
			completionTokens: 60,
			error: false,
		});
		const t2 = Bun.nanoseconds();
		await redis?.flush();
		const t3 = Bun.nanoseconds();
		if (i < warmup) continue;
		cost.admitNs.push(t1 - t0);
		cost.checkNs.push(t2 - t0);
		if (redis) cost.settleNs.push(t3 - t2);
	}
	await store.close();
	return cost;
}

function percentiles(samplesNs: number[]): string {
	const sorted = Float64Array.from(samplesNs).sort();
	const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) / 1000;
	return `p50 ${at(0.5).toFixed(2)} µs, p99 ${at(0.99).toFixed(2)} µs (n=${sorted.length})`;
}

function print(name: string, cost: CheckCost): void {
	console.log(`${name} admit:          ${percentiles(cost.admitNs)}`);
	console.log(`${name} admit + settle: ${percentiles(cost.checkNs)}`);
	if (cost.settleNs.length) console.log(`${name} settle (background): ${percentiles(cost.settleNs)}`);
	if (cost.fallbacks) console.log(`${name}: ${cost.fallbacks} checks fell back to memory`);
}

if (import.meta.main) {
	print("memory", await measureCheckCost(undefined, 300_000, 50_000));
	const server = process.env.REDIS_URL ? undefined : hasRedis ? await startRedis() : undefined;
	const url = process.env.REDIS_URL ?? server?.url;
	if (url) print("redis", await measureCheckCost(url, 30_000, 3000));
	else console.log("redis: skipped, no REDIS_URL and no redis-server on PATH");
	await server?.stop();
}
