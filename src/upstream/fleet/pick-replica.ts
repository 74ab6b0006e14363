/**
 * Chooses the replica for one request, or says why none: the first tier (lowest priority) with an eligible replica
 * that is available (not ejected, not full, no trial out); within it the affinity-preferred replica unless it is
 * overloaded, else the balance policy. When no tier has one and every eligible replica is ejected, panic routing
 * returns the one ejected first (among those not full; a half-open replica with its trial out counts as ejected). Never allocates and never sorts: a few passes over ≤ 16
 * replicas in a precomputed priority order.
 */
import { rendezvousScore } from "./affinity-hash.ts";
import type { Eligible, FleetConfig } from "./fleet-types.ts";
import type { ReplicaState } from "./replica-state.ts";

/** Every eligible replica is busy (full, or waiting on a trial) or ejected but not all ejected: wait. */
export const NONE_FREE = -1;
/** No replica is eligible at all: waiting cannot help. */
export const NONE_ELIGIBLE = -2;

/** Above 1.5× the tier's average weighted in-flight (and ≥ 1 above the least loaded) the preferred replica is skipped. */
const AFFINITY_OVERLOAD = 1.5;

export interface Roster {
	readonly replicas: readonly ReplicaState[];
	/** Replica indexes by priority, config order within a priority (so round-robin ties go to the first listed). */
	readonly order: readonly number[];
	/** Exclusive end of each tier in `order`. */
	readonly tierEnds: readonly number[];
}

export interface PickPolicy {
	readonly balance: FleetConfig["balance"];
	readonly affinity: boolean;
	readonly random: () => number;
}

export function buildRoster(replicas: readonly ReplicaState[]): Roster {
	const order = replicas
		.map((replica) => replica.index)
		.sort((a, b) => at(replicas, a).priority - at(replicas, b).priority);
	const tierEnds: number[] = [];
	for (let k = 1; k <= order.length; k++) {
		if (k === order.length || at(replicas, order[k]).priority !== at(replicas, order[k - 1]).priority) tierEnds.push(k);
	}
	return { replicas, order, tierEnds };
}

/** The chosen replica's index, NONE_FREE, or NONE_ELIGIBLE. */
export function pickReplica(
	roster: Roster,
	policy: PickPolicy,
	eligible: Eligible,
	key: number | undefined,
	now: number,
): number {
	const { replicas, order, tierEnds } = roster;
	let anyEligible = false;
	let allEjected = true;
	let panic: ReplicaState | undefined;
	let start = 0;
	for (let t = 0; t < tierEnds.length; t++) {
		const end = tierEnds[t] as number;
		for (let k = start; k < end; k++) {
			const replica = at(replicas, order[k]);
			if (!isEligible(eligible, replica.index)) continue;
			anyEligible = true;
			if (replica.isAvailable(now)) return pickInTier(roster, start, end, policy, eligible, key, now);
			// A half-open replica whose trial is out is as unproven as an ejected one.
			if (!replica.isEjected(now) && !replica.trialInFlight) allEjected = false;
			else if (!replica.isFull() && (panic === undefined || replica.ejectedAt < panic.ejectedAt)) panic = replica;
		}
		start = end;
	}
	if (!anyEligible) return NONE_ELIGIBLE;
	return allEjected && panic !== undefined ? panic.index : NONE_FREE;
}

function pickInTier(
	roster: Roster,
	start: number,
	end: number,
	policy: PickPolicy,
	eligible: Eligible,
	key: number | undefined,
	now: number,
): number {
	// A replica back from ejection takes the next request as its trial, so a recovery is proven (or not) at once.
	for (let k = start; k < end; k++) {
		const replica = at(roster.replicas, roster.order[k]);
		if (replica.needsTrial && isEligible(eligible, replica.index) && replica.isAvailable(now)) return replica.index;
	}
	if (policy.affinity && key !== undefined) {
		const preferred = affine(roster, start, end, eligible, key, now);
		if (preferred >= 0) return preferred;
	}
	return policy.balance === "round_robin"
		? roundRobin(roster, start, end, eligible, now)
		: leastOutstanding(roster, start, end, eligible, now, policy.random);
}

/**
 * The rendezvous winner among the tier's eligible, non-ejected replicas (full ones included, so a moment at the cap
 * does not reshuffle every conversation), or -1 when it is unavailable or overloaded.
 */
function affine(roster: Roster, start: number, end: number, eligible: Eligible, key: number, now: number): number {
	let best: ReplicaState | undefined;
	let bestScore = -1;
	let sum = 0;
	let count = 0;
	let least = Number.POSITIVE_INFINITY;
	for (let k = start; k < end; k++) {
		const replica = at(roster.replicas, roster.order[k]);
		if (!isEligible(eligible, replica.index) || replica.isEjected(now)) continue;
		const load = replica.load();
		sum += load;
		count++;
		if (load < least) least = load;
		const score = rendezvousScore(key, replica.seed, replica.weight);
		if (score > bestScore) {
			best = replica;
			bestScore = score;
		}
	}
	// The tier holds an available replica, so best is set.
	const preferred = best as ReplicaState;
	if (!preferred.isAvailable(now)) return -1;
	const load = preferred.load();
	return load > AFFINITY_OVERLOAD * (sum / count) && load - least >= 1 ? -1 : preferred.index;
}

/** Lowest in-flight ÷ weight; ties drawn uniformly by reservoir sampling, so random is called only on a tie. */
function leastOutstanding(
	roster: Roster,
	start: number,
	end: number,
	eligible: Eligible,
	now: number,
	random: () => number,
): number {
	let chosen = NONE_FREE;
	let best = Number.POSITIVE_INFINITY;
	let ties = 0;
	for (let k = start; k < end; k++) {
		const replica = at(roster.replicas, roster.order[k]);
		if (!isEligible(eligible, replica.index) || !replica.isAvailable(now)) continue;
		const load = replica.load();
		if (load < best) {
			best = load;
			chosen = replica.index;
			ties = 1;
		} else if (load === best && random() * ++ties < 1) {
			chosen = replica.index;
		}
	}
	return chosen;
}

/** Smooth weighted round robin (nginx): weights 3:2:1 give a b a c b a, not a a a b b c. */
function roundRobin(roster: Roster, start: number, end: number, eligible: Eligible, now: number): number {
	let chosen: ReplicaState | undefined;
	let total = 0;
	for (let k = start; k < end; k++) {
		const replica = at(roster.replicas, roster.order[k]);
		if (!isEligible(eligible, replica.index) || !replica.isAvailable(now)) continue;
		replica.currentWeight += replica.weight;
		total += replica.weight;
		if (chosen === undefined || replica.currentWeight > chosen.currentWeight) chosen = replica;
	}
	// Only called for a tier holding an available replica.
	const winner = chosen as ReplicaState;
	winner.currentWeight -= total;
	return winner.index;
}

export function isEligible(eligible: Eligible, index: number): boolean {
	if (eligible === undefined) return true;
	return typeof eligible === "function" ? eligible(index) : eligible.includes(index);
}

function at(replicas: readonly ReplicaState[], index: number | undefined): ReplicaState {
	return replicas[index as number] as ReplicaState;
}
