/**
 * Why the fleet gave no lease. The queue errors carry `retryAfterSeconds` (≥ 1) for a 429/503 Retry-After header:
 * a full queue suggests the queue's timeout — the longest any waiter now queued can still hold its place; a timed-out
 * waiter suggests 1 s, since slots were turning over while it waited and its turn may be close.
 */

export class QueueFull extends Error {
	override readonly name = "QueueFull";
	readonly retryAfterSeconds: number;

	constructor(maxDepth: number, timeoutMs: number) {
		super(`all replicas busy and ${maxDepth} requests already waiting`);
		this.retryAfterSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
	}
}

export class QueueTimeout extends Error {
	override readonly name = "QueueTimeout";
	readonly retryAfterSeconds = 1;

	constructor(timeoutMs: number) {
		super(`no replica came free within ${timeoutMs} ms`);
	}
}

/** The request named no replica of this upstream (none serves the model): a caller error, not overload. */
export class NoEligibleReplica extends Error {
	override readonly name = "NoEligibleReplica";

	constructor() {
		super("no replica of this upstream is eligible for the request");
	}
}
