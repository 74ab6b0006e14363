/**
 * The three timeouts of one upstream call: until the response headers (connect), until the first chunk of the
 * answer (first byte), and between two chunks (idle). A stream that keeps producing is never cut, however long it
 * runs; a quiet one is. The idle clock runs only while the proxy waits on the upstream: while a chunk waits for a
 * client that has not asked for more (back-pressure), the upstream is not the one keeping quiet. Firing aborts the
 * call and leaves a message saying which limit was hit.
 */
import type { Timeouts } from "../config/file.ts";
import type { CallScope } from "./upstream.ts";

export type CallTimers = ReturnType<typeof callTimers>;

/**
 * Until the response headers, the connect and first-byte limits together: a call that answers in one piece (a model
 * list, embeddings, a non-streamed relay, a server that ignores `stream: true`) sends its headers only once the
 * answer is ready. A streaming server sends them at once, and the first-byte limit then runs for its first chunk.
 */
export function callTimers(scope: CallScope, timeouts: Timeouts, options: { whole?: boolean } = {}) {
	const controller = new AbortController();
	let expired: string | undefined;
	let timer: ReturnType<typeof setTimeout> | undefined;
	// In the idle phase a read only records when it began, and a chunk that it ended: re-arming a timer per chunk
	// costs more than the chunk. 0 while no read is waiting, so the check finds the upstream not at fault.
	let waitingSince = 0;
	let idlePhase = false;
	const expire = (message: string) => {
		expired = message;
		controller.abort();
	};
	const arm = (ms: number, message: string) => {
		clearTimeout(timer);
		timer = setTimeout(() => expire(message), ms);
	};
	const checkIdle = () => {
		const quiet = waitingSince === 0 ? 0 : performance.now() - waitingSince;
		if (quiet >= timeouts.idle_ms) expire(`upstream went quiet for ${timeouts.idle_ms} ms`);
		else timer = setTimeout(checkIdle, timeouts.idle_ms - quiet);
	};
	const clientLeft = () => controller.abort();
	scope.signal.addEventListener("abort", clientLeft, { once: true });
	// A whole answer (`stream: false`) sends its headers only when the last token is written: its generation is one
	// quiet gap, allowed as long as a streamed answer's quiet gap on top of the wait for a first token.
	const firstLimit = timeouts.connect_ms + timeouts.first_byte_ms + (options.whole ? timeouts.idle_ms : 0);
	arm(firstLimit, `upstream did not answer within ${firstLimit} ms`);
	return {
		/** Aborts the upstream call when a timer fires or the client goes away. */
		signal: controller.signal,
		headersArrived: () => arm(timeouts.first_byte_ms, `upstream sent nothing within ${timeouts.first_byte_ms} ms`),
		/** The proxy asks the upstream for more: in the idle phase, the idle clock runs until a chunk arrives. */
		waiting: () => {
			waitingSince = performance.now();
		},
		/** A chunk arrived (the first one ends the first-byte wait); the idle clock stops until the next `waiting`. */
		chunkArrived: () => {
			if (!idlePhase) {
				idlePhase = true;
				clearTimeout(timer);
				timer = setTimeout(checkIdle, timeouts.idle_ms);
			}
			waitingSince = 0;
		},
		/** The message of the timer that fired, if one did. */
		expired: () => expired,
		dispose() {
			clearTimeout(timer);
			scope.signal.removeEventListener("abort", clientLeft);
		},
	};
}
