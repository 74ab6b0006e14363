/** Small helpers for tests that wait on another process or on something that happens after a response. */

/**
 * Polls `check` (sync or async) until it holds; returns whether it held. A loaded machine can take longer than any
 * guess, so the default deadline is far past every test's own timeout: that timeout is what ends a wait for
 * something that never happens, and the deadline only stops the polling of a test that has already failed. Assert
 * the result (`expect(await until(…)).toBe(true)`), so that a shorter explicit `ms` fails where it waited.
 */
export async function until(check: () => boolean | Promise<boolean>, ms = 120_000): Promise<boolean> {
	const deadline = Date.now() + ms;
	// Quick to notice at first, then gentle on a busy core.
	for (let pause = 1; Date.now() < deadline; pause = Math.min(pause * 2, 50)) {
		if (await check()) return true;
		await Bun.sleep(pause);
	}
	return check();
}

type LogLine = Record<string, unknown>;

/**
 * Reads a process's JSON log lines as they come, so that a test waits for the line that says a thing happened
 * (the server listens, a signal arrived) instead of polling for it.
 */
export function watchLog(stream: ReadableStream<Uint8Array>) {
	let text = "";
	let done = false;
	const waiting: (() => void)[] = [];
	const wake = () => {
		for (const resolve of waiting.splice(0)) resolve();
	};
	const ended = (async () => {
		const decoder = new TextDecoder();
		for await (const part of stream) {
			text += decoder.decode(part, { stream: true });
			wake();
		}
		done = true;
		wake();
		return text;
	})();
	const lines = () =>
		text
			.split("\n")
			.slice(0, -1)
			.map((l) => JSON.parse(l) as LogLine);
	return {
		/** The first complete line that `match` accepts; throws when the stream ends without one. */
		async line(match: (line: LogLine) => boolean): Promise<LogLine> {
			for (;;) {
				const found = lines().find(match);
				if (found) return found;
				if (done) throw new Error(`the process ended without the awaited log line; it wrote:\n${text}`);
				await new Promise<void>((resolve) => waiting.push(resolve));
			}
		},
		/** Every line, once the stream has ended. */
		all: async () => {
			await ended;
			return lines();
		},
	};
}

/**
 * The URL of a proxy process started with PORT=0 (or `listen.port: 0`): the OS chose the port, the proxy's
 * "listening" line says which, so no test guesses a free port that another could take first.
 */
export async function listeningUrl(log: ReturnType<typeof watchLog>): Promise<string> {
	const line = await log.line((l) => l.msg === "ollama-proxy listening");
	return `http://127.0.0.1:${line.port}`;
}
