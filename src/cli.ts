/**
 * The command line, in the habits of the ecosystem: `ollama-proxy [serve]`, `validate`, `healthcheck` (for images
 * without a shell), `--version`, `--help`. Flags override the environment, which overrides the configuration file.
 */
import { parseArgs } from "node:util";
import { LOG_LEVELS } from "./config/env.ts";
import type { Flags } from "./config/settings.ts";

export const USAGE = `Usage: ollama-proxy [command] [options]

Serves the Ollama API on port 11434 and answers from OpenAI-compatible upstreams.

Commands:
  serve                 Run the server (the default)
  validate              Check the configuration and print the resolved model table, without serving
  healthcheck           Exit 0 when the server answers /health, 1 otherwise

Options:
  --host <address>      Address to bind (env HOST; default 127.0.0.1)
  --port <port>         Port to listen on (env PORT; default 11434)
  --config <file>       Configuration file (env OLLAMA_PROXY_CONFIG)
  --log-level <level>   ${LOG_LEVELS.join(", ")} (env LOG_LEVEL; default info)
  --url <url>           With healthcheck: the URL to probe (default http://127.0.0.1:<port>/health)
  -v, --version         Print the version
  -h, --help            Print this help
`;

export type Command =
	| { command: "serve" | "validate"; flags: Flags }
	| { command: "healthcheck"; flags: Flags; url?: string }
	| { command: "version" | "help" };

export class UsageError extends Error {
	override readonly name = "UsageError";
}

export function parseCli(argv: readonly string[]): Command {
	let parsed: ReturnType<typeof parse>;
	try {
		parsed = parse(argv);
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const { values, positionals } = parsed;
	if (values.help) return { command: "help" };
	if (values.version) return { command: "version" };
	const [command = "serve", ...extra] = positionals;
	if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
	if (command !== "serve" && command !== "validate" && command !== "healthcheck") {
		throw new UsageError(`unknown command '${command}'`);
	}
	const flags: Flags = {};
	if (values.host !== undefined) flags.host = values.host;
	if (values.config !== undefined) flags.config = values.config;
	if (values.port !== undefined) {
		const port = values.port.trim() === "" ? Number.NaN : Number(values.port);
		if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port '${values.port}'`);
		flags.port = port;
	}
	if (values["log-level"] !== undefined) {
		const level = values["log-level"];
		if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`invalid --log-level '${level}'`);
		flags.logLevel = level as Flags["logLevel"];
	}
	if (command === "healthcheck") return { command, flags, ...(values.url !== undefined && { url: values.url }) };
	if (values.url !== undefined) throw new UsageError("--url goes with healthcheck");
	return { command, flags };
}

function parse(argv: readonly string[]) {
	return parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: {
			host: { type: "string" },
			port: { type: "string" },
			config: { type: "string" },
			"log-level": { type: "string" },
			url: { type: "string" },
			version: { type: "boolean", short: "v" },
			help: { type: "boolean", short: "h" },
		},
	});
}
