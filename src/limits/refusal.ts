/**
 * Turns a limit's refusal in milliseconds into what a client is told, and picks among several refusals the one
 * with the longest wait: retrying earlier would only be refused again by it.
 */
import type { LimitName, Refusal } from "./types.ts";

export type Blocked = { limit: LimitName; limitValue: number; retryMs: number; resetMs: number };

/** Concurrency frees a slot whenever any request ends: there is no better retry hint than a second. */
export const CONCURRENT_WAIT_MS = 1000;

export function toRefusal(blocked: Blocked): Refusal {
	return {
		limit: blocked.limit,
		limitValue: blocked.limitValue,
		retryAfterSeconds: Math.max(1, Math.ceil(blocked.retryMs / 1000)),
		resetSeconds: Math.max(0, Math.ceil(blocked.resetMs / 1000)),
	};
}

/** The first of the longest waits, so that checking in LIMIT_NAMES order breaks ties by that order. */
export function longestWait(blocked: readonly Blocked[]): Blocked | undefined {
	let worst: Blocked | undefined;
	for (const b of blocked) if (!worst || b.retryMs > worst.retryMs) worst = b;
	return worst;
}
