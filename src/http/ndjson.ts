/**
 * NDJSON streaming as Ollama does it: one JSON object per line, each written as soon as it exists. The first line is
 * produced before the response starts, so a failure up to then is a real status with a JSON error; after it, a
 * failure is a last `{"error": "..."}` line (ollama-js throws it, ollama-python raises it) and never a fake `done`.
 */
import { ProxyError } from "../errors.ts";

export const NDJSON_TYPE = "application/x-ndjson";

export type StreamOutcome<T> = {
	/** The last object sent before the stream ended (the `done` object of a complete answer). */
	last?: T;
	/** Set when the stream ended in an error line. */
	error?: ProxyError;
	/** The client went away before the end. */
	aborted: boolean;
};

export type NdjsonOptions<T> = {
	/** Turns whatever the source threw into the error the client sees. */
	toError(error: unknown): ProxyError;
	/** Called once, when the stream has ended for any reason. */
	onEnd(outcome: StreamOutcome<T>): void;
};

// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per line.
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

export async function ndjsonResponse<T>(source: AsyncIterator<T>, options: NdjsonOptions<T>): Promise<Response> {
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

	const body = new ReadableStream<string>({
		start(controller) {
			if (first.done) {
				controller.close();
				end({ aborted: false });
			} else {
				controller.enqueue(line(first.value));
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
				controller.enqueue(line(next.value));
			} catch (thrown) {
				const error = thrown instanceof ProxyError ? thrown : options.toError(thrown);
				// After a client abort the stream is already cancelled: there is nobody left to tell.
				if (end({ error, aborted: false })) {
					controller.enqueue(line({ error: error.message }));
					controller.close();
				}
			}
		},
		async cancel() {
			end({ aborted: true });
			await source.return?.(undefined);
		},
	});
	return new Response(body, { headers: { "content-type": NDJSON_TYPE } });
}
