/**
 * A fleet on the manual clock and a seeded random, with helpers to start an acquire without awaiting it, read
 * per-replica in-flight and ejection gauges, and eject a replica by failing requests to it.
 */
import { createFleet, type FleetDeps } from "../../../src/upstream/fleet/fleet.ts";
import type { FleetConfig, Lease, Outcome } from "../../../src/upstream/fleet/fleet-types.ts";
import { fleetConfig, manualClock, type ReplicaSpec, seededRandom } from "./fleet-harness.ts";

export const ok: Outcome = { kind: "success" };
export const fail: Outcome = { kind: "failure", cause: "connect" };

export function setup(
	specs: ReplicaSpec[],
	overrides: Partial<Omit<FleetConfig, "replicas">> = {},
	deps: FleetDeps = {},
) {
	const clock = manualClock();
	const waits: number[] = [];
	const fleet = createFleet(fleetConfig(specs, overrides), {
		now: clock.now,
		random: seededRandom(1),
		setTimer: clock.setTimer,
		onQueueWait: (ms) => waits.push(ms),
		...deps,
	});
	/** Starts an acquire and records how it settles, without awaiting it. */
	const start = (eligible?: readonly number[], signal?: AbortSignal) => {
		const state: { lease?: Lease; error?: unknown } = {};
		const promise = fleet.acquire(eligible, { signal }).then(
			(lease) => {
				state.lease = lease;
			},
			(error) => {
				state.error = error;
			},
		);
		return Object.assign(state, { promise });
	};
	const inFlight = () => fleet.snapshot().replicas.map((replica) => replica.inFlight);
	const ejected = () => fleet.snapshot().replicas.map((replica) => replica.ejected);
	/** Ejects replica `index` with eject_after (3) failed requests to it alone. */
	const eject = async (index: number) => {
		for (let i = 0; i < 3; i++) (await fleet.acquire([index])).release(fail);
	};
	return { clock, fleet, waits, start, inFlight, ejected, eject };
}

/** Lets promise callbacks already queued run. */
export const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));
