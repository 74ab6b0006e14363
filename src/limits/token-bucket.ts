/**
 * Tokens per minute: a bucket of `capacity` tokens refilling at capacity/60 per second. A request is admitted while
 * the bucket is not used up (level > 0), then reserves its estimate, which may take the level below zero: the key
 * is in debt by at most one answer and refused until the refill pays it back. Settling adds or gives back the
 * difference between the actual and the reserved tokens.
 *
 * The level is kept in tokens × 60 000 so that the refill per millisecond is exactly `capacity`: integers only, the
 * same in TypeScript and in Lua.
 */
import { MINUTE_MS } from "./gcra.ts";

/** `level` in tokens × 60 000 as of `at` (ms). `capacity` is kept so that a settle needs no config. */
export type BucketState = { at: number; level: number; capacity: number };

export type BucketDecision = { ok: true } | { ok: false; retryMs: number; resetMs: number };

export function bucketFull(now: number, capacity: number): BucketState {
	return { at: now, level: capacity * MINUTE_MS, capacity };
}

/** Used where the real level is unknown (the Redis fallback): nothing left, refilling from now. */
export function bucketEmpty(now: number, capacity: number): BucketState {
	return { at: now, level: 0, capacity };
}

/** The bucket at `now` under the given capacity (a lowered limit clamps the level). */
export function bucketAt(state: BucketState, now: number, capacity = state.capacity): BucketState {
	const level = state.level + Math.max(0, now - state.at) * capacity;
	return { at: now, level: Math.min(level, capacity * MINUTE_MS), capacity };
}

export function bucketCheck(state: BucketState): BucketDecision {
	if (state.level > 0) return { ok: true };
	const full = state.capacity * MINUTE_MS;
	return {
		ok: false,
		// Admitted once the level is strictly above zero.
		retryMs: Math.floor(-state.level / state.capacity) + 1,
		resetMs: Math.ceil((full - state.level) / state.capacity),
	};
}

/** Takes `tokens` (negative gives back), never above capacity. */
export function bucketTake(state: BucketState, tokens: number): BucketState {
	const level = Math.min(state.level - tokens * MINUTE_MS, state.capacity * MINUTE_MS);
	return { at: state.at, level, capacity: state.capacity };
}
