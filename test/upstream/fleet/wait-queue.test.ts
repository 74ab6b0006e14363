import { describe, expect, jest, test } from "bun:test";
import { QueueFull, QueueTimeout } from "../../../src/upstream/fleet/fleet-errors.ts";
import { realTimer, WaitQueue } from "../../../src/upstream/fleet/wait-queue.ts";
import { countedSignal, pools, settled } from "./wait-harness.ts";

describe("WaitQueue", () => {
	test("serves in arrival order, skipping waiters whose pool is still busy", async () => {
		const q = pools(5);
		const all = [q.wait("x", "x1"), q.wait("y", "y1"), q.wait("x", "x2"), q.wait("y", "y2")];
		q.free("y");
		q.free("x");
		q.free("x");
		q.free("y");
		await Promise.all(all);
		expect(q.served).toEqual(["y1", "x1", "x2", "y2"]);
		expect(q.queue.depth).toBe(0);
	});

	test("one drain serves every waiter that fits", async () => {
		const q = pools();
		const all = [q.wait("x", "a"), q.wait("x", "b"), q.wait("x", "c")];
		q.clock.advance(250);
		q.queue.drain();
		expect(q.queue.depth).toBe(3);
		q.free("x");
		q.free("x");
		expect(q.queue.depth).toBe(1);
		await settled();
		expect(q.served).toEqual(["a", "b"]);
		expect(q.waits).toEqual([
			[250, "dispatched"],
			[250, "dispatched"],
		]);
		q.free("x");
		await Promise.all(all);
		expect(q.clock.pending()).toBe(0);
	});

	test.each([
		[3, 5_000, 5],
		[1, 200, 1],
		[1, 30_001, 31],
		[1, 0, 1],
	])(
		"past max_depth %i the next waiter is refused at once (timeout %i → retry after %i s)",
		async (depth, ms, retry) => {
			const q = pools(depth, ms);
			for (let i = 0; i < depth; i++) q.wait("x", `w${i}`);
			await q.wait("x", "over");
			expect(q.errors).toHaveLength(1);
			expect(q.errors[0]).toBeInstanceOf(QueueFull);
			expect((q.errors[0] as QueueFull).retryAfterSeconds).toBe(retry);
			expect(q.queue.depth).toBe(depth);
		},
	);

	test("max_depth 0: nobody waits", async () => {
		const q = pools(0);
		await q.wait("x", "a");
		expect([q.errors[0] instanceof QueueFull, q.clock.pending()]).toEqual([true, 0]);
	});

	test("a waiter times out after timeout_ms with QueueTimeout (retry after 1 s)", async () => {
		const q = pools(3, 5_000);
		const done = q.wait("x", "a");
		q.clock.advance(4_999);
		expect(q.queue.depth).toBe(1);
		q.clock.advance(1);
		expect(q.queue.depth).toBe(0);
		await done;
		const error = q.errors[0] as QueueTimeout;
		expect([error instanceof QueueTimeout, error.retryAfterSeconds, error.name]).toEqual([true, 1, "QueueTimeout"]);
		expect(q.waits).toEqual([[5_000, "timeout"]]);
		q.free("x");
		expect(q.served).toEqual([]);
	});

	test("an abort removes the waiter at once with the signal's reason", async () => {
		const q = pools();
		const controller = new AbortController();
		const done = Promise.all([q.wait("x", "a", controller.signal), q.wait("x", "b")]);
		q.clock.advance(40);
		controller.abort(new Error("client gone"));
		expect([q.queue.depth, q.clock.pending()]).toEqual([1, 1]);
		q.free("x");
		await done;
		expect([q.served, (q.errors[0] as Error).message]).toEqual([["b"], "client gone"]);
		expect(q.waits).toEqual([
			[40, "aborted"],
			[40, "dispatched"],
		]);
	});

	test.each(["dispatched", "timeout", "aborted"] as const)(
		"a waiter leaving (%s) unhooks from its signal",
		async (end) => {
			const q = pools(3, 100);
			const counted = countedSignal();
			const done = q.wait("x", "a", counted.signal);
			expect(counted.listeners()).toBe(1);
			if (end === "dispatched") q.free("x");
			if (end === "timeout") q.clock.advance(100);
			if (end === "aborted") counted.controller.abort();
			await done;
			expect([counted.listeners(), q.waits[0]?.[1]]).toEqual([0, end]);
		},
	);

	test("a served waiter stops listening to its signal and timer", async () => {
		const q = pools();
		const controller = new AbortController();
		const done = q.wait("x", "a", controller.signal);
		q.free("x");
		controller.abort();
		q.clock.advance(10_000);
		await done;
		expect([q.served, q.errors, q.waits]).toEqual([["a"], [], [[0, "dispatched"]]]);
	});

	test("a timer that fires after the waiter was served changes nothing", async () => {
		const fired: (() => void)[] = [];
		let slots = 0;
		const queue = new WaitQueue<string, string>(
			{
				maxDepth: 2,
				timeoutMs: 10,
				now: () => 0,
				setTimer: (fn) => {
					fired.push(fn);
					return () => {};
				},
			},
			(request) => (slots-- > 0 ? request : undefined),
		);
		const waited = queue.wait("a", undefined);
		slots = 1;
		queue.drain();
		fired[0]?.();
		expect(await waited).toBe("a");
		expect(queue.depth).toBe(0);
	});
});

test("realTimer runs the function after the delay unless cancelled (on Bun's fake timers)", () => {
	jest.useFakeTimers();
	try {
		const calls: string[] = [];
		realTimer(() => calls.push("kept"), 1_000);
		realTimer(() => calls.push("cancelled"), 1_000)();
		jest.advanceTimersByTime(999);
		expect(calls).toEqual([]);
		jest.advanceTimersByTime(1);
		expect(calls).toEqual(["kept"]);
	} finally {
		jest.useRealTimers();
	}
});
