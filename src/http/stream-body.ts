/**
 * A streamed answer whose first frame is produced before the response starts, so a failure up to then is a real
 * status with a JSON error; after it, a failure is a last frame in the stream's own format (an NDJSON error line, an
 * SSE error event) and never a fake success. Each value the source yields is written as soon as it exists.
 */
import { ProxyError } from "../core/proxy-error.ts";

export type StreamOutcome<T> = {
	/** The last value sent before the stream ended (the `done` object of a complete NDJSON answer). */
	last?: T;
	/** Set when the stream ended in an error frame. */
	error?: ProxyError;
	/** The client went away before the end. */
	aborted: boolean;
};

export type StreamOptions<T> = {
	/** Turns whatever the source threw into the error the client sees. */
	toError(error: unknown): ProxyError;
	/** Called once, when the stream has ended for any reason. */
	onEnd(outcome: StreamOutcome<T>): void;
};

export type StreamFormat<T> = {
	contentType: string;
	headers?: Record<string, string>;
	frame(value: T): string;
	errorFrame(error: ProxyError): string;
};

export async function streamResponse<T>(
	source: AsyncIterator<T>,
	format: StreamFormat<T>,
	options: StreamOptions<T>,
): Promise<Response> {
	// Errors here propagate to the caller: nothing has been sent yet.
	const first = await source.next();
	let last: T | undefined = first.done ? undefined : first.value;
	let ended = false;
	const end = (outcome: Omit<StreamOutcome<T>, "last">) => {
		if (ended) return false;
		ended = true;
		options.onEnd({ ...outcome, last });
		return true;
	};

	// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per frame.
	const body = new ReadableStream<string>({
		start(controller) {
			if (first.done) {
				controller.close();
				end({ aborted: false });
			} else {
				controller.enqueue(format.frame(first.value));
			}
		},
		async pull(controller) {
			try {
				const next = await source.next();
				if (next.done) {
					if (end({ aborted: false })) controller.close();
					return;
				}
				if (ended) return;
				last = next.value;
				controller.enqueue(format.frame(next.value));
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
