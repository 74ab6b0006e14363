/**
 * Agents give up on a silent stream (Codex after 300 s without an event; SSE comments do not count), while a long
 * prefill or a reasoning pause on a local GPU can be silent for minutes. This marks every such silence so that the
 * protocol can send an event of its own (Anthropic's `ping`, the Responses API's `response.in_progress`).
 */
export const QUIET: unique symbol = Symbol("quiet");

/** The source's values as they come, with `QUIET` after every `everyMs` without one. Never reads ahead. */
export async function* withKeepalive<T>(source: AsyncIterable<T>, everyMs: number): AsyncGenerator<T | typeof QUIET> {
	const iterator = source[Symbol.asyncIterator]();
	let pending: Promise<IteratorResult<T>> | undefined;
	try {
		while (true) {
			if (!pending) {
				pending = iterator.next();
				// Left pending when the consumer stops during a silence; its rejection (the abort) is nobody's to handle.
				pending.catch(() => {});
			}
			let timer: ReturnType<typeof setTimeout> | undefined;
			const quiet = new Promise<typeof QUIET>((resolve) => {
				timer = setTimeout(resolve, everyMs, QUIET);
			});
			const next = await Promise.race([pending, quiet]);
			clearTimeout(timer);
			if (next === QUIET) {
				yield QUIET;
				continue;
			}
			pending = undefined;
			if (next.done) return;
			yield next.value;
		}
	} finally {
		// Not awaited: a source still waiting on its upstream ends when the request's signal aborts it.
		iterator.return?.()?.catch(() => {});
	}
}
