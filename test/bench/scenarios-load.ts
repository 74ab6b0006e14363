/**
 * Load scenarios: non-streaming throughput at concurrency 64, many concurrent paced streams (peak live at once, TTFT,
 * CPU per token and RSS per open stream of each hop), and the idle RSS of each hop.
 */
import { type Arm, closedLoop, type Product, type StreamResult, streamOnce, type Target, targetFor } from "./client.ts";
import { type BenchContext, configureMock, hopPid, mockStats, rigNote, rotation, watchCpu } from "./context.ts";
import { per1000 } from "./judge.ts";
import { cpuMs, rssKb } from "./procs.ts";
import { makeRow } from "./rows.ts";
import { addedRatio, max, mb, median, ms, num, percentile, ratio, signedMs } from "./stats.ts";

/** A target of the closed loop, and the process whose CPU is watched while it runs. */
export type LoopArm<K extends string> = { name: K; target: Target; pid: number | undefined };
export type LoopFigures = { rps: number[]; p99: number[]; hopPct: number[]; errors: number };

/**
 * Closed loops of whole answers at the throughput concurrency: a short warm-up per arm, then rounds in a rotating
 * order; per arm the req/s, p99 (ms) and hop CPU of each round. A round whose load side saturated adds a note.
 */
export async function closedLoopRounds<K extends string>(
	ctx: BenchContext,
	arms: LoopArm<K>[],
	label: string,
	expectTokens: number,
): Promise<Record<K, LoopFigures>> {
	const { params } = ctx;
	const c = params.throughputConcurrency;
	const figures = {} as Record<K, LoopFigures>;
	for (const arm of arms) {
		figures[arm.name] = { rps: [], p99: [], hopPct: [], errors: 0 };
		await closedLoop(arm.target, c, params.throughputMs / 3, expectTokens);
	}
	for (let round = 0; round < params.throughputRounds; round++) {
		for (const arm of rotation(arms, round)) {
			const stop = await watchCpu(ctx, { pid: arm.pid });
			const result = await closedLoop(arm.target, c, params.throughputMs, expectTokens);
			const cpu = await stop();
			const own = figures[arm.name];
			own.rps.push(result.requests / result.seconds);
			own.p99.push(percentile(result.latenciesMs, 99));
			own.hopPct.push(cpu.hopPct);
			own.errors += result.errors;
			const note = rigNote(`${label} round ${round + 1}`, arm.name, cpu);
			if (note) ctx.report.notes.push(note);
		}
	}
	return figures;
}

