/**
 * The per-replica health state machine: closed → ejected → half-open → closed.
 *
 * - closed: `eject_after` consecutive failures (connect, timeout, 5xx) eject it; a success zeroes the count.
 * - A 429 ejects at once for its Retry-After (else eject_ms), capped; it neither counts toward nor zeroes the
 *   failures, and leaves the failure backoff where it was.
 * - A failure ejection lasts eject_ms, then double the previous one for each repeat, capped at max_eject_ms, until
 *   the replica closes again.
 * - ejected until its time runs out or a probe succeeds; then half-open: the next dispatch is the one trial in
 *   flight. Its success closes the replica and resets the backoff; its failure (or 429) ejects it again; aborted
 *   ends it without a verdict, so the next dispatch is the trial.
 * - panic: a dispatch to a replica still ejected, or half-open with its trial out (equally unproven); its first
 *   verdict acts like a trial's.
 *
 * The failure count stays as it was through an ejection (the snapshot shows why it happened) and is zeroed when the
 * replica closes. Each ejection and closing starts a new epoch; an outcome from a lease of an earlier epoch is
 * counted but changes nothing, so a burst of requests failing together ejects once rather than doubling the backoff
 * for each, and of several panic requests only the first verdict counts.
 */
import type { HealthConfig, LeaseRole, Outcome, RequestOutcome } from "./fleet-types.ts";
import type { ReplicaState } from "./replica-state.ts";

const COUNTER: Record<Outcome["kind"], RequestOutcome> = {
	success: "success",
	failure: "failure",
	"429": "rejected_429",
	aborted: "aborted",
};

/** Takes a slot on the replica and says what the request is to its health. */
export function dispatch(replica: ReplicaState, now: number): LeaseRole {
	replica.inFlight++;
	if (replica.isEjected(now) || replica.trialInFlight) return "panic";
	if (!replica.needsTrial) return "normal";
	replica.trialInFlight = true;
	return "trial";
}

/** Frees the slot of a lease taken at `epoch` in `role` and applies its outcome. */
export function settle(
	replica: ReplicaState,
	role: LeaseRole,
	epoch: number,
	outcome: Outcome,
	now: number,
	health: HealthConfig,
): void {
	replica.inFlight--;
	replica.requests[COUNTER[outcome.kind]]++;
	if (epoch !== replica.epoch) return;
	if (role === "trial") replica.trialInFlight = false;
	const decisive = role !== "normal";
	switch (outcome.kind) {
		case "aborted":
			return;
		case "success":
			if (decisive) close(replica);
			else replica.consecutiveFailures = 0;
			return;
		case "failure":
			if (decisive || ++replica.consecutiveFailures >= health.eject_after) {
				const ms = Math.min(replica.lastEjectMs === 0 ? health.eject_ms : replica.lastEjectMs * 2, health.max_eject_ms);
				replica.lastEjectMs = ms;
				eject(replica, outcome.cause, ms, now);
			}
			return;
		case "429": {
			const ms = Math.min(Math.max(outcome.retryAfterMs ?? health.eject_ms, 0), health.max_eject_ms);
			eject(replica, "429", ms, now);
		}
	}
}

/** Ends the ejection early; true when the replica was ejected, so waiters may now be served. */
export function probeSucceeded(replica: ReplicaState, now: number): boolean {
	if (!replica.isEjected(now)) return false;
	replica.ejectedUntil = now;
	return true;
}

/**
 * True, and marks the probe as started, when the replica is ejected and was not probed (or ejected) within the last
 * probe_ms. The ejection counts as a probe: the failure that caused it was just seen.
 */
export function claimProbe(replica: ReplicaState, now: number, probeMs: number): boolean {
	if (probeMs <= 0 || !replica.isEjected(now) || now - replica.lastProbeAt < probeMs) return false;
	replica.lastProbeAt = now;
	return true;
}

function eject(replica: ReplicaState, cause: keyof ReplicaState["ejections"], ms: number, now: number): void {
	replica.ejectedAt = now;
	replica.ejectedUntil = now + ms;
	replica.lastProbeAt = now;
	replica.needsTrial = true;
	replica.trialInFlight = false;
	replica.epoch++;
	replica.ejections[cause]++;
}

function close(replica: ReplicaState): void {
	replica.ejectedUntil = Number.NEGATIVE_INFINITY;
	replica.needsTrial = false;
	replica.trialInFlight = false; // a panic success may close the replica while a trial of the same epoch is out
	replica.lastEjectMs = 0;
	replica.consecutiveFailures = 0;
	replica.epoch++;
}
