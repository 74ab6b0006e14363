/**
 * A bare roster of replicas for testing the pick rules without the façade: pick, take (pick and hold a slot), free,
 * eject by hand, and a simulation of equal-speed replicas under a fixed number of requests in flight.
 */
import type { Eligible, FleetConfig, HealthConfig } from "../../../src/upstream/fleet/fleet-types.ts";
import { buildRoster, type PickPolicy, pickReplica } from "../../../src/upstream/fleet/pick-replica.ts";
import { dispatch, settle } from "../../../src/upstream/fleet/replica-health.ts";
import { ReplicaState } from "../../../src/upstream/fleet/replica-state.ts";
import { type ReplicaSpec, seededRandom, tally } from "./fleet-harness.ts";

const health: HealthConfig = { eject_after: 1, eject_ms: 1_000, max_eject_ms: 8_000, probe_ms: 0 };

export function setup(
	specs: ReplicaSpec[],
	balance: FleetConfig["balance"] = "least_outstanding",
	options: { affinity?: boolean; random?: () => number } = {},
) {
	const replicas = specs.map(
		(spec, i) => new ReplicaState(i, { base_url: `http://r${i}.test`, weight: 1, priority: 0, ...spec }),
	);
	const roster = buildRoster(replicas);
	const policy: PickPolicy = {
		balance,
		affinity: options.affinity ?? false,
		random: options.random ?? seededRandom(7),
	};
	const now = 0;
	const pick = (eligible?: Eligible, key?: number) => pickReplica(roster, policy, eligible, key, now);
	/** Picks and takes a slot, as an acquire does. */
	const take = (eligible?: Eligible, key?: number) => {
		const index = pick(eligible, key);
		if (index >= 0) dispatch(replicas[index] as ReplicaState, now);
		return index;
	};
	const free = (index: number) => {
		const replica = replicas[index] as ReplicaState;
		settle(replica, "normal", replica.epoch, { kind: "success" }, now, health);
	};
	const eject = (index: number, at: number) => {
		const replica = replicas[index] as ReplicaState;
		replica.ejectedAt = at;
		replica.ejectedUntil = 1_000_000;
		replica.needsTrial = true;
	};
	const loads = () => replicas.map((replica) => replica.inFlight);
	const at = (index: number) => replicas[index] as ReplicaState;
	return { at, roster, pick, take, free, eject, loads };
}

/** Equal-speed replicas: `depth` requests in flight, the oldest finishing before each new pick. */
export function simulate(s: ReturnType<typeof setup>, picks: number, depth: number, key?: () => number): number[] {
	const chosen: number[] = [];
	const inFlight: number[] = [];
	for (let i = 0; i < picks; i++) {
		if (inFlight.length === depth) s.free(inFlight.shift() as number);
		const index = s.take(undefined, key?.());
		chosen.push(index);
		inFlight.push(index);
	}
	return chosen;
}

export const shares = (picks: number[], size: number) =>
	tally(picks, size).map((count) => (count / picks.length) * 100);
