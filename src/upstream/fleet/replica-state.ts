/**
 * One replica's live state: its settings, load, health fields and counters, in one flat object so the pick path
 * reads plain properties of a single shape. Health transitions live in replica-health.ts, choices in pick-replica.ts;
 * this module only holds the data and renders it for metrics.
 */

import { normalisedUrl } from "../../lib/normalised-url.ts";
import { affinityKey } from "./affinity-hash.ts";
import type { EjectCause, ReplicaConfig, ReplicaSnapshot, RequestOutcome } from "./fleet-types.ts";

export class ReplicaState {
	readonly baseUrl: string;
	readonly weight: number;
	readonly maxConcurrency: number;
	readonly priority: number;
	/** Rendezvous identity, from the normalised URL rather than the index so the list may be reordered. */
	readonly seed: number;

	inFlight = 0;
	/** Smooth weighted round robin's running weight. */
	currentWeight = 0;

	consecutiveFailures = 0;
	/** Start of the latest ejection; orders panic picks. */
	ejectedAt = Number.NEGATIVE_INFINITY;
	/** Ejected while now < ejectedUntil. */
	ejectedUntil = Number.NEGATIVE_INFINITY;
	/** Length of the latest failure ejection since the replica last closed; 0 when none, so the next is eject_ms. */
	lastEjectMs = 0;
	/** Ejected since it last closed: the next dispatch once the ejection ends is a half-open trial. */
	needsTrial = false;
	trialInFlight = false;
	/** Bumped by each ejection; a lease from an earlier epoch reports on a replica state that is gone. */
	epoch = 0;
	lastProbeAt = Number.NEGATIVE_INFINITY;

	readonly ejections: Record<EjectCause, number> = { connect: 0, timeout: 0, "5xx": 0, "429": 0 };
	readonly requests: Record<RequestOutcome, number> = { success: 0, failure: 0, rejected_429: 0, aborted: 0 };

	constructor(
		readonly index: number,
		config: ReplicaConfig,
	) {
		this.baseUrl = config.base_url;
		this.weight = config.weight;
		this.maxConcurrency = config.max_concurrency ?? Number.POSITIVE_INFINITY;
		this.priority = config.priority;
		this.seed = affinityKey([normalisedUrl(config.base_url)]);
	}

	isEjected(now: number): boolean {
		return now < this.ejectedUntil;
	}

	isFull(): boolean {
		return this.inFlight >= this.maxConcurrency;
	}

	/** May take an ordinary or trial request now: not ejected, not full, and no trial already out. */
	isAvailable(now: number): boolean {
		return now >= this.ejectedUntil && this.inFlight < this.maxConcurrency && !this.trialInFlight;
	}

	/** In-flight per unit of weight: what least_outstanding and affinity compare. */
	load(): number {
		return this.inFlight / this.weight;
	}

	snapshot(now: number): ReplicaSnapshot {
		const ejected = this.isEjected(now);
		return {
			index: this.index,
			baseUrl: this.baseUrl,
			priority: this.priority,
			weight: this.weight,
			inFlight: this.inFlight,
			ejected: ejected ? 1 : 0,
			halfOpen: this.needsTrial && !ejected,
			consecutiveFailures: this.consecutiveFailures,
			ejections: { ...this.ejections },
			requests: { ...this.requests },
		};
	}
}
