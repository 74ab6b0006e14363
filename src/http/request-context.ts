/**
 * A request id on every response (the client's `x-request-id` when it is sane, else a new one) and one log line per
 * request: method, path, model, status, outcome, duration, and for streams the time to first token and the token
 * counts, written when the stream ends. The outcome says how the answer ended, which for a stream the status cannot:
 * its 200 went out before it failed. Never a prompt, a completion or a key.
 */
import { Elysia } from "elysia";
import type { Logger } from "pino";
import { failureKind, type ProxyError } from "../core/proxy-error.ts";
import type { Outcome, ProxyMetrics } from "../metrics/proxy-metrics.ts";
import { writeLine } from "./log-line.ts";

export type { Outcome } from "../metrics/proxy-metrics.ts";

/** What is known about one request while it runs; the routes fill in what only they know. */
export type RequestRecord = {
	id: string;
	startMs: number;
	model?: string;
	/** The status of an error response, which Elysia's own bookkeeping gets wrong for thrown errors. */
	status?: number;
	/** What failed behind an error response (see `failureKind`). */
	errorKind?: string;
	/** A streamed answer logs itself when it ends, not when its headers go out. */
	streaming?: boolean;
	/** The model the registry resolved the request to (metrics label only known names). */
	routeModel?: string;
	/** The matched route's path pattern, for the metrics label. */
	route?: string;
	/** Figures of a whole (non-streamed) answer, for the log line and the metrics. */
	stats?: Omit<StreamSummary, "status">;
	/** The inbound key's name, when keys are configured. */
	keyName?: string;
	/** The replica of a fleet that answered (its URL without credentials). */
	replica?: string;
	/** Whether the caller may use a model (inbound keys restrict it). */
	allows(model: string): boolean;
	/** The inbound key may read every key's usage. */
	admin?: boolean;
	/** The JSON body's size in bytes, and the token limit it asks for: what admission reserves tokens from. */
	bodyBytes?: number;
	maxTokens?: number;
	/** Called with the log line's figures when the request ends, once (the limits settle the request there). */
	onEnd?: (fields: { status: number } & Partial<StreamSummary>) => void;
};

export type StreamSummary = {
	status: number;
	/** How a stream ended; a whole answer's is read from its status (an error is `failed`, 499 `client_aborted`). */
	outcome?: Outcome;
	/** What failed, when the outcome is `failed`. */
	errorKind?: string;
	error?: string;
	aborted?: boolean;
	firstTokenMs?: number;
	promptTokens?: number;
	evalTokens?: number;
};

export type RequestLog = {
	recordOf(request: Request): RequestRecord;
	/** Writes the request's one log line. */
	end(request: Request, fields: { status: number } & Partial<StreamSummary>): void;
};

/** A whole answer ended as its status says: an error status failed, and 499 means its client left first. */
function wholeOutcome(status: number): Outcome {
	if (status === 499) return "client_aborted";
	return status >= 400 ? "failed" : "complete";
}

/** Without inbound keys every model is allowed (a key's own check replaces this). */
const allowsAll = () => true;

// Like Hono's request-id middleware: a client-chosen id is echoed only when it is short and plain.
const SANE_ID = /^[\w.-]{1,128}$/;

