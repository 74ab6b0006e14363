/**
 * `bun src/index.ts` as shipped (its own command line, settings from its environment), plus the one thing the bench
 * needs that the product must not grow: on a message from the runner over the IPC channel, a full collection and the
 * size of the JavaScript heap. The product cannot be told to collect from outside, so the heap after a flood of
 * aborts is measured in its own process, started through this file.
 */
import { heapStats } from "bun:jsc";

export type HeapReading = { heapSize: number; objectCount: number; rssKb: number };

process.on("message", () => {
	Bun.gc(true);
	const { heapSize, objectCount } = heapStats();
	const reading: HeapReading = { heapSize, objectCount, rssKb: Math.round(process.memoryUsage().rss / 1024) };
	process.send?.(reading);
});

await import("../../src/index.ts");
