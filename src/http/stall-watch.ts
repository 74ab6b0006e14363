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

/** One object per stream, its timer's callback static: no closures of its own. */
class Watch implements StallWatch {
	readonly #stallMs: number;
	readonly #onStall: () => void;
	// When the last chunk was handed over with no pull since (performance.now()), 0 while a pull runs.
	#handedAt = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#stopped = false;

	constructor(stallMs: number, onStall: () => void) {
		this.#stallMs = stallMs;
		this.#onStall = onStall;
	}

	static #check(watch: Watch): void {
		const waited = watch.#handedAt === 0 ? 0 : performance.now() - watch.#handedAt;
		if (waited < watch.#stallMs) watch.#timer = setTimeout(Watch.#check, watch.#stallMs - waited, watch);
		else if (!watch.#stopped) watch.#onStall();
	}

	handed(): void {
		this.#handedAt = performance.now();
		if (this.#timer === undefined && !this.#stopped) Watch.#check(this);
	}

	pulling(): void {
		this.#handedAt = 0;
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#timer);
	}
}

export function stallWatch(stallMs: number | undefined, onStall: () => void): StallWatch {
	return stallMs === undefined ? UNWATCHED : new Watch(stallMs, onStall);
}
