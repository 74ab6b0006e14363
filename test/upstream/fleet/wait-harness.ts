/**
 * A WaitQueue over named pools of slots on the manual clock, recording what was served, what failed and each wait
 * reported; and a real AbortSignal that counts its listeners.
 */
import { WaitQueue, type WaitResult } from "../../../src/upstream/fleet/wait-queue.ts";
import { manualClock } from "./fleet-harness.ts";

/** A queue over named pools: a request names the pool it can use; `free(pool)` adds a slot and drains. */
export function pools(maxDepth = 3, timeoutMs = 5_000) {
	const clock = manualClock();
	const slots: Record<string, number> = {};
	const waits: [number, WaitResult][] = [];
	const queue = new WaitQueue<string, string>(
		{ maxDepth, timeoutMs, now: clock.now, setTimer: clock.setTimer, onWait: (ms, result) => waits.push([ms, result]) },
		(pool) => {
			if (!slots[pool]) return undefined;
			slots[pool]--;
			return pool;
		},
	);
	const served: string[] = [];
	const errors: unknown[] = [];
	const wait = (pool: string, label: string, signal?: AbortSignal) =>
		queue.wait(pool, signal).then(
			() => served.push(label),
			(error) => errors.push(error),
		);
	const free = (pool: string) => {
		slots[pool] = (slots[pool] ?? 0) + 1;
		queue.drain();
	};
	return { clock, queue, waits, served, errors, wait, free };
}

/** A real signal that counts its listeners, to show that a waiter leaving unhooks itself. */
export function countedSignal() {
	const controller = new AbortController();
	const signal = controller.signal;
	const add = signal.addEventListener.bind(signal);
	const remove = signal.removeEventListener.bind(signal);
	let listeners = 0;
	Object.assign(signal, {
		addEventListener: (...args: Parameters<typeof add>) => {
			listeners++;
			add(...args);
		},
		removeEventListener: (...args: Parameters<typeof remove>) => {
			listeners--;
			remove(...args);
		},
	});
	return { controller, signal, listeners: () => listeners };
}

/** Lets promise callbacks already queued run. */
export const settled = () => new Promise<void>((resolve) => queueMicrotask(resolve));
