/**
 * Load scenarios: non-streaming throughput at concurrency 64, many concurrent paced streams (with CPU per token and
 * RSS per open stream of each hop), and a flood of client aborts (upstream streams must close, memory must return).
 */
import { ARMS, type Arm, closedLoop, type StreamResult, streamOnce, targetFor } from "./client.ts";
import { type BenchContext, configureMock, hopPid, mockStats, pool, rigNote, rotation, watchCpu } from "./context.ts";
import { cpuMs, rssKb } from "./procs.ts";
import { addedRatio, max, median, ms, num, percentile, ratio, signedMs } from "./stats.ts";

const HOPS = ["passthrough", "proxy"] as const;
const mb = (kb: number) => num(kb / 1024, " MB", 1);

export async function throughput(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const tokens = 10;
	const c = params.throughputConcurrency;
	await configureMock(ctx, { tokens, intervalMs: 0, ttftMs: 0 });
	const rps: Record<Arm, number[]> = { direct: [], passthrough: [], proxy: [] };
	const p99: Record<Arm, number[]> = { direct: [], passthrough: [], proxy: [] };
	const hopPct: Record<Arm, number[]> = { direct: [], passthrough: [], proxy: [] };
	let errors = 0;
	for (const arm of ARMS) await closedLoop(targetFor(arm, ctx.origins, false), c, params.throughputMs / 3, tokens);
	for (let round = 0; round < params.throughputRounds; round++) {
		for (const arm of rotation(ARMS, round)) {
			const stop = await watchCpu(ctx, arm);
			const result = await closedLoop(targetFor(arm, ctx.origins, false), c, params.throughputMs, tokens);
			const cpu = await stop();
			rps[arm].push(result.requests / result.seconds);
			p99[arm].push(percentile(result.latenciesMs, 99));
			hopPct[arm].push(cpu.hopPct);
			errors += result.errors;
			const note = rigNote(`throughput c=${c} round ${round + 1}`, arm, cpu);
			if (note) ctx.report.notes.push(note);
		}
	}
	const value = (arm: Arm) => median(rps[arm]);
	const proxyToPass = value("proxy") / value("passthrough");
	const fmt = (arm: Arm) => `${num(value(arm), " req/s")} (p99 ${ms(median(p99[arm]))})`;
	ctx.report.rows.push(
		{
			scenario: `Throughput c=${c}, non-stream`,
			direct: fmt("direct"),
			passthrough: fmt("passthrough"),
			proxy: fmt("proxy"),
			added: num(value("proxy") - value("direct"), " req/s"),
			ratio: ratio(proxyToPass),
			target: "≥ 10 000 req/s",
			met: value("proxy") >= 10_000,
		},
		{
			scenario: `Throughput c=${c}, proxy ÷ pass-through`,
			direct: "",
			passthrough: "",
			proxy: "",
			added: "",
			ratio: ratio(proxyToPass),
			target: "≥ 0.80×",
			met: proxyToPass >= 0.8,
		},
	);
	ctx.report.notes.push(
		`throughput: hop CPU during the runs (% of its core): pass-through ${median(hopPct.passthrough).toFixed(0)} %, proxy ${median(hopPct.proxy).toFixed(0)} %`,
	);
	if (errors > 0) ctx.report.notes.push(`throughput: ${errors} failed requests`);
}

type Midway = { openMid: number; rssMidKb: number };
type StreamsOutcome = Midway & {
	results: StreamResult[];
	peakOpen: number;
	rssBeforeKb: number;
	cpuMs: number;
	tokens: number;
};

