/**
 * A proxy as a user runs it: `bun src/index.ts --config <file>` in its own process, on a port the OS chose, its JSON
 * log read as it comes. For the tests that need several processes around one Redis, or signals (SIGHUP reloads).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listeningUrl, watchLog } from "./wait.ts";

const ENTRY = `${import.meta.dir}/../../src/index.ts`;

export async function startProxyProcess(yaml: string, env: Record<string, string> = {}) {
	const path = join(mkdtempSync(join(tmpdir(), "ollama-proxy-")), "config.yaml");
	await Bun.write(path, yaml);
	const proc = Bun.spawn(["bun", ENTRY, "--config", path], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
		stdout: "pipe",
		stderr: "pipe",
	});
	const log = watchLog(proc.stdout);
	const url = await listeningUrl(log);
	return {
		url,
		path,
		proc,
		log,
		/** Replaces the configuration file (the process reads it again on SIGHUP). */
		rewrite: (text: string) => Bun.write(path, text),
		async stop() {
			proc.kill("SIGKILL");
			await proc.exited;
		},
	};
}

export type ProxyProcess = Awaited<ReturnType<typeof startProxyProcess>>;
