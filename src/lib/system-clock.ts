import type { Clock } from "./clock.ts";

/** The real clock: Bun's monotonic nanosecond counter and the wall clock. */
export const systemClock: Clock = {
	nowNs: () => Bun.nanoseconds(),
	wallTime: () => new Date(),
};
