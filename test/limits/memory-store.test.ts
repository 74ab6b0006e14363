/** The memory store: the shared spec, plus what only it has (the fallback's exhausted start, leases held for Redis). */
import { describe, expect, test } from "bun:test";
import { MemoryLimitStore } from "../../src/limits/memory-store.ts";
import { storeSpec } from "./store-spec.ts";

storeSpec("memory", async (start) => {
	const clock = { now: start };
	return { store: new MemoryLimitStore({ now: () => clock.now }), clock, flush: async () => {} };
});

describe("memory store", () => {
	const admit = (store: MemoryLimitStore, requestId: string, limits = {}, reserveTokens = 0) =>
		store.admitNow({ keyName: "k", model: "m", limits, requestId, reserveTokens });

	test("started exhausted: minute limits are used up, quotas and concurrency are not", () => {
		const clock = { now: 0 };
		const store = new MemoryLimitStore({ now: () => clock.now, startExhausted: true });
		expect(admit(store, "a", { requests_per_minute: 20 }).ok).toBe(false);
		expect(admit(store, "b", { tokens_per_minute: 600 }).ok).toBe(false);
		clock.now = 3000;
		expect(admit(store, "c", { requests_per_minute: 20, tokens_per_minute: 600 }, 10_000).ok).toBe(true);
		expect(admit(store, "d", { tokens_per_minute: 600 }).ok).toBe(false);
		expect(admit(store, "e", { concurrent: 1, tokens_per_day: 5 }).ok).toBe(true);
	});

	test("held leases count against concurrency until released", () => {
		const store = new MemoryLimitStore({ now: () => 0 });
		store.holdLease("k", "remote");
		expect(admit(store, "a", { concurrent: 1 }).ok).toBe(false);
		store.releaseLease("k", "remote");
		store.releaseLease("unknown", "remote");
		expect(admit(store, "a", { concurrent: 1 }).ok).toBe(true);
		// Admitting the same request again does not need a second slot.
		expect(admit(store, "a", { concurrent: 1 }).ok).toBe(true);
	});

	test("a settled id is forgotten after its TTL; the defaults are 30 s leases renewed every 10 s", async () => {
		const clock = { now: 0 };
		const store = new MemoryLimitStore({ now: () => clock.now, settledTtlMs: 1000 });
		const settle = () =>
			store.settleNow({
				keyName: "k",
				model: "m",
				requestId: "a",
				reservedTokens: 0,
				promptTokens: 1,
				completionTokens: 0,
				error: false,
			});
		settle();
		settle();
		clock.now = 1000;
		settle();
		const rows = await store.usage({ from: "1970-01-01", to: "1970-01-01" });
		expect(rows.map((r) => r.prompt_tokens)).toEqual([2]);
		expect(new MemoryLimitStore().renewIntervalMs).toBe(10_000);
		await store.close();
	});

	test("a settle its caller makes once is charged and not remembered for a repeat", async () => {
		const store = new MemoryLimitStore();
		const settle = (once: boolean) =>
			store.settleNow({
				keyName: "k",
				model: "m",
				requestId: "a",
				reservedTokens: 0,
				promptTokens: 1,
				completionTokens: 0,
				error: false,
				once,
			});
		settle(true);
		// Nothing was remembered: a later settle of the same id (which a ticket never makes) is charged too.
		settle(false);
		settle(false);
		const today = new Date().toISOString().slice(0, 10);
		const rows = await store.usage({ from: today, to: today });
		expect(rows.map((r) => r.prompt_tokens)).toEqual([2]);
		await store.close();
	});

	test("check cost stays in microseconds (the real figures come from check-cost.ts)", () => {
		const store = new MemoryLimitStore();
		const limits = { requests_per_minute: 1e9, tokens_per_minute: 1e9, concurrent: 1e6, tokens_per_day: 1e12 };
		const n = 20_000;
		const start = performance.now();
		for (let i = 0; i < n; i++) {
			const requestId = `r${i}`;
			admit(store, requestId, limits, 100);
			store.settleNow({
				keyName: "k",
				model: "m",
				requestId,
				reservedTokens: 100,
				promptTokens: 50,
				completionTokens: 50,
				error: false,
			});
		}
		expect(((performance.now() - start) * 1000) / n).toBeLessThan(50);
	});
});
