import { describe, expect, test } from "bun:test";
import type { Eligible } from "../../../src/upstream/fleet/fleet-types.ts";
import { NONE_ELIGIBLE, NONE_FREE } from "../../../src/upstream/fleet/pick-replica.ts";
import { seededRandom, tally } from "./fleet-harness.ts";
import { setup, shares, simulate } from "./pick-harness.ts";

test("buildRoster orders replicas by priority, config order within a tier", () => {
	const { roster } = setup([{ priority: 1 }, { priority: 0 }, { priority: 1 }, { priority: 0 }, { priority: 2 }]);
	expect([roster.order, roster.tierEnds]).toEqual([
		[1, 3, 0, 2, 4],
		[2, 4, 5],
	]);
});

describe("least_outstanding", () => {
	test("equal weights: in-flight counts stay within 1 of each other", () => {
		const s = setup([{}, {}, {}, {}], "least_outstanding", { random: seededRandom(3) });
		for (let i = 0; i < 50; i++) {
			s.take();
			const loads = s.loads();
			expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
		}
		expect(s.loads().reduce((a, b) => a + b)).toBe(50);
	});

	test("lowest in-flight ÷ weight wins", () => {
		const s = setup([{ weight: 2 }, {}, {}]);
		s.at(0).inFlight = 3; // 1.5
		s.at(1).inFlight = 2; // 2
		s.at(2).inFlight = 1; // 1
		expect(s.pick()).toBe(2);
		s.at(2).inFlight = 2;
		expect(s.pick()).toBe(0);
	});

	test.each([
		["always keep the first", 0.99, 0],
		["always take the latest", 0, 2],
	])("ties drawn by the injected random: %s", (_, draw, expected) => {
		expect(setup([{}, {}, {}], "least_outstanding", { random: () => draw }).pick()).toBe(expected);
	});

	test("ties are drawn evenly", () => {
		const random = seededRandom(11);
		const firsts = Array.from({ length: 3000 }, () => setup([{}, {}, {}], "least_outstanding", { random }).pick());
		for (const share of shares(firsts, 3)) expect(Math.abs(share - 33.33)).toBeLessThan(3);
	});

	test("600 picks at 2:1:1 to equal-speed replicas split 50/25/25 (the issue allows 5 points)", () => {
		const s = setup([{ weight: 2 }, {}, {}], "least_outstanding", { random: seededRandom(5) });
		const got = shares(simulate(s, 600, 8), 3);
		// The issue asks for within 5 points; with the seeded random the split is exact.
		expect(got).toEqual([50, 25, 25]);
	});
});

describe("round_robin", () => {
	test("3:2:1 interleaves smoothly", () => {
		const s = setup([{ weight: 3 }, { weight: 2 }, { weight: 1 }], "round_robin");
		expect(simulate(s, 12, 1)).toEqual([0, 1, 0, 2, 1, 0, 0, 1, 0, 2, 1, 0]);
	});

	test("600 picks at 3:2:1 give exactly 300/200/100", () => {
		const s = setup([{ weight: 3 }, { weight: 2 }, { weight: 1 }], "round_robin");
		expect(tally(simulate(s, 600, 4), 3)).toEqual([300, 200, 100]);
	});

	test("fractional weights 1.5:0.5", () => {
		const s = setup([{ weight: 1.5 }, { weight: 0.5 }], "round_robin");
		expect(tally(simulate(s, 400, 1), 2)).toEqual([300, 100]);
	});

	test("a full replica is skipped, and the rest keep their ratio", () => {
		const s = setup([{ weight: 3, max_concurrency: 0 }, { weight: 2 }, { weight: 1 }], "round_robin");
		expect(tally(simulate(s, 300, 1), 3)).toEqual([0, 200, 100]);
	});
});

describe.each(["least_outstanding", "round_robin"] as const)("%s never picks an ejected or full replica", (balance) => {
	test("only the one free replica is picked", () => {
		const s = setup([{ max_concurrency: 1 }, {}, { max_concurrency: 2 }], balance);
		s.eject(1, 0);
		const picks = [s.take(), s.take(), s.take()];
		expect([picks.sort(), s.take(), s.loads()]).toEqual([[0, 2, 2], NONE_FREE, [1, 0, 2]]);
	});
});

describe("eligibility", () => {
	test.each([
		["all", undefined, [0, 1, 2]],
		["index list", [2, 0], [0, 2]],
		["predicate", (i: number) => i === 1, [1]],
		["unknown indexes ignored", [1, 99], [1]],
	])("%s", (_, eligible, expected) => {
		const s = setup([{}, {}, {}], "round_robin");
		expect([...new Set(Array.from({ length: 9 }, () => s.pick(eligible as Eligible)))].sort()).toEqual(expected);
	});

	test.each([[[]], [[7]], [() => false]])("%p names no replica → NONE_ELIGIBLE", (eligible) => {
		expect(setup([{}, {}]).pick(eligible as Eligible)).toBe(NONE_ELIGIBLE);
	});
});
