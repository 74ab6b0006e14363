/** What every scenario gets: where the arms listen, how to steer the mock, and how to watch CPU on both cores. */
import type { Arm, Origins } from "./client.ts";
import type { Params } from "./params.ts";
import { canPin, cpuMs } from "./procs.ts";
import type { Report } from "./report.ts";

export type MockConfig = { tokens: number; intervalMs: number; ttftMs: number };
export type MockStats = { open: number; peakOpen: number; started: number; completed: number; aborted: number };

export type BenchContext = {
	params: Params;
	/** The arms of this run, in report order: direct, passthrough, proxy, and binary with `--binary`. */
	arms: Arm[];
	origins: Origins;
	/** The mock, and the process behind each arm that has a hop (direct has none). */
	pids: { mock: number } & Partial<Record<Arm, number>>;
	report: Report;
};

/** The arms with a hop process of their own: the pass-through and the product arms. */
export const hops = (ctx: BenchContext): Arm[] => ctx.arms.filter((arm) => arm !== "direct");

export async function configureMock(ctx: BenchContext, config: MockConfig): Promise<void> {
	const response = await fetch(`${ctx.origins.direct}/config`, { method: "POST", body: JSON.stringify(config) });
	if (!response.ok) throw new Error(`mock /config answered ${response.status}`);
}

export async function mockStats(ctx: BenchContext, reset = false): Promise<MockStats> {
	const response = await fetch(`${ctx.origins.direct}/stats${reset ? "/reset" : ""}`, {
		method: reset ? "POST" : "GET",
	});
	return (await response.json()) as MockStats;
}

/** The process that serves an arm's hop, if it has one (direct has none). */
export const hopPid = (ctx: BenchContext, arm: Arm): number | undefined => ctx.pids[arm];

export type CpuWindow = { clientPct: number; mockPct: number; hopPct: number };

/**
 * CPU use over a window, in % of one core: the client (this process), the mock, and the hop (an arm's, or the pid of
 * another process under test). With pinning, client + mock share core 1, so their sum near 100 % means the rig, not
 * the arm, set the pace.
 */
export async function watchCpu(ctx: BenchContext, arm: Arm | { pid: number | undefined }) {
	const hop = typeof arm === "string" ? hopPid(ctx, arm) : arm.pid;
	const start = performance.now();
	const [client0, mock0, hop0] = await Promise.all([cpuMs("self"), cpuMs(ctx.pids.mock), hop ? cpuMs(hop) : 0]);
	return async (): Promise<CpuWindow> => {
		const [client1, mock1, hop1] = await Promise.all([cpuMs("self"), cpuMs(ctx.pids.mock), hop ? cpuMs(hop) : 0]);
		const wall = performance.now() - start;
		const pct = (delta: number) => (100 * delta) / wall;
		return { clientPct: pct(client1 - client0), mockPct: pct(mock1 - mock0), hopPct: pct(hop1 - hop0) };
	};
}

/** A note when the load side ran out of CPU during a window: its figures then bound the rig, not the arm. */
export function rigNote(scenario: string, arm: string, cpu: CpuWindow): string | undefined {
	const core1 = cpu.clientPct + cpu.mockPct;
	const where = canPin() ? `core 1 (client ${cpu.clientPct.toFixed(0)} % + mock ${cpu.mockPct.toFixed(0)} %)` : "";
	if (canPin() && core1 >= 90) return `${scenario} [${arm}]: load side saturated: ${where} = ${core1.toFixed(0)} %`;
	if (cpu.clientPct >= 90) return `${scenario} [${arm}]: client bottleneck: ${cpu.clientPct.toFixed(0)} % of a core`;
	return undefined;
}

/** Runs `total` jobs with at most `concurrency` in flight. */
export async function pool(total: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < total) await job(next++);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** The arms in a different order each round, so that drift (thermal, page cache, GC debt) spreads over all of them. */
export function rotation<T>(items: readonly T[], round: number): T[] {
	const shift = round % items.length;
	return [...items.slice(shift), ...items.slice(0, shift)];
}
