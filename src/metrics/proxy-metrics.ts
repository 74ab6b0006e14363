/**
 * What the proxy reports on `/metrics`: requests by route, model, status and outcome; latency and time-to-first-token
 * histograms; tokens in and out; upstream errors by upstream and kind; open streams; per inbound key, requests
 * admitted, tokens charged and limit refusals; limit checks decided without Redis. Model labels only ever hold names
 * the registry resolved, and key labels only configured key names, so a client cannot grow the series.
 */
import { type FleetView, fleetMetrics } from "./fleet-metrics.ts";
import { Counter, Gauge, Histogram, renderMetrics } from "./prometheus.ts";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * How a request ended: its whole answer sent (`complete`), cut or refused (`failed`), or ended by its client, which
 * went away (`client_aborted`) or stopped reading (`client_stalled`).
 */
export type Outcome = "complete" | "failed" | "client_aborted" | "client_stalled";

export type RequestObservation = {
	route: string;
	model: string;
	status: number;
	outcome: Outcome;
	durationMs: number;
	firstTokenMs?: number;
	promptTokens?: number;
	evalTokens?: number;
};

export function proxyMetrics() {
	const requests = new Counter(
		"ollama_proxy_requests_total",
		"Requests answered, by route, model, status and outcome (a stream that failed after its 200 is outcome failed).",
	);
	const duration = new Histogram(
		"ollama_proxy_request_duration_seconds",
		"Time from request to the end of the answer.",
		SECONDS,
	);
	const firstToken = new Histogram(
		"ollama_proxy_time_to_first_token_seconds",
		"Time from request to the first token.",
		SECONDS,
	);
	const tokens = new Counter("ollama_proxy_tokens_total", "Tokens read (prompt) and written (completion), by model.");
	const upstreamErrors = new Counter(
		"ollama_proxy_upstream_errors_total",
		"Failed upstream calls, by upstream and kind.",
	);
	const openStreams = new Gauge("ollama_proxy_open_streams", "Streamed answers in progress.");
	const queueWait = new Histogram(
		"ollama_proxy_queue_wait_seconds",
		"Time a request waited for a free replica, by upstream and how the wait ended.",
		SECONDS,
	);
	let fleets: () => readonly FleetView[] = () => [];
	const keyRequests = new Counter("ollama_proxy_key_requests_total", "Requests admitted by the limits, by key name.");
	const keyTokens = new Counter(
		"ollama_proxy_key_tokens_total",
		"Tokens charged to a key when its answers ended, by key name and direction (prompt, completion).",
	);
	const keyRefusals = new Counter(
		"ollama_proxy_key_refusals_total",
		"Requests refused with a 429 by a limit, by key name and limit.",
	);
	const redisFallbacks = new Counter(
		"ollama_proxy_redis_fallbacks_total",
		"Limit checks this process decided alone, with its share of each limit, because Redis did not answer.",
	);
	const all = [
		requests,
		duration,
		firstToken,
		tokens,
		upstreamErrors,
		openStreams,
		keyRequests,
		keyTokens,
		keyRefusals,
		redisFallbacks,
		queueWait,
	];

	return {
		observeRequest(o: RequestObservation) {
			const labels = { route: o.route, model: o.model };
			requests.inc({ ...labels, status: String(o.status), outcome: o.outcome });
			duration.observe(labels, o.durationMs / 1000);
			if (o.firstTokenMs !== undefined) firstToken.observe(labels, o.firstTokenMs / 1000);
			if (o.promptTokens) tokens.inc({ model: o.model, direction: "prompt" }, o.promptTokens);
			if (o.evalTokens) tokens.inc({ model: o.model, direction: "completion" }, o.evalTokens);
		},
		upstreamError(upstream: string, kind: string) {
			upstreamErrors.inc({ upstream, kind });
		},
		keyAdmitted: (key: string) => keyRequests.inc({ key }),
		keyCharged(key: string, promptTokens: number, completionTokens: number) {
			if (promptTokens) keyTokens.inc({ key, direction: "prompt" }, promptTokens);
			if (completionTokens) keyTokens.inc({ key, direction: "completion" }, completionTokens);
		},
		keyRefused: (key: string, limit: string) => keyRefusals.inc({ key, limit }),
		redisFallback: () => redisFallbacks.inc(),
		streamOpened: () => openStreams.add(1),
		streamClosed: () => openStreams.add(-1),
		openStreams: () => openStreams.get(),
		observeQueueWait(upstream: string, ms: number, result: string) {
			queueWait.observe({ upstream, result }, ms / 1000);
		},
		/** Where the fleets' state is read at each scrape. */
		watchFleets(source: () => readonly FleetView[]) {
			fleets = source;
		},
		render: () => {
			const now = fleets();
			return renderMetrics(now.length > 0 ? [...all, ...fleetMetrics(now)] : all);
		},
	};
}

export type ProxyMetrics = ReturnType<typeof proxyMetrics>;
