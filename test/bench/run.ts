/**
 * `bun run bench [-- --quick] [--binary] [--write]`: what the proxy adds over a direct call and over a bare Bun
 * pass-through, on loopback, every figure also as a ratio against the pass-through of the same run.
 *
 * The runner re-executes itself once, pinned to CPU 1 and with Bun's fetch cap raised for the load client, because
 * neither can be changed from inside a running Bun process. It then starts the mock (CPU 1), the pass-through (CPU 0,
 * cap raised) and the product arms (CPU 0, as shipped: only PORT, HOST and the upstream in their environment), runs
 * the scenarios as the load client, prints one table (and with --write puts it into docs/performance.md), and kills
 * every child, also on error and on SIGINT. It exits non-zero only when the bench itself broke, never for a missed
 * target.
 */
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import type { Arm, Origins } from "./client.ts";
import type { BenchContext } from "./context.ts";
import { type Options, parseOptions, type Scenario } from "./params.ts";
import {
	benchEnv,
	canPin,
	ensureBinary,
	freePort,
	hasTaskset,
	killAll,
	killAllNow,
	loadAverage,
	MAX_HTTP_REQUESTS,
	machineCpus,
	pinned,
	productEnv,
	rssKb,
	spawnChild,
} from "./procs.ts";
import { formatReport, formatTable, newReport, targetsLine, writeBetweenMarkers } from "./report.ts";
import { clientAborts } from "./scenarios-aborts.ts";
import { fleet } from "./scenarios-fleet.ts";
import { nonStreaming, pacedTimeToFirstToken, perChunk } from "./scenarios-latency.ts";
import { limits } from "./scenarios-limits.ts";
import { concurrentStreams, idleRss, throughput } from "./scenarios-load.ts";
import { shortStreams } from "./scenarios-short.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const HERE = new URL(".", import.meta.url).pathname;
const DOC = `${ROOT}docs/performance.md`;
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

const cpuModel = () =>
	/model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown CPU";
const machineLine = () => `${machineCpus} CPUs (nproc), ${cpuModel()}, Linux ${release()}, Bun ${Bun.version}`;
const pinningLine = () =>
	canPin()
		? "the proxy, the binary and the pass-through on CPU 0; the mock and the load client on CPU 1 (taskset)"
		: `NO pinning (${hasTaskset ? "fewer than 2 CPUs" : "taskset not found"}): all processes share the CPUs, figures are noisier`;
const envLine = () =>
	`BUN_CONFIG_MAX_HTTP_REQUESTS=${MAX_HTTP_REQUESTS} in the load client, the mock and the pass-through; the proxy and the binary run as shipped, with only PORT, HOST, OPENAI_BASE_URL and OPENAI_API_KEY (plus PATH and HOME) in their environment`;

function machine(options: Options): string {
	return [
		`Command: ${command}${options.params.quick ? " (quick)" : ""}`,
		`Machine: ${machineLine()}`,
		`Pinning: ${pinningLine()}`,
		`Env: ${envLine()}`,
	].join("\n");
}

const log = (message: string) =>
	process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)} s] ${message}\n`);

const loadStart = loadAverage();

type Started = { origins: Origins; pids: BenchContext["pids"]; commands: string[] };

/** A command as a reader would type it: `bun` for this Bun, paths relative to the checkout. */
const shown = (cmd: string[]) =>
	cmd.map((part) =>
		part === process.execPath ? "bun" : part.startsWith(ROOT) ? `./${part.slice(ROOT.length)}` : part,
	);

async function startProduct(arm: "proxy" | "binary", cmd: string[], mockOrigin: string) {
	const port = freePort();
	const env = productEnv({
		PORT: String(port),
		HOST: "127.0.0.1",
		OPENAI_BASE_URL: `${mockOrigin}/v1`,
		// Any key: the mock ignores it, and a keyless setup logs a warning at startup.
		OPENAI_API_KEY: "bench",
	});
	// Ready once it listens: its idle RSS is read before any request (below).
	return spawnChild(arm, pinned(0, cmd), env, port, null);
}

async function startArms(options: Options, arms: Arm[]): Promise<Started> {
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
		null,
	);
	const profile = options.cpuProfDir
		? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${options.cpuProfDir}`, "--cpu-prof-interval=250"]
		: [];
	const sourceCmd = [process.execPath, ...profile, `${ROOT}src/index.ts`];
	const proxy = await startProduct("proxy", sourceCmd, mock.origin);
	const origins: Origins = { direct: mock.origin, passthrough: passthrough.origin, proxy: proxy.origin };
	const pids: Started["pids"] = { mock: mock.proc.pid, passthrough: passthrough.proc.pid, proxy: proxy.proc.pid };
	const commands = [`proxy: ${shown(sourceCmd).join(" ")}`];
	if (arms.includes("binary")) {
		const binaryCmd = [ensureBinary(ROOT, log)];
		const binary = await startProduct("binary", binaryCmd, mock.origin);
		origins.binary = binary.origin;
		pids.binary = binary.proc.pid;
		commands.push(`binary: ${shown(binaryCmd).join(" ")}`);
	}
	return { origins, pids, commands };
}

