/**
 * Concurrency-1 scenarios: what one request, one first token and one streamed chunk cost on top of the direct arm.
 * Arms are interleaved round by round; per-round figures are combined as the median over rounds.
 */
import { ARMS, type Arm, oneShot, streamOnce, targetFor } from "./client.ts";
import { type BenchContext, configureMock, rotation } from "./context.ts";
import type { Row } from "./report.ts";
import { addedRatio, max, median, ms, percentile, signedMs } from "./stats.ts";

type PerArm<T> = Record<Arm, T>;
const perArm = <T>(make: () => T): PerArm<T> => ({ direct: make(), passthrough: make(), proxy: make() });

/** A latency row: per arm the median over rounds, added = median over rounds of (arm − direct) in the same round. */
function latencyRow(
	scenario: string,
	rounds: PerArm<number[]>,
	target: { label: string; limit?: number },
): Row & { addedMs: number } {
	const addedOf = (arm: Arm) => median(rounds[arm].map((value, i) => value - (rounds.direct[i] as number)));
	const addedProxy = addedOf("proxy");
	const addedPass = addedOf("passthrough");
	return {
		scenario,
		direct: ms(median(rounds.direct)),
		passthrough: `${ms(median(rounds.passthrough))} (${signedMs(addedPass)})`,
		proxy: ms(median(rounds.proxy)),
		added: signedMs(addedProxy),
		ratio: addedRatio(addedProxy, addedPass),
		target: target.label,
		...(target.limit !== undefined && { met: addedProxy <= target.limit }),
		addedMs: addedProxy,
	};
}

const strip = ({ addedMs: _, ...row }: Row & { addedMs: number }): Row => row;

export async function nonStreaming(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const tokens = 10;
	await configureMock(ctx, { tokens, intervalMs: 0, ttftMs: 0 });
	const medians = perArm<number[]>(() => []);
	const p99s = perArm<number[]>(() => []);
	let errors = 0;
	for (const arm of ARMS) {
		const target = targetFor(arm, ctx.origins, false);
		for (let i = 0; i < params.warmup; i++) await oneShot(target, tokens);
	}
	for (let round = 0; round < params.rounds; round++) {
		for (const arm of rotation(ARMS, round)) {
			const target = targetFor(arm, ctx.origins, false);
			const samples: number[] = [];
			for (let i = 0; i < params.nonStreamPerRound; i++) {
				const result = await oneShot(target, tokens);
				if (result.ok) samples.push(result.ms);
				else errors++;
			}
			medians[arm].push(median(samples));
			p99s[arm].push(percentile(samples, 99));
		}
	}
	ctx.report.rows.push(
		strip(latencyRow("Non-stream latency c=1, median", medians, { label: "added ≤ 0.15 ms", limit: 0.15 })),
		strip(latencyRow("Non-stream latency c=1, p99", p99s, { label: "added ≤ 0.5 ms", limit: 0.5 })),
	);
	if (errors > 0) ctx.report.notes.push(`non-stream c=1: ${errors} failed requests (excluded from the figures)`);
}

export async function timeToFirstToken(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	await configureMock(ctx, { tokens: 2, intervalMs: 1, ttftMs: 0 });
	const medians = perArm<number[]>(() => []);
	const p99s = perArm<number[]>(() => []);
	const all = perArm<number[]>(() => []);
	let errors = 0;
	for (const arm of ARMS) {
		const target = targetFor(arm, ctx.origins, true);
		for (let i = 0; i < params.warmup / 5; i++) await streamOnce(target, { expectTokens: 2, timeoutMs: 5000 });
	}
	for (let round = 0; round < params.rounds; round++) {
		for (const arm of rotation(ARMS, round)) {
			const target = targetFor(arm, ctx.origins, true);
			const samples: number[] = [];
			for (let i = 0; i < params.ttftPerRound; i++) {
				const result = await streamOnce(target, { expectTokens: 2, timeoutMs: 5000 });
				if (result.ok) samples.push(result.ttftMs);
				else errors++;
			}
			medians[arm].push(median(samples));
			p99s[arm].push(percentile(samples, 99));
			all[arm].push(...samples);
		}
	}
	ctx.report.rows.push(
		strip(latencyRow("TTFT c=1, median", medians, { label: "added ≤ 0.5 ms", limit: 0.5 })),
		strip(latencyRow("TTFT c=1, p99", p99s, { label: "(info)" })),
	);
	// Nagle + delayed ACK, or a buffering layer, shows up as a cluster ~40 ms above the direct arm.
	const base = median(all.direct);
	for (const arm of ["passthrough", "proxy"] as const) {
		const band = all[arm].filter((value) => value - base >= 35 && value - base <= 50).length;
		if (band > 0) ctx.report.notes.push(`TTFT [${arm}]: ${band} samples 35–50 ms above direct (Nagle/buffering)`);
	}
	if (errors > 0) ctx.report.notes.push(`TTFT c=1: ${errors} failed streams (excluded from the figures)`);
}

export async function perChunk(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const tokens = 50;
	await configureMock(ctx, { tokens, intervalMs: 5, ttftMs: 0 });
	// Per arm: each chunk's one-way latency minus the direct arm's median one-way latency of the same round.
	const added = perArm<number[]>(() => []);
	let errors = 0;
	let chunks = 0;
	for (const arm of ARMS)
		await streamOnce(targetFor(arm, ctx.origins, true), { expectTokens: tokens, timeoutMs: 5000 });
	for (let round = 0; round < params.rounds; round++) {
		const latencies = perArm<number[]>(() => []);
		for (const arm of rotation(ARMS, round)) {
			const target = targetFor(arm, ctx.origins, true);
			for (let i = 0; i < params.chunkStreamsPerRound; i++) {
				const onLatency = (us: number) => latencies[arm].push(us / 1000);
				const result = await streamOnce(target, { expectTokens: tokens, timeoutMs: 10_000, onLatency });
				if (!result.ok) errors++;
				chunks += result.tokens;
			}
		}
		const base = median(latencies.direct);
		for (const arm of ARMS) for (const value of latencies[arm]) added[arm].push(value - base);
	}
	const row = (label: string, pick: (values: number[]) => number, limit?: number): Row => {
		const proxy = pick(added.proxy);
		const pass = pick(added.passthrough);
		return {
			scenario: label,
			direct: `${ms(pick(added.direct))} (jitter)`,
			passthrough: ms(pass),
			proxy: ms(proxy),
			added: signedMs(proxy),
			ratio: addedRatio(proxy, pass),
			target: limit === undefined ? "(info)" : `≤ ${limit} ms`,
			...(limit !== undefined && { met: proxy <= limit }),
		};
	};
	ctx.report.rows.push(
		row("Per-chunk added delay (50 × 5 ms), p50", median),
		row("Per-chunk added delay, p99", (values) => percentile(values, 99)),
		row("Per-chunk added delay, max", max, 1),
	);
	ctx.report.notes.push(
		`per-chunk: ${chunks} chunks; each chunk's one-way latency (mock stamp → client read) minus the direct arm's median of the same round; the direct column is direct's own spread around its median`,
	);
	if (errors > 0) ctx.report.notes.push(`per-chunk: ${errors} streams lost tokens or failed`);
}
