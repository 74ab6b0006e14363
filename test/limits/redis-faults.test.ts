/**
 * The Redis store when Redis fails: killed under load, paused (every command hangs), restarted. No call may throw,
 * the fallback must be reported once per outage and start from a used-up share, and once Redis is back the limits
 * are exact again. Each test has its own redis-server, since it breaks it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { RedisLimitStore, type RedisStoreOptions } from "../../src/limits/redis-store.ts";
import type { AdmitResult, KeyLimits } from "../../src/limits/types.ts";
import { hasRedis, startRedis } from "../support/redis-server.ts";

const T0 = Date.parse("2025-03-10T12:00:00Z");
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

/** A redis-server, a store on it (on a clock the test moves), and the store's callbacks as counters and events. */
async function setup(options: Partial<RedisStoreOptions> = {}) {
	const redis = await startRedis();
	cleanup.push(() => redis.stop());
	const clock = { now: T0 };
	const seen = { fallbacks: 0, fallbackCalls: 0, recoveries: 0, backgroundFailures: 0 };
	const waiters: { fallback: (() => void)[]; recovered: (() => void)[] } = { fallback: [], recovered: [] };
	const store = new RedisLimitStore({
		url: redis.url,
		replicas: 3,
		now: () => clock.now,
		clock: "caller",
		onFallback: () => {
			seen.fallbacks++;
			for (const wake of waiters.fallback.splice(0)) wake();
		},
		onFallbackCall: () => seen.fallbackCalls++,
		onRecovered: () => {
			seen.recoveries++;
			for (const wake of waiters.recovered.splice(0)) wake();
		},
		onBackgroundFailure: () => seen.backgroundFailures++,
		...options,
	});
	cleanup.push(() => store.close());
	await store.connected();
	const next = (kind: "fallback" | "recovered") => new Promise<void>((resolve) => waiters[kind].push(resolve));
	let seq = 0;
	const admit = (keyName: string, limits: KeyLimits, reserveTokens = 0, requestId = `r${++seq}`) =>
		store.admit({ keyName, model: "m", limits, requestId, reserveTokens });
	const settle = (keyName: string, requestId: string, reservedTokens = 0, promptTokens = 0) =>
		store.settle({ keyName, model: "m", requestId, reservedTokens, promptTokens, completionTokens: 0, error: false });
	return { redis, store, clock, seen, next, admit, settle };
}

