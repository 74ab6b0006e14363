/**
 * The FIFO of requests waiting for a slot. `drain` offers the slots to waiters in arrival order, but one whose
 * replicas are all still busy does not hold back a later waiter that another freed replica can serve. At most
 * `maxDepth` wait: one more is refused at once with QueueFull. A waiter leaves with QueueTimeout after `timeoutMs`,
 * or with its signal's reason the moment the signal aborts. Time comes from the injected clock and timer so tests
 * never wait for real.
 */
import { QueueFull, QueueTimeout } from "./fleet-errors.ts";

/** Runs `fn` after `ms`; returns a function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** How a wait ended, reported with its length to the caller's histogram. */
export type WaitResult = "dispatched" | "timeout" | "aborted";

export interface WaitQueueOptions {
	maxDepth: number;
	timeoutMs: number;
	now: () => number;
	setTimer: SetTimer;
	onWait?: ((ms: number, result: WaitResult) => void) | undefined;
}

interface Waiter<R, T> {
	readonly request: R;
	readonly since: number;
	readonly resolve: (value: T) => void;
	readonly reject: (reason: unknown) => void;
	readonly signal: AbortSignal | undefined;
	cancelTimer: (() => void) | undefined;
	readonly onAbort: () => void;
}

export const realTimer: SetTimer = (fn, ms) => {
	const timer = setTimeout(fn, ms);
	return () => clearTimeout(timer);
};

export class WaitQueue<R, T> {
	readonly #waiters: Waiter<R, T>[] = [];

	/** `serve` takes a slot for the request and returns it, or returns undefined when none is free for it. */
	constructor(
		private readonly options: WaitQueueOptions,
		private readonly serve: (request: R) => T | undefined,
	) {}

	get depth(): number {
		return this.#waiters.length;
	}

	/** Queues the request; the caller has checked that its signal is not already aborted. */
	wait(request: R, signal: AbortSignal | undefined): Promise<T> {
		const { maxDepth, timeoutMs, now, setTimer } = this.options;
		if (this.#waiters.length >= maxDepth) return Promise.reject(new QueueFull(maxDepth, timeoutMs));
		return new Promise<T>((resolve, reject) => {
			const waiter: Waiter<R, T> = {
				request,
				since: now(),
				resolve,
				reject,
				signal,
				cancelTimer: undefined,
				onAbort: () => this.#leave(waiter, "aborted", signal?.reason),
			};
			waiter.cancelTimer = setTimer(() => this.#leave(waiter, "timeout", new QueueTimeout(timeoutMs)), timeoutMs);
			signal?.addEventListener("abort", waiter.onAbort, { once: true });
			this.#waiters.push(waiter);
		});
	}

	/** Serves every waiter that can be served now, earliest first. */
	drain(): void {
		const waiters = this.#waiters;
		for (let i = 0; i < waiters.length; ) {
			const waiter = waiters[i] as Waiter<R, T>;
			const served = this.serve(waiter.request);
			if (served === undefined) {
				i++;
				continue;
			}
			waiters.splice(i, 1);
			this.#done(waiter, "dispatched");
			waiter.resolve(served);
		}
	}

	#leave(waiter: Waiter<R, T>, result: WaitResult, reason: unknown): void {
		const i = this.#waiters.indexOf(waiter);
		if (i < 0) return; // already served; a fake timer may still fire after cancellation
		this.#waiters.splice(i, 1);
		this.#done(waiter, result);
		waiter.reject(reason);
	}

	#done(waiter: Waiter<R, T>, result: WaitResult): void {
		waiter.cancelTimer?.();
		waiter.signal?.removeEventListener("abort", waiter.onAbort);
		this.options.onWait?.(this.options.now() - waiter.since, result);
	}
}
