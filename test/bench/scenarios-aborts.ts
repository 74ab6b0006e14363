/**
 * A flood of client aborts, each right after the first token: every upstream stream must close, and memory must
 * return. For each arm the upstream streams left open and the hop's RSS before → after; then, because only the
 * process itself can collect and weigh its heap, `bun src/index.ts` once more through heap-app.ts, whose JavaScript
 * heap after a full collection is compared before and after the same flood (issue 17: back within 5 %).
 */
import { type Arm, streamOnce, type Target, targetFor } from "./client.ts";
import { type BenchContext, configureMock, hopPid, mockStats, pool } from "./context.ts";
import type { HeapReading } from "./heap-app.ts";
import { backWithin } from "./judge.ts";
import { freePort, pinned, productEnv, rssKb, spawnChild } from "./procs.ts";
import { makeRow } from "./rows.ts";
import { mb, ms, num, ratio } from "./stats.ts";

const HERE = new URL(".", import.meta.url).pathname;
const STREAM = { tokens: 50, intervalMs: 20, ttftMs: 0 };

type Flood = { open: number; aborted: number; settleMs: number; failed: number };

/**
 * `total` streams, `concurrency` at a time, each aborted by the client after its first token; then a bounded wait
 * (5 s) until the mock has no stream open, and `pauseMs` more for the hop to let go of what it held.
 */
async function flood(ctx: BenchContext, target: Target, total: number, pauseMs = 1000): Promise<Flood> {
	await mockStats(ctx, true);
	let failed = 0;
	await pool(total, ctx.params.abortConcurrency, async () => {
		const result = await streamOnce(target, { expectTokens: STREAM.tokens, timeoutMs: 10_000, abortAfterFirst: true });
		if (!result.ok) failed++;
	});
	// The hop and the mock learn of the abort asynchronously: give them a bounded while to close upstream streams.
	const start = performance.now();
	let stats = await mockStats(ctx);
	while (stats.open > 0 && performance.now() - start < 5000) {
		await Bun.sleep(50);
		stats = await mockStats(ctx);
	}
	const settleMs = performance.now() - start;
	await Bun.sleep(pauseMs);
	return { open: stats.open, aborted: stats.aborted, settleMs, failed };
}

type HeapOutcome = { before: HeapReading; after: HeapReading; flood: Flood; warmup: number };

/** `bun src/index.ts` through heap-app.ts on CPU 0, as the proxy arm runs; its heap read over IPC around a flood. */
async function heapAcrossAborts(ctx: BenchContext, total: number): Promise<HeapOutcome> {
	let answer: ((reading: HeapReading) => void) | undefined;
	const port = freePort();
	const env = productEnv({
		PORT: String(port),
		HOST: "127.0.0.1",
		OPENAI_BASE_URL: `${ctx.origins.direct}/v1`,
		OPENAI_API_KEY: "bench",
	});
	const cmd = pinned(0, [process.execPath, `${HERE}heap-app.ts`]);
	const born = performance.now();
	const child = await spawnChild("heap-proxy", cmd, env, port, "/api/version", (message) =>
		answer?.(message as HeapReading),
	);
	const read = () =>
		new Promise<HeapReading>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error("heap-proxy did not report its heap within 30 s")), 30_000);
			answer = (reading) => {
				clearTimeout(timer);
				resolve(reading);
			};
			child.proc.send("heap");
		});
	try {
		const target = targetFor("proxy", { proxy: child.origin }, true);
		// Warm-up: the JIT, the connection pool and what the first requests load lazily are not a leak; nor is the
		// start-up's code, which JSC frees some 20 s after it last ran (a fall of about 15 % of this heap).
		// As many as are measured, at least: the heap of a young process first grows for some thousand requests.
		const batch = Math.max(100, total / 10);
		let warmup = 0;
		while (warmup < total || performance.now() - born < ctx.params.heapWarmupMs) {
			await flood(ctx, target, batch, 0);
			warmup += batch;
		}
		await Bun.sleep(1000);
		const before = await read();
		const outcome = await flood(ctx, target, total);
		const after = await read();
		return { before, after, flood: outcome, warmup };
	} finally {
		child.proc.kill("SIGTERM");
		await child.proc.exited;
	}
}

export async function clientAborts(ctx: BenchContext): Promise<void> {
	const total = ctx.params.aborts;
	await configureMock(ctx, STREAM);
	const cells = {} as Record<Arm, Flood & { before: number; after: number }>;
	for (const arm of ctx.arms) {
		const pid = hopPid(ctx, arm);
		const before = pid ? await rssKb(pid) : Number.NaN;
		const outcome = await flood(ctx, targetFor(arm, ctx.origins, true), total);
		const after = pid ? await rssKb(pid) : Number.NaN;
		cells[arm] = { ...outcome, before, after };
		if (outcome.failed > 0)
			ctx.report.notes.push(`aborts [${arm}]: ${outcome.failed} requests failed before their first token`);
	}
	const heap = await heapAcrossAborts(ctx, total);
	const open = (arm: Arm) => {
		const cell = cells[arm];
		return `${cell.open} open${cell.open === 0 ? ` (${ms(cell.settleMs)})` : ""}, ${cell.aborted} aborted`;
	};
	const { before, after } = heap;
	const heapMet = heap.flood.open === 0 && backWithin(before.heapSize, after.heapSize, 0.05);
	const onlySource = (value: string) => (arm: string) => (arm === "proxy" ? value : "—");
	ctx.report.rows.push(
		makeRow(ctx, `${total} client aborts after the 1st token: upstream streams left open`, {
			direct: open("direct"),
			value: open,
			ratio: () => "",
			target: "0 open",
			met: (arm) => cells[arm].open === 0,
		}),
		makeRow(ctx, "RSS before → after the aborts (hop process)", {
			value: (arm) => `${mb(cells[arm].before)} → ${mb(cells[arm].after)}`,
			ratio: () => "",
			target: "(info; RSS reported)",
		}),
		makeRow(ctx, `JS heap after a full collection, before → after ${total} aborts (bun src/index.ts)`, {
			value: onlySource(
				`${mb(before.heapSize / 1024)} → ${mb(after.heapSize / 1024)} (${ratio(after.heapSize / before.heapSize)}; ${num(before.objectCount)} → ${num(after.objectCount)} objects)`,
			),
			ratio: () => "",
			target: "≤ +5 % (heap after the collection)",
			met: (arm) => (arm === "proxy" ? heapMet : undefined),
		}),
	);
	ctx.report.notes.push(
		`JS heap: bun src/index.ts as shipped, started through test/bench/heap-app.ts (CPU 0), which on a message over IPC runs Bun.gc(true) and reports bun:jsc heapStats(); ${num(heap.warmup)} aborted streams as warm-up (at least ${total}${ctx.params.heapWarmupMs ? `, and until the process was ${ctx.params.heapWarmupMs / 1000} s old` : ""}), the heap, ${total} more as above (${heap.flood.open} left open at the mock, ${heap.flood.aborted} aborted${heap.flood.failed ? `, ${heap.flood.failed} failed` : ""}), then the heap again; its RSS ${mb(before.rssKb)} → ${mb(after.rssKb)}; not measured for the binary, which has no such hook`,
	);
}
