import { describe, expect, test } from "bun:test";
import { type Command, parseCli, USAGE, UsageError } from "../src/cli.ts";
import { LOG_LEVELS } from "../src/config/env.ts";

describe("parseCli: commands, flags and their values", () => {
	test.each<{ kind: string; argv: string[]; expected: Command }>([
		{ kind: "no arguments: serve", argv: [], expected: { command: "serve", flags: {} } },
		{ kind: "serve named", argv: ["serve"], expected: { command: "serve", flags: {} } },
		{ kind: "validate", argv: ["validate"], expected: { command: "validate", flags: {} } },
		{ kind: "healthcheck", argv: ["healthcheck"], expected: { command: "healthcheck", flags: {} } },
		{
			kind: "healthcheck with --url",
			argv: ["healthcheck", "--url", "http://127.0.0.1:9999/health"],
			expected: { command: "healthcheck", flags: {}, url: "http://127.0.0.1:9999/health" },
		},
		{
			kind: "healthcheck with --url= and --port",
			argv: ["--url=http://h/health", "healthcheck", "--port", "8080"],
			expected: { command: "healthcheck", flags: { port: 8080 }, url: "http://h/health" },
		},
		{ kind: "usage", argv: ["usage"], expected: { command: "usage", flags: {}, filters: {} } },
		{
			kind: "usage with every filter",
			argv: [
				"usage",
				"--config",
				"c.yaml",
				"--from",
				"2025-03-01",
				"--to=2025-03-10",
				"--key",
				"alice",
				"--model",
				"coder",
			],
			expected: {
				command: "usage",
				flags: { config: "c.yaml" },
				filters: { from: "2025-03-01", to: "2025-03-10", key: "alice", model: "coder" },
			},
		},
		{ kind: "--version", argv: ["--version"], expected: { command: "version" } },
		{ kind: "-v", argv: ["-v"], expected: { command: "version" } },
		{ kind: "--version after a command", argv: ["validate", "--version"], expected: { command: "version" } },
		{ kind: "--help", argv: ["--help"], expected: { command: "help" } },
		{ kind: "-h", argv: ["-h"], expected: { command: "help" } },
		{ kind: "help wins over version", argv: ["-v", "-h"], expected: { command: "help" } },
		{ kind: "help wins over an unknown command", argv: ["frobnicate", "--help"], expected: { command: "help" } },
		{
			kind: "--host",
			argv: ["--host", "0.0.0.0"],
			expected: { command: "serve", flags: { host: "0.0.0.0" } },
		},
		{ kind: "--port", argv: ["--port", "8080"], expected: { command: "serve", flags: { port: 8080 } } },
		{ kind: "--port 0", argv: ["--port", "0"], expected: { command: "serve", flags: { port: 0 } } },
		{ kind: "--port 65535", argv: ["--port=65535"], expected: { command: "serve", flags: { port: 65535 } } },
		{
			kind: "--config",
			argv: ["validate", "--config", "/etc/proxy.yaml"],
			expected: { command: "validate", flags: { config: "/etc/proxy.yaml" } },
		},
		{
			kind: "--log-level",
			argv: ["--log-level", "debug"],
			expected: { command: "serve", flags: { logLevel: "debug" } },
		},
		{
			kind: "every flag at once",
			argv: ["serve", "--host", "::", "--port", "1234", "--config", "c.yaml", "--log-level=silent"],
			expected: { command: "serve", flags: { host: "::", port: 1234, config: "c.yaml", logLevel: "silent" } },
		},
	])("$kind", ({ argv, expected }) => {
		expect(parseCli(argv)).toEqual(expected);
	});

	test.each(LOG_LEVELS.map((level) => ({ level })))("--log-level $level is accepted", ({ level }) => {
		expect(parseCli(["--log-level", level])).toEqual({ command: "serve", flags: { logLevel: level } });
	});

	test.each<{ kind: string; argv: string[]; message: string | RegExp }>([
		{ kind: "a port that is not a number", argv: ["--port", "http"], message: "invalid --port 'http'" },
		{ kind: "a port out of range", argv: ["--port", "65536"], message: "invalid --port '65536'" },
		{ kind: "a negative port", argv: ["--port=-1"], message: "invalid --port '-1'" },
		{ kind: "a fractional port", argv: ["--port", "80.5"], message: "invalid --port '80.5'" },
		// `--port "$PORT"` with PORT unset must not quietly bind a random port: Number("") is 0.
		{ kind: "an empty port", argv: ["--port="], message: "invalid --port ''" },
		{ kind: "a blank port", argv: ["--port", " "], message: "invalid --port ' '" },
		{ kind: "an unknown log level", argv: ["--log-level", "loud"], message: "invalid --log-level 'loud'" },
		{ kind: "a log level in capitals", argv: ["--log-level", "DEBUG"], message: "invalid --log-level 'DEBUG'" },
		{ kind: "an unknown command", argv: ["frobnicate"], message: "unknown command 'frobnicate'" },
		{ kind: "an extra positional", argv: ["serve", "extra"], message: "unexpected argument 'extra'" },
		{ kind: "two commands", argv: ["validate", "serve"], message: "unexpected argument 'serve'" },
		{ kind: "--url without healthcheck", argv: ["--url", "http://h/health"], message: "--url goes with healthcheck" },
		{ kind: "--url with validate", argv: ["validate", "--url", "http://h"], message: "--url goes with healthcheck" },
		{ kind: "--from with serve", argv: ["--from", "2025-03-01"], message: "--from goes with usage" },
		{ kind: "--model with validate", argv: ["validate", "--model", "m"], message: "--model goes with usage" },
		{ kind: "an unknown long option", argv: ["--verbose"], message: /--verbose/ },
		{ kind: "an unknown short option", argv: ["-x"], message: /-x/ },
		{ kind: "a string option without its value", argv: ["--port"], message: /--port/ },
		{ kind: "a boolean option given a value", argv: ["--help=yes"], message: /--help/ },
	])("$kind → UsageError", ({ argv, message }) => {
		let caught: unknown;
		try {
			parseCli(argv);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(UsageError);
		expect((caught as UsageError).name).toBe("UsageError");
		if (typeof message === "string") expect((caught as Error).message).toBe(message);
		else expect((caught as Error).message).toMatch(message);
	});

	test("the input array is not mutated", () => {
		const argv = ["serve", "--port", "1"];
		parseCli(argv);
		expect(argv).toEqual(["serve", "--port", "1"]);
	});
});

describe("USAGE: the help text", () => {
	test("names every command and option, and every log level", () => {
		for (const word of ["serve", "validate", "healthcheck", "--host", "--port", "--config", "--log-level", "--url"]) {
			expect(USAGE).toContain(word);
		}
		expect(USAGE).toContain("-v, --version");
		expect(USAGE).toContain("-h, --help");
		expect(USAGE).toContain(LOG_LEVELS.join(", "));
	});
});
