/** UTC periods and the quota counter over them, at the boundaries that break naive date code. */
import { describe, expect, test } from "bun:test";
import { dayName, dayNumberOf, monthNumber, periodEnd, periodNumber } from "../../src/limits/calendar.ts";
import { quotaAt, quotaCharge, quotaCheck } from "../../src/limits/quota.ts";
import { longestWait, toRefusal } from "../../src/limits/refusal.ts";

const at = (iso: string) => Date.parse(iso);

describe("calendar", () => {
	test.each([
		["2025-01-31T23:59:59.999Z", "2025-01-31", "2025-02-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"],
		["2024-02-29T12:00:00.000Z", "2024-02-29", "2024-03-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"],
		["2025-12-31T00:00:00.000Z", "2025-12-31", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"],
		["2025-06-01T00:00:00.000Z", "2025-06-01", "2025-06-02T00:00:00.000Z", "2025-07-01T00:00:00.000Z"],
		["1969-12-31T23:00:00.000Z", "1969-12-31", "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"],
	])("%s is day %s; next day %s, next month %s", (iso, day, nextDay, nextMonth) => {
		expect(dayName(at(iso))).toBe(day);
		expect(new Date(periodEnd("day", at(iso))).toISOString()).toBe(nextDay);
		expect(new Date(periodEnd("month", at(iso))).toISOString()).toBe(nextMonth);
		expect(dayNumberOf(day)).toBe(periodNumber("day", at(iso)));
	});

	test("month numbers count months; a malformed day name is NaN", () => {
		expect(monthNumber(at("2025-01-15T00:00:00Z"))).toBe(2025 * 12);
		expect(periodNumber("month", at("2025-12-15T00:00:00Z"))).toBe(2025 * 12 + 11);
		expect(dayNumberOf("2025-1-1")).toBeNaN();
	});
});

describe("quota", () => {
	const noon = at("2025-03-10T12:00:00Z");
	test.each([
		["day", 999, 1000, "ok"],
		["day", 1000, 1000, 12 * 3_600_000],
		["month", 5000, 1000, 21 * 86_400_000 + 12 * 3_600_000],
	] as const)("%s quota: used %p of %p → %p", (period, used, quota, expected) => {
		const state = { period: periodNumber(period, noon), used };
		const d = quotaCheck(state, quota, period, noon);
		if (expected === "ok") expect(d.ok).toBe(true);
		else expect(d).toEqual({ ok: false, retryMs: expected, resetMs: expected });
	});

	test("a new period starts from zero; a settle across it charges only an excess", () => {
		const yesterday = { period: periodNumber("day", noon) - 1, used: 900 };
		expect(quotaAt(yesterday, "day", noon)).toEqual({ period: periodNumber("day", noon), used: 0 });
		expect(quotaCharge(yesterday, "day", noon, -300).used).toBe(0);
		expect(quotaCharge(yesterday, "day", noon, 300).used).toBe(300);
		expect(quotaCharge(undefined, "day", noon, 50).used).toBe(50);
		const today = { period: periodNumber("day", noon), used: 100 };
		expect(quotaCharge(today, "day", noon, -300).used).toBe(0);
		expect(quotaCharge(today, "day", noon, 30).used).toBe(130);
	});
});

describe("refusal", () => {
	test.each([
		[1, 0, 1, 0],
		[1000, 1000, 1, 1],
		[1001, 59_001, 2, 60],
		[0, -5, 1, 0],
	])("retry %p ms, reset %p ms → %p s, %p s", (retryMs, resetMs, retry, reset) => {
		expect(toRefusal({ limit: "concurrent", limitValue: 2, retryMs, resetMs })).toEqual({
			limit: "concurrent",
			limitValue: 2,
			retryAfterSeconds: retry,
			resetSeconds: reset,
		});
	});

	test("the longest wait wins; a tie keeps the first", () => {
		const a = { limit: "requests_per_minute", limitValue: 1, retryMs: 5, resetMs: 5 } as const;
		const b = { limit: "tokens_per_minute", limitValue: 1, retryMs: 9, resetMs: 9 } as const;
		const c = { limit: "concurrent", limitValue: 1, retryMs: 9, resetMs: 9 } as const;
		expect(longestWait([a, b, c])).toBe(b);
		expect(longestWait([])).toBeUndefined();
	});
});
