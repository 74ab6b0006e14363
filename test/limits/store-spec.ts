/**
 * The behaviour both limit stores must share, written once and run against each (memory-store.test.ts,
 * redis-store.test.ts). Time is a number the test moves; the Redis store reads it too (`clock: "caller"`), so the
 * expected values are exact for both. Every test uses fresh key names, so one Redis serves the whole file.
 */
import { describe, expect, test } from "bun:test";
import { count, harness, refused, SECOND, type StoreFactory, T0 } from "./store-harness.ts";

export type { StoreFactory, StoreUnderTest } from "./store-harness.ts";

export function storeSpec(name: string, make: StoreFactory, skip = false) {
	describe.skipIf(skip)(`${name}: shared limit semantics`, () => {
		const withStore = (title: string, body: (h: ReturnType<typeof harness>) => Promise<void>, start = T0) =>
			test(title, async () => {
				const sut = await make(start);
				try {
					await body(harness(sut));
				} finally {
					await sut.store.close();
				}
			});

		withStore("requests_per_minute: an idle key sends exactly the limit at once, then one per interval", async (h) => {
			const limits = { requests_per_minute: 60 };
			expect(await count(Array.from({ length: 70 }, () => h.admit(limits)))).toBe(60);
			expect(refused(await h.admit(limits))).toEqual({
				limit: "requests_per_minute",
				limitValue: 60,
				retryAfterSeconds: 1,
				resetSeconds: 60,
			});
			h.advance(999);
			expect((await h.admit(limits)).ok).toBe(false);
			h.advance(1);
			expect((await h.admit(limits)).ok).toBe(true);
			h.advance(30 * SECOND);
			expect(await count(Array.from({ length: 40 }, () => h.admit(limits)))).toBe(30);
		});

		withStore("tokens_per_minute: admitted while not used up, one answer of debt, refill pays it", async (h) => {
			const limits = { tokens_per_minute: 1000 };
			expect((await h.admit(limits, 600)).ok).toBe(true);
			expect((await h.admit(limits, 600)).ok).toBe(true);
			expect(refused(await h.admit(limits, 1))).toEqual({
				limit: "tokens_per_minute",
				limitValue: 1000,
				retryAfterSeconds: 13,
				resetSeconds: 72,
			});
			h.advance(12_001);
			expect(await h.admit(limits, 1)).toEqual({ ok: true });
		});

		withStore("settle gives back what was reserved and not used, and charges what was", async (h) => {
			const limits = { tokens_per_minute: 1000 };
			expect((await h.admit(limits, 900, { id: "a" })).ok).toBe(true);
			await h.settle("a", 900, 50, 50); // level back to 900
			expect((await h.admit(limits, 900, { id: "b" })).ok).toBe(true);
			await h.settle("b", 900, 1000, 900); // level 900 − 1900 = −1000
			expect(refused(await h.admit(limits, 1)).retryAfterSeconds).toBe(61);
		});

		withStore("settle is idempotent per request id", async (h) => {
			const limits = { tokens_per_minute: 1000, concurrent: 1 };
			expect((await h.admit(limits, 500, { id: "a" })).ok).toBe(true);
			await h.settle("a", 500, 300, 300);
			await h.settle("a", 500, 300, 300);
			await h.settle("a", 0, 1000, 1000);
			// Charged once: 1000 − 600 = 400 left, so a reserve of 400 leaves exactly 0 and the next is refused.
			expect((await h.admit(limits, 400, { id: "b" })).ok).toBe(true);
			await h.settle("b", 400, 400, 0);
			expect(refused(await h.admit(limits, 1)).limit).toBe("tokens_per_minute");
			const rows = await h.store.usage({ from: "2025-03-10", to: "2025-03-10", key: h.key });
			expect(rows.map((r) => [r.requests, r.prompt_tokens, r.completion_tokens, r.refusals])).toEqual([
				[2, 700, 300, 1],
			]);
		});

		withStore("admission is atomic: a refusal charges no other limit", async (h) => {
			const limits = { requests_per_minute: 2, tokens_per_minute: 100, concurrent: 2 };
			expect((await h.admit(limits, 200, { id: "a" })).ok).toBe(true);
			expect(refused(await h.admit(limits, 10)).limit).toBe("tokens_per_minute");
			expect(refused(await h.admit(limits, 10)).limit).toBe("tokens_per_minute");
			await h.settle("a", 200, 0, 0);
			// The refused ones took neither an rpm slot nor a lease: one more request fits in each.
			expect((await h.admit(limits, 10, { id: "b" })).ok).toBe(true);
			expect(refused(await h.admit(limits, 10)).limit).toBe("requests_per_minute");
		});

		withStore("concurrent: a lease per request until settled; refusals say retry in 1 s", async (h) => {
			const limits = { concurrent: 2 };
			expect((await h.admit(limits, 0, { id: "a" })).ok).toBe(true);
			expect((await h.admit(limits, 0, { id: "b" })).ok).toBe(true);
			expect(refused(await h.admit(limits))).toEqual({
				limit: "concurrent",
				limitValue: 2,
				retryAfterSeconds: 1,
				resetSeconds: 1,
			});
			await h.settle("a", 0, 1, 1);
			expect((await h.admit(limits, 0, { id: "c" })).ok).toBe(true);
		});

		withStore("a lease expires by itself, and renewing keeps it", async (h) => {
			const limits = { concurrent: 1 };
			expect((await h.admit(limits, 0, { id: "a" })).ok).toBe(true);
			h.advance(h.store.renewIntervalMs);
			await h.store.renew(h.key, "a");
			h.advance(29_999);
			expect((await h.admit(limits)).ok).toBe(false);
			h.advance(1);
			expect((await h.admit(limits, 0, { id: "b" })).ok).toBe(true);
			await h.store.renew(h.key, "nobody");
			expect((await h.admit(limits)).ok).toBe(false);
		});

		withStore("tokens_per_day: refused while used ≥ quota, until 00:00 UTC", async (h) => {
			const limits = { tokens_per_day: 1000 };
			expect((await h.admit(limits, 600, { id: "a" })).ok).toBe(true);
			expect((await h.admit(limits, 600, { id: "b" })).ok).toBe(true);
			expect(refused(await h.admit(limits, 1))).toEqual({
				limit: "tokens_per_day",
				limitValue: 1000,
				retryAfterSeconds: 12 * 3600,
				resetSeconds: 12 * 3600,
			});
			await h.settle("b", 600, 100, 0); // used 700
			expect((await h.admit(limits, 1)).ok).toBe(true);
			h.advance(12 * 3600 * SECOND);
			expect((await h.admit(limits, 5000)).ok).toBe(true);
			expect((await h.admit(limits, 1)).ok).toBe(false);
		});

		for (const [start, monthEnd] of [
			["2025-01-31T23:59:00Z", "Feb"],
			["2024-02-29T23:59:00Z", "leap-year Mar"],
			["2025-12-31T23:59:00Z", "Jan"],
		] as const) {
			withStore(
				`tokens_per_month: resets on the 1st (${monthEnd})`,
				async (h) => {
					const limits = { tokens_per_month: 100 };
					expect((await h.admit(limits, 100)).ok).toBe(true);
					expect(refused(await h.admit(limits, 1))).toEqual({
						limit: "tokens_per_month",
						limitValue: 100,
						retryAfterSeconds: 60,
						resetSeconds: 60,
					});
					h.advance(59_999);
					expect((await h.admit(limits, 1)).ok).toBe(false);
					h.advance(1);
					expect((await h.admit(limits, 1)).ok).toBe(true);
				},
				Date.parse(start),
			);
		}

		withStore("several limits refuse: the longest retry is reported", async (h) => {
			const limits = { requests_per_minute: 1, tokens_per_day: 10, concurrent: 1 };
			expect((await h.admit(limits, 10)).ok).toBe(true);
			expect(refused(await h.admit(limits, 1)).limit).toBe("tokens_per_day");
		});

		withStore("a changed limit applies at once, keeping the debt already run up", async (h) => {
			expect(await count(Array.from({ length: 10 }, () => h.admit({ requests_per_minute: 10 })))).toBe(10);
			// 60 s of debt, of which 30 s drain: 10 more at the new limit's 3 s interval (5 at the old one's 6 s).
			h.advance(30 * SECOND);
			expect(await count(Array.from({ length: 15 }, () => h.admit({ requests_per_minute: 20 })))).toBe(10);
		});

		withStore("no limits: everything is admitted and counted", async (h) => {
			expect(await count(Array.from({ length: 5 }, () => h.admit({}, 10 ** 9)))).toBe(5);
			const [row] = await h.store.usage({ from: "2025-03-10", to: "2025-03-10", key: h.key });
			expect(row?.requests).toBe(5);
		});

		withStore("usage: per key × model × UTC day, filtered and sorted", async (h) => {
			const other = `${h.key}-b`;
			const limits = { requests_per_minute: 2 };
			await h.admit(limits, 0, { id: "a", model: "zeta" });
			await h.admit(limits, 0, { id: "b", model: "alpha" });
			await h.admit(limits, 0, { model: "alpha" }); // refused
			await h.settle("a", 0, 10, 5, { error: true, model: "zeta" });
			await h.admit({}, 0, { keyName: other, model: "llama3:8b" });
			h.advance(86_400_000);
			await h.admit({}, 0, { id: "c", model: "zeta" });
			await h.settle("c", 0, 1, 2, { model: "zeta" });
			const all = await h.store.usage({ from: "2025-03-10", to: "2025-03-11" });
			const mine = all.filter((r) => r.key === h.key || r.key === other);
			const row = (day: string, key: string, model: string, rest: [number, number, number, number, number]) => {
				const [requests, prompt_tokens, completion_tokens, errors, refusals] = rest;
				return { day, key, model, requests, prompt_tokens, completion_tokens, errors, refusals };
			};
			expect(mine).toEqual([
				row("2025-03-10", h.key, "alpha", [1, 0, 0, 0, 1]),
				row("2025-03-10", h.key, "zeta", [1, 10, 5, 1, 0]),
				row("2025-03-10", other, "llama3:8b", [1, 0, 0, 0, 0]),
				row("2025-03-11", h.key, "zeta", [1, 1, 2, 0, 0]),
			]);
			const q = (extra: object) => h.store.usage({ from: "2025-03-10", to: "2025-03-11", key: h.key, ...extra });
			expect((await q({ model: "zeta" })).map((r) => r.day)).toEqual(["2025-03-10", "2025-03-11"]);
			expect((await q({ from: "2025-03-11" })).map((r) => r.model)).toEqual(["zeta"]);
			expect(await q({ to: "2025-03-09" })).toEqual([]);
			expect(await h.store.usage({ from: "2025-03-10", to: "2025-03-10", key: other, model: "llama3:8b" })).toEqual([
				row("2025-03-10", other, "llama3:8b", [1, 0, 0, 0, 0]),
			]);
		});
	});
}
