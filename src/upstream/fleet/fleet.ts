/**
 * The fleet engine for one upstream's replicas, protocol-neutral: it decides which replica serves a request, holds
 * the request in a FIFO queue while every eligible replica is full, tracks each replica's health from the outcomes
 * the caller reports, and says which ejected replicas are due for a probe. The caller does all I/O and owns the
 * clock's meaning (`now` in ms, monotonic).
 *
 * Usage: `const lease = await fleet.acquire(eligible, { affinity, signal })`, send to `lease.baseUrl`, then
 * `lease.release(outcome)` exactly once (later calls are ignored). Every lease must be released, aborted included,
 * or its slot stays taken.
 */
import { NoEligibleReplica } from "./fleet-errors.ts";
import type { Eligible, FleetConfig, FleetSnapshot, Lease, LeaseRole, Outcome } from "./fleet-types.ts";
import { buildRoster, NONE_ELIGIBLE, pickReplica } from "./pick-replica.ts";
import { claimProbe, dispatch, probeSucceeded, settle } from "./replica-health.ts";
import { ReplicaState } from "./replica-state.ts";
import { realTimer, type SetTimer, WaitQueue, type WaitResult } from "./wait-queue.ts";

export interface FleetDeps {
	/** Milliseconds on a monotonic clock; default performance.now. */
	now?: () => number;
	/** Uniform in [0, 1); breaks least_outstanding ties. Default Math.random. */
	random?: () => number;
	/** Schedules queue timeouts; default setTimeout. */
	setTimer?: SetTimer;
	/** Called once per request that had to queue, with how long it waited and how the wait ended. */
	onQueueWait?: (ms: number, result: WaitResult) => void;
}

export interface AcquireOptions {
	/** From affinityKey(); ignored unless the config says `affinity: prefix`. */
	affinity?: number | undefined;
	/** Aborting removes a queued request at once; the acquire rejects with the signal's reason. */
	signal?: AbortSignal | undefined;
}

export interface Fleet {
	/**
	 * A lease on a replica among `eligible`, at once when one is free, else after queueing. Rejects with QueueFull,
	 * QueueTimeout, NoEligibleReplica (eligible names no replica), or the signal's reason.
	 */
	acquire(eligible?: Eligible, options?: AcquireOptions): Promise<Lease>;
	/** Replicas to probe now; each is counted as probed, so the next call omits it for probe_ms. */
	dueProbes(): number[];
	/** A succeeding probe ends the replica's ejection (its next request is the half-open trial); a failing one does nothing. */
	probeResult(index: number, ok: boolean): void;
	snapshot(): FleetSnapshot;
}

interface Waiting {
	readonly eligible: Eligible;
	readonly key: number | undefined;
}

class FleetLease implements Lease {
	#released = false;

	constructor(
		readonly replica: number,
		readonly baseUrl: string,
		readonly role: LeaseRole,
		readonly epoch: number,
		private readonly onRelease: (lease: FleetLease, outcome: Outcome) => void,
	) {}

	release(outcome: Outcome): void {
		if (this.#released) return;
		this.#released = true;
		this.onRelease(this, outcome);
	}
}

export function createFleet(config: FleetConfig, deps: FleetDeps = {}): Fleet {
	const now = deps.now ?? (() => performance.now());
	const replicas = config.replicas.map((replica, index) => new ReplicaState(index, replica));
	const roster = buildRoster(replicas);
	const policy = {
		balance: config.balance,
		affinity: config.affinity === "prefix",
		random: deps.random ?? Math.random,
	};

	const release = (lease: FleetLease, outcome: Outcome): void => {
		settle(replicas[lease.replica] as ReplicaState, lease.role, lease.epoch, outcome, now(), config.health);
		if (queue.depth > 0) queue.drain();
	};
	const take = (index: number, at: number): FleetLease => {
		const replica = replicas[index] as ReplicaState;
		const role = dispatch(replica, at);
		return new FleetLease(index, replica.baseUrl, role, replica.epoch, release);
	};
	const serve = (request: Waiting): FleetLease | undefined => {
		const at = now();
		const index = pickReplica(roster, policy, request.eligible, request.key, at);
		return index >= 0 ? take(index, at) : undefined;
	};
	const queue = new WaitQueue<Waiting, Lease>(
		{
			maxDepth: config.queue.max_depth,
			timeoutMs: config.queue.timeout_ms,
			now,
			setTimer: deps.setTimer ?? realTimer,
			onWait: deps.onQueueWait,
		},
		serve,
	);

	return {
		acquire(eligible, options) {
			const signal = options?.signal;
			if (signal?.aborted) return Promise.reject(signal.reason);
			// Slots freed by time alone (an ejection running out) go to those already waiting before this newcomer.
			if (queue.depth > 0) queue.drain();
			const key = options?.affinity;
			const at = now();
			const index = pickReplica(roster, policy, eligible, key, at);
			if (index >= 0) return Promise.resolve(take(index, at));
			if (index === NONE_ELIGIBLE) return Promise.reject(new NoEligibleReplica());
			return queue.wait({ eligible, key }, signal);
		},
		dueProbes() {
			const at = now();
			const due: number[] = [];
			for (const replica of replicas) if (claimProbe(replica, at, config.health.probe_ms)) due.push(replica.index);
			return due;
		},
		probeResult(index, ok) {
			const replica = replicas[index];
			if (ok && replica !== undefined && probeSucceeded(replica, now()) && queue.depth > 0) queue.drain();
		},
		snapshot() {
			const at = now();
			return { queueDepth: queue.depth, replicas: replicas.map((replica) => replica.snapshot(at)) };
		},
	};
}
