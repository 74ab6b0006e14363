/**
 * The limits a replica applies on its own while Redis is unreachable: its share of each limit, so that the replicas
 * together cannot hand out more than the limit. Minute limits and concurrency get ceil(limit ÷ replicas), at least 1
 * (the local store also starts them used up). A quota gets its share of what was left at the last answer from Redis
 * in this period; with no such answer nothing is known, and the share is 0: refused until Redis is back.
 */
import { periodNumber } from "./calendar.ts";
import type { QuotaState } from "./quota.ts";
import type { KeyLimits } from "./types.ts";

/** The quota counters Redis last reported for a key. */
export type QuotaSnapshot = { day?: QuotaState; month?: QuotaState };

/** A fallback refusal of a quota may be the share's, not the quota's: ask for a retry soon, not at the reset. */
export const FALLBACK_QUOTA_RETRY_S = 30;

export function shareOf(limit: number, replicas: number): number {
	return Math.max(1, Math.ceil(limit / Math.max(1, replicas)));
}

function quotaShare(quota: number, seen: QuotaState | undefined, current: number, replicas: number): number {
	if (!seen || seen.period !== current) return 0;
	const left = quota - seen.used;
	return left <= 0 ? 0 : Math.ceil(left / Math.max(1, replicas));
}

export function fallbackLimits(
	limits: KeyLimits,
	replicas: number,
	seen: QuotaSnapshot | undefined,
	now: number,
): KeyLimits {
	const shared: KeyLimits = {};
	if (limits.requests_per_minute !== undefined)
		shared.requests_per_minute = shareOf(limits.requests_per_minute, replicas);
	if (limits.tokens_per_minute !== undefined) shared.tokens_per_minute = shareOf(limits.tokens_per_minute, replicas);
	if (limits.concurrent !== undefined) shared.concurrent = shareOf(limits.concurrent, replicas);
	if (limits.tokens_per_day !== undefined)
		shared.tokens_per_day = quotaShare(limits.tokens_per_day, seen?.day, periodNumber("day", now), replicas);
	if (limits.tokens_per_month !== undefined)
		shared.tokens_per_month = quotaShare(limits.tokens_per_month, seen?.month, periodNumber("month", now), replicas);
	return shared;
}
