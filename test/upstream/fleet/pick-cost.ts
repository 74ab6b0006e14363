/**
 * Micro-benchmark, not a test: µs per acquire + release on a 3-replica fleet, for each balance policy with and
 * without affinity, plus the bare pick on 16 replicas. Budget: well under 5 µs.
 * Run: bun test/upstream/fleet/pick-cost.ts
 */
import { affinityKey } from "../../../src/upstream/fleet/affinity-hash.ts";
import { createFleet } from "../../../src/upstream/fleet/fleet.ts";
import type { FleetConfig } from "../../../src/upstream/fleet/fleet-types.ts";
import { buildRoster, pickReplica } from "../../../src/upstream/fleet/pick-replica.ts";
import { ReplicaState } from "../../../src/upstream/fleet/replica-state.ts";

const ROUNDS = 200_000;
const success = { kind: "success" } as const;

function config(size: number, balance: FleetConfig["balance"], affinity: FleetConfig["affinity"]): FleetConfig {
	return {
		replicas: Array.from({ length: size }, (_, i) => ({
			base_url: `http://10.0.0.${i}:11434`,
			weight: 1 + (i % 3),
			max_concurrency: 4,
			priority: 0,
		})),
		balance,
		affinity,
		health: { eject_after: 3, eject_ms: 30_000, max_eject_ms: 300_000, probe_ms: 10_000 },
		queue: { max_depth: 64, timeout_ms: 30_000 },
	};
}

/** Mean µs of `round` over ROUNDS runs, after a warm-up so the JIT has compiled the path. */
async function measure(label: string, round: () => Promise<void>): Promise<void> {
	for (let i = 0; i < 20_000; i++) await round();
	const start = Bun.nanoseconds();
	for (let i = 0; i < ROUNDS; i++) await round();
	report(label, start);
}

function report(label: string, start: number): void {
	const us = (Bun.nanoseconds() - start) / ROUNDS / 1000;
	console.log(`${label.padEnd(64)} ${us.toFixed(3)} µs`);
}

const key = affinityKey(["You are a helpful assistant.", "Explain rendezvous hashing."]);
const eligible = [0, 1, 2];
for (const balance of ["least_outstanding", "round_robin"] as const) {
	for (const affinity of ["none", "prefix"] as const) {
		const fleet = createFleet(config(3, balance, affinity));
		const held = [await fleet.acquire(), await fleet.acquire()]; // some load, so comparisons are not all ties
		await measure(`acquire+release, 3 replicas, ${balance}, affinity ${affinity}`, async () => {
			(await fleet.acquire(eligible, { affinity: key })).release(success);
		});
		for (const lease of held) lease.release(success);
	}
}

const replicas = config(16, "least_outstanding", "prefix").replicas.map((replica, i) => new ReplicaState(i, replica));
const roster = buildRoster(replicas);
const policy = { balance: "least_outstanding" as const, affinity: true, random: Math.random };
let sink = 0;
for (let i = 0; i < 20_000; i++) sink += pickReplica(roster, policy, undefined, key, 0);
const start = Bun.nanoseconds();
for (let i = 0; i < ROUNDS; i++) sink += pickReplica(roster, policy, undefined, key, 0);
report(`bare pick (sync), 16 replicas, least_outstanding + affinity${sink < 0 ? "!" : ""}`, start);
