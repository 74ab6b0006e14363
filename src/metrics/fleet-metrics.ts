/**
 * The fleet series of `/metrics`, read from each fleet's state when scraped: replicas in flight, ejected, their
 * ejections by cause and requests by outcome, and each upstream's queue depth. The `replica` label is the replica's
 * base URL without credentials.
 */
import { Counter, LabelledGauge, type Metric } from "./prometheus.ts";

/** One replica of a fleet as readiness, `validate` and the metrics see it. */
export type ReplicaView = {
	/** Its base URL without credentials: the `replica` label. */
	replica: string;
	priority: number;
	weight: number;
	maxConcurrency?: number;
	inFlight: number;
	ejected: boolean;
	/** What its last model list held, when it gave one. */
	models?: number;
	ejections: Record<"connect" | "timeout" | "5xx" | "429", number>;
	requests: Record<"success" | "failure" | "rejected_429" | "aborted", number>;
};

/** A fleet's state: its replicas and the requests waiting for a slot. */
export type FleetView = { upstream: string; queueDepth: number; replicas: ReplicaView[] };

/** The fleet series for the fleets' state now, built afresh on each scrape from the engine's own counts. */
export function fleetMetrics(fleets: readonly FleetView[]): Metric[] {
	const inFlight = new LabelledGauge("ollama_proxy_replica_in_flight", "Requests in flight to a replica.");
	const ejected = new LabelledGauge("ollama_proxy_replica_ejected", "1 while a replica is ejected, else 0.");
	const ejections = new Counter("ollama_proxy_replica_ejections_total", "Ejections of a replica, by cause.");
	const requests = new Counter("ollama_proxy_replica_requests_total", "Requests a replica took, by outcome.");
	const depth = new LabelledGauge("ollama_proxy_queue_depth", "Requests waiting for a free replica, by upstream.");
	for (const fleet of fleets) {
		depth.set({ upstream: fleet.upstream }, fleet.queueDepth);
		for (const view of fleet.replicas) {
			const labels = { upstream: fleet.upstream, replica: view.replica };
			inFlight.set(labels, view.inFlight);
			ejected.set(labels, view.ejected ? 1 : 0);
			for (const [cause, count] of Object.entries(view.ejections)) ejections.inc({ ...labels, cause }, count);
			for (const [outcome, count] of Object.entries(view.requests)) requests.inc({ ...labels, outcome }, count);
		}
	}
	return [inFlight, ejected, ejections, requests, depth];
}