export async function throughput(ctx: BenchContext): Promise<void> {
	const tokens = 10;
	const c = ctx.params.throughputConcurrency;
	await configureMock(ctx, { tokens, intervalMs: 0, ttftMs: 0 });
	const arms = ctx.arms.map((arm) => ({
		name: arm,
		target: targetFor(arm, ctx.origins, false),
		pid: hopPid(ctx, arm),
	}));
	const figures = await closedLoopRounds(ctx, arms, `throughput c=${c}`, tokens);
	const value = (arm: Arm) => median(figures[arm].rps);
	const fmt = (arm: Arm) => `${num(value(arm), " req/s")} (p99 ${ms(median(figures[arm].p99))})`;
	const toPass = (arm: Product) => value(arm) / value("passthrough");
	ctx.report.rows.push(
		makeRow(ctx, `Throughput c=${c}, non-stream`, {
			direct: fmt("direct"),
			value: fmt,
			ratio: (arm) => ratio(toPass(arm)),
			target: "≥ 0.7× pass-through (aim 0.8×)",
			met: (arm) => toPass(arm) >= 0.7,
		}),
	);
	const cpuOf = ctx.arms
		.filter((arm) => arm !== "direct")
		.map((arm) => `${arm} ${median(figures[arm].hopPct).toFixed(0)} %`)
		.join(", ");
	ctx.report.notes.push(`throughput: hop CPU during the runs (% of its core): ${cpuOf}`);
	const errors = ctx.arms.reduce((sum, arm) => sum + figures[arm].errors, 0);
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

export async function concurrentStreams(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const tokens = params.streamSeconds * params.tokensPerSecond;
	await configureMock(ctx, { tokens, intervalMs: 1000 / params.tokensPerSecond, ttftMs: 0 });
	const outcomes = {} as Record<Arm, StreamsOutcome>;
	// Not interleaved: each arm holds its streams for the whole window, one arm at a time.
	for (const arm of ctx.arms) {
		const [outcome, mid] = await Promise.all([streamsFor(ctx, arm, tokens), sampleMidway(ctx, arm)]);
		outcomes[arm] = { ...outcome, ...mid };
	}
	const n = params.streams;
	const label = `${n} streams × ${params.tokensPerSecond} tok/s × ${params.streamSeconds} s`;
	const complete = (arm: Arm) => outcomes[arm].results.filter((r) => r.ok).length;
	const stalled = (arm: Arm) => outcomes[arm].results.filter((r) => r.maxGapMs > 1000 || !(r.ttftMs <= 1000)).length;
	const peak = (arm: Arm) => outcomes[arm].peakOpen;
	const ttftP99 = (arm: Arm) => percentile(outcomes[arm].results.map((r) => r.ttftMs).filter(Number.isFinite), 99);
	const ttftOver = (arm: Arm) => ttftP99(arm) - ttftP99("direct");
	const gap = (arm: Arm) => max(outcomes[arm].results.map((r) => r.maxGapMs));
	const cpuPer1000 = (arm: Arm) => per1000(outcomes[arm].cpuMs, outcomes[arm].tokens);
	const perStream = (arm: Arm) => (outcomes[arm].rssMidKb - outcomes[arm].rssBeforeKb) / n;
	ctx.report.rows.push(
		makeRow(ctx, `${n} simultaneous streams: peak live at once (at the mock)`, {
			direct: String(peak("direct")),
			value: (arm) => String(peak(arm)),
			ratio: (arm) => ratio(peak(arm) / peak("passthrough")),
			target: `${n}`,
			met: (arm) => peak(arm) >= n,
		}),
		makeRow(ctx, `${n} simultaneous streams: TTFT p99 over direct`, {
			direct: ms(ttftP99("direct")),
			value: (arm) => signedMs(ttftOver(arm)),
			ratio: (arm) =>
				addedRatio(ttftOver(arm), ttftOver("passthrough"), { arm: ttftP99(arm), pass: ttftP99("passthrough") }),
			target: "< 500 ms",
			met: (arm) => ttftOver(arm) < 500,
		}),
		makeRow(ctx, `${n} streams: complete, none stalled (gap > 1 s)`, {
			direct: `${complete("direct")} ok, ${stalled("direct")} stalled`,
			value: (arm) => `${complete(arm)} ok, ${stalled(arm)} stalled`,
			ratio: () => "",
			target: `${n} ok, 0 stalled`,
			met: (arm) => complete(arm) === n && stalled(arm) === 0,
		}),
		makeRow(ctx, `${n} streams: longest gap between tokens`, {
			direct: ms(gap("direct")),
			value: (arm) => ms(gap(arm)),
			ratio: (arm) => ratio(gap(arm) / gap("passthrough")),
			target: "(info; the mock paces 50 ms)",
		}),
		makeRow(ctx, `CPU per 1000 relayed tokens, ${n} long streams (hop process)`, {
			value: (arm) => ms(cpuPer1000(arm)),
			ratio: (arm) => ratio(cpuPer1000(arm) / cpuPer1000("passthrough")),
			target: "≤ 1.5× pass-through",
			met: (arm) => cpuPer1000(arm) / cpuPer1000("passthrough") <= 1.5,
		}),
		makeRow(ctx, `RSS per open stream at ${n} (hop process)`, {
			value: (arm) =>
				`${num(perStream(arm), " KB", 1)} (${mb(outcomes[arm].rssBeforeKb)} → ${mb(outcomes[arm].rssMidKb)})`,
			ratio: (arm) => ratio(perStream(arm) / perStream("passthrough")),
			target: "≤ 48 KB",
			met: (arm) => perStream(arm) <= 48,
		}),
	);
	for (const arm of ctx.arms) {
		const o = outcomes[arm];
		const failures = o.results.filter((r) => !r.ok);
		const reasons = [...new Set(failures.map((r) => r.error))].slice(0, 3).join(", ");
		ctx.report.notes.push(
			`${label} [${arm}]: ${o.tokens}/${n * tokens} tokens, ${o.openMid} open at the mock mid-run, peak ${o.peakOpen}, TTFT p99 ${ms(ttftP99(arm))}${failures.length ? `, failures: ${reasons}` : ""}${o.cpuMs ? `, hop CPU ${num(o.cpuMs, " ms")}` : ""}`,
		);
	}
	ctx.report.notes.push(
		`RSS per stream = (VmRSS with ${n} streams open − VmRSS before the scenario) ÷ ${n}, hop process only; starts spread over ${params.rampMs} ms`,
	);
}

/** Idle RSS of each hop, read before any request touched it. */
export function idleRss(ctx: BenchContext, idleKb: Partial<Record<Arm, number>>): void {
	const kb = (arm: Arm) => idleKb[arm] ?? Number.NaN;
	const binary = ctx.arms.includes("binary");
	ctx.report.rows.push(
		makeRow(ctx, "Idle RSS (fresh process, no request yet)", {
			value: (arm) => mb(kb(arm)),
			ratio: (arm) => ratio(kb(arm) / kb("passthrough")),
			target: binary ? "≤ 50 MB (binary)" : "≤ 50 MB (binary; run with --binary)",
			met: (arm) => (arm === "binary" ? kb(arm) <= 50 * 1024 : undefined),
		}),
	);
}