async function streamsFor(ctx: BenchContext, arm: Arm, tokens: number): Promise<Omit<StreamsOutcome, keyof Midway>> {
	const { params } = ctx;
	const pid = hopPid(ctx, arm);
	await mockStats(ctx, true);
	const rssBeforeKb = pid ? await rssKb(pid) : Number.NaN;
	const cpuBefore = pid ? await cpuMs(pid) : 0;
	const stop = await watchCpu(ctx, arm);
	const target = targetFor(arm, ctx.origins, true);
	const timeoutMs = params.streamSeconds * 1000 + params.rampMs + 30_000;
	const results = await Promise.all(
		Array.from({ length: params.streams }, async (_, i) => {
			await Bun.sleep((i * params.rampMs) / params.streams);
			return streamOnce(target, { expectTokens: tokens, timeoutMs });
		}),
	);
	const cpu = await stop();
	const cpuAfter = pid ? await cpuMs(pid) : 0;
	const stats = await mockStats(ctx);
	const note = rigNote(`${params.streams} streams`, arm, cpu);
	if (note) ctx.report.notes.push(note);
	return {
		results,
		peakOpen: stats.peakOpen,
		rssBeforeKb,
		cpuMs: cpuAfter - cpuBefore,
		tokens: results.reduce((sum, r) => sum + r.tokens, 0),
	};
}

/** Samples open streams at the mock and the hop's RSS once every stream has started and none should have ended. */
async function sampleMidway(ctx: BenchContext, arm: Arm): Promise<Midway> {
	const { params } = ctx;
	const pid = hopPid(ctx, arm);
	await Bun.sleep(params.rampMs + (params.streamSeconds * 1000) / 2);
	const openMid = (await mockStats(ctx)).open;
	return { openMid, rssMidKb: pid ? await rssKb(pid) : Number.NaN };
}

export async function concurrentStreams(ctx: BenchContext, idleRssKb: Record<"passthrough" | "proxy", number>) {
	const { params } = ctx;
	const tokens = params.streamSeconds * params.tokensPerSecond;
	await configureMock(ctx, { tokens, intervalMs: 1000 / params.tokensPerSecond, ttftMs: 0 });
	const outcomes = {} as Record<Arm, StreamsOutcome>;
	// Not interleaved: each arm holds its streams for the whole window, one arm at a time.
	for (const arm of ARMS) {
		const [outcome, mid] = await Promise.all([streamsFor(ctx, arm, tokens), sampleMidway(ctx, arm)]);
		outcomes[arm] = { ...outcome, ...mid };
	}
	const n = params.streams;
	const label = `${n} streams × ${params.tokensPerSecond} tok/s × ${params.streamSeconds} s`;
	const verdict = (o: StreamsOutcome) => {
		const complete = o.results.filter((r) => r.ok).length;
		const stalled = o.results.filter((r) => r.maxGapMs > 1000 || !(r.ttftMs <= 1000)).length;
		return { complete, stalled, allLive: o.openMid === n, ok: complete === n && stalled === 0 && o.openMid === n };
	};
	const summary = (o: StreamsOutcome) => {
		const v = verdict(o);
		return `${v.complete}/${n} ok, ${v.stalled} stalled, ${o.openMid} open mid-run`;
	};
	const gap = (arm: Arm) => max(outcomes[arm].results.map((r) => r.maxGapMs));
	const tokensTotal = (arm: Arm) => outcomes[arm].tokens;
	const cpuPer1000 = (arm: Arm) => (outcomes[arm].cpuMs / tokensTotal(arm)) * 1000;
	const perStream = (arm: Arm) => (outcomes[arm].rssMidKb - outcomes[arm].rssBeforeKb) / n;
	const proxyVerdict = verdict(outcomes.proxy);
	ctx.report.rows.push(
		{
			scenario: label,
			direct: summary(outcomes.direct),
			passthrough: summary(outcomes.passthrough),
			proxy: summary(outcomes.proxy),
			added: "",
			ratio: "",
			target: `all ${n} live at once, 0 drops, 0 stalls`,
			met: proxyVerdict.ok,
		},
		{
			scenario: "  max gap between tokens (any stream)",
			direct: ms(gap("direct")),
			passthrough: ms(gap("passthrough")),
			proxy: ms(gap("proxy")),
			added: signedMs(gap("proxy") - gap("direct")),
			ratio: addedRatio(gap("proxy") - gap("direct"), gap("passthrough") - gap("direct")),
			target: "≤ 1000 ms (stall)",
			met: gap("proxy") <= 1000,
		},
		{
			scenario: "CPU per 1000 relayed tokens (hop process)",
			direct: "",
			passthrough: ms(cpuPer1000("passthrough")),
			proxy: ms(cpuPer1000("proxy")),
			added: "",
			ratio: ratio(cpuPer1000("proxy") / cpuPer1000("passthrough")),
			target: "≤ 25 ms",
			met: cpuPer1000("proxy") <= 25,
		},
		{
			scenario: "RSS idle (fresh process)",
			direct: "",
			passthrough: mb(idleRssKb.passthrough),
			proxy: mb(idleRssKb.proxy),
			added: "",
			ratio: ratio(idleRssKb.proxy / idleRssKb.passthrough),
			target: "≤ 45 MB",
			met: idleRssKb.proxy <= 45 * 1024,
		},
		{
			scenario: `RSS at ${n} open streams (per stream)`,
			direct: "",
			passthrough: `${mb(outcomes.passthrough.rssMidKb)} (${num(perStream("passthrough"), " KB", 1)})`,
			proxy: `${mb(outcomes.proxy.rssMidKb)} (${num(perStream("proxy"), " KB", 1)})`,
			added: "",
			ratio: ratio(perStream("proxy") / perStream("passthrough")),
			target: "≤ 32 KB per stream",
			met: perStream("proxy") <= 32,
		},
	);
	for (const arm of ARMS) {
		const o = outcomes[arm];
		const failures = o.results.filter((r) => !r.ok);
		const reasons = [...new Set(failures.map((r) => r.error))].slice(0, 3).join(", ");
		const ttft = o.results.map((r) => r.ttftMs).filter(Number.isFinite);
		ctx.report.notes.push(
			`${label} [${arm}]: ${o.tokens}/${n * tokens} tokens, peak open at mock ${o.peakOpen}, TTFT p99 ${ms(percentile(ttft, 99))}${failures.length ? `, failures: ${reasons}` : ""}${o.cpuMs ? `, hop CPU ${num(o.cpuMs, " ms")}` : ""}`,
		);
	}
	ctx.report.notes.push(
		`RSS per stream = (VmRSS with ${n} streams open − VmRSS before the scenario) ÷ ${n}, hop process only`,
	);
}

