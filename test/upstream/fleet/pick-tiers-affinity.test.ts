import { describe, expect, test } from "bun:test";
import { affinityKey } from "../../../src/upstream/fleet/affinity-hash.ts";
import { NONE_FREE } from "../../../src/upstream/fleet/pick-replica.ts";
import { type ReplicaSpec, tally } from "./fleet-harness.ts";
import { setup, simulate } from "./pick-harness.ts";

describe("tiers", () => {
	const specs: ReplicaSpec[] = [{ max_concurrency: 1 }, { priority: 1 }, { max_concurrency: 1 }];

	test("a later tier only once every eligible replica of the earlier one is full or ejected", () => {
		const s = setup(specs);
		expect([s.take(), s.take()].sort()).toEqual([0, 2]);
		expect(s.take()).toBe(1);
		s.free(0);
		expect(s.take()).toBe(0);
	});

	test("an ejected tier-0 replica counts as unavailable", () => {
		const s = setup(specs);
		s.eject(0, 0);
		expect([s.take(), s.take()]).toEqual([2, 1]);
	});

	test("tier-0 replicas outside the eligible set do not hold the request back", () => {
		expect(setup(specs).pick([1])).toBe(1);
	});
});

describe("panic routing", () => {
	test("every eligible replica ejected → the one ejected first", () => {
		const s = setup([{}, { priority: 1 }, {}]);
		s.eject(0, 30);
		s.eject(1, 10);
		s.eject(2, 20);
		expect([s.pick(), s.pick([0, 2])]).toEqual([1, 2]);
	});

	test("an ejected replica that is full is passed over; all full → wait", () => {
		const s = setup([{ max_concurrency: 1 }, {}]);
		s.eject(0, 10);
		s.eject(1, 20);
		s.at(0).inFlight = 1;
		expect(s.pick()).toBe(1);
		s.at(1).inFlight = 1;
		expect(s.pick([0])).toBe(NONE_FREE);
	});

	test("not all ejected: the rest are full → wait, no panic", () => {
		const s = setup([{}, { max_concurrency: 1 }]);
		s.eject(0, 10);
		s.take();
		expect(s.pick()).toBe(NONE_FREE);
	});

	test("a half-open replica with its trial out counts as ejected", () => {
		const s = setup([{}, {}]);
		s.eject(0, 10);
		s.eject(1, 20);
		s.at(1).ejectedUntil = 0;
		s.at(1).trialInFlight = true;
		expect(s.pick()).toBe(0);
		s.at(0).ejectedAt = 30;
		expect(s.pick()).toBe(1);
	});
});

describe("prefix affinity", () => {
	const threeEqual = () => setup([{}, {}, {}], "least_outstanding", { affinity: true, random: () => 0.99 });
	const key = affinityKey(["system", "hello"]);

	test("a key keeps its replica while the tier is evenly loaded", () => {
		const s = threeEqual();
		const preferred = s.pick(undefined, key);
		const picks = simulate(s, 60, 1, () => key);
		expect(tally(picks, 3)[preferred]).toBe(60);
	});

	test("keys spread over the replicas", () => {
		const s = threeEqual();
		const firsts = Array.from({ length: 300 }, (_, i) => s.pick(undefined, affinityKey([`k${i}`])));
		for (const count of tally(firsts, 3)) expect(count).toBeGreaterThan(70);
	});

	test.each([
		["idle tier", 0, [0, 0], true],
		["1 vs 1,1: not above 1.5× average", 1, [1, 1], true],
		["2 vs 1,1: exactly 1.5× average stays", 2, [1, 1], true],
		["3 vs 1,1: above 1.5× and 2 above least", 3, [1, 1], false],
		["1 vs 0,0: above 1.5× and 1 above least", 1, [0, 0], false],
		["4 vs 3,3: 1.2× average", 4, [3, 3], true],
	])("%s → stays %p", (_, preferredLoad, others, stays) => {
		const s = threeEqual();
		const preferred = s.pick(undefined, key);
		const rest = [0, 1, 2].filter((i) => i !== preferred);
		s.at(preferred).inFlight = preferredLoad;
		rest.forEach((i, k) => {
			s.at(i).inFlight = others[k] as number;
		});
		expect(s.pick(undefined, key) === preferred).toBe(stays);
	});

	test("loads are weighted: 1 above 1.5× average but under 1 above the least stays", () => {
		const weights = [2, 1, 1];
		const s = setup(
			weights.map((weight) => ({ weight })),
			"least_outstanding",
			{ affinity: true },
		);
		const keyOn0 = Array.from({ length: 50 }, (_, i) => affinityKey([`w${i}`])).find((k) => s.pick(undefined, k) === 0);
		s.at(0).inFlight = 1; // weighted 0.5 > 1.5 × 0.167, but only 0.5 above the idle ones
		expect(s.pick(undefined, keyOn0)).toBe(0);
	});

	test("a full preferred replica falls back to the balance, then wins again when a slot frees", () => {
		const s = setup([{ max_concurrency: 1 }, { max_concurrency: 1 }, { max_concurrency: 1 }], "least_outstanding", {
			affinity: true,
		});
		const preferred = s.take(undefined, key);
		const other = s.take(undefined, key);
		expect(other).not.toBe(preferred);
		s.free(preferred);
		expect(s.pick(undefined, key)).toBe(preferred);
	});

	test("an ejected preferred replica hands the key to the next rendezvous winner", () => {
		const s = threeEqual();
		const preferred = s.pick(undefined, key);
		s.eject(preferred, 0);
		const next = s.pick(undefined, key);
		expect(next).not.toBe(preferred);
		// 2 vs 1 is within 1.5× the average of the two healthy replicas; counting the idle ejected one it would not be.
		s.at(next).inFlight = 2;
		s.at(3 - preferred - next).inFlight = 1;
		expect(s.pick(undefined, key)).toBe(next);
	});

	test("ignored when the policy has affinity off", () => {
		const s = setup([{}, {}, {}], "round_robin");
		expect(
			tally(
				simulate(s, 30, 1, () => key),
				3,
			),
		).toEqual([10, 10, 10]);
	});
});
