/**
 * A client that has stopped reading, seen from the stream it no longer pulls: when a chunk was handed over and no pull
 * has come since for `stallMs`, `onStall` runs once. One timer per stream checks it, since re-arming a timer per
 * chunk costs more than the chunk.
 */
export type StallWatch = {
	/** A chunk was handed to the client. */
	handed(): void;
	/** The client asked for more. */
	pulling(): void;
	/** The stream ended: no stall can come any more. */
	stop(): void;
};

const UNWATCHED: StallWatch = { handed() {}, pulling() {}, stop() {} };

export function stallWatch(stallMs: number | undefined, onStall: () => void): StallWatch {
	if (stallMs === undefined) return UNWATCHED;
	// When the last chunk was handed over with no pull since (performance.now()), 0 while a pull runs.
	let handedAt = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let stopped = false;
	const check = () => {
		const waited = handedAt === 0 ? 0 : performance.now() - handedAt;
		if (waited < stallMs) timer = setTimeout(check, stallMs - waited);
		else if (!stopped) onStall();
	};
	return {
		handed() {
			handedAt = performance.now();
			if (timer === undefined && !stopped) check();
		},
		pulling() {
			handedAt = 0;
		},
		stop() {
			stopped = true;
			clearTimeout(timer);
		},
	};
}
