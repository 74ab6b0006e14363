/**
 * What the proxy reports on `/metrics`: requests by route, model, status and outcome; latency and time-to-first-token
 * histograms; tokens in and out; upstream errors by upstream and kind; open streams. Model labels only ever hold
 * names the registry resolved, so a client cannot grow the series with made-up names.
 */
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
	const all = [requests, duration, firstToken, tokens, upstreamErrors, openStreams];

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
		streamOpened: () => openStreams.add(1),
		streamClosed: () => openStreams.add(-1),
		openStreams: () => openStreams.get(),
		render: () => renderMetrics(all),
	};
}

export type ProxyMetrics = ReturnType<typeof proxyMetrics>;
