/**
 * Measures what a limit check costs (a script, not a test: `bun test/limits/check-cost.ts`). Prints p50/p99 in µs
 * for the memory store's admit + settle, and for the Redis store's admit (one EVALSHA) on loopback, one call in
 * flight at a time. Uses REDIS_URL when set, else starts a throwaway redis-server. Targets (docs/fleets-and-limits
 * §5): memory ≤ 5 µs p50; Redis ≤ 300 µs p50 and ≤ 1 ms p99.
 */
import { MemoryLimitStore } from "../../src/limits/memory-store.ts";
import { RedisLimitStore } from "../../src/limits/redis-store.ts";
import type { KeyLimits } from "../../src/limits/types.ts";
import { hasRedis, startRedis } from "../support/redis-server.ts";

const LIMITS: KeyLimits = {
	requests_per_minute: 1e9,
	tokens_per_minute: 1e12,
	concurrent: 1e6,
	tokens_per_day: 1e15,
	tokens_per_month: 1e15,
};

function percentiles(samplesNs: number[]) {
	const sorted = samplesNs.sort((a, b) => a - b);
	const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) / 1000;
	return `p50 ${at(0.5).toFixed(2)} µs, p99 ${at(0.99).toFixed(2)} µs (n=${sorted.length})`;
}

async function memory(): Promise<void> {
	const store = new MemoryLimitStore();
	const both: number[] = [];
	const admitOnly: number[] = [];
	for (let i = 0; i < 300_000; i++) {
		const requestId = `r${i}`;
		const keyName = `k${i % 100}`;
		const t0 = Bun.nanoseconds();
		await store.admit({ keyName, model: "m", limits: LIMITS, requestId, reserveTokens: 100 });
		const t1 = Bun.nanoseconds();
		await store.settle({
			keyName,
			model: "m",
			requestId,
			reservedTokens: 100,
			promptTokens: 60,
			completionTokens: 60,
			error: false,
		});
		const t2 = Bun.nanoseconds();
		// The first 50 000 warm the JIT.
		if (i >= 50_000) {
			admitOnly.push(t1 - t0);
			both.push(t2 - t0);
		}
	}
	console.log(`memory admit:          ${percentiles(admitOnly)}`);
	console.log(`memory admit + settle: ${percentiles(both)}`);
}

async function redis(): Promise<void> {
	const server = process.env.REDIS_URL ? undefined : hasRedis ? await startRedis() : undefined;
	const url = process.env.REDIS_URL ?? server?.url;
	if (!url) {
		console.log("redis: skipped, no REDIS_URL and no redis-server on PATH");
		return;
	}
	const store = new RedisLimitStore({ url, replicas: 1, onFallbackCall: () => console.error("fell back!") });
	await store.connected();
	const admit: number[] = [];
	const settle: number[] = [];
	for (let i = 0; i < 30_000; i++) {
		const requestId = `r${i}`;
		const keyName = `k${i % 100}`;
		const t0 = Bun.nanoseconds();
		await store.admit({ keyName, model: "m", limits: LIMITS, requestId, reserveTokens: 100 });
		const t1 = Bun.nanoseconds();
		await store.settle({
			keyName,
			model: "m",
			requestId,
			reservedTokens: 100,
			promptTokens: 60,
			completionTokens: 60,
			error: false,
		});
		await store.flush();
		const t2 = Bun.nanoseconds();
		if (i >= 3000) {
			admit.push(t1 - t0);
			settle.push(t2 - t1);
		}
	}
	console.log(`redis admit (EVALSHA):  ${percentiles(admit)}`);
	console.log(`redis settle (EVALSHA): ${percentiles(settle)}`);
	await store.close();
	await server?.stop();
}

await memory();
await redis();
