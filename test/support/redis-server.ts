/**
 * A throwaway redis-server for tests: on a port the OS handed out, without persistence, ready when its log says
 * so. It can be paused (SIGSTOP: every command then hangs, as on a stalled server), killed, and restarted on the
 * same port, so that tests can watch a client fail over and come back. Tests needing it use
 * `test.skipIf(!hasRedis)`: CI installs redis-server, a laptop may not.
 */
import type { Subprocess } from "bun";

export const REDIS_BINARY = Bun.which("redis-server");
export const hasRedis = REDIS_BINARY !== null;
export const NO_REDIS_REASON = "redis-server is not on PATH (apt-get install redis-server)";

/** A port nobody listens on right now: the OS picks it for a listener we close at once. */
function freePort(): number {
	const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
	const port = listener.port;
	listener.stop(true);
	return port;
}

export type RedisServer = {
	readonly url: string;
	readonly port: number;
	/** The running server's process id (a new one after `restart`). */
	readonly pid: number;
	/** SIGSTOP: the socket stays open and nothing answers. */
	pause(): void;
	resume(): void;
	/** SIGKILL, and waits until the process is gone. */
	kill(): Promise<void>;
	/** Starts a new server on the same port (empty: nothing was saved). */
	restart(): Promise<void>;
	stop(): Promise<void>;
};

async function spawnReady(port: number): Promise<Subprocess<"ignore", "pipe", "pipe">> {
	if (!REDIS_BINARY) throw new Error(NO_REDIS_REASON);
	const proc = Bun.spawn(
		[
			REDIS_BINARY,
			"--port",
			String(port),
			"--bind",
			"127.0.0.1",
			"--save",
			"",
			"--appendonly",
			"no",
			"--daemonize",
			"no",
		],
		{ stdin: "ignore", stdout: "pipe", stderr: "pipe" },
	);
	// Wait for the line that says it listens: an event, not a guess at how long startup takes.
	let log = "";
	const decoder = new TextDecoder();
	const reader = proc.stdout.getReader();
	for (;;) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`redis-server exited before it was ready:\n${log}`);
		log += decoder.decode(value, { stream: true });
		if (log.includes("Ready to accept connections")) break;
	}
	// Keep draining its log so that a full pipe never stalls it.
	void (async () => {
		try {
			for (;;) if ((await reader.read()).done) return;
		} catch {}
	})();
	return proc;
}

export async function startRedis(): Promise<RedisServer> {
	const port = freePort();
	let proc = await spawnReady(port);
	const kill = async () => {
		proc.kill("SIGKILL");
		await proc.exited;
	};
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		get pid() {
			return proc.pid;
		},
		pause: () => proc.kill("SIGSTOP"),
		resume: () => proc.kill("SIGCONT"),
		kill,
		restart: async () => {
			if (proc.exitCode === null && proc.signalCode === null) await kill();
			proc = await spawnReady(port);
		},
		stop: async () => {
			proc.kill("SIGCONT");
			await kill();
		},
	};
}
