/** The numbers of a full and a quick run, and the command line. Every loop in the bench is bounded by these. */

export type Params = {
	quick: boolean;
	rounds: number;
	/** Sequential requests per arm before the first round: JIT and connection pools warm. */
	warmup: number;
	nonStreamPerRound: number;
	/** Paced streams (role chunk, then 20 one-word chunks 5 ms apart) per arm per round. */
	pacedPerRound: number;
	/** Streams of 50 tokens 5 ms apart per arm per round. */
	chunkStreamsPerRound: number;
	throughputConcurrency: number;
	throughputMs: number;
	throughputRounds: number;
	streams: number;
	streamSeconds: number;
	tokensPerSecond: number;
	/** Stream starts are spread over this window so that 1000 timers do not fire in lock-step. */
	rampMs: number;
	/** Short streams (20 tokens 5 ms apart) per arm, over 3 interleaved rounds, `shortConcurrency` at a time. */
	shortStreams: number;
	shortConcurrency: number;
	aborts: number;
	abortConcurrency: number;
	/** The heap arm of the aborts warms up until its process is this old, past the freeing of its start-up code. */
	heapWarmupMs: number;
	/** Limit checks (admit + settle) timed in process on the memory store, and on Redis; a tenth of each warms up. */
	memoryChecks: number;
	redisChecks: number;
};

const FULL: Params = {
	quick: false,
	rounds: 7,
	warmup: 500,
	nonStreamPerRound: 400,
	pacedPerRound: 15,
	chunkStreamsPerRound: 3,
	throughputConcurrency: 64,
	throughputMs: 3000,
	throughputRounds: 3,
	streams: 1000,
	streamSeconds: 30,
	tokensPerSecond: 20,
	rampMs: 2000,
	shortStreams: 600,
	shortConcurrency: 20,
	aborts: 10_000,
	abortConcurrency: 200,
	heapWarmupMs: 30_000,
	memoryChecks: 300_000,
	redisChecks: 30_000,
};

const QUICK: Params = {
	...FULL,
	quick: true,
	rounds: 3,
	warmup: 100,
	nonStreamPerRound: 50,
	pacedPerRound: 5,
	chunkStreamsPerRound: 1,
	throughputMs: 1000,
	throughputRounds: 2,
	streams: 100,
	streamSeconds: 3,
	rampMs: 500,
	shortStreams: 120,
	aborts: 1000,
	abortConcurrency: 100,
	heapWarmupMs: 0,
	memoryChecks: 60_000,
	redisChecks: 3000,
};

// In the order they run. The streams run before the throughput flood, whose garbage would blur RSS per stream.
export const SCENARIOS = [
	"nonstream",
	"ttft",
	"chunks",
	"streams",
	"short",
	"throughput",
	"aborts",
	"fleet",
	"limits",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type Options = {
	params: Params;
	scenarios: Scenario[];
	/** Also measure the compiled ./ollama-proxy, as a fourth arm beside `bun src/index.ts`. */
	binary: boolean;
	/** Write the results table into docs/performance.md (full runs of every scenario only). */
	write: boolean;
	/** Directory for a CPU profile of the proxy (`bun --cpu-prof`), written when it exits. */
	cpuProfDir?: string;
};

export const USAGE = `usage: bun run bench [-- --quick] [--only=${SCENARIOS.join(",")}] [--binary] [--write] [--cpu-prof=DIR]
  --quick       short smoke of every scenario (also BENCH_QUICK=1); never writes the docs
  --only=LIST   run only these scenarios
  --binary      also measure the compiled ./ollama-proxy (built with bun run build when missing or older than src/)
  --write       write the results table into docs/performance.md; a full run of every scenario, implies --binary
  --cpu-prof=D  write a CPU profile of bun src/index.ts (markdown and .cpuprofile) into D when it stops`;

export function parseOptions(argv: string[], env: Record<string, string | undefined>): Options {
	const quick = argv.includes("--quick") || env.BENCH_QUICK === "1";
	const write = argv.includes("--write");
	let scenarios: Scenario[] = [...SCENARIOS];
	let only = false;
	let cpuProfDir: string | undefined;
	for (const arg of argv) {
		if (arg.startsWith("--only=")) {
			const wanted = arg.slice(7).split(",");
			const unknown = wanted.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
			if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(",")}\n${USAGE}`);
			scenarios = SCENARIOS.filter((name) => wanted.includes(name));
			only = true;
		} else if (arg.startsWith("--cpu-prof=")) {
			cpuProfDir = arg.slice(11);
		} else if (!["--quick", "--binary", "--write", "--"].includes(arg)) {
			throw new Error(`unknown argument ${arg}\n${USAGE}`);
		}
	}
	// The docs carry the figures of one whole run: a smoke or a partial run would replace them with less.
	if (write && (quick || only)) throw new Error(`--write needs a full run of every scenario\n${USAGE}`);
	return {
		params: quick ? QUICK : FULL,
		scenarios,
		binary: write || argv.includes("--binary"),
		write,
		...(cpuProfDir && { cpuProfDir }),
	};
}
