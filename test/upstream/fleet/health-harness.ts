/**
 * One replica driven through the health state machine by hand: start a request (dispatch) and end it (settle) at a
 * clock the test moves.
 */
import type { FailureCause, HealthConfig, LeaseRole, Outcome } from "../../../src/upstream/fleet/fleet-types.ts";
import { dispatch, settle } from "../../../src/upstream/fleet/replica-health.ts";
import { ReplicaState } from "../../../src/upstream/fleet/replica-state.ts";

export const health: HealthConfig = { eject_after: 3, eject_ms: 30_000, max_eject_ms: 300_000, probe_ms: 10_000 };
export const success: Outcome = { kind: "success" };
export const fail = (cause: FailureCause = "5xx"): Outcome => ({ kind: "failure", cause });

/** A replica plus a clock, with one-line helpers for a whole request. */
export function subject(maxConcurrency?: number) {
	const replica = new ReplicaState(0, {
		base_url: "http://r.test",
		weight: 1,
		priority: 0,
		max_concurrency: maxConcurrency,
	});
	let now = 0;
	const start = () => {
		const epoch = replica.epoch;
		const role = dispatch(replica, now);
		return { role, end: (outcome: Outcome) => settle(replica, role, epoch, outcome, now, health) };
	};
	const run = (outcome: Outcome): LeaseRole => {
		const request = start();
		request.end(outcome);
		return request.role;
	};
	/** Remaining ejection in ms at the current time (0 when not ejected). */
	const ejectedFor = () => Math.max(0, replica.ejectedUntil - now);
	return { replica, start, run, ejectedFor, advance: (ms: number) => (now += ms), now: () => now };
}
