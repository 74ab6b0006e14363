/**
 * The three timeouts of one upstream call: until the response headers (connect), until the first chunk of the
 * answer (first byte), and between two chunks (idle). A stream that keeps producing is never cut, however long it
 * runs; a quiet one is. The idle clock runs only while the proxy waits on the upstream: while a chunk waits for a
 * client that has not asked for more (back-pressure), the upstream is not the one keeping quiet. Firing aborts the
 * call and leaves a message saying which limit was hit.
 */
import type { Timeouts } from "../config/file.ts";
import type { CallScope } from "./upstream.ts";

/**
 * Until the response headers, the connect and first-byte limits together: a call that answers in one piece (a model
 * list, embeddings, a non-streamed relay, a server that ignores `stream: true`) sends its headers only once the
 * answer is ready. A streaming server sends them at once, and the first-byte limit then runs for its first chunk.
 * A class, its timers' callbacks static: an open stream holds one object, not a closure per method.
 */
export class CallTimers {
	readonly #controller = new AbortController();
	readonly #scope: CallScope;
	readonly #idleMs: number;
	readonly #firstByteMs: number;
	#expired: string | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	// In the idle phase a read only records when it began, and a chunk that it ended: re-arming a timer per chunk
	// costs more than the chunk. 0 while no read is waiting, so the check finds the upstream not at fault.
	#waitingSince = 0;
	#idlePhase = false;

	constructor(scope: CallScope, timeouts: Timeouts, whole: boolean) {
		this.#scope = scope;
		this.#idleMs = timeouts.idle_ms;
		this.#firstByteMs = timeouts.first_byte_ms;
		scope.signal.addEventListener("abort", this, { once: true });
		// A whole answer (`stream: false`) sends its headers only when the last token is written: its generation is one
		// quiet gap, allowed as long as a streamed answer's quiet gap on top of the wait for a first token.
		const firstLimit = timeouts.connect_ms + timeouts.first_byte_ms + (whole ? timeouts.idle_ms : 0);
		this.#arm(firstLimit, `upstream did not answer within ${firstLimit} ms`);
	}

	static #expire(timers: CallTimers, message: string): void {
		timers.#expired = message;
		timers.#controller.abort();
	}

	static #checkIdle(timers: CallTimers): void {
		const quiet = timers.#waitingSince === 0 ? 0 : performance.now() - timers.#waitingSince;
		if (quiet >= timers.#idleMs) CallTimers.#expire(timers, `upstream went quiet for ${timers.#idleMs} ms`);
		else timers.#timer = setTimeout(CallTimers.#checkIdle, timers.#idleMs - quiet, timers);
	}

	#arm(ms: number, message: string): void {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(CallTimers.#expire, ms, this, message);
	}

	/** The client went away (its signal's abort event). */
	handleEvent(): void {
		this.#controller.abort();
	}

	/** Aborts the upstream call when a timer fires or the client goes away. */
	get signal(): AbortSignal {
		return this.#controller.signal;
	}

	headersArrived(): void {
		this.#arm(this.#firstByteMs, `upstream sent nothing within ${this.#firstByteMs} ms`);
	}

	/** The proxy asks the upstream for more: in the idle phase, the idle clock runs until a chunk arrives. */
	waiting(): void {
		this.#waitingSince = performance.now();
	}

	/** A chunk arrived (the first one ends the first-byte wait); the idle clock stops until the next `waiting`. */
	chunkArrived(): void {
		if (!this.#idlePhase) {
			this.#idlePhase = true;
			clearTimeout(this.#timer);
			this.#timer = setTimeout(CallTimers.#checkIdle, this.#idleMs, this);
		}
		this.#waitingSince = 0;
	}

	/** The message of the timer that fired, if one did. */
	expired(): string | undefined {
		return this.#expired;
	}

	dispose(): void {
		clearTimeout(this.#timer);
		this.#scope.signal.removeEventListener("abort", this);
	}
}

export function callTimers(scope: CallScope, timeouts: Timeouts, options: { whole?: boolean } = {}): CallTimers {
	return new CallTimers(scope, timeouts, options.whole === true);
}
