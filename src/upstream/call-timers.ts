/**
 * The three timeouts of one upstream call: until the response headers (connect), until the first chunk of the
 * answer (first byte), and between two chunks (idle). A stream that keeps producing is never cut, however long it
 * runs; a quiet one is. Firing aborts the call and leaves a message saying which limit was hit.
 */
import type { Timeouts } from "../config/file.ts";
import type { CallScope } from "./upstream.ts";

export type CallTimers = ReturnType<typeof callTimers>;

export function callTimers(scope: CallScope, timeouts: Timeouts) {
	const controller = new AbortController();
	let expired: string | undefined;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const arm = (ms: number, message: string) => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			expired = message;
			controller.abort();
		}, ms);
	};
	const clientLeft = () => controller.abort();
	scope.signal.addEventListener("abort", clientLeft, { once: true });
	arm(timeouts.connect_ms, `upstream did not answer within ${timeouts.connect_ms} ms`);
	return {
		/** Aborts the upstream call when a timer fires or the client goes away. */
		signal: controller.signal,
		headersArrived: () => arm(timeouts.first_byte_ms, `upstream sent nothing within ${timeouts.first_byte_ms} ms`),
		chunkArrived: () => arm(timeouts.idle_ms, `upstream went quiet for ${timeouts.idle_ms} ms`),
		/** The message of the timer that fired, if one did. */
		expired: () => expired,
		dispose() {
			clearTimeout(timer);
			scope.signal.removeEventListener("abort", clientLeft);
		},
	};
}
