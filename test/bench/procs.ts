/**
 * The benchmark's child processes: free ports, pinning with `taskset`, readiness, CPU and RSS from /proc, and a
 * kill-everything that also runs on error and on SIGINT/SIGTERM.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

// Bun accepts 1..65535 here.
export const MAX_HTTP_REQUESTS = "65535";

export type Child = { name: string; proc: Subprocess; port: number; origin: string };

const children: Child[] = [];
/** Processes started by other means (a redis-server): killed with the children. */
const others = new Set<() => void>();

/** Registers a last-resort kill for a process that is not a `Child`; call the returned function once it is gone. */
export function killWithChildren(kill: () => void): () => void {
	others.add(kill);
	return () => others.delete(kill);
}

/** The 1-minute load average: how much other work shared the machine with the run. */
export const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "n/a";

let clkTck: number | undefined;
/** Clock ticks per second for /proc/<pid>/stat (almost always 100, but asked rather than assumed). */
export function clockTicks(): number {
	if (clkTck === undefined) {
		const out = Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim();
		clkTck = Number(out) > 0 ? Number(out) : 100;
	}
	return clkTck;
}

/** utime + stime of a process (all its threads), in ms. */
export async function cpuMs(pid: number | "self"): Promise<number> {
	const stat = await Bun.file(`/proc/${pid}/stat`).text();
	// The command name may contain spaces and parentheses: fields are counted from after the last ')'.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1000) / clockTicks();
}

/** VmRSS in KB. */
export async function rssKb(pid: number | "self"): Promise<number> {
	const status = await Bun.file(`/proc/${pid}/status`).text();
	const match = /VmRSS:\s+(\d+)/.exec(status);
	return match ? Number(match[1]) : Number.NaN;
}

export const hasTaskset = Bun.spawnSync(["sh", "-c", "command -v taskset"]).exitCode === 0;

/**
 * CPUs of the machine as the unpinned outer runner saw them: once pinned, `navigator.hardwareConcurrency` reports the
 * affinity mask (1), not the machine.
 */
export const machineCpus = Number(process.env.BENCH_NPROC) || navigator.hardwareConcurrency;

/** The command prefixed with `taskset -c <cpu>` when taskset exists and the machine has that CPU. */
export function pinned(cpu: number, cmd: string[]): string[] {
	return canPin() ? ["taskset", "-c", String(cpu), ...cmd] : cmd;
}

/** Pinning needs taskset and two CPUs; on one CPU everything shares it anyway. */
export const canPin = () => hasTaskset && machineCpus >= 2;

/** A port nobody listens on right now (there is a small race until the child binds it; loopback only). */
export function freePort(): number {
	const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
	const port = probe.port as number;
	probe.stop(true);
	return port;
}

/**
 * Env for the rig's children (mock, pass-through). Bun's fetch caps concurrent requests at 256 unless
 * BUN_CONFIG_MAX_HTTP_REQUESTS is raised before it starts: the load client and the pass-through get it raised, so
 * that the rig never sets the ceiling.
 */
export function benchEnv(extra: Record<string, string>): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
	return { ...env, BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS, ...extra };
}

/**
 * Env for the product arms: only what a user sets to start it (where it listens, the upstream and its key) on top of
 * PATH and HOME. Nothing else of the runner's environment reaches it: no fetch cap, no log level, no HTTP proxy, no
 * config file, so that it runs as the README, the binary and the image start it.
 */
export function productEnv(extra: Record<string, string>): Record<string, string> {
	const env: Record<string, string> = {};
	for (const key of ["PATH", "HOME"]) {
		const value = process.env[key];
		if (value !== undefined) env[key] = value;
	}
	return { ...env, ...extra };
}

/** Newest modification time (ms) of the files under a directory, recursively. */
function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const time = statSync(join(entry.parentPath, entry.name)).mtimeMs;
		if (time > newest) newest = time;
	}
	return newest;
}

/**
 * The compiled binary at `root/ollama-proxy`, built with `bun run build` when it is missing or older than anything in
 * src/, package.json or bun.lock: a stale binary would measure yesterday's code.
 */
