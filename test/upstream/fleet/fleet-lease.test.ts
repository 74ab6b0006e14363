import { describe, expect, jest, test } from "bun:test";
import { affinityKey } from "../../../src/upstream/fleet/affinity-hash.ts";
import { createFleet } from "../../../src/upstream/fleet/fleet.ts";
import { NoEligibleReplica, QueueTimeout } from "../../../src/upstream/fleet/fleet-errors.ts";
import { fleetConfig } from "./fleet-harness.ts";
import { fail, ok, setup } from "./fleet-setup.ts";

describe("acquire and release", () => {
	test("a free replica is leased at once; a second release is a no-op", async () => {
		const s = setup([{}, {}]);
		const lease = await s.fleet.acquire();
		expect([lease.replica, lease.baseUrl, lease.role]).toEqual([0, "http://r0.test", "normal"]);
		expect(s.inFlight()).toEqual([1, 0]);
		lease.release(ok);
		lease.release(fail);
		expect(s.inFlight()).toEqual([0, 0]);
		expect(s.fleet.snapshot().replicas[0]?.requests).toEqual({ success: 1, failure: 0, rejected_429: 0, aborted: 0 });
	});

	test("without max_concurrency nothing ever queues", async () => {
		const s = setup([{}, { weight: 3 }]);
		const leases = await Promise.all(Array.from({ length: 100 }, () => s.fleet.acquire()));
		expect([s.inFlight(), s.fleet.snapshot().queueDepth, s.waits]).toEqual([[25, 75], 0, []]);
		for (const lease of leases) lease.release(ok);
	});

	test("no eligible replica rejects with NoEligibleReplica", async () => {
		await expect(setup([{}]).fleet.acquire([3])).rejects.toBeInstanceOf(NoEligibleReplica);
	});

	test("an already aborted signal rejects even when a replica is free", async () => {
		const s = setup([{}]);
		const controller = new AbortController();
		controller.abort(new Error("gone"));
		await expect(s.fleet.acquire(undefined, { signal: controller.signal })).rejects.toThrow("gone");
		expect(s.inFlight()).toEqual([0]);
	});

	test("affinity: prefix keeps a conversation on its replica; none ignores the key", async () => {
		for (const [affinity, distinct] of [
			["prefix", 1],
			["none", 3],
		] as const) {
			const s = setup([{}, {}, {}], { balance: "round_robin", affinity });
			const used = new Set<number>();
			for (let i = 0; i < 6; i++) {
				const lease = await s.fleet.acquire(undefined, { affinity: affinityKey(["sys", "hi"]) });
				used.add(lease.replica);
				lease.release(ok);
			}
			expect(used.size).toBe(distinct);
		}
	});
});

test("default deps: performance.now, Math.random and setTimeout (on Bun's fake timers)", async () => {
	jest.useFakeTimers();
	try {
		const fleet = createFleet(fleetConfig([{ max_concurrency: 1 }], { queue: { max_depth: 1, timeout_ms: 2_000 } }));
		const lease = await fleet.acquire();
		const waiting = fleet.acquire();
		jest.advanceTimersByTime(2_000);
		await expect(waiting).rejects.toBeInstanceOf(QueueTimeout);
		lease.release(ok);
		expect(fleet.snapshot().replicas[0]?.requests.success).toBe(1);
	} finally {
		jest.useRealTimers();
	}
});
