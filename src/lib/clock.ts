/** Time as the translation layer sees it, injected so that streamed timings and timestamps are testable. */
export type Clock = {
	/** A monotonic reading in nanoseconds. */
	nowNs(): number;
	/** The wall-clock time, for `created_at`. */
	wallTime(): Date;
};
