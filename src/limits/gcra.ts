/**
 * Requests per minute by GCRA, in its continuous-state form: each request adds one emission interval of debt,
 * time drains it, and a request is admitted while the debt stays within one minute. A key idle for a minute thus
 * sends exactly `perMinute` at once, then one per interval: no doubled burst at a window edge.
 *
 * Debt is kept in units of 1/perMinute ms so that the interval (60 000 units) and every drain are integers: the
 * arithmetic is exact in doubles, and the Lua copy of it (redis-scripts.ts) reaches the very same numbers.
 */

export const MINUTE_MS = 60_000;

/** `debt` in 1/perMinute ms as of `at` (ms); `perMinute` is the limit the units belong to. */
export type RateState = { at: number; debt: number; perMinute: number };

export type RateDecision = { ok: true; next: RateState } | { ok: false; retryMs: number; resetMs: number };

/** The state of a key whose whole minute is already spent: used where the real count is unknown. */
export function rateExhausted(now: number, perMinute: number): RateState {
	return { at: now, debt: MINUTE_MS * perMinute, perMinute };
}

/** The debt left at `now`, in units of the given limit; a changed limit rescales, rounding against the key. */
export function rateDebt(state: RateState | undefined, now: number, perMinute: number): number {
	if (!state) return 0;
	const debt = state.perMinute === perMinute ? state.debt : Math.ceil((state.debt * perMinute) / state.perMinute);
	// A clock that steps back must not create debt.
	return Math.max(0, debt - Math.max(0, now - state.at) * perMinute);
}

export function rateAdmit(state: RateState | undefined, now: number, perMinute: number): RateDecision {
	const debt = rateDebt(state, now, perMinute);
	const after = debt + MINUTE_MS;
	const allowance = MINUTE_MS * perMinute;
	if (after <= allowance) return { ok: true, next: { at: now, debt: after, perMinute } };
	return { ok: false, retryMs: Math.ceil((after - allowance) / perMinute), resetMs: Math.ceil(debt / perMinute) };
}
