/**
 * The vocabulary shared by the fleet engine and its caller: the replica-set configuration (field names exactly as in
 * the YAML, every default already applied by the schema), what a caller reports when a request ends, the lease it
 * holds meanwhile, and the read-only view it exports as metrics. Types only; nothing here runs.
 */

export interface ReplicaConfig {
	base_url: string;
	/** Share of traffic relative to the other replicas of its tier; positive, fractions allowed. */
	weight: number;
	/** In-flight cap; undefined means unlimited, so the replica is never full. */
	max_concurrency?: number | undefined;
	/** Tier: 0 first; a later tier only while every eligible replica of the earlier ones is full or ejected. */
	priority: number;
}

export interface HealthConfig {
	/** Consecutive failures (connect, timeout, 5xx) that eject a replica. */
	eject_after: number;
	/** First ejection time; each repeat ejection doubles the last one. */
	eject_ms: number;
	/** Cap on any ejection time, a 429's Retry-After included. */
	max_eject_ms: number;
	/** Interval between active probes of an ejected replica; 0 turns probing off. */
	probe_ms: number;
}

export interface QueueConfig {
	/** Waiters allowed at once; one more is refused with QueueFull. 0 means requests never wait. */
	max_depth: number;
	/** Longest wait before QueueTimeout; positive. */
	timeout_ms: number;
}

export interface FleetConfig {
	replicas: ReplicaConfig[];
	balance: "least_outstanding" | "round_robin";
	affinity: "prefix" | "none";
	health: HealthConfig;
	queue: QueueConfig;
}

export type FailureCause = "connect" | "timeout" | "5xx";
export type EjectCause = FailureCause | "429";

/**
 * How a request on a replica ended. `aborted` (the client went away) is no verdict on the replica: it frees the slot,
 * and if the request was a half-open trial the next request becomes the trial.
 */
export type Outcome =
	| { kind: "success" }
	| { kind: "failure"; cause: FailureCause }
	| { kind: "429"; retryAfterMs?: number | undefined }
	| { kind: "aborted" };

/** Per-replica request counters, one per Outcome kind: success, failure, rejected_429, aborted. */
export type RequestOutcome = "success" | "failure" | "rejected_429" | "aborted";

/**
 * `normal` is an ordinary dispatch; `trial` is the single half-open request after an ejection ended; `panic` goes to
 * a replica still ejected because every eligible one is. Trial and panic outcomes decide the replica's fate at once.
 */
export type LeaseRole = "normal" | "trial" | "panic";

export interface Lease {
	readonly replica: number;
	readonly baseUrl: string;
	readonly role: LeaseRole;
	/** Frees the slot and records the outcome; only the first call counts. */
	release(outcome: Outcome): void;
}

/** The replicas a request may use: indexes into `replicas`, a predicate on the index, or undefined for all. */
export type Eligible = readonly number[] | ((index: number) => boolean) | undefined;

export interface ReplicaSnapshot {
	index: number;
	baseUrl: string;
	priority: number;
	weight: number;
	inFlight: number;
	/** 1 while ejected at the snapshot's time, else 0 — a gauge as-is. */
	ejected: 0 | 1;
	/** Ejection over but no trial has succeeded yet. */
	halfOpen: boolean;
	consecutiveFailures: number;
	ejections: Record<EjectCause, number>;
	requests: Record<RequestOutcome, number>;
}

export interface FleetSnapshot {
	queueDepth: number;
	replicas: ReplicaSnapshot[];
}
