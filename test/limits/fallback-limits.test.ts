/** The shares a replica keeps while Redis is out: they must add up to no more than the limit. */
import { expect, test } from "bun:test";
import { periodNumber } from "../../src/limits/calendar.ts";
import { fallbackLimits, shareOf } from "../../src/limits/fallback-limits.ts";

const now = Date.parse("2025-03-10T12:00:00Z");

test.each([
	[60, 3, 20],
	[10, 3, 4],
	[1, 3, 1],
	[5, 0, 5],
])("share of %p over %p replicas is %p", (limit, replicas, share) => {
	expect(shareOf(limit, replicas)).toBe(share);
});

test("quotas share what Redis last reported left in this period, and nothing when unknown or stale", () => {
	const limits = {
		requests_per_minute: 60,
		tokens_per_minute: 1000,
		concurrent: 4,
		tokens_per_day: 1000,
		tokens_per_month: 9000,
	};
	const seen = {
		day: { period: periodNumber("day", now), used: 400 },
		month: { period: periodNumber("month", now) - 1, used: 10 },
	};
	expect(fallbackLimits(limits, 3, seen, now)).toEqual({
		requests_per_minute: 20,
		tokens_per_minute: 334,
		concurrent: 2,
		tokens_per_day: 200,
		tokens_per_month: 0,
	});
	expect(
		fallbackLimits({ tokens_per_day: 10 }, 2, { day: { period: periodNumber("day", now), used: 12 } }, now),
	).toEqual({
		tokens_per_day: 0,
	});
	expect(fallbackLimits({}, 3, undefined, now)).toEqual({});
});