const admittedOf = (results: AdmitResult[]) => results.filter((r) => r.ok).length;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.skipIf(!hasRedis)("redis store under faults", () => {
	test("killed under load: no call throws, the fallback is reported once and starts used up", async () => {
		const { redis, store, clock, seen, next, admit, settle } = await setup();
		const limits = { requests_per_minute: 1_000_000, concurrent: 1000 };
		const errors: unknown[] = [];
		let done = 0;
		let stop = false;
		const worker = async (w: number) => {
			for (let i = 0; !stop; i++) {
				try {
					const id = `w${w}-${i}`;
					if ((await admit("load", limits, 10, id)).ok) await settle("load", id, 10, 5);
					done++;
				} catch (error) {
					errors.push(error);
				}
				await turn();
			}
		};
		const workers = Array.from({ length: 8 }, (_, w) => worker(w));
		while (done < 200) await turn();
		const fellBack = next("fallback");
		await redis.kill();
		await fellBack;
		const before = done;
		while (done < before + 200) await turn();
		stop = true;
		await Promise.all(workers);
		await store.flush();
		expect(errors).toEqual([]);
		expect(seen.fallbacks).toBe(1);
		expect(seen.fallbackCalls).toBeGreaterThan(0);

		// The local share of 30 rpm over 3 replicas is 10, already used: the next slot opens in 6 s, not now.
		const first = await admit("fresh", { requests_per_minute: 30 });
		expect(first).toEqual({
			ok: false,
			refusal: { limit: "requests_per_minute", limitValue: 30, retryAfterSeconds: 6, resetSeconds: 60 },
		});
		clock.now += 6000;
		expect(
			admittedOf(
				await Promise.all([admit("fresh", { requests_per_minute: 30 }), admit("fresh", { requests_per_minute: 30 })]),
			),
		).toBe(1);
		expect(seen.fallbacks).toBe(1);
	});

	test("paused past the deadline: admission answers within 50 ms from the fallback, and recovers", async () => {
		const { redis, seen, next, admit } = await setup();
		redis.pause();
		const started = performance.now();
		const result = await admit("paused", { concurrent: 5 });
		const elapsed = performance.now() - started;
		expect(result.ok).toBe(true);
		expect(elapsed).toBeGreaterThanOrEqual(49);
		expect(elapsed).toBeLessThan(150);
		expect(seen.fallbacks).toBe(1);
		// The connection was replaced: later calls do not wait for the stalled one.
		const again = performance.now();
		await admit("paused", { concurrent: 5 });
		expect(performance.now() - again).toBeLessThan(20);

		const recovered = next("recovered");
		redis.resume();
		await recovered;
		expect(
			admittedOf(await Promise.all(Array.from({ length: 8 }, () => admit("after", { requests_per_minute: 5 })))),
		).toBe(5);
		expect(seen.recoveries).toBe(1);
	});

	test("restarted: recovers within 5 s, limits exact again, settles from the outage replayed", async () => {
		const { redis, store, seen, next, admit, settle } = await setup();
		expect((await admit("k", {}, 100, "before")).ok).toBe(true);
		await redis.kill();
		expect((await admit("k", {}, 0, "during")).ok).toBe(true);
		await settle("k", "before", 100, 70); // Redis admitted it: kept for replay
		await settle("k", "during", 0, 30); // the fallback admitted it: Redis must still hear of it
		await store.flush();
		expect(store.backlogSize).toBe(2);
		expect(seen.backgroundFailures).toBeGreaterThanOrEqual(2);

		const recovered = next("recovered");
		const restarted = performance.now();
		await redis.restart();
		await recovered;
		expect(performance.now() - restarted).toBeLessThan(5000);
		await store.flush();
		expect(store.backlogSize).toBe(0);
		const [row] = await store.usage({ from: "2025-03-10", to: "2025-03-10", key: "k" });
		// The restarted server kept nothing: what it has is the replay (the fallback's request counted by it).
		expect(row).toMatchObject({ requests: 1, prompt_tokens: 100 });
		expect(
			admittedOf(await Promise.all(Array.from({ length: 8 }, () => admit("exact", { requests_per_minute: 5 })))),
		).toBe(5);
		expect(seen).toMatchObject({ fallbacks: 1, recoveries: 1 });
	});

	test("the fallback shares what Redis last said was left of a quota, and counts its own running requests", async () => {
		const { redis, admit, settle } = await setup({ replicas: 2 });
		const day = { tokens_per_day: 1000 };
		expect((await admit("quota", day, 400)).ok).toBe(true);
		expect((await admit("slots", { concurrent: 2 }, 0, "running")).ok).toBe(true);
		await redis.kill();

		expect((await admit("quota", day, 300)).ok).toBe(true); // its share: ceil(600 / 2)
		expect(await admit("quota", day, 1)).toEqual({
			ok: false,
			refusal: { limit: "tokens_per_day", limitValue: 1000, retryAfterSeconds: 30, resetSeconds: 12 * 3600 },
		});
		// Never seen in this period: nothing is known of it, so nothing is handed out until Redis returns.
		expect((await admit("unknown", day, 1)).ok).toBe(false);

		// Its share of 2 slots is 1, held by the request Redis admitted before the outage.
		expect((await admit("slots", { concurrent: 2 })).ok).toBe(false);
		await settle("slots", "running");
		expect((await admit("slots", { concurrent: 2 }, 0, "local")).ok).toBe(true);
		expect((await admit("slots", { concurrent: 2 })).ok).toBe(false);
	});

	test("down at startup: calls fall back at once, usage reads the fallback, and the store connects later", async () => {
		const redis = await startRedis();
		await redis.kill();
		cleanup.push(() => redis.stop());
		let recovered = () => {};
		const back = new Promise<void>((resolve) => {
			recovered = resolve;
		});
		const store = new RedisLimitStore({ url: redis.url, replicas: 2, now: () => T0, onRecovered: () => recovered() });
		cleanup.push(() => store.close());
		const started = performance.now();
		const limits = { concurrent: 4 };
		expect(await store.admit({ keyName: "k", model: "m", limits, requestId: "a", reserveTokens: 0 })).toEqual({
			ok: true,
		});
		expect(performance.now() - started).toBeLessThan(50);
		await store.renew("k", "a");
		expect((await store.usage({ from: "2025-03-10", to: "2025-03-10" })).map((r) => r.requests)).toEqual([1]);
		await redis.restart();
		await back;
		await store.renew("k", "a"); // admitted locally: nothing to renew in Redis, and no error either
		expect(await store.usage({ from: "2025-03-10", to: "2025-03-10" })).toEqual([]);
	});
});
