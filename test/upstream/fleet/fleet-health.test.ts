import { describe, expect, test } from "bun:test";
import { flush, ok, setup } from "./fleet-setup.ts";

describe("health through the façade", () => {
	test("an ejected replica is skipped; a half-open one takes one trial at a time", async () => {
		const s = setup([{}, {}]);
		await s.eject(0);
		expect(s.ejected()).toEqual([1, 0]);
		expect((await s.fleet.acquire()).replica).toBe(1);
		s.clock.advance(30_000);
		const trial = await s.fleet.acquire([0, 1]);
		const next = await s.fleet.acquire([0, 1]);
		expect([trial.replica, trial.role, next.replica]).toEqual([0, "trial", 1]);
		trial.release(ok);
		const after = await s.fleet.acquire([0]);
		expect([after.role, s.fleet.snapshot().replicas[0]?.halfOpen]).toEqual(["normal", false]);
	});

	test("a replica back from ejection takes the next request, whatever affinity or balance would pick", async () => {
		const s = setup([{}, {}], { affinity: "prefix" });
		// A conversation that prefers replica 1 while both are healthy.
		let key = 0;
		for (;;) {
			const lease = await s.fleet.acquire([0, 1], { affinity: key });
			lease.release(ok);
			if (lease.replica === 1) break;
			key++;
		}
		await s.eject(0);
		s.clock.advance(30_000);
		const trial = await s.fleet.acquire([0, 1], { affinity: key });
		expect([trial.replica, trial.role]).toEqual([0, "trial"]);
		trial.release(ok);
		expect((await s.fleet.acquire([0, 1], { affinity: key })).replica).toBe(1);
	});

	test("all ejected: panic to the one ejected first; success closes it", async () => {
		const s = setup([{}, { priority: 1 }]);
		await s.eject(1);
		s.clock.advance(10);
		await s.eject(0);
		const panic = await s.fleet.acquire();
		expect([panic.replica, panic.role]).toEqual([1, "panic"]);
		panic.release(ok);
		expect(s.ejected()).toEqual([1, 0]);
		expect((await s.fleet.acquire()).role).toBe("normal");
	});

	test("probes: due once per probe_ms while ejected; success ends the ejection and serves a waiter", async () => {
		const s = setup([{ max_concurrency: 1 }, { max_concurrency: 1 }]);
		await s.eject(0);
		const busy = await s.fleet.acquire([1]);
		const waiter = s.start();
		expect(s.fleet.dueProbes()).toEqual([]);
		s.clock.advance(10_000);
		expect([s.fleet.dueProbes(), s.fleet.dueProbes()]).toEqual([[0], []]);
		s.fleet.probeResult(0, false);
		s.fleet.probeResult(9, true);
		await flush();
		expect(waiter.lease).toBeUndefined();
		s.fleet.probeResult(0, true);
		await waiter.promise;
		expect([waiter.lease?.replica, waiter.lease?.role]).toEqual([0, "trial"]);
		busy.release(ok);
	});

	test("snapshot reports every replica's state", async () => {
		const s = setup([{ weight: 2 }, { priority: 1 }]);
		(await s.fleet.acquire([1])).release({ kind: "429", retryAfterMs: 1_500 });
		(await s.fleet.acquire([0])).release({ kind: "aborted" });
		await s.fleet.acquire([0]);
		expect(s.fleet.snapshot()).toEqual({
			queueDepth: 0,
			replicas: [
				{
					index: 0,
					baseUrl: "http://r0.test",
					priority: 0,
					weight: 2,
					inFlight: 1,
					ejected: 0,
					halfOpen: false,
					consecutiveFailures: 0,
					ejections: { connect: 0, timeout: 0, "5xx": 0, "429": 0 },
					requests: { success: 0, failure: 0, rejected_429: 0, aborted: 1 },
				},
				{
					index: 1,
					baseUrl: "http://r1.test",
					priority: 1,
					weight: 1,
					inFlight: 0,
					ejected: 1,
					halfOpen: false,
					consecutiveFailures: 0,
					ejections: { connect: 0, timeout: 0, "5xx": 0, "429": 1 },
					requests: { success: 0, failure: 0, rejected_429: 1, aborted: 0 },
				},
			],
		});
		s.clock.advance(1_500);
		expect(s.fleet.snapshot().replicas[1]).toMatchObject({ ejected: 0, halfOpen: true });
	});
});
