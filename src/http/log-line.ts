/**
 * The request's log line written straight to the logger's stream, as the same bytes pino writes for it: pino's
 * general path (its log method, message formatting, the diagnostics channel around its serializer, the serializer and
 * stringifier lookups per key) cost about 2 µs of the 45 a request takes in process. The line's fields are flat and
 * known: strings, finite numbers and booleans, none of them a key or a header.
 */
import pino, { type Logger } from "pino";

export type LineLevel = "info" | "warn" | "error";

const LEVEL_HEAD: Record<LineLevel, string> = { info: '{"level":30', warn: '{"level":40', error: '{"level":50' };

type Internals = Record<symbol, unknown> & { [pino.symbols.streamSym]: { write(line: string): void } };

/** Writes `fields` at `level` as pino would: its level and time first, the logger's bindings, then each field. */
export function writeLine(logger: Logger, level: LineLevel, fields: Record<string, unknown>): void {
	if (!logger.isLevelEnabled(level)) return;
	const internals = logger as unknown as Internals;
	let line = `${LEVEL_HEAD[level]},"time":${Date.now()}${internals[pino.symbols.chindingsSym] as string}`;
	for (const key in fields) {
		const value = fields[key];
		if (value === undefined) continue;
		// pino writes a number that is not finite as null, and everything else through JSON.stringify (Bun is "node 25+").
		line += `,"${key}":${typeof value === "number" && !Number.isFinite(value) ? "null" : JSON.stringify(value)}`;
	}
	internals[pino.symbols.streamSym].write(`${line}}\n`);
}
