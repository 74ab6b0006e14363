/**
 * The command line, in the habits of the ecosystem: `ollama-proxy [serve]`, `validate`, `healthcheck` (for images
 * without a shell), `usage` (the usage report from Redis), `--version`, `--help`. Flags override the environment, which overrides the configuration file.
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
  usage                 Print every key's usage per model and UTC day from Redis (state.redis_url or REDIS_URL)

Options:
  --host <address>      Address to bind (env HOST; default 127.0.0.1)
  --port <port>         Port to listen on (env PORT; default 11434)
  --config <file>       Configuration file (env OLLAMA_PROXY_CONFIG)
  --log-level <level>   ${LOG_LEVELS.join(", ")} (env LOG_LEVEL; default info)
  --url <url>           With healthcheck: the URL to probe (default http://127.0.0.1:<port>/health)
  --from <day>          With usage: the first UTC day, YYYY-MM-DD (default today)
  --to <day>            With usage: the last UTC day, included (default today)
  --key <name>          With usage: only this key name
  --model <name>        With usage: only this model
  -v, --version         Print the version
  -h, --help            Print this help
`;

/** The usage report's filters, as `/api/usage` takes them. */
export type UsageFilters = { from?: string; to?: string; key?: string; model?: string };

export type Command =
	| { command: "serve" | "validate"; flags: Flags }
	| { command: "healthcheck"; flags: Flags; url?: string }
	| { command: "usage"; flags: Flags; filters: UsageFilters }
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
	if (command !== "serve" && command !== "validate" && command !== "healthcheck" && command !== "usage") {
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
	const filters: UsageFilters = {};
	for (const name of ["from", "to", "key", "model"] as const) {
		const value = values[name];
		if (value === undefined) continue;
		if (command !== "usage") throw new UsageError(`--${name} goes with usage`);
		filters[name] = value;
	}
	if (command === "usage") return { command, flags, filters };
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
			from: { type: "string" },
			to: { type: "string" },
			key: { type: "string" },
			model: { type: "string" },
			version: { type: "boolean", short: "v" },
			help: { type: "boolean", short: "h" },
		},
	});
}