export function requestLog(log: Logger, metrics?: ProxyMetrics): RequestLog {
	// The line's fields are flat and known (never a header, a body or a key), and the logger's redaction paths only
	// match one level down (`*.authorization`): walking each line for them cannot change it, and cost about 8 µs a line.
	const lines = log.child({}, { redact: [] });
	const records = new WeakMap<Request, RequestRecord>();
	const recordOf = (request: Request): RequestRecord => {
		let record = records.get(request);
		if (!record) {
			const given = request.headers.get("x-request-id");
			record = {
				id: given && SANE_ID.test(given) ? given : crypto.randomUUID(),
				startMs: performance.now(),
				allows: allowsAll,
			};
			records.set(request, record);
		}
		return record;
	};
	return {
		recordOf,
		end(request, fields) {
			const record = recordOf(request);
			const durationMs = Math.round((performance.now() - record.startMs) * 100) / 100;
			const { status, outcome = wholeOutcome(status), errorKind, ...rest } = fields;
			const all = { ...record.stats, ...rest };
			const kind = outcome === "failed" ? (errorKind ?? record.errorKind ?? failureKind(status)) : undefined;
			const onEnd = record.onEnd;
			record.onEnd = undefined;
			// The limits charge a request by how it ended: a client that left or stopped reading is not an error.
			onEnd?.({
				...all,
				status,
				aborted: all.aborted === true || outcome.startsWith("client_"),
				...(kind !== undefined && { error: all.error ?? kind }),
			});
			// A stream that failed or was cut still has its 200: the outcome, not the status, makes it a warning.
			const level = status >= 500 ? "error" : status >= 400 || outcome !== "complete" ? "warn" : "info";
			// A reload may change the level of the logger this line comes from.
			if (lines.level !== log.level) lines.level = log.level;
			writeLine(lines, level, {
				reqId: record.id,
				method: request.method,
				path: pathOf(request.url),
				...(record.model !== undefined && { model: record.model }),
				...(record.keyName !== undefined && { key: record.keyName }),
				status,
				outcome,
				...(kind !== undefined && { errorKind: kind }),
				...(record.replica !== undefined && { replica: record.replica }),
				...all,
				durationMs,
			});
			metrics?.observeRequest({
				route: record.route ?? "unmatched",
				model: record.routeModel ?? "none",
				status,
				outcome,
				durationMs,
				...(all.firstTokenMs !== undefined && { firstTokenMs: all.firstTokenMs }),
				...(all.promptTokens !== undefined && { promptTokens: all.promptTokens }),
				...(all.evalTokens !== undefined && { evalTokens: all.evalTokens }),
			});
		},
	};
}

/**
 * The id on every answer. It is put on the `Response` itself, not in Elysia's `set.headers`: a response whose `set` is
 * untouched is handed to Bun as it is, where one header in `set` makes Elysia rebuild it (`new Response` and a copy of
 * its headers). Registered first, so that every route (`/swagger` too) has the hook; the answers Elysia does not map
 * (errors, early answers from `onRequest`) carry the id from where they are built (`withRequestId`).
 */
export function requestIds(requests: RequestLog) {
	return (
		new Elysia({ name: "request-ids" })
			// The record, with its start time, is made as the request comes in.
			.onRequest(({ request }) => {
				requests.recordOf(request);
			})
			.mapResponse({ as: "global" }, ({ request, path, responseValue, set }) => {
				const id = requests.recordOf(request).id;
				if (responseValue instanceof Response) withRequestId(responseValue, id, path);
				// Any other value becomes a Response inside Elysia, which takes its headers from `set`.
				else Object.assign(set.headers, requestIdHeaders(id, path));
			})
	);
}

/** The headers that carry a request's id; Anthropic's SDK reads its own name (exposed as `requestID`). */
export function requestIdHeaders(id: string, pathname: string): Record<string, string> {
	return pathname.startsWith("/v1/messages") ? { "x-request-id": id, "request-id": id } : { "x-request-id": id };
}

/** Puts the id on a response; a header it already has is kept (as Elysia's merge of `set.headers` kept it). */
export function withRequestId(response: Response, id: string, pathname: string): Response {
	const headers = response.headers;
	if (!headers.has("x-request-id")) headers.set("x-request-id", id);
	if (pathname.startsWith("/v1/messages") && !headers.has("request-id")) headers.set("request-id", id);
	return response;
}

/** The Elysia side of the log: one line for every answer that is not a stream. */
export function requestContext(requests: RequestLog) {
	return new Elysia({ name: "request-context" }).onAfterResponse({ as: "global" }, (ctx) => {
		const { request, responseValue, set } = ctx;
		const record = requests.recordOf(request);
		// Only matched routes have a pattern; anything else shares one label, whatever its path.
		record.route ??= "route" in ctx && typeof ctx.route === "string" ? ctx.route : "unmatched";
		if (record.streaming) return;
		const status =
			record.status ?? (responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200));
		requests.end(request, { status });
	});
}

/** The path of a request URL, without building a URL object on every request (`http://host:port/path?query`). */
export function pathOf(url: string): string {
	const start = url.indexOf("/", url.indexOf("//") + 2);
	if (start < 0) return "/";
	const query = url.indexOf("?", start);
	return url.slice(start, query < 0 ? undefined : query);
}

/** Notes a failure on its request's record: the status its error reply carries, and what kind of failure it was. */
export function recordFailure(record: RequestRecord, failure: ProxyError): void {
	record.status = failure.status;
	record.errorKind = failureKind(failure.status, failure.kind);
}