export async function clientAborts(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const total = params.aborts;
	await configureMock(ctx, { tokens: 50, intervalMs: 20, ttftMs: 0 });
	const cells = {} as Record<Arm, { open: string; rss: string; ok: boolean; growthKb: number }>;
	for (const arm of ARMS) {
		const pid = hopPid(ctx, arm);
		await mockStats(ctx, true);
		const rssBefore = pid ? await rssKb(pid) : Number.NaN;
		const target = targetFor(arm, ctx.origins, true);
		let failed = 0;
		await pool(total, params.abortConcurrency, async () => {
			const result = await streamOnce(target, { expectTokens: 50, timeoutMs: 10_000, abortAfterFirst: true });
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
		await Bun.sleep(1000);
		const rssAfter = pid ? await rssKb(pid) : Number.NaN;
		const growthKb = rssAfter - rssBefore;
		const nearBaseline = growthKb <= Math.max(10 * 1024, rssBefore * 0.1);
		cells[arm] = {
			open: `${stats.open} open${stats.open === 0 ? ` (${ms(settleMs)})` : ""}, ${stats.aborted} aborted`,
			rss: pid ? `${mb(rssBefore)} → ${mb(rssAfter)}` : "",
			ok: stats.open === 0 && nearBaseline && failed === 0,
			growthKb,
		};
		if (failed > 0) ctx.report.notes.push(`aborts [${arm}]: ${failed} requests failed before their first token`);
	}
	ctx.report.rows.push(
		{
			scenario: `${total} client aborts after 1st token: mock streams left`,
			direct: cells.direct.open,
			passthrough: cells.passthrough.open,
			proxy: cells.proxy.open,
			added: "",
			ratio: "",
			target: "0 open upstream streams",
			met: cells.proxy.open.startsWith("0 open"),
		},
		{
			scenario: "  RSS before → after aborts",
			direct: "",
			passthrough: cells.passthrough.rss,
			proxy: cells.proxy.rss,
			added: `${num(cells.proxy.growthKb / 1024, " MB", 1)}`,
			ratio: "",
			target: "≤ +10 MB or +10 %",
			met: cells.proxy.ok,
		},
	);
	for (const hop of HOPS) if (!cells[hop].ok) ctx.report.notes.push(`aborts [${hop}]: did not fully recover`);
}
