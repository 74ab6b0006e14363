/**
 * The events of a streamed answer after its first, as parsed chunks: a bare iterator over the body's reader and the
 * SSE decoder, not a generator. Each `next()` is one reaction to the body's read when the decoder holds nothing, and
 * an already settled promise when it does; `ready()` hands out, synchronously, what the last read already decoded,
 * so that a consumer can write every event of one socket read at once. `return()` closes the upstream at once,
 * even while a read waits (a generator's would wait for it). The idle clock runs only while a read waits.
 */
import { ProxyError } from "../core/proxy-error.ts";
import type { ByteRead, ByteReader } from "./socket-body.ts";
import type { sseDecoder } from "./sse-decoder.ts";
import type { CallTimers } from "./timers.ts";
import { parseEvent } from "./wire.ts";

/** Where the first event's read left the body: what the relay goes on from. */
export type RelayStart<T> = {
	reader: ByteReader | undefined;
	decoder: ReturnType<typeof sseDecoder>;
	events: string[];
	next: number;
	ended: boolean;
	/** The first event, parsed before the response started. */
	first: T | undefined;
};

const DONE = Object.freeze({ done: true as const, value: undefined });

export class EventRelay<T> implements AsyncIterableIterator<T> {
	#reader: ByteReader | undefined;
	readonly #decoder: ReturnType<typeof sseDecoder>;
	#events: string[];
	#next: number;
	#ended: boolean;
	#first: T | undefined;
	#closed = false;
	readonly #timers: CallTimers;
	readonly #fail: (error: unknown) => unknown;

	constructor(start: RelayStart<T>, timers: CallTimers, fail: (error: unknown) => unknown) {
		this.#reader = start.reader;
		this.#decoder = start.decoder;
		this.#events = start.events;
		this.#next = start.next;
		this.#ended = start.ended;
		this.#first = start.first;
		this.#timers = timers;
		this.#fail = fail;
	}

	[Symbol.asyncIterator](): this {
		return this;
	}

	/** The upstream is done with: timers stopped and, when it ended early, its body cancelled. */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#timers.dispose();
		// Leaving early (the client went away) must close the upstream stream too.
		this.#reader?.cancel().catch(() => undefined);
	}

	/** The next event already decoded, or undefined when there is none without a read; throws as `next()` rejects. */
	ready(): IteratorResult<T> | undefined {
		if (this.#closed) return DONE;
		try {
			const first = this.#first;
			if (first !== undefined) {
				this.#first = undefined;
				return { done: false, value: first };
			}
			if (this.#next < this.#events.length) {
				const data = this.#events[this.#next++] as string;
				if (data !== "[DONE]") return { done: false, value: parseEvent<T>(data) };
				this.close();
				return DONE;
			}
			if (!this.#ended) return undefined;
			// A timer that aborted the read may surface as a quiet end of the body: it must still be an error.
			const expired = this.#timers.expired();
			if (expired) throw new ProxyError(504, expired, {}, "timeout");
			this.close();
			return DONE;
		} catch (error) {
			this.close();
			throw this.#fail(error);
		}
	}

	next(): Promise<IteratorResult<T>> {
		try {
			const ready = this.ready();
			if (ready) return Promise.resolve(ready);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#wait();
	}

	#wait(): Promise<IteratorResult<T>> {
		this.#timers.waiting();
		return (this.#reader as ByteReader).read().then(this.#read, this.#broke);
	}

	// A plain result, not a promise, when the read completed an event: a reaction, not three.
	#read = (part: ByteRead): IteratorResult<T> | Promise<IteratorResult<T>> => {
		if (this.#closed) return DONE;
		this.#events = part.done ? this.#decoder.end() : this.#decoder.push(part.value);
		this.#next = 0;
		this.#ended = part.done;
		this.#timers.chunkArrived();
		return this.ready() ?? this.#wait();
	};

	#broke = (error: unknown): never => {
		this.close();
		throw this.#fail(error);
	};

	return(): Promise<IteratorResult<T>> {
		this.close();
		return Promise.resolve(DONE);
	}
}
