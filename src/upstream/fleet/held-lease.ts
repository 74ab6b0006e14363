/**
 * A replica's slot is held until the answer's last byte, not until its headers: a stream keeps its lease while it
 * runs, and its end says how the replica did. These wrappers release the lease exactly once, when the answer ends,
 * fails, or is given up by the client, and cost one callback per chunk.
 */
import { ProxyError } from "../../core/proxy-error.ts";
import { retryAfterMs } from "../../lib/retry-after.ts";
import type { Lease, Outcome } from "./fleet-types.ts";

/**
 * What a failed call says about the replica that made it. A refusal of the request itself (400, 401, 404) says the
 * replica is alive; a failure it could not help (the client left) says nothing.
 */
export function outcomeOf(error: unknown, signal: AbortSignal): Outcome {
	if (signal.aborted) return { kind: "aborted" };
	if (!(error instanceof ProxyError)) return { kind: "failure", cause: "5xx" };
	switch (error.kind) {
		case "connect":
			return { kind: "failure", cause: "connect" };
		case "timeout":
			return { kind: "failure", cause: "timeout" };
		case "server":
		case "stream":
			return { kind: "failure", cause: "5xx" };
		case "rate_limit":
			return { kind: "429", retryAfterMs: retryAfterMs(error.headers["retry-after"]) };
		default:
			return { kind: "success" };
	}
}

/** The stream, with the lease released when it ends, breaks, or is left by its reader. */
export function heldStream<T>(source: AsyncIterable<T>, lease: Lease, signal: AbortSignal): AsyncIterable<T> {
	return {
		[Symbol.asyncIterator]() {
			const inner = source[Symbol.asyncIterator]();
			return {
				next: () =>
					inner.next().then(
						(step) => {
							if (step.done) lease.release({ kind: "success" });
							return step;
						},
						(error: unknown) => {
							lease.release(outcomeOf(error, signal));
							throw error;
						},
					),
				return: (value?: unknown) => {
					lease.release(signal.aborted ? { kind: "aborted" } : { kind: "success" });
					return inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value: undefined });
				},
			};
		},
	};
}

/** The response, with the lease released once its body has been read to the end, failed, or been cancelled. */
export function heldResponse(response: Response, lease: Lease, signal: AbortSignal): Response {
	if (!response.body) {
		lease.release({ kind: "success" });
		return response;
	}
	const reader = response.body.getReader();
	const body = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const part = await reader.read();
					if (part.done) {
						lease.release({ kind: "success" });
						controller.close();
					} else controller.enqueue(part.value);
				} catch (error) {
					lease.release(outcomeOf(error, signal));
					controller.error(error);
				}
			},
			cancel(reason) {
				lease.release(signal.aborted ? { kind: "aborted" } : { kind: "success" });
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
	return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
