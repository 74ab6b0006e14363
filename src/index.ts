/** `ollama-proxy`: parse the command line, then serve, validate or health-check. */
// First, so that the start-up JIT policy applies to the evaluation of every module below.
import "./jit-policy.ts";
import { type Command, parseCli, USAGE, UsageError } from "./cli.ts";
import { ConfigError } from "./config/env.ts";
import { type Flags, loadSettings, type Settings } from "./config/settings.ts";
import { jitReady } from "./jit-policy.ts";
import { PROXY_VERSION } from "./lib/version.ts";
import { createLogger } from "./log.ts";
import { reloadOnSignal } from "./reload.ts";
import { buildDeps, drainOnSignals, lastingDeps, startServer } from "./server.ts";
import { ReportError, usageReport } from "./usage-report.ts";
import { validate } from "./validate.ts";

function fail(message: string): never {
	process.stderr.write(`ollama-proxy: ${message}\n`);
	process.exit(1);
}

function settingsFor(command: Extract<Command, { flags: unknown }>): Settings {
	try {
		return loadSettings({ env: process.env, flags: command.flags });
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message);
		throw error;
	}
}

async function healthcheck(command: Extract<Command, { command: "healthcheck" }>) {
	// The port the server resolved (flag, PORT, the file's listen.port), probed on loopback, where a server bound
	// to 0.0.0.0 or 127.0.0.1 answers.
	let port = command.flags.port ?? (Number(process.env.PORT) || 11434);
	if (!command.url && command.flags.port === undefined) {
		try {
			port = loadSettings({ env: process.env, flags: command.flags }).port;
		} catch {
			// A configuration the server could not load either: probe the default port, which will fail clearly.
		}
	}
	const url = command.url ?? `http://127.0.0.1:${port}/health`;
	const ok = await fetch(url, { signal: AbortSignal.timeout(3000) }).then(
		(response) => response.ok,
		() => false,
	);
	process.exit(ok ? 0 : 1);
}

function serve(settings: Settings, flags: Flags) {
	const log = createLogger(settings.logLevel);
	const lasting = lastingDeps(settings, log);
	const deps = buildDeps(settings, log, lasting);
	let app: ReturnType<typeof startServer>;
	try {
		app = startServer(settings, log, deps);
	} catch (error) {
		const code = (error as { code?: string }).code;
		const reason = code === "EADDRINUSE" ? `port ${settings.port} is already in use` : (error as Error).message;
		fail(`cannot listen on ${settings.host}:${settings.port}: ${reason}`);
	}
	jitReady();
	drainOnSignals(app, settings, log);
	reloadOnSignal(app, { settings, lasting, upstreams: deps.upstreams }, log, flags);
}

async function main() {
	let command: Command;
	try {
		command = parseCli(process.argv.slice(2));
	} catch (error) {
		if (error instanceof UsageError) fail(`${error.message}\n\n${USAGE}`);
		throw error;
	}
	switch (command.command) {
		case "help":
			process.stdout.write(USAGE);
			return;
		case "version":
			process.stdout.write(`${PROXY_VERSION}\n`);
			return;
		case "healthcheck":
			return healthcheck(command);
		case "validate":
			process.stdout.write(await validate(settingsFor(command), createLogger("silent")));
			process.exit(0);
			return;
		case "usage":
			try {
				process.stdout.write(await usageReport(settingsFor(command), command.filters));
			} catch (error) {
				if (error instanceof ReportError) fail(error.message);
				throw error;
			}
			process.exit(0);
			return;
		case "serve":
			return serve(settingsFor(command), command.flags);
	}
}

await main();
