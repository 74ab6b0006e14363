import { describe, expect, test } from "bun:test";
import { fail, subject, success } from "./health-harness.ts";

describe("closed replica", () => {
	test.each(["connect", "timeout", "5xx"] as const)(
		"eject_after consecutive %s failures eject it for eject_ms",
		(cause) => {
			const { replica, run, ejectedFor } = subject();
			run(fail(cause));
			run(fail(cause));
			expect([replica.consecutiveFailures, ejectedFor()]).toEqual([2, 0]);
			run(fail(cause));
			expect([ejectedFor(), replica.ejections[cause], replica.needsTrial]).toEqual([30_000, 1, true]);
			expect(replica.requests).toEqual({ success: 0, failure: 3, rejected_429: 0, aborted: 0 });
		},
	);

	test("a success in between zeroes the count", () => {
		const { replica, run, ejectedFor } = subject();
		for (const outcome of [fail(), fail(), success, fail(), fail()]) expect(run(outcome)).toBe("normal");
		expect([replica.consecutiveFailures, ejectedFor()]).toEqual([2, 0]);
	});

	test("an aborted request changes nothing but its counter", () => {
		const { replica, run } = subject();
		run(fail());
		run({ kind: "aborted" });
		expect([replica.consecutiveFailures, replica.requests.aborted, replica.inFlight]).toEqual([1, 1, 0]);
	});

	test.each([
		["Retry-After given", 5_000, 5_000],
		["none: eject_ms", undefined, 30_000],
		["capped at max_eject_ms", 900_000, 300_000],
		["negative read as 0", -5, 0],
	])("a 429 ejects at once — %s", (_, retryAfterMs, expected) => {
		const { replica, run, ejectedFor } = subject();
		run(fail());
		run(fail());
		run({ kind: "429", retryAfterMs });
		expect([ejectedFor(), replica.ejections["429"], replica.consecutiveFailures, replica.lastEjectMs]).toEqual([
			expected,
			1,
			2,
			0,
		]);
		expect(replica.requests.rejected_429).toBe(1);
	});
});

describe("ejection and half-open trial", () => {
	/** Ejects by three failures, then lets the ejection run out. */
	function halfOpen() {
		const s = subject();
		for (let i = 0; i < 3; i++) s.run(fail("connect"));
		s.advance(30_000);
		return s;
	}

	test("each failed trial doubles the ejection, up to max_eject_ms; a passed trial resets it", () => {
		const s = halfOpen();
		const lengths: number[] = [];
		for (let i = 0; i < 6; i++) {
			expect(s.run(fail("timeout"))).toBe("trial");
			lengths.push(s.ejectedFor());
			s.advance(s.ejectedFor());
		}
		expect(lengths).toEqual([60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
		expect(s.run(success)).toBe("trial");
		expect([s.replica.needsTrial, s.replica.lastEjectMs, s.replica.consecutiveFailures]).toEqual([false, 0, 0]);
		for (let i = 0; i < 3; i++) expect(s.run(fail())).toBe("normal");
		expect(s.ejectedFor()).toBe(30_000);
		expect(s.replica.ejections).toEqual({ connect: 1, timeout: 6, "5xx": 1, "429": 0 });
	});

	test("a 429 trial re-ejects for its Retry-After without doubling the failure backoff", () => {
		const s = halfOpen();
		expect(s.run({ kind: "429", retryAfterMs: 2_000 })).toBe("trial");
		expect(s.ejectedFor()).toBe(2_000);
		s.advance(2_000);
		s.run(fail());
		expect(s.ejectedFor()).toBe(60_000);
	});

	test("one trial at a time; an aborted trial gives no verdict and the next request is the trial", () => {
		const s = halfOpen();
		expect(s.replica.isAvailable(s.now())).toBe(true);
		const trial = s.start();
		expect([trial.role, s.replica.isAvailable(s.now())]).toEqual(["trial", false]);
		trial.end({ kind: "aborted" });
		expect([s.replica.isAvailable(s.now()), s.replica.needsTrial]).toEqual([true, true]);
		expect(s.run(success)).toBe("trial");
		expect(s.run(success)).toBe("normal");
	});

	test("requests dispatched before an ejection report on a state that is gone", () => {
		const s = subject();
		const early = [s.start(), s.start(), s.start()];
		for (let i = 0; i < 3; i++) s.run(fail());
		expect(s.ejectedFor()).toBe(30_000);
		for (const request of early) request.end(fail());
		expect([s.ejectedFor(), s.replica.ejections["5xx"], s.replica.requests.failure, s.replica.inFlight]).toEqual([
			30_000, 1, 6, 0,
		]);
	});
});

describe("panic requests", () => {
	function ejected() {
		const s = subject();
		for (let i = 0; i < 3; i++) s.run(fail());
		return s;
	}

	test("a failed panic request re-ejects it doubled, from now", () => {
		const s = ejected();
		s.advance(1_000);
		expect(s.run(fail())).toBe("panic");
		expect([s.ejectedFor(), s.replica.ejectedAt]).toEqual([60_000, 1_000]);
	});

	test("the first verdict of concurrent panic requests decides; later ones are stale", () => {
		const s = ejected();
		const [first, second] = [s.start(), s.start()];
		first.end(success);
		second.end(fail());
		expect([s.replica.needsTrial, s.ejectedFor(), s.replica.consecutiveFailures]).toEqual([false, 0, 0]);
	});

	test("a request while the trial is out is a panic request, and its success also ends the trial", () => {
		const s = ejected();
		const panic = s.start();
		s.advance(30_000);
		const trial = s.start();
		const third = s.start();
		expect([panic.role, trial.role, third.role]).toEqual(["panic", "trial", "panic"]);
		third.end(success);
		expect([s.replica.trialInFlight, s.replica.needsTrial]).toEqual([false, false]);
		panic.end(fail());
		trial.end(fail());
		expect([s.ejectedFor(), s.replica.inFlight]).toEqual([0, 0]);
	});
});
