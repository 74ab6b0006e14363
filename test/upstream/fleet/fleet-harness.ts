/**
 * Deterministic stand-ins for the fleet's injected time and randomness — a manual clock whose timers fire only when
 * the test advances it, and a seeded generator — plus a config builder with the schema's defaults.
 */
import type { FleetConfig, ReplicaConfig } from "../../../src/upstream/fleet/fleet-types.ts";

export interface ManualClock {
	now: () => number;
	/** Moves time forward, firing due timers in order of their deadline. */
	advance: (ms: number) => void;
	setTimer: (fn: () => void, ms: number) => () => void;
	/** Timers scheduled and not yet fired or cancelled. */
	pending: () => number;
}

export function manualClock(start = 1000): ManualClock {
	let time = start;
	let timers: { at: number; fn: () => void }[] = [];
	return {
		now: () => time,
		advance(ms) {
			const until = time + ms;
			for (;;) {
				const next = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
				if (next === undefined) break;
				timers = timers.filter((timer) => timer !== next);
				time = next.at;
				next.fn();
			}
			time = until;
		},
		setTimer(fn, ms) {
			const timer = { at: time + ms, fn };
			timers.push(timer);
			return () => {
				timers = timers.filter((other) => other !== timer);
			};
		},
		pending: () => timers.length,
	};
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export type ReplicaSpec = Partial<ReplicaConfig>;

/** A config with the schema's defaults; replicas default to http://r<i>.test, weight 1, unlimited, tier 0. */
export function fleetConfig(
	replicas: ReplicaSpec[],
	overrides: Partial<Omit<FleetConfig, "replicas">> = {},
): FleetConfig {
	return {
		replicas: replicas.map((spec, i) => ({ base_url: `http://r${i}.test`, weight: 1, priority: 0, ...spec })),
		balance: "least_outstanding",
		affinity: "none",
		health: { eject_after: 3, eject_ms: 30_000, max_eject_ms: 300_000, probe_ms: 10_000 },
		queue: { max_depth: 64, timeout_ms: 30_000 },
		...overrides,
	};
}

/** Counts how often each index occurs among `picks`, as a list indexed like the replicas. */
export function tally(picks: readonly number[], size: number): number[] {
	const counts = new Array<number>(size).fill(0);
	for (const pick of picks) counts[pick] = (counts[pick] ?? 0) + 1;
	return counts;
}
