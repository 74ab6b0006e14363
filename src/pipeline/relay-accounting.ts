/**
 * What every relayed answer does around its body, as `stream-accounting.ts` does for the translated ones: the request's
 * one log line written when the body ends, not when its headers go out (a relayed stream can fail long after its
 * 200), with its outcome; a client that stops reading cut off after `client_stall_ms`; and the upstream-error metric
 * counted for a body the upstream cut short.
 */
import type { BodyWatch } from "../http/relay.ts";
import { type Outcome, pathOf } from "../http/request-context.ts";
import { stalledMessage } from "../http/stream-body.ts";
import type { AppDeps } from "./deps.ts";

export type RelayAccounting = {
	/** For the call's scope: the upstream layer watches the body with it. */
	watch: BodyWatch;
	/** Names the upstream whose answer is relayed (the last one tried), for the upstream-error metric. */
	answeredBy(upstream: string): void;
	/** The relayed answer, left to log itself when its body ends. */
	answer(response: Response): Response;
};

export function relayAccounting(
	deps: AppDeps,
	request: Request,
	/** The last event of an SSE body cut short, in the client's protocol (the agent protocols). */
	sseEnding?: BodyWatch["sseEnding"],
): RelayAccounting {
	const record = deps.requests.recordOf(request);
	let upstream = "none";
	let status = 200;
	let ended = false;
	const watch: BodyWatch = {
		stallMs: deps.settings.clientStallMs,
		...(sseEnding && { sseEnding }),
		onEnd(end) {
			ended = true;
			// A client that leaves breaks the upstream read it was waiting on too: that is its leaving, not a failure.
			const outcome: Outcome = request.signal.aborted ? "client_aborted" : end.outcome;
			const failed = outcome === "failed" && end.outcome === "failed" ? end : undefined;
			if (failed) deps.metrics.upstreamError(upstream, failed.kind);
			deps.requests.end(request, {
				status: outcome === "client_aborted" ? 499 : status,
				outcome,
				...(failed && { errorKind: failed.kind, error: failed.message }),
				...(outcome === "client_stalled" && { error: stalledMessage(deps.settings.clientStallMs) }),
				...(outcome === "client_aborted" && { aborted: true }),
			});
		},
	};
	return {
		watch,
		answeredBy(name) {
			upstream = name;
		},
		answer(response) {
			status = response.status;
			// The route's pattern is the path (relaying routes have no parameters), labelled before the body can end.
			record.route ??= pathOf(request.url);
			// A body that is not watched (none at all) never ends by itself: the app logs it as a whole answer.
			if (response.body && !ended) record.streaming = true;
			return response;
		},
	};
}
