/**
 * Short streams, where a request's set-up weighs as much as its tokens: what each hop process spends in CPU per
 * 1000 relayed tokens over many streams of 20 tokens (issue 17: ≤ 1.5× the pass-through, as in long streams).
 */
import { type Arm, streamOnce, targetFor } from "./client.ts";
import { type BenchContext, configureMock, hopPid, hops, pool, rigNote, rotation, watchCpu } from "./context.ts";
import { per1000 } from "./judge.ts";
import { cpuMs } from "./procs.ts";
import { makeRow } from "./rows.ts";
import { ms, num, ratio } from "./stats.ts";

const TOKENS = 20;
const INTERVAL_MS = 5;
const ROUNDS = 3;

/**
 * Each stream as in the paced TTFT scenario (the role chunk, then 20 one-word chunks 5 ms apart, so that each token
 * travels as its own chunk), read to its end; a fixed number at a time, in interleaved rounds, after a warm-up.
 */
export async function shortStreams(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const c = params.shortConcurrency;
	const perRound = Math.ceil(params.shortStreams / ROUNDS);
	await configureMock(ctx, { tokens: TOKENS, intervalMs: INTERVAL_MS, ttftMs: INTERVAL_MS });
	const arms = hops(ctx);
	const run = async (arm: Arm, streams: number) => {
		const target = targetFor(arm, ctx.origins, true);
		const got = { tokens: 0, failed: 0 };
		await pool(streams, c, async () => {
			const result = await streamOnce(target, { expectTokens: TOKENS, timeoutMs: 10_000 });
			got.tokens += result.tokens;
			if (!result.ok) got.failed++;
		});
		return got;
	};
	const spent = {} as Record<Arm, { cpuMs: number; tokens: number; failed: number }>;
	for (const arm of arms) {
		await run(arm, 2 * c);
		spent[arm] = { cpuMs: 0, tokens: 0, failed: 0 };
	}
	for (let round = 0; round < ROUNDS; round++) {
		for (const arm of rotation(arms, round)) {
			const pid = hopPid(ctx, arm) as number;
			const stop = await watchCpu(ctx, arm);
			const before = await cpuMs(pid);
			const got = await run(arm, perRound);
			const own = spent[arm];
			own.cpuMs += (await cpuMs(pid)) - before;
			own.tokens += got.tokens;
			own.failed += got.failed;
			const note = rigNote(`short streams round ${round + 1}`, arm, await stop());
			if (note) ctx.report.notes.push(note);
		}
	}
	const cpu = (arm: Arm) => per1000(spent[arm].cpuMs, spent[arm].tokens);
	const n = perRound * ROUNDS;
	ctx.report.rows.push(
		makeRow(ctx, `CPU per 1000 relayed tokens, ${n} short streams of ${TOKENS} tokens (hop process)`, {
			value: (arm) => ms(cpu(arm)),
			ratio: (arm) => ratio(cpu(arm) / cpu("passthrough")),
			target: "≤ 1.5× pass-through",
			met: (arm) => cpu(arm) / cpu("passthrough") <= 1.5,
		}),
	);
	const detail = arms
		.map((arm) => `${arm} ${num(spent[arm].cpuMs, " ms")} for ${num(spent[arm].tokens)} tokens`)
		.join(", ");
	ctx.report.notes.push(
		`short streams: per arm ${n} streams in ${ROUNDS} interleaved rounds, ${c} at a time, each the role chunk then ${TOKENS} one-word chunks ${INTERVAL_MS} ms apart, read to the end, after ${2 * c} warm-up streams; hop CPU (utime + stime of all its threads) over the rounds: ${detail}`,
	);
	const failed = arms.filter((arm) => spent[arm].failed > 0);
	for (const arm of failed)
		ctx.report.notes.push(`short streams [${arm}]: ${spent[arm].failed} streams lost tokens or failed`);
}
