/**
 * A streamed answer whose first frame is produced before the response starts, so a failure up to then is a real
 * status with a JSON error; after it, a failure is a last frame in the stream's own format (an NDJSON error line, an
 * SSE error event) and never a fake success. Each value the source yields is written as soon as it exists, and the
 * source is asked for the next one only when the client has taken the last (back-pressure); what the source holds
 * already without a wait (`ready`) goes out with it. A client that takes
 * nothing for `stallMs` is cut off: the source is closed and the connection dropped, which frees the upstream
 * stream and the socket buffers a stalled reader holds; there is no frame to tell it, since it reads none.
 */
import { ProxyError } from "../core/proxy-error.ts";
import type { ReadyIterator } from "../core/upstream-chunks.ts";
import { stallWatch } from "./stall-watch.ts";

export type StreamOutcome<T> = {
	/** The last value sent before the stream ended (the `done` object of a complete NDJSON answer). */
	last?: T;
	/** Set when the stream ended in an error frame. */
	error?: ProxyError;
	/** The client went away before the end. */
	aborted: boolean;
	/** The client stopped reading for `stallMs`, and was cut off. */
	stalled?: boolean;
};

export type StreamOptions<T> = {
	/** Turns whatever the source threw into the error the client sees. */
	toError(error: unknown): ProxyError;
	/** Called once, when the stream has ended for any reason. */
	onEnd(outcome: StreamOutcome<T>): void;
	/** How long a written frame may wait for a client that takes nothing before the stream is cut; unset, forever. */
	stallMs?: number;
};

/** What a client cut off for not reading is told in the logs; never the upstream's words. */
export const stalledMessage = (stallMs: number) => `client stopped reading for ${stallMs} ms`;

export type StreamFormat<T> = {
	contentType: string;
	headers?: Record<string, string>;
	frame(value: T): string;
	errorFrame(error: ProxyError): string;
};

export async function streamResponse<T>(
	source: ReadyIterator<T>,
	format: StreamFormat<T>,
	options: StreamOptions<T>,
): Promise<Response> {
	// Errors here propagate to the caller: nothing has been sent yet.
	const first = await source.next();
	let last: T | undefined = first.done ? undefined : first.value;
	let ended = false;
	// The body's controller, for the stall watch to drop the connection through.
	let controller: ReadableStreamDefaultController<string> | undefined;
	const stall = stallWatch(options.stallMs, () => {
		if (!end({ aborted: false, stalled: true })) return;
		// Erroring the body makes Bun drop the connection (a frame would only wait behind the others). Bun prints any
		// reason given, AbortErrors included, as a server error: the log line says why instead.
		controller?.error(undefined);
		source.return?.(undefined)?.catch(() => undefined);
	});
	const end = (outcome: Omit<StreamOutcome<T>, "last">) => {
		if (ended) return false;
		ended = true;
		stall.stop();
		options.onEnd({ ...outcome, last });
		return true;
	};

	// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per frame.
	const body = new ReadableStream<string>({
		start(started) {
			controller = started;
			if (first.done) {
				started.close();
				end({ aborted: false });
			} else {
				started.enqueue(format.frame(first.value));
				stall.handed();
			}
		},
		async pull(controller) {
			stall.pulling();
			try {
				let next = await source.next();
				// Everything the source already holds (one socket read's events) goes out in this one pull.
				for (;;) {
					if (next.done) {
						if (end({ aborted: false })) controller.close();
						return;
					}
					if (ended) return;
					last = next.value;
					controller.enqueue(format.frame(next.value));
					const ready = source.ready?.();
					if (ready === undefined) break;
					next = ready;
				}
				stall.handed();
			} catch (thrown) {
				const error = thrown instanceof ProxyError ? thrown : options.toError(thrown);
				// After a client abort the stream is already cancelled: there is nobody left to tell.
				if (end({ error, aborted: false })) {
					controller.enqueue(format.errorFrame(error));
					controller.close();
				}
			}
		},
		async cancel() {
			end({ aborted: true });
			await source.return?.(undefined);
		},
	});
	return new Response(body, { headers: { "content-type": format.contentType, ...format.headers } });
}
