/**
 * What every streamed answer does around its stream, whatever its format: an unexpected failure logged and shown as
 * a 500, the open-streams gauge closed, the upstream-error metric counted, a client that stops reading cut off after
 * `client_stall_ms`, and the request's one log line written when the stream ends (a stream logs itself then, not when
 * its headers go out), with its outcome: complete, failed (and why), client_aborted or client_stalled.
 */
import { failureKind, ProxyError } from "../core/proxy-error.ts";
import type { Outcome, StreamSummary } from "../http/request-context.ts";
import { type StreamOptions, type StreamOutcome, stalledMessage } from "../http/stream-body.ts";
import type { AppDeps } from "./deps.ts";

export function streamAccounting<T>(
	deps: AppDeps,
	request: Request,
	upstream: string,
	/** The stream's figures for the log line and the metrics (time to first token, token counts). */
	figures: (outcome: StreamOutcome<T>) => Omit<StreamSummary, "status">,
): StreamOptions<T> {
	const reqId = deps.requests.recordOf(request).id;
	return {
		stallMs: deps.settings.clientStallMs,
		toError: (error) => {
			deps.log.error({ err: error, reqId }, "stream failed");
			return new ProxyError(500, "internal error");
		},
		onEnd: (ending) => {
			const { error, aborted, stalled } = ending;
			deps.metrics.streamClosed();
			// A client that stopped reading is the client's doing: never counted against the upstream.
			if (error?.kind) deps.metrics.upstreamError(upstream, error.kind);
			const outcome: Outcome = aborted ? "client_aborted" : stalled ? "client_stalled" : error ? "failed" : "complete";
			deps.requests.end(request, {
				status: aborted ? 499 : 200,
				outcome,
				...(error && { errorKind: failureKind(error.status, error.kind), error: error.message }),
				...(stalled && { error: stalledMessage(deps.settings.clientStallMs) }),
				...(aborted && { aborted: true }),
				...figures(ending),
			});
		},
	};
}
