/**
 * The Redis store against a real redis-server: the shared spec (on the caller's clock, so values are exact), then
 * what only Redis has: its own clock, script reloading after SCRIPT FLUSH, the key layout, the key registry.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { RedisLimitStore } from "../../src/limits/redis-store.ts";
import { hasRedis, type RedisServer, startRedis } from "../support/redis-server.ts";
import { storeSpec } from "./store-spec.ts";

let server: RedisServer | undefined;
let raw: RedisClient | undefined;

beforeAll(async () => {
	if (!hasRedis) return;
	server = await startRedis();
	raw = new RedisClient(server.url);
});

afterAll(async () => {
	raw?.close();
	await server?.stop();
});

/** Polls a condition that a server-side clock will make true; the test's timeout ends a wait that never does. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
	for (let i = 0; i < 2000; i++) {
		if (await check()) return true;
		await Bun.sleep(5);
	}
	return false;
}

function url(): string {
	if (!server) throw new Error("redis-server did not start");
	return server.url;
}

storeSpec(
	"redis",
	async (start) => {
		const clock = { now: start };
		const store = new RedisLimitStore({ url: url(), replicas: 1, now: () => clock.now, clock: "caller" });
		await store.connected();
		return { store, clock, flush: () => store.flush() };
	},
	!hasRedis,
);

describe.skipIf(!hasRedis)("redis store", () => {
	const admit = (store: RedisLimitStore, keyName: string, limits = {}, requestId: string = crypto.randomUUID()) =>
		store.admit({ keyName, model: "m", limits, requestId, reserveTokens: 10 });

	test("on Redis's own clock: an idle key sends exactly its limit, and a short lease expires", async () => {
		const store = new RedisLimitStore({ url: url(), replicas: 1, leaseTtlMs: 100 });
		const key = `clock-${crypto.randomUUID()}`;
		const results = await Promise.all(Array.from({ length: 8 }, () => admit(store, key, { requests_per_minute: 5 })));
		expect(results.filter((r) => r.ok)).toHaveLength(5);
		const refusal = results.find((r) => !r.ok);
		expect(refusal).toMatchObject({ ok: false, refusal: { limit: "requests_per_minute", limitValue: 5 } });
		if (refusal && !refusal.ok) expect(refusal.refusal.retryAfterSeconds).toBeLessThanOrEqual(12);

		expect((await admit(store, key, { concurrent: 1 })).ok).toBe(true);
		expect((await admit(store, key, { concurrent: 1 })).ok).toBe(false);
		// The lease lapses on the server's clock: poll for that event rather than sleeping a guessed time.
		expect(await eventually(async () => (await admit(store, key, { concurrent: 1 })).ok)).toBe(true);
		expect(store.renewIntervalMs).toBe(33);
		await store.close();
	});

	test("scripts are loaded again after SCRIPT FLUSH (as after a restart)", async () => {
		const store = new RedisLimitStore({ url: url(), replicas: 1 });
		const key = `flush-${crypto.randomUUID()}`;
		expect((await admit(store, key, { requests_per_minute: 1 })).ok).toBe(true);
		await raw?.send("SCRIPT", ["FLUSH"]);
		expect((await admit(store, key, { requests_per_minute: 1 })).ok).toBe(false);
		await store.close();
	});

	test("every key of a key name shares its hash tag, even with braces in the name", async () => {
		const store = new RedisLimitStore({ url: url(), replicas: 1 });
		const key = `{odd}:name-${crypto.randomUUID()}`;
		const limits = {
			requests_per_minute: 5,
			tokens_per_minute: 100,
			concurrent: 2,
			tokens_per_day: 9,
			tokens_per_month: 9,
		};
		const requestId = "r1";
		expect((await admit(store, key, limits, requestId)).ok).toBe(true);
		await store.settle({
			keyName: key,
			model: "m",
			requestId,
			reservedTokens: 10,
			promptTokens: 1,
			completionTokens: 1,
			error: false,
		});
		await store.flush();
		const tag = `{${encodeURIComponent(key)}}`;
		const pattern = `${tag.replace(/[[\]*?\\]/g, "\\$&")}*`;
		const keys = ((await raw?.send("KEYS", [pattern])) as string[] | undefined)?.sort() ?? [];
		const suffixes = keys.map((k) => k.slice(tag.length));
		expect(suffixes).toEqual([
			":op:r1",
			":rpm",
			":tpd",
			":tpm",
			":tpmo",
			":usage:index",
			`:usage:m:${new Date().toISOString().slice(0, 10)}`,
		]);
		expect(await raw?.send("SISMEMBER", ["usage:keys", key])).toBe(1);
		await store.close();
	});

	test("a usage query with a malformed or reversed range is empty", async () => {
		const store = new RedisLimitStore({ url: url(), replicas: 1 });
		expect(await store.usage({ from: "yesterday", to: "2025-01-01" })).toEqual([]);
		expect(await store.usage({ from: "2025-01-02", to: "2025-01-01" })).toEqual([]);
		await store.close();
	});
});
