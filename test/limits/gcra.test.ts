/** GCRA and token-bucket arithmetic, value by value: these numbers are also what the Lua scripts must reach. */
import { describe, expect, test } from "bun:test";
import { MINUTE_MS, type RateState, rateAdmit, rateDebt, rateExhausted } from "../../src/limits/gcra.ts";
import { bucketAt, bucketCheck, bucketEmpty, bucketFull, bucketTake } from "../../src/limits/token-bucket.ts";

/** Admits `count` requests at `now` in a row; returns how many got through and the last state. */
function burst(state: RateState | undefined, now: number, perMinute: number, count: number) {
	let admitted = 0;
	let last = state;
	for (let i = 0; i < count; i++) {
		const d = rateAdmit(last, now, perMinute);
		if (d.ok) {
			admitted++;
			last = d.next;
		}
	}
	return { admitted, state: last };
}

describe("GCRA", () => {
	test.each([1, 2, 7, 60, 61, 599, 1000, 7919, 100_000])("an idle key sends exactly %p at once", (perMinute) => {
		const { admitted } = burst(undefined, 1_700_000_000_000, perMinute, perMinute + 5);
		expect(admitted).toBe(perMinute);
	});

	test.each([
		// perMinute, requests already sent at t=0, wait ms, expected: ok | [retryMs, resetMs]
		[60, 60, 0, [1000, 60_000]],
		[60, 60, 999, [1, 59_001]],
		[60, 60, 1000, "ok"],
		[7, 7, 0, [8572, 60_000]],
		[7, 7, 8571, [1, 51_429]],
		[7, 7, 8572, "ok"],
		[120, 1, 0, "ok"],
		[1, 1, 59_999, [1, 1]],
		[1, 1, 60_000, "ok"],
	] as const)("limit %p, %p sent, after %p ms → %p", (perMinute, sent, wait, expected) => {
		const start = 1_000_000;
		const { state } = burst(undefined, start, perMinute, sent);
		const d = rateAdmit(state, start + wait, perMinute);
		if (expected === "ok") expect(d.ok).toBe(true);
		else expect(d).toEqual({ ok: false, retryMs: expected[0], resetMs: expected[1] });
	});

	test("no doubled burst at a window edge: half a minute after a full burst, half the limit", () => {
		const { state } = burst(undefined, 0, 60, 60);
		expect(burst(state, 30_000, 60, 100).admitted).toBe(30);
	});

	test("the debt is exact integer units of 1/limit ms", () => {
		const { state } = burst(undefined, 0, 7, 3);
		expect(state).toEqual({ at: 0, debt: 3 * MINUTE_MS, perMinute: 7 });
		expect(rateDebt(state, 1000, 7)).toBe(3 * MINUTE_MS - 7000);
		expect(rateDebt(state, 10 ** 9, 7)).toBe(0);
	});

	test("a changed limit rescales the debt against the key; a clock stepping back adds nothing", () => {
		const state: RateState = { at: 100, debt: 60_000 * 3, perMinute: 10 }; // 18 s of debt
		expect(rateDebt(state, 100, 20)).toBe(360_000); // still 18 s, in 1/20 ms units
		expect(rateDebt(state, 50, 10)).toBe(180_000);
		expect(rateDebt({ at: 0, debt: 1, perMinute: 3 }, 0, 2)).toBe(1); // ceil(2/3)
	});

	test("an exhausted state admits its next request one interval later", () => {
		const state = rateExhausted(0, 20);
		expect(rateAdmit(state, 2999, 20).ok).toBe(false);
		expect(rateAdmit(state, 3000, 20).ok).toBe(true);
	});
});

describe("token bucket", () => {
	test.each([
		// capacity, reserves at t=0, then wait ms, expected: "ok" | [retryMs, resetMs]
		[1000, [600, 600], 0, [12_001, 72_000]],
		[1000, [600, 600], 12_000, [1, 60_000]],
		[1000, [600, 600], 12_001, "ok"],
		[1000, [1000], 0, [1, 60_000]],
		[1000, [1000], 1, "ok"],
		[60, [5000], 0, [4_940_001, 5_000_000]],
		[1000, [999], 0, "ok"],
	] as const)("capacity %p, reserve %p, after %p ms → %p", (capacity, reserves, wait, expected) => {
		let state = bucketFull(0, capacity);
		for (const r of reserves) {
			expect(bucketCheck(state).ok).toBe(true);
			state = bucketTake(state, r);
		}
		const d = bucketCheck(bucketAt(state, wait));
		if (expected === "ok") expect(d.ok).toBe(true);
		else expect(d).toEqual({ ok: false, retryMs: expected[0], resetMs: expected[1] });
	});

	test("giving back never fills past capacity; a lowered capacity clamps", () => {
		const full = bucketFull(0, 100);
		expect(bucketTake(bucketTake(full, 50), -80).level).toBe(100 * MINUTE_MS);
		expect(bucketAt(full, 10, 40).level).toBe(40 * MINUTE_MS);
	});

	test("refill is exactly capacity per ms in level units; an empty bucket refills from now", () => {
		const empty = bucketEmpty(1000, 600);
		expect(bucketCheck(empty).ok).toBe(false);
		expect(bucketAt(empty, 1001).level).toBe(600);
		expect(bucketAt(empty, 500).level).toBe(0);
		expect(bucketAt(bucketAt(empty, 2000), 1000).level).toBe(600_000);
	});
});