export function ensureBinary(root: string, log: (message: string) => void): string {
	const binary = join(root, "ollama-proxy");
	const built = existsSync(binary) ? statSync(binary).mtimeMs : 0;
	const sources = Math.max(
		newestMtime(join(root, "src")),
		statSync(join(root, "package.json")).mtimeMs,
		statSync(join(root, "bun.lock")).mtimeMs,
	);
	if (built >= sources) return binary;
	log(built ? "./ollama-proxy is older than src/: bun run build…" : "./ollama-proxy is missing: bun run build…");
	const result = Bun.spawnSync([process.execPath, "run", "build"], { cwd: root, stdout: "inherit", stderr: "inherit" });
	if (result.exitCode !== 0) throw new Error(`bun run build failed with exit code ${result.exitCode}`);
	return binary;
}

/** Whether something accepts TCP connections on the port: opened and closed at once, without a byte sent. */
function listening(port: number): Promise<boolean> {
	return Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: { open: (socket) => void socket.end(), data: () => undefined },
	}).then(
		() => true,
		() => false,
	);
}

export async function spawnChild(
	name: string,
	cmd: string[],
	env: Record<string, string>,
	port: number,
	/** Asked until it answers 2xx; `null`: a TCP connection that opens is enough, so that no request touches it yet. */
	readyPath: string | null,
	/** Messages from a child started with an IPC channel (`process.send` in the child). */
	ipc?: (message: unknown) => void,
	timeoutMs = 15_000,
): Promise<Child> {
	const proc = Bun.spawn(cmd, { env, stdout: "ignore", stderr: "inherit", stdin: "ignore", ...(ipc && { ipc }) });
	const origin = `http://127.0.0.1:${port}`;
	const child = { name, proc, port, origin };
	children.push(child);
	const deadline = performance.now() + timeoutMs;
	while (performance.now() < deadline) {
		if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode} before it was ready`);
		const ok =
			readyPath === null
				? await listening(port)
				: await fetch(origin + readyPath, { signal: AbortSignal.timeout(500) }).then(
						(r) => r.ok,
						() => false,
					);
		if (ok) return child;
		await Bun.sleep(50);
	}
	throw new Error(`${name} was not ready within ${timeoutMs} ms`);
}

export type ConfiguredProxy = Child & { stop(): Promise<void> };

/**
 * `bun src/index.ts --config <file>` on CPU 0, started as a user starts it: the YAML in a file of its own, only PORT
 * and HOST (plus PATH and HOME) in its environment. With `keys:`, `readyPath` must be one served without a key
 * (`/health`). `stop` sends SIGTERM, waits for the exit and removes the file.
 */
export async function startWithConfig(
	name: string,
	yaml: string,
	readyPath = "/api/version",
): Promise<ConfiguredProxy> {
	const dir = mkdtempSync(join(tmpdir(), "ollama-proxy-bench-"));
	const config = join(dir, `${name}.yaml`);
	writeFileSync(config, yaml);
	const port = freePort();
	const cmd = pinned(0, [
		process.execPath,
		new URL("../../src/index.ts", import.meta.url).pathname,
		"--config",
		config,
	]);
	const child = await spawnChild(name, cmd, productEnv({ PORT: String(port), HOST: "127.0.0.1" }), port, readyPath);
	return {
		...child,
		stop: async () => {
			child.proc.kill("SIGTERM");
			await child.proc.exited;
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** SIGTERM (the proxy drains and exits, which also writes a CPU profile), then SIGKILL whatever is left. */
export async function killAll(graceMs = 3000): Promise<void> {
	for (const child of children) if (child.proc.exitCode === null) child.proc.kill("SIGTERM");
	const deadline = performance.now() + graceMs;
	for (const child of children) {
		const left = Math.max(0, deadline - performance.now());
		await Promise.race([child.proc.exited, Bun.sleep(left)]);
		if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill("SIGKILL");
	}
	children.length = 0;
	for (const kill of others) kill();
	others.clear();
}

/** Synchronous last resort for `process.on("exit")`: no awaiting is possible there. */
export function killAllNow(): void {
	for (const child of children) if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
	for (const kill of others) kill();
}
