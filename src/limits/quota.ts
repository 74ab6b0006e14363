/**
 * Day and month token quotas: a counter per UTC period. Admission is refused while used ≥ quota and otherwise
 * reserves the estimate; settling adds the difference. A refused key can only wait for the next period.
 */
import { type Period, periodEnd, periodNumber } from "./calendar.ts";

export type QuotaState = { period: number; used: number };

export type QuotaDecision = { ok: true } | { ok: false; retryMs: number; resetMs: number };

/** The counter of the period holding `now`: a counter from an earlier period starts again from zero. */
export function quotaAt(state: QuotaState | undefined, period: Period, now: number): QuotaState {
	const current = periodNumber(period, now);
	return state && state.period === current ? state : { period: current, used: 0 };
}

export function quotaCheck(state: QuotaState, quota: number, period: Period, now: number): QuotaDecision {
	if (state.used < quota) return { ok: true };
	const wait = periodEnd(period, now) - now;
	return { ok: false, retryMs: wait, resetMs: wait };
}

/**
 * Adds `tokens` (negative gives back) to the current period, never below zero. A settle that lands after the period
 * changed charges only an excess over the reservation, which belonged to the period before.
 */
export function quotaCharge(state: QuotaState | undefined, period: Period, now: number, tokens: number): QuotaState {
	const current = quotaAt(state, period, now);
	const rolled = !state || state.period !== current.period;
	const add = rolled ? Math.max(0, tokens) : tokens;
	return { period: current.period, used: Math.max(0, current.used + add) };
}
