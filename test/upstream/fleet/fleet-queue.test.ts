import { describe, expect, test } from "bun:test";
import { QueueFull, QueueTimeout } from "../../../src/upstream/fleet/fleet-errors.ts";
import { flush, ok, setup } from "./fleet-setup.ts";

describe("queue", () => {
	const full = () =>
		setup([{ max_concurrency: 1 }, { max_concurrency: 1 }], { queue: { max_depth: 2, timeout_ms: 4_000 } });

	test("waits while every eligible replica is full; a release hands the slot to the first waiter", async () => {
		const s = full();
		const [a, b] = [await s.fleet.acquire(), await s.fleet.acquire()];
		const w1 = s.start();
		const w2 = s.start();
		expect(s.fleet.snapshot().queueDepth).toBe(2);
		s.clock.advance(700);
		b.release(ok);
		await w1.promise;
		expect([w1.lease?.replica, w2.lease, s.waits]).toEqual([b.replica, undefined, [700]]);
		a.release(ok);
		await w2.promise;
		expect([w2.lease?.replica, s.fleet.snapshot().queueDepth]).toEqual([a.replica, 0]);
	});

	test("a waiter for a busy replica does not hold back one another replica can serve", async () => {
		const s = full();
		const [r0, r1] = [await s.fleet.acquire([0]), await s.fleet.acquire([1])];
		const wants0 = s.start([0]);
		const wants1 = s.start([1]);
		r1.release(ok);
		await wants1.promise;
		expect([wants0.lease, wants1.lease?.replica]).toEqual([undefined, 1]);
		r0.release(ok);
		await wants0.promise;
		expect(wants0.lease?.replica).toBe(0);
	});

	test("beyond max_depth: QueueFull at once; after timeout_ms: QueueTimeout", async () => {
		const s = full();
		await s.fleet.acquire();
		await s.fleet.acquire();
		const [w1, w2, w3] = [s.start(), s.start(), s.start()];
		await w3.promise;
		expect([w3.error instanceof QueueFull, (w3.error as QueueFull).retryAfterSeconds]).toEqual([true, 4]);
		s.clock.advance(4_000);
		await Promise.all([w1.promise, w2.promise]);
		expect([w1.error instanceof QueueTimeout, w2.error instanceof QueueTimeout, s.waits]).toEqual([
			true,
			true,
			[4_000, 4_000],
		]);
		expect(s.fleet.snapshot().queueDepth).toBe(0);
	});

	test("aborting a waiter drops the depth at once", async () => {
		const s = full();
		await s.fleet.acquire();
		await s.fleet.acquire();
		const controller = new AbortController();
		const waiter = s.start(undefined, controller.signal);
		controller.abort("client left");
		expect(s.fleet.snapshot().queueDepth).toBe(0);
		await waiter.promise;
		expect(waiter.error).toBe("client left");
	});

	test("a slot freed by time goes to the earlier waiter, not the newcomer", async () => {
		const s = setup([{ max_concurrency: 1 }, { max_concurrency: 1 }], { queue: { max_depth: 2, timeout_ms: 60_000 } });
		await s.eject(0);
		const busy = await s.fleet.acquire([1]);
		const early = s.start();
		await flush();
		expect(early.lease).toBeUndefined();
		s.clock.advance(30_000);
		const late = s.start();
		await Promise.all([early.promise, flush()]);
		expect([early.lease?.replica, early.lease?.role, late.lease]).toEqual([0, "trial", undefined]);
		busy.release(ok);
		await late.promise;
		expect(late.lease?.replica).toBe(1);
	});
});
