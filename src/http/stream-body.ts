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
import { type StallWatch, stallWatch } from "./stall-watch.ts";

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

/** The body's underlying source: one object per stream, its methods shared, no closures of its own. */
class FrameSource<T> {
	readonly #source: ReadyIterator<T>;
	readonly #format: StreamFormat<T>;
	readonly #options: StreamOptions<T>;
	readonly #first: IteratorResult<T>;
	readonly #stall: StallWatch;
	#last: T | undefined;
	#ended = false;
	// The body's controller, for the stall watch to drop the connection through.
	#controller: ReadableStreamDefaultController<string> | undefined;

	constructor(source: ReadyIterator<T>, format: StreamFormat<T>, options: StreamOptions<T>, first: IteratorResult<T>) {
		this.#source = source;
		this.#format = format;
		this.#options = options;
		this.#first = first;
		this.#last = first.done ? undefined : first.value;
		this.#stall = stallWatch(options.stallMs, this.#stalled);
	}

	#stalled = (): void => {
		if (!this.#end({ aborted: false, stalled: true })) return;
		// Erroring the body makes Bun drop the connection (a frame would only wait behind the others). Bun prints any
		// reason given, AbortErrors included, as a server error: the log line says why instead.
		this.#controller?.error(undefined);
		this.#source.return?.(undefined)?.catch(() => undefined);
	};

	#end(outcome: Omit<StreamOutcome<T>, "last">): boolean {
		if (this.#ended) return false;
		this.#ended = true;
		this.#stall.stop();
		this.#options.onEnd({ ...outcome, last: this.#last });
		return true;
	}

	start(controller: ReadableStreamDefaultController<string>): void {
		this.#controller = controller;
		const first = this.#first;
		if (first.done) {
			controller.close();
			this.#end({ aborted: false });
		} else {
			controller.enqueue(this.#format.frame(first.value));
			this.#stall.handed();
		}
	}

	async pull(controller: ReadableStreamDefaultController<string>): Promise<void> {
		this.#stall.pulling();
		try {
			let next = await this.#source.next();
			// Everything the source already holds (one socket read's events) goes out in this one pull.
			for (;;) {
				if (next.done) {
					if (this.#end({ aborted: false })) controller.close();
					return;
				}
				if (this.#ended) return;
				this.#last = next.value;
				controller.enqueue(this.#format.frame(next.value));
				const ready = this.#source.ready?.();
				if (ready === undefined) break;
				next = ready;
			}
			this.#stall.handed();
		} catch (thrown) {
			const error = thrown instanceof ProxyError ? thrown : this.#options.toError(thrown);
			// After a client abort the stream is already cancelled: there is nobody left to tell.
			if (this.#end({ error, aborted: false })) {
				controller.enqueue(this.#format.errorFrame(error));
				controller.close();
			}
		}
	}

	async cancel(): Promise<void> {
		this.#end({ aborted: true });
		await this.#source.return?.(undefined);
	}
}

export async function streamResponse<T>(
	source: ReadyIterator<T>,
	format: StreamFormat<T>,
	options: StreamOptions<T>,
): Promise<Response> {
	// Errors here propagate to the caller: nothing has been sent yet.
	const first = await source.next();
	// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per frame.
	const body = new ReadableStream<string>(new FrameSource(source, format, options, first));
	return new Response(body, { headers: { "content-type": format.contentType, ...format.headers } });
}
