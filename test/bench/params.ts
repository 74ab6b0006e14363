/** The numbers of a full and a quick run, and the command line. Every loop in the bench is bounded by these. */

export type Params = {
	quick: boolean;
	rounds: number;
	/** Sequential requests per arm before the first round: JIT and connection pools warm. */
	warmup: number;
	nonStreamPerRound: number;
	ttftPerRound: number;
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
	aborts: number;
	abortConcurrency: number;
};

const FULL: Params = {
	quick: false,
	rounds: 7,
	warmup: 500,
	nonStreamPerRound: 400,
	ttftPerRound: 100,
	chunkStreamsPerRound: 3,
	throughputConcurrency: 64,
	throughputMs: 3000,
	throughputRounds: 3,
	streams: 1000,
	streamSeconds: 30,
	tokensPerSecond: 20,
	rampMs: 2000,
	aborts: 10_000,
	abortConcurrency: 200,
};

const QUICK: Params = {
	...FULL,
	quick: true,
	rounds: 3,
	warmup: 100,
	nonStreamPerRound: 50,
	ttftPerRound: 20,
	chunkStreamsPerRound: 1,
	throughputMs: 1000,
	throughputRounds: 2,
	streams: 100,
	streamSeconds: 3,
	rampMs: 500,
	aborts: 1000,
	abortConcurrency: 100,
};

export const SCENARIOS = ["nonstream", "ttft", "chunks", "throughput", "streams", "aborts"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type Options = {
	params: Params;
	scenarios: Scenario[];
	/** Run the compiled ./ollama-proxy instead of `bun src/index.ts`. */
	binary: boolean;
	/** Directory for a CPU profile of the proxy (`bun --cpu-prof`), written when it exits. */
	cpuProfDir?: string;
};

export const USAGE = `usage: bun run bench [-- --quick] [--only=${SCENARIOS.join(",")}] [--binary] [--cpu-prof=DIR]
  --quick       short smoke of every scenario (also BENCH_QUICK=1)
  --only=LIST   run only these scenarios
  --binary      measure the compiled ./ollama-proxy (bun run build) instead of bun src/index.ts
  --cpu-prof=D  write a CPU profile of the proxy (markdown and .cpuprofile) into D when it stops`;

export function parseOptions(argv: string[], env: Record<string, string | undefined>): Options {
	const quick = argv.includes("--quick") || env.BENCH_QUICK === "1";
	let scenarios: Scenario[] = [...SCENARIOS];
	let cpuProfDir: string | undefined;
	for (const arg of argv) {
		if (arg.startsWith("--only=")) {
			const wanted = arg.slice(7).split(",");
			const unknown = wanted.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
			if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(",")}\n${USAGE}`);
			scenarios = wanted as Scenario[];
		} else if (arg.startsWith("--cpu-prof=")) {
			cpuProfDir = arg.slice(11);
		} else if (!["--quick", "--binary", "--"].includes(arg)) {
			throw new Error(`unknown argument ${arg}\n${USAGE}`);
		}
	}
	return {
		params: quick ? QUICK : FULL,
		scenarios,
		binary: argv.includes("--binary"),
		...(cpuProfDir && { cpuProfDir }),
	};
}
