/** Time as the proxy reads it, injected so that streamed timings and timestamps are testable. */
export type Clock = {
	/** A monotonic reading in nanoseconds. */
	nowNs(): number;
	/** The wall-clock time, for `created_at`. */
	wallTime(): Date;
};

/** Nanoseconds as milliseconds with two decimals, as log lines and metrics show durations. */
export const nsToMs = (ns: number) => Math.round(ns / 1e4) / 100;
