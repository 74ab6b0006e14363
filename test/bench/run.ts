/**
 * `bun run bench [-- --quick]`: what the proxy adds over a direct call and over a bare Bun pass-through, on loopback.
 *
 * The runner re-executes itself once, pinned to CPU 1 and with Bun's fetch cap raised for the load client, because
 * neither can be changed from inside a running Bun process. It then starts the mock (CPU 1), the pass-through (CPU 0,
 * cap raised) and the proxy (CPU 0, as shipped: without the raised cap), runs the scenarios as the load client,
 * prints one table, and kills every child, also on error and on SIGINT. It exits non-zero only when the bench itself
 * broke, never for a missed target.
 */
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import type { Origins } from "./client.ts";
import type { BenchContext } from "./context.ts";
import { type Options, parseOptions, type Scenario } from "./params.ts";
import {
	benchEnv,
	canPin,
	freePort,
	hasTaskset,
	killAll,
	killAllNow,
	MAX_HTTP_REQUESTS,
	machineCpus,
	pinned,
	rssKb,
	spawnChild,
} from "./procs.ts";
import { formatReport, newReport } from "./report.ts";
import { nonStreaming, perChunk, timeToFirstToken } from "./scenarios-latency.ts";
import { clientAborts, concurrentStreams, throughput } from "./scenarios-load.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const HERE = new URL(".", import.meta.url).pathname;
const args = process.argv.slice(2);
const command = `bun run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;

async function reexec(): Promise<never> {
	const cmd = pinned(1, [process.execPath, import.meta.path, ...args]);
	const child = Bun.spawn(cmd, {
		env: benchEnv({ BENCH_INNER: "1", BENCH_NPROC: String(navigator.hardwareConcurrency) }),
		stdio: ["inherit", "inherit", "inherit"],
	});
	const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
	process.on("SIGINT", forward("SIGINT"));
	process.on("SIGTERM", forward("SIGTERM"));
	process.exit(await child.exited);
}

function machine(options: Options): string {
	const model = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
	const lines = [
		`Command: ${command}${options.params.quick ? " (quick)" : ""}`,
		`Machine: ${machineCpus} CPUs (nproc), ${model ?? cpus()[0]?.model ?? "unknown CPU"}, Linux ${release()}, Bun ${Bun.version}`,
		canPin()
			? "Pinning: proxy and pass-through on CPU 0; mock and load client on CPU 1 (taskset)"
			: `Pinning: NONE (${hasTaskset ? "fewer than 2 CPUs" : "taskset not found"}): all processes share the CPUs, figures are noisier`,
		`BUN_CONFIG_MAX_HTTP_REQUESTS=${MAX_HTTP_REQUESTS} in the load client, mock and pass-through; the proxy runs without it, as shipped`,
	];
	return lines.join("\n");
}

const log = (message: string) =>
	process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)} s] ${message}\n`);

async function startArms(options: Options) {
	const mockPort = freePort();
	const mock = await spawnChild(
		"mock-upstream",
		pinned(1, [process.execPath, `${HERE}mock-upstream.ts`]),
		benchEnv({ MOCK_PORT: String(mockPort) }),
		mockPort,
		"/health",
	);
	const passPort = freePort();
	const passthrough = await spawnChild(
		"passthrough",
		pinned(0, [process.execPath, `${HERE}passthrough.ts`]),
		benchEnv({ PASSTHROUGH_PORT: String(passPort), UPSTREAM_ORIGIN: mock.origin }),
		passPort,
		"/v1/models",
	);
	const profile = options.cpuProfDir
		? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${options.cpuProfDir}`, "--cpu-prof-interval=250"]
		: [];
	const proxyCmd = options.binary ? [`${ROOT}ollama-proxy`] : [process.execPath, ...profile, `${ROOT}src/index.ts`];
	const proxyPort = freePort();
	const proxy = await spawnChild(
		"proxy",
		pinned(0, proxyCmd),
		benchEnv(
			{
				PORT: String(proxyPort),
				HOST: "127.0.0.1",
				OPENAI_BASE_URL: `${mock.origin}/v1`,
				// Any key: the mock ignores it, and a keyless setup logs a warning at startup.
				OPENAI_API_KEY: "bench",
				LOG_LEVEL: "warn",
				UPSTREAM_RETRIES: "0",
			},
			{ raiseFetchCap: false },
		),
		proxyPort,
		"/api/version",
	);
	const origins: Origins = { direct: mock.origin, passthrough: passthrough.origin, proxy: proxy.origin };
	const pids = { mock: mock.proc.pid, passthrough: passthrough.proc.pid, proxy: proxy.proc.pid };
	return { origins, pids, proxyCmd };
}

async function main(): Promise<number> {
	const options = parseOptions(args, process.env);
	const deadlineMs = options.params.quick ? 120_000 : 900_000;
	// A last bound on the whole run: whatever hangs, the children die and the run fails.
	const watchdog = setTimeout(() => {
		log(`bench exceeded ${deadlineMs / 1000} s: aborting`);
		killAllNow();
		process.exit(2);
	}, deadlineMs);
	process.once("SIGINT", () => void killAll(500).then(() => process.exit(130)));
	process.once("SIGTERM", () => void killAll(500).then(() => process.exit(143)));
	process.on("exit", killAllNow);
	try {
		const { origins, pids, proxyCmd } = await startArms(options);
		// Idle RSS is read before any request has touched the hops.
		await Bun.sleep(500);
		const idleRssKb = { passthrough: await rssKb(pids.passthrough), proxy: await rssKb(pids.proxy) };
		const ctx: BenchContext = { params: options.params, origins, pids, report: newReport() };
		const steps: Record<Scenario, () => Promise<void>> = {
			nonstream: () => nonStreaming(ctx),
			ttft: () => timeToFirstToken(ctx),
			chunks: () => perChunk(ctx),
			throughput: () => throughput(ctx),
			streams: () => concurrentStreams(ctx, idleRssKb),
			aborts: () => clientAborts(ctx),
		};
		for (const scenario of options.scenarios) {
			log(`${scenario}…`);
			await steps[scenario]();
		}
		ctx.report.notes.push(`proxy command: ${proxyCmd.join(" ")}`);
		await killAll();
		process.stdout.write(`\n${machine(options)}\n\n${formatReport(ctx.report)}`);
		return 0;
	} catch (error) {
		log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		await killAll(500);
		return 1;
	} finally {
		clearTimeout(watchdog);
	}
}

if (process.env.BENCH_INNER !== "1") await reexec();
process.exit(await main());
