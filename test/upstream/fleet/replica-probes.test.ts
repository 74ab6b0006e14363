import { describe, expect, test } from "bun:test";
import { claimProbe, probeSucceeded } from "../../../src/upstream/fleet/replica-health.ts";
import { fail, subject, success } from "./health-harness.ts";

describe("probes", () => {
	test.each([
		["not ejected", false, 10_000, 50_000, false],
		["just ejected", true, 10_000, 0, false],
		["probe_ms after ejection", true, 10_000, 10_000, true],
		["probing off", true, 0, 10_000, false],
	])("%s → due %p", (_, eject, probeMs, after, due) => {
		const s = subject();
		if (eject) for (let i = 0; i < 3; i++) s.run(fail());
		s.advance(after);
		expect(claimProbe(s.replica, s.now(), probeMs)).toBe(due);
	});

	test("a claimed probe is not due again for probe_ms", () => {
		const s = subject();
		for (let i = 0; i < 3; i++) s.run(fail());
		s.advance(10_000);
		expect(claimProbe(s.replica, s.now(), 10_000)).toBe(true);
		s.advance(9_999);
		expect(claimProbe(s.replica, s.now(), 10_000)).toBe(false);
		s.advance(1);
		expect(claimProbe(s.replica, s.now(), 10_000)).toBe(true);
	});

	test("a successful probe ends the ejection; the next request is the trial", () => {
		const s = subject();
		expect(probeSucceeded(s.replica, s.now())).toBe(false);
		for (let i = 0; i < 3; i++) s.run(fail());
		s.advance(5_000);
		expect(probeSucceeded(s.replica, s.now())).toBe(true);
		expect(s.ejectedFor()).toBe(0);
		expect(s.run(success)).toBe("trial");
	});
});

test("a full replica is unavailable until a slot frees", () => {
	const s = subject(1);
	const only = s.start();
	expect([s.replica.isFull(), s.replica.isAvailable(s.now())]).toEqual([true, false]);
	only.end(success);
	expect([s.replica.isFull(), s.replica.isAvailable(s.now())]).toEqual([false, true]);
});
