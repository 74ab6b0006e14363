/**
 * The body of a pool answer read straight from its `node:http` message, without a web stream in between: a streamed
 * answer's chunks go from the socket's `data` event to the reader's promise in one step. Back-pressure pauses the
 * message once `HIGH_WATER_MARK` bytes wait unread. A connection that closes before the body is complete is an error,
 * never a quiet end; cancelling closes the connection; `onEnd` is called once, when the body is over for any reason.
 */
import type http from "node:http";

export type ByteRead = { done: true; value?: undefined } | { done: false; value: Uint8Array };

/** What reads a body: the part of a web stream's reader that the upstream's SSE loop uses. */
export type ByteReader = { read(): Promise<ByteRead>; cancel(): Promise<void> };

const HIGH_WATER_MARK = 64 * 1024;
const DONE: ByteRead = Object.freeze({ done: true as const, value: undefined });
const CUT = "upstream connection closed before the answer was complete";

function abortError(signal: AbortSignal): unknown {
	return signal.reason instanceof Error ? signal.reason : new DOMException("The operation was aborted.", "AbortError");
}

/**
 * One class for the whole body, its listeners bound once: an open stream holds this object, not a dozen closures.
 */
export class SocketBody implements ByteReader {
	#queue: Uint8Array[] = [];
	#queued = 0;
	#paused = false;
	#ended = false;
	#error: unknown;
	// Set once the body is over (read to its end, failed or cancelled): later events change nothing.
	#finished = false;
	#over = false;
	#resolve: ((part: ByteRead) => void) | undefined;
	#reject: ((error: unknown) => void) | undefined;
	readonly #req: http.ClientRequest;
	readonly #res: http.IncomingMessage;
	readonly #source: NodeJS.ReadableStream;
	readonly #signal: AbortSignal | null | undefined;
	readonly #onEnd: () => void;

	constructor(
		req: http.ClientRequest,
		res: http.IncomingMessage,
		source: NodeJS.ReadableStream,
		signal: AbortSignal | null | undefined,
		onEnd: () => void,
	) {
		this.#req = req;
		this.#res = res;
		this.#source = source;
		this.#signal = signal;
		this.#onEnd = onEnd;
		source.on("data", this.#data);
		source.on("end", this.#end);
		// The connection's own error says only "aborted": what the client needs to hear is that the answer broke off.
		res.on("error", this.#cut);
		res.on("close", this.#closed);
		if (source !== res) source.on("error", this.#fail);
	}

	#finish(): void {
		this.#finished = true;
		if (this.#over) return;
		this.#over = true;
		this.#onEnd();
	}

	#data = (chunk: Uint8Array): void => {
		if (this.#finished) return;
		const resolve = this.#resolve;
		if (resolve) {
			this.#resolve = this.#reject = undefined;
			resolve({ done: false, value: chunk });
			return;
		}
		this.#queue.push(chunk);
		this.#queued += chunk.byteLength;
		if (this.#queued >= HIGH_WATER_MARK && !this.#paused) {
			this.#paused = true;
			this.#source.pause();
		}
	};

	#end = (): void => {
		if (this.#finished) return;
		this.#finish();
		this.#ended = true;
		const resolve = this.#resolve;
		this.#resolve = this.#reject = undefined;
		resolve?.(DONE);
	};

	#fail = (error: unknown): void => {
		if (this.#finished) return;
		this.#finish();
		this.#error = this.#signal?.aborted ? abortError(this.#signal) : error;
		// As an errored web stream: what was not read yet is gone, the next read fails.
		this.#queue = [];
		this.#queued = 0;
		const reject = this.#reject;
		this.#resolve = this.#reject = undefined;
		reject?.(this.#error);
	};

	#cut = (): void => this.#fail(new Error(CUT));

	#closed = (): void => {
		if (!this.#res.complete) this.#cut();
	};

	read(): Promise<ByteRead> {
		const chunk = this.#queue.shift();
		if (chunk !== undefined) {
			this.#queued -= chunk.byteLength;
			if (this.#paused && this.#queued < HIGH_WATER_MARK && !this.#finished) {
				this.#paused = false;
				this.#source.resume();
			}
			return Promise.resolve({ done: false, value: chunk });
		}
		if (this.#error !== undefined) return Promise.reject(this.#error);
		if (this.#ended || this.#finished) return Promise.resolve(DONE);
		return new Promise<ByteRead>((resolve, reject) => {
			this.#resolve = resolve;
			this.#reject = reject;
		});
	}

	cancel(): Promise<void> {
		// A body that has already arrived whole left its connection to the pool: that one is not this body's to close.
		if (!this.#over) this.#req.destroy();
		this.#finish();
		this.#queue = [];
		this.#queued = 0;
		const resolve = this.#resolve;
		this.#resolve = this.#reject = undefined;
		resolve?.(DONE);
		return Promise.resolve();
	}
}

/** The underlying source of the body's web stream, without closures of its own. */
class WebSource {
	readonly #body: SocketBody;
	constructor(body: SocketBody) {
		this.#body = body;
	}
	async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
		const part = await this.#body.read();
		if (part.done) controller.close();
		else controller.enqueue(part.value);
	}
	cancel(): Promise<void> {
		return this.#body.cancel();
	}
}

/** The same body as a web stream, for whoever reads a Response: one read of the body per pull, nothing ahead. */
export function webBody(body: SocketBody): ReadableStream<Uint8Array> {
	return new ReadableStream<Uint8Array>(new WebSource(body), { highWaterMark: 0 });
}
