/**
 * Issue 17's targets, judged against the pass-through of the same run. Each target's text names the bound it was
 * judged by in this run, so that a reader can check a verdict from the table alone. A figure that was not measured
 * (NaN) never meets a target.
 */
import { signedMs } from "./stats.ts";

/** Added time ≤ the pass-through's added time + `marginMs` (paced TTFT: 0.3 ms, each later chunk: 0.2 ms). */
export const withinPlus = (added: number, passAdded: number, marginMs: number): boolean =>
	added <= passAdded + marginMs;

export const plusTarget = (passAdded: number, marginMs: number): string =>
	`≤ pass-through + ${marginMs} ms (≤ ${signedMs(passAdded + marginMs)})`;

/** Added time ≤ `factor` × the pass-through's added time (`stream:false` c=1 p50: 2×). */
export const withinTimes = (added: number, passAdded: number, factor: number): boolean => added <= factor * passAdded;

export const timesTarget = (passAdded: number, factor: number): string =>
	`≤ ${factor}× pass-through's added (≤ ${signedMs(factor * passAdded)})`;

/** Milliseconds of CPU per 1000 tokens. */
export const per1000 = (cpuMs: number, tokens: number): number => (cpuMs / tokens) * 1000;

/** After ≤ before × (1 + share): the heap back within 5 % of where it started. */
export const backWithin = (before: number, after: number, share: number): boolean => after <= before * (1 + share);
