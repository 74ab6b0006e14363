/**
 * Ollama's `keep_alive` is a number of seconds or a Go duration string ("5m", "1h30m", "-1m").
 * A proxy keeps nothing loaded, so the value only matters for telling an unload request (0) from a load.
 */
const UNIT_NS: Record<string, number> = {
	ns: 1,
	us: 1e3,
	µs: 1e3, // U+00B5 MICRO SIGN
	μs: 1e3, // U+03BC GREEK SMALL LETTER MU
	ms: 1e6,
	s: 1e9,
	m: 60e9,
	h: 3600e9,
};

// Go's time.ParseDuration grammar: an optional sign, then "0" alone or one or more <number><unit> pairs.
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Parses a Go duration string to nanoseconds; `undefined` when Go would reject it (e.g. "1d", "10"). */
export function parseGoDuration(text: string): number | undefined {
	if (!GO_DURATION.test(text)) return undefined;
	const sign = text.startsWith("-") ? -1 : 1;
	let total = 0;
	for (const [, amount, unit] of text.matchAll(GO_DURATION_PART)) {
		total += Number(amount) * (UNIT_NS[unit as string] as number);
	}
	return sign * total;
}

/** True when a `keep_alive` value asks for the model to be unloaded now. */
export function isUnloadRequest(keepAlive: number | string | null | undefined): boolean {
	if (keepAlive === undefined || keepAlive === null) return false;
	if (typeof keepAlive === "number") return keepAlive === 0;
	return parseGoDuration(keepAlive) === 0;
}