function docsBlock(ctx: BenchContext, options: Options, seconds: number): string {
	const when = new Date().toISOString().replace("T", " ").slice(0, 16);
	const header = [
		`Results of \`${command}\` (full run, ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s), written by`,
		`the run itself on ${when} UTC. Machine: ${machineLine()}. Pinning: ${pinningLine()}. ${envLine()}.`,
		`Load average (1 min) ${loadStart} at the start and ${loadAverage()} at the end (the bench alone keeps about 2 busy):`,
		"on a shared machine the figures are noisy, by tens of percent between runs for the load figures; ratios against",
		"the pass-through of the same run move less than the raw figures.",
		options.cpuProfDir ? "The source arm ran with a CPU profiler attached." : "",
	];
	const notes = ctx.report.notes.map((note) => `- ${note}`).join("\n");
	return [
		header.filter(Boolean).join("\n"),
		formatTable(ctx.report),
		`${targetsLine(ctx.report)}.`,
		notes ? `Notes of the run:\n\n${notes}` : "",
	]
		.filter(Boolean)
		.join("\n\n");
}

async function main(options: Options): Promise<number> {
	const deadlineMs = options.params.quick ? 120_000 : 1_200_000;
	// A last bound on the whole run: whatever hangs, the children die and the run fails.
	const watchdog = setTimeout(() => {
		log(`bench exceeded ${deadlineMs / 1000} s: aborting`);
		killAllNow();
		process.exit(2);
	}, deadlineMs);
	process.once("SIGINT", () => void killAll(500).then(() => process.exit(130)));
	process.once("SIGTERM", () => void killAll(500).then(() => process.exit(143)));
	process.on("exit", killAllNow);
	const began = performance.now();
	try {
		const arms: Arm[] = options.binary
			? ["direct", "passthrough", "proxy", "binary"]
			: ["direct", "passthrough", "proxy"];
		const { origins, pids, commands } = await startArms(options, arms);
		// Idle RSS is read before any request has touched the hops.
		await Bun.sleep(500);
		const idleKb: Partial<Record<Arm, number>> = {};
		for (const arm of arms) {
			const pid = pids[arm];
			if (pid) idleKb[arm] = await rssKb(pid);
		}
		const ctx: BenchContext = { params: options.params, arms, origins, pids, report: newReport(options.binary) };
		idleRss(ctx, idleKb);
		const steps: Record<Scenario, () => Promise<void>> = {
			nonstream: () => nonStreaming(ctx),
			ttft: () => pacedTimeToFirstToken(ctx),
			chunks: () => perChunk(ctx),
			throughput: () => throughput(ctx),
			streams: () => concurrentStreams(ctx),
			short: () => shortStreams(ctx),
			aborts: () => clientAborts(ctx),
			fleet: () => fleet(ctx),
			limits: () => limits(ctx),
		};
		for (const scenario of options.scenarios) {
			log(`${scenario}…`);
			await steps[scenario]();
		}
		ctx.report.notes.push(...commands);
		await killAll();
		process.stdout.write(`\n${machine(options)}\n\n${formatReport(ctx.report)}`);
		if (options.write) {
			writeBetweenMarkers(DOC, docsBlock(ctx, options, (performance.now() - began) / 1000));
			log(`results written into ${DOC}`);
		}
		return 0;
	} catch (error) {
		log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		await killAll(500);
		return 1;
	} finally {
		clearTimeout(watchdog);
	}
}

let parsed: Options;
try {
	parsed = parseOptions(args, process.env);
} catch (error) {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(2);
}
if (process.env.BENCH_INNER !== "1") await reexec();
process.exit(await main(parsed));
