// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${VAR}" is the configuration file's own syntax, not a template.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, configIssue, EnvConfig, LOG_LEVELS, loadEnv } from "../../src/config/env.ts";
import { type Flags, interpolate, loadSettings, parseFileConfig, type Settings } from "../../src/config/settings.ts";

// A configuration in the shape the schema documents: two upstreams, aliases and overrides, inbound keys, CORS.
const EXAMPLE = `
$schema: ./config.schema.json
listen:
  host: 0.0.0.0
  port: 8080
log_level: debug
upstreams:
  - name: openai
    base_url: https://api.openai.com/v1
    api_key: \${OPENAI_API_KEY}
    include: ["gpt-*", "o?"]
    exclude: ["*-audio-*"]
    retries:
      max: 3
  - name: openrouter
    base_url: https://openrouter.ai/api/v1
    api_key: \${OPENROUTER_API_KEY}
    prefix: openrouter/
    headers:
      HTTP-Referer: https://example.com
    timeouts:
      first_byte_ms: 60000
models:
  - name: coder
    upstream: openrouter
    id: qwen/qwen3-coder
    context_length: 262144
    capabilities: [completion, tools]
    fallbacks: [gpt-4.1]
  - name: gpt-4.1
    params:
      max_tokens:
        force: 16384
      temperature:
        min: 0
        max: 1
keys:
  - key: \${PROXY_KEY}
    name: laptop
    models: ["gpt-*"]
  - key: another-key-0123456789
cors:
  origins: ["https://*.example.com"]
`;

const EXAMPLE_ENV = {
	OPENAI_API_KEY: "sk-openai",
	OPENROUTER_API_KEY: "sk-or",
	PROXY_KEY: "proxy-key-0123456789",
};

const MINIMAL = "upstreams:\n  - name: local\n    base_url: http://127.0.0.1:8000/v1\n";

describe("interpolate: ${VAR} replaced in every string, an unset variable is an error", () => {
	test.each<{ kind: string; value: unknown; env: Record<string, string | undefined>; expected: unknown }>([
		{ kind: "a plain string", value: "no refs", env: {}, expected: "no refs" },
		{ kind: "a whole-string ref", value: "${A}", env: { A: "x" }, expected: "x" },
		{ kind: "refs inside text", value: "Bearer ${A}-${B}!", env: { A: "1", B: "2" }, expected: "Bearer 1-2!" },
		{ kind: "the same ref twice", value: "${A}${A}", env: { A: "ab" }, expected: "abab" },
		{ kind: "$VAR without braces is left alone", value: "$A", env: { A: "x" }, expected: "$A" },
		{ kind: "${} with a bad name is left alone", value: "${1A} ${}", env: {}, expected: "${1A} ${}" },
		{ kind: "a number", value: 42, env: {}, expected: 42 },
		{ kind: "a boolean", value: true, env: {}, expected: true },
		{ kind: "null", value: null, env: {}, expected: null },
		{ kind: "undefined", value: undefined, env: {}, expected: undefined },
		{
			kind: "nested objects and arrays",
			value: { a: { b: ["${X}", 1, { c: "k=${Y}" }] }, d: "${X}", e: [] },
			env: { X: "x", Y: "y" },
			expected: { a: { b: ["x", 1, { c: "k=y" }] }, d: "x", e: [] },
		},
		{
			kind: "a replacement that itself looks like a ref is not expanded again",
			value: "${A}",
			env: { A: "${B}", B: "no" },
			expected: "${B}",
		},
	])("$kind", ({ value, env, expected }) => {
		expect(interpolate(value, env)).toEqual(expected);
	});

	test.each<{ kind: string; value: unknown; env: Record<string, string | undefined>; message: string }>([
		{
			kind: "unset, in a nested object",
			value: { upstreams: [{ name: "a", api_key: "${KEY}" }] },
			env: {},
			message: "upstreams.0.api_key: ${KEY} is not set",
		},
		{
			kind: "empty, in a nested object",
			value: { upstreams: [{ api_key: "${KEY}" }] },
			env: { KEY: "" },
			message: "upstreams.0.api_key: ${KEY} is not set",
		},
		{
			kind: "undefined in the env object",
			value: { keys: [{ key: "x" }, { key: "${K2}" }] },
			env: { K2: undefined },
			message: "keys.1.key: ${K2} is not set",
		},
		{
			kind: "the second of two refs",
			value: { a: { b: "${SET}/${UNSET}" } },
			env: { SET: "ok" },
			message: "a.b: ${UNSET} is not set",
		},
		{
			kind: "an array at the top level",
			value: ["ok", ["${X}"]],
			env: {},
			message: ".1.0: ${X} is not set",
		},
	])("$kind → ConfigError naming the path and variable", ({ value, env, message }) => {
		expect(() => interpolate(value, env)).toThrow(new ConfigError(message));
		expect(() => interpolate(value, env)).toThrow(ConfigError);
	});

	test("a path given by the caller prefixes the error", () => {
		expect(() => interpolate({ k: "${X}" }, {}, "root")).toThrow("root.k: ${X} is not set");
	});
});

describe("parseFileConfig: YAML, interpolated, validated by the schema, cross-checked", () => {
	test("the example configuration parses with its values and the schema's defaults", () => {
		const file = parseFileConfig(EXAMPLE, EXAMPLE_ENV, "config.yaml");
		expect(file.listen).toEqual({ host: "0.0.0.0", port: 8080 });
		expect(file.log_level).toBe("debug");
		expect(file.upstreams).toEqual([
			{
				name: "openai",
				kind: "openai",
				base_url: "https://api.openai.com/v1",
				api_key: "sk-openai",
				headers: {},
				timeouts: { connect_ms: 10_000, first_byte_ms: 30_000, idle_ms: 300_000 },
				retries: { max: 3, backoff_ms: 250, max_wait_ms: 10_000 },
				include: ["gpt-*", "o?"],
				exclude: ["*-audio-*"],
				prefix: "",
				protocols: [],
			},
			{
				name: "openrouter",
				kind: "openai",
				base_url: "https://openrouter.ai/api/v1",
				api_key: "sk-or",
				headers: { "HTTP-Referer": "https://example.com" },
				timeouts: { connect_ms: 10_000, first_byte_ms: 60_000, idle_ms: 300_000 },
				retries: { max: 2, backoff_ms: 250, max_wait_ms: 10_000 },
				include: ["*"],
				exclude: [],
				prefix: "openrouter/",
				protocols: [],
			},
		]);
		expect(file.models).toEqual([
			{
				name: "coder",
				upstream: "openrouter",
				id: "qwen/qwen3-coder",
				context_length: 262_144,
				capabilities: ["completion", "tools"],
				params: {},
				fallbacks: ["gpt-4.1"],
			},
			{
				name: "gpt-4.1",
				params: { max_tokens: { force: 16384 }, temperature: { min: 0, max: 1 } },
				fallbacks: [],
			},
		]);
		expect(file.keys).toEqual([
			{ key: "proxy-key-0123456789", name: "laptop", models: ["gpt-*"] },
			{ key: "another-key-0123456789", models: ["*"] },
		]);
		expect(file.cors).toEqual({ origins: ["https://*.example.com"] });
	});

	test("a minimal file: one upstream and every default", () => {
		const file = parseFileConfig(MINIMAL, {}, "min.yaml");
		expect(file).toEqual({
			listen: {},
			upstreams: [
				{
					name: "local",
					kind: "openai",
					base_url: "http://127.0.0.1:8000/v1",
					headers: {},
					timeouts: { connect_ms: 10_000, first_byte_ms: 30_000, idle_ms: 300_000 },
					retries: { max: 2, backoff_ms: 250, max_wait_ms: 10_000 },
					include: ["*"],
					exclude: [],
					prefix: "",
					protocols: [],
				},
			],
			agents: { keep_billing_header: false, strict_incomplete: false },
			models: [],
		});
		expect(file.keys).toBeUndefined();
		expect(file.cors).toBeUndefined();
	});

	test("a reference to an unset variable is a ConfigError naming where it is", () => {
		expect(() => parseFileConfig(EXAMPLE, { ...EXAMPLE_ENV, OPENROUTER_API_KEY: "" }, "config.yaml")).toThrow(
			new ConfigError("invalid configuration file config.yaml: upstreams.1.api_key: ${OPENROUTER_API_KEY} is not set"),
		);
	});

	test.each<{ kind: string; text: string }>([
		{ kind: "an unclosed flow sequence", text: "upstreams: [" },
		{ kind: "a mapping inside a plain scalar", text: "a: b: c" },
	])("invalid YAML ($kind) → ConfigError naming the source", ({ text }) => {
		expect(() => parseFileConfig(text, {}, "bad.yaml")).toThrow(ConfigError);
		expect(() => parseFileConfig(text, {}, "bad.yaml")).toThrow(/^bad\.yaml: not valid YAML: /);
	});

	const upstream = (extra = "") => `upstreams:\n  - name: a\n    base_url: http://x.test/v1\n${extra}`;

	test.each<{ kind: string; text: string; message: string }>([
		{ kind: "no upstreams", text: "upstreams: []", message: "upstreams: at least one upstream is needed" },
		{
			kind: "upstreams missing",
			text: "models: []",
			message: "upstreams: Invalid input: expected array, received undefined",
		},
		{
			kind: "a non-http base URL",
			text: "upstreams:\n  - name: a\n    base_url: ftp://x.test",
			message: "upstreams.0.base_url: Invalid URL",
		},
		{
			kind: "a bad upstream name",
			text: "upstreams:\n  - name: a b\n    base_url: http://x.test",
			message: "upstreams.0.name: upstream names are letters, digits, '.', '_' and '-'",
		},
		{
			kind: "an unknown kind",
			text: upstream("    kind: anthropic\n"),
			message: 'upstreams.0.kind: Invalid option: expected one of "openai"|"azure"|"ollama"',
		},
		{
			kind: "a zero timeout",
			text: upstream("    timeouts:\n      idle_ms: 0\n"),
			message: "upstreams.0.timeouts.idle_ms: Too small: expected number to be >0",
		},
		{
			kind: "too many retries",
			text: upstream("    retries:\n      max: 11\n"),
			message: "upstreams.0.retries.max: Too big: expected number to be <=10",
		},
		{
			kind: "an empty include glob",
			text: upstream('    include: [""]\n'),
			message: "upstreams.0.include.0: Too small: expected string to have >=1 characters",
		},
		{
			kind: "a short inbound key",
			text: upstream("keys:\n  - key: short\n"),
			message: "keys.0.key: inbound keys must be at least 16 characters",
		},
		{
			kind: "an empty parameter override",
			text: upstream("models:\n  - name: m\n    params:\n      max_tokens: {}\n"),
			message: "models.0.params.max_tokens: an override needs force, default, min or max",
		},
		{
			kind: "an unknown capability",
			text: upstream("models:\n  - name: m\n    capabilities: [telepathy]\n"),
			message:
				'models.0.capabilities.0: Invalid option: expected one of "completion"|"tools"|"insert"|"vision"|"embedding"|"thinking"|"image"|"audio"',
		},
		{
			kind: "a port out of range",
			text: upstream("listen:\n  port: 70000\n"),
			message: "listen.port: Too big: expected number to be <=65535",
		},
		{
			kind: "an unknown key at the top",
			text: upstream("nope: 1\n"),
			message: 'Unrecognized key: "nope"',
		},
		{
			kind: "a document that is not a mapping",
			text: "42",
			message: "Invalid input: expected object, received number",
		},
	])("schema error ($kind) → one line naming the file, the path and the problem", ({ text, message }) => {
		let caught: unknown;
		try {
			parseFileConfig(text, {}, "conf.yaml");
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigError);
		expect((caught as Error).message).toBe(`invalid configuration file conf.yaml: ${message}`);
		expect((caught as Error).message).not.toContain("\n");
	});

	test("an upstream name used twice", () => {
		const text = `${upstream()}  - name: a\n    base_url: http://y.test/v1\n`;
		expect(() => parseFileConfig(text, {}, "c.yaml")).toThrow(new ConfigError("upstreams: the name 'a' is used twice"));
	});

	test("a model naming an unknown upstream", () => {
		const text = upstream("models:\n  - name: m\n    upstream: b\n");
		expect(() => parseFileConfig(text, {}, "c.yaml")).toThrow(
			new ConfigError("models: 'm' names the unknown upstream 'b'"),
		);
	});

	test("a model without an upstream is an override, not a dangling reference", () => {
		const file = parseFileConfig(upstream("models:\n  - name: m\n    context_length: 1000\n"), {}, "c.yaml");
		expect(file.models).toEqual([{ name: "m", context_length: 1000, params: {}, fallbacks: [] }]);
	});
});

describe("loadEnv: the environment, empty strings as unset", () => {
	test("an empty environment is all unset", () => {
		expect(loadEnv({})).toEqual({});
	});

	test("empty strings and undefined count as unset", () => {
		expect(loadEnv({ PORT: "", HOST: "", OPENAI_BASE_URL: "", LOG_LEVEL: undefined, UPSTREAM_RETRIES: "" })).toEqual(
			{},
		);
	});

	test("numbers are coerced, unrelated variables ignored", () => {
		expect(
			loadEnv({
				PORT: "8080",
				UPSTREAM_TIMEOUT_MS: "5000",
				UPSTREAM_RETRIES: "0",
				MODELS_CACHE_TTL_MS: "0",
				MAX_BODY_BYTES: "1024",
				DEFAULT_CONTEXT_LENGTH: "4096",
				SHUTDOWN_GRACE_MS: "0",
				PATH: "/usr/bin",
			}),
		).toEqual({
			PORT: 8080,
			UPSTREAM_TIMEOUT_MS: 5000,
			UPSTREAM_RETRIES: 0,
			MODELS_CACHE_TTL_MS: 0,
			MAX_BODY_BYTES: 1024,
			DEFAULT_CONTEXT_LENGTH: 4096,
			SHUTDOWN_GRACE_MS: 0,
		});
	});

	test.each<{ kind: string; env: Record<string, string>; start: string }>([
		{ kind: "a PORT that is not a number", env: { PORT: "http" }, start: "invalid configuration: PORT: " },
		{ kind: "a PORT out of range", env: { PORT: "65536" }, start: "invalid configuration: PORT: " },
		{ kind: "a negative PORT", env: { PORT: "-1" }, start: "invalid configuration: PORT: " },
		{ kind: "a fractional PORT", env: { PORT: "80.5" }, start: "invalid configuration: PORT: " },
		{ kind: "an unknown LOG_LEVEL", env: { LOG_LEVEL: "loud" }, start: "invalid configuration: LOG_LEVEL: " },
		{
			kind: "a base URL that is not http",
			env: { OPENAI_BASE_URL: "file:///x" },
			start: "invalid configuration: OPENAI_BASE_URL: ",
		},
		{
			kind: "an unknown dialect",
			env: { UPSTREAM_DIALECT: "anthropic" },
			start: "invalid configuration: UPSTREAM_DIALECT: ",
		},
		{
			kind: "a zero timeout",
			env: { UPSTREAM_TIMEOUT_MS: "0" },
			start: "invalid configuration: UPSTREAM_TIMEOUT_MS: ",
		},
		{ kind: "too many retries", env: { UPSTREAM_RETRIES: "11" }, start: "invalid configuration: UPSTREAM_RETRIES: " },
		...["0", "65537", "1.5", "lots"].map((value) => ({
			kind: `MAX_UPSTREAM_CONNECTIONS=${value}`,
			env: { MAX_UPSTREAM_CONNECTIONS: value },
			start: "invalid configuration: MAX_UPSTREAM_CONNECTIONS: ",
		})),
	])("$kind → ConfigError naming the variable", ({ env, start }) => {
		let caught: unknown;
		try {
			loadEnv(env);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigError);
		expect((caught as ConfigError).name).toBe("ConfigError");
		expect((caught as Error).message.startsWith(start)).toBe(true);
	});

	test("configIssue without a path gives the message alone", () => {
		const parsed = EnvConfig.safeParse("not an object");
		if (parsed.success) throw new Error("expected a failure");
		expect(configIssue("bad", parsed.error).message).toBe("bad: Invalid input: expected object, received string");
	});

	test("LOG_LEVELS lists pino's levels and silent", () => {
		expect(LOG_LEVELS).toEqual(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
	});
});

describe("loadSettings: flags over environment over file over defaults", () => {
	const FILE_LISTEN = `${MINIMAL}listen:\n  host: file.host\n  port: 3000\nlog_level: warn\n`;
	const readFileListen = () => FILE_LISTEN;
	const readFileBare = () => MINIMAL;
	const ENV = { HOST: "env.host", PORT: "4000", LOG_LEVEL: "error" };
	const FLAGS: Flags = { host: "flag.host", port: 5000, logLevel: "trace" };

	test.each<{
		kind: string;
		env: Record<string, string>;
		flags: Flags;
		readFile: () => string;
		expected: Pick<Settings, "host" | "port" | "logLevel">;
	}>([
		{
			kind: "defaults alone",
			env: { OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: {},
			readFile: readFileBare,
			expected: { host: "127.0.0.1", port: 11434, logLevel: "info" },
		},
		{
			kind: "the file over the defaults",
			env: { OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: {},
			readFile: readFileListen,
			expected: { host: "file.host", port: 3000, logLevel: "warn" },
		},
		{
			kind: "the environment over the file",
			env: { ...ENV, OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: {},
			readFile: readFileListen,
			expected: { host: "env.host", port: 4000, logLevel: "error" },
		},
		{
			kind: "flags over the environment",
			env: { ...ENV, OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: FLAGS,
			readFile: readFileListen,
			expected: { host: "flag.host", port: 5000, logLevel: "trace" },
		},
		{
			kind: "each setting from its own layer",
			env: { PORT: "4000", OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: { host: "flag.host" },
			readFile: readFileListen,
			expected: { host: "flag.host", port: 4000, logLevel: "warn" },
		},
		{
			kind: "port 0 from a flag is kept, not treated as unset",
			env: { ...ENV, OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: { port: 0 },
			readFile: readFileListen,
			expected: { host: "env.host", port: 0, logLevel: "error" },
		},
		{
			kind: "empty environment values fall through to the file",
			env: { HOST: "", PORT: "", LOG_LEVEL: "", OLLAMA_PROXY_CONFIG: "c.yaml" },
			flags: {},
			readFile: readFileListen,
			expected: { host: "file.host", port: 3000, logLevel: "warn" },
		},
		{
			kind: "env-only: the environment over the defaults",
			env: ENV,
			flags: {},
			readFile: readFileListen,
			expected: { host: "env.host", port: 4000, logLevel: "error" },
		},
	])("$kind", ({ env, flags, readFile, expected }) => {
		const settings = loadSettings({ env, flags, readFile });
		expect({ host: settings.host, port: settings.port, logLevel: settings.logLevel }).toEqual(expected);
	});

	test("env-only: one upstream named default, from the openai SDK's variables", () => {
		const settings = loadSettings({
			env: {
				OPENAI_BASE_URL: "http://127.0.0.1:8000/v1",
				OPENAI_API_KEY: "sk-test",
				UPSTREAM_DIALECT: "vllm",
				UPSTREAM_TIMEOUT_MS: "1234",
				UPSTREAM_RETRIES: "4",
			},
		});
		expect(settings.upstreams).toEqual([
			{
				name: "default",
				kind: "openai",
				base_url: "http://127.0.0.1:8000/v1",
				api_key: "sk-test",
				headers: {},
				dialect: "vllm",
				system_messages: "merged",
				timeouts: { connect_ms: 1234, first_byte_ms: 1234, idle_ms: 300_000 },
				retries: { max: 4, backoff_ms: 250, max_wait_ms: 10_000 },
				discover: true,
				include: ["*"],
				exclude: [],
				prefix: "",
				protocols: [],
				maxConnections: 4096,
			},
		]);
		expect(settings.models).toEqual([]);
		expect(settings.configFile).toBeUndefined();
		expect(settings.keys).toBeUndefined();
		expect(settings.cors).toBeUndefined();
	});

	test("env-only with nothing set: OpenAI itself, no key, every default", () => {
		const settings = loadSettings({ env: {} });
		expect(settings).toEqual({
			host: "127.0.0.1",
			port: 11434,
			logLevel: "info",
			maxBodyBytes: 32 * 1024 * 1024,
			modelsCacheTtlMs: 60_000,
			defaultContextLength: 32_768,
			shutdownGraceMs: 10_000,
			maxUpstreamConnections: 4096,
			idleTimeoutSeconds: 255,
			clientStallMs: 60_000,
			upstreams: [
				{
					name: "default",
					kind: "openai",
					base_url: "https://api.openai.com/v1",
					headers: {},
					dialect: "openai",
					system_messages: "in_place",
					timeouts: { connect_ms: 10_000, first_byte_ms: 30_000, idle_ms: 300_000 },
					retries: { max: 2, backoff_ms: 250, max_wait_ms: 10_000 },
					discover: true,
					include: ["*"],
					exclude: [],
					prefix: "",
					protocols: [],
					maxConnections: 4096,
				},
			],
			models: [],
			agents: { keep_billing_header: false, strict_incomplete: false },
			limits: {},
			state: { replicas: 1 },
		});
		expect(settings.upstreams[0]?.api_key).toBeUndefined();
	});

	test("env-only: UPSTREAM_RETRIES=0 means no retries, not the default", () => {
		expect(loadSettings({ env: { UPSTREAM_RETRIES: "0" } }).upstreams[0]?.retries.max).toBe(0);
	});

	test("env-only: an OpenRouter URL implies the openrouter dialect, UPSTREAM_DIALECT overrides it", () => {
		const url = "https://openrouter.ai/api/v1";
		expect(loadSettings({ env: { OPENAI_BASE_URL: url } }).upstreams[0]?.dialect).toBe("openrouter");
		expect(loadSettings({ env: { OPENAI_BASE_URL: url, UPSTREAM_DIALECT: "openai" } }).upstreams[0]?.dialect).toBe(
			"openai",
		);
	});

	test("the numeric tunables come from the environment", () => {
		const settings = loadSettings({
			env: { MAX_BODY_BYTES: "1000", MODELS_CACHE_TTL_MS: "0", DEFAULT_CONTEXT_LENGTH: "2048", SHUTDOWN_GRACE_MS: "5" },
		});
		expect(settings).toMatchObject({
			maxBodyBytes: 1000,
			modelsCacheTtlMs: 0,
			defaultContextLength: 2048,
			shutdownGraceMs: 5,
		});
	});

	test.each<{ kind: string; env: Record<string, string>; file: string; expected: number }>([
		{ kind: "default", env: {}, file: "", expected: 4096 },
		{ kind: "file", env: {}, file: "max_upstream_connections: 1\n", expected: 1 },
		{ kind: "file at its bound", env: {}, file: "max_upstream_connections: 65536\n", expected: 65_536 },
		{
			kind: "environment over file",
			env: { MAX_UPSTREAM_CONNECTIONS: "10000" },
			file: "max_upstream_connections: 8\n",
			expected: 10_000,
		},
	])("max_upstream_connections: $kind, shared by every upstream", ({ env, file, expected }) => {
		const settings = loadSettings({
			env: { ...env, OLLAMA_PROXY_CONFIG: "/c.yaml" },
			readFile: () => `${MINIMAL}  - name: other\n    base_url: http://127.0.0.1:8001/v1\n${file}`,
		});
		expect(settings.maxUpstreamConnections).toBe(expected);
		expect(settings.upstreams.map((u) => u.maxConnections)).toEqual([expected, expected]);
	});

	test.each<{ kind: string; env: Record<string, string>; file: string; expected: number }>([
		{ kind: "default", env: {}, file: "", expected: 60_000 },
		{ kind: "file", env: {}, file: "client_stall_ms: 5000\n", expected: 5000 },
		{ kind: "environment over file", env: { CLIENT_STALL_MS: "900" }, file: "client_stall_ms: 5000\n", expected: 900 },
	])("client_stall_ms: $kind", ({ env, file, expected }) => {
		const settings = loadSettings({ env: { ...env, OLLAMA_PROXY_CONFIG: "/c.yaml" }, readFile: () => MINIMAL + file });
		expect(settings.clientStallMs).toBe(expected);
	});

	test.each([
		[{ CLIENT_STALL_MS: "0" }, "", "invalid configuration: CLIENT_STALL_MS: "],
		[{}, "client_stall_ms: 0\n", "invalid configuration file /c.yaml: client_stall_ms: "],
		[{}, "client_stall_ms: 1.5\n", "invalid configuration file /c.yaml: client_stall_ms: "],
	])("client_stall_ms: %j / %j is refused", (env, file, start) => {
		expect(() =>
			loadSettings({ env: { ...env, OLLAMA_PROXY_CONFIG: "/c.yaml" }, readFile: () => MINIMAL + file }),
		).toThrow(start);
	});

	test.each([0, 65_537, 2.5, "many"])("max_upstream_connections: %p in a file is refused", (value) => {
		expect(() =>
			loadSettings({
				env: { OLLAMA_PROXY_CONFIG: "/c.yaml" },
				readFile: () => `${MINIMAL}max_upstream_connections: ${value}\n`,
			}),
		).toThrow(/^invalid configuration file \/c\.yaml: max_upstream_connections: /);
	});

	test("a file: its upstreams resolved, models, keys and cors carried, configFile named", () => {
		const read: string[] = [];
		const settings = loadSettings({
			env: { ...EXAMPLE_ENV, OLLAMA_PROXY_CONFIG: "/etc/ollama-proxy.yaml" },
			readFile: (path) => {
				read.push(path);
				return EXAMPLE;
			},
		});
		expect(read).toEqual(["/etc/ollama-proxy.yaml"]);
		expect(settings.configFile).toBe("/etc/ollama-proxy.yaml");
		expect(settings.upstreams.map((u) => [u.name, u.dialect, u.discover])).toEqual([
			["openai", "openai", true],
			["openrouter", "openrouter", true],
		]);
		expect(settings.models.map((m) => m.name)).toEqual(["coder", "gpt-4.1"]);
		expect(settings.keys?.map((k) => k.name)).toEqual(["laptop", undefined]);
		expect(settings.cors).toEqual({ origins: ["https://*.example.com"] });
		expect({ host: settings.host, port: settings.port, logLevel: settings.logLevel }).toEqual({
			host: "0.0.0.0",
			port: 8080,
			logLevel: "debug",
		});
	});

	test("a file ignores the env-only upstream variables", () => {
		const settings = loadSettings({
			env: { OLLAMA_PROXY_CONFIG: "c.yaml", OPENAI_BASE_URL: "http://elsewhere.test/v1", UPSTREAM_RETRIES: "9" },
			readFile: () => MINIMAL,
		});
		expect(settings.upstreams.map((u) => [u.name, u.base_url, u.retries.max])).toEqual([
			["local", "http://127.0.0.1:8000/v1", 2],
		]);
	});

	test("the file's ${VAR} references read the raw environment", () => {
		const settings = loadSettings({
			env: { OLLAMA_PROXY_CONFIG: "c.yaml", MY_KEY: "sk-from-env" },
			readFile: () => `${MINIMAL}    api_key: \${MY_KEY}\n`,
		});
		expect(settings.upstreams[0]?.api_key).toBe("sk-from-env");
	});

	test.each<{ kind: string; extra: string; discover: boolean; dialect: string }>([
		{ kind: "openai kind discovers by default", extra: "", discover: true, dialect: "openai" },
		{ kind: "azure kind does not discover by default", extra: "    kind: azure\n", discover: false, dialect: "openai" },
		{
			kind: "azure with discover: true discovers",
			extra: "    kind: azure\n    discover: true\n",
			discover: true,
			dialect: "openai",
		},
		{ kind: "ollama kind discovers by default", extra: "    kind: ollama\n", discover: true, dialect: "openai" },
		{ kind: "discover: false is kept", extra: "    discover: false\n", discover: false, dialect: "openai" },
		{ kind: "a configured dialect wins", extra: "    dialect: llamacpp\n", discover: true, dialect: "llamacpp" },
	])("resolving an upstream: $kind", ({ extra, discover, dialect }) => {
		const settings = loadSettings({ env: { OLLAMA_PROXY_CONFIG: "c.yaml" }, readFile: () => MINIMAL + extra });
		expect(settings.upstreams[0]).toMatchObject({ discover, dialect });
	});

	test("an OpenRouter base URL in the file implies the openrouter dialect", () => {
		const text = "upstreams:\n  - name: or\n    base_url: https://openrouter.ai/api/v1\n";
		const settings = loadSettings({ env: { OLLAMA_PROXY_CONFIG: "c.yaml" }, readFile: () => text });
		expect(settings.upstreams[0]?.dialect).toBe("openrouter");
	});

	test("--config wins over OLLAMA_PROXY_CONFIG", () => {
		const read: string[] = [];
		const settings = loadSettings({
			env: { OLLAMA_PROXY_CONFIG: "from-env.yaml" },
			flags: { config: "from-flag.yaml" },
			readFile: (path) => {
				read.push(path);
				return MINIMAL;
			},
		});
		expect(read).toEqual(["from-flag.yaml"]);
		expect(settings.configFile).toBe("from-flag.yaml");
	});

	test("an unreadable file → ConfigError 'cannot read configuration file …'", () => {
		const readFile = () => {
			throw new Error("EACCES: permission denied");
		};
		expect(() => loadSettings({ env: {}, flags: { config: "/secret.yaml" }, readFile })).toThrow(
			new ConfigError("cannot read configuration file /secret.yaml: EACCES: permission denied"),
		);
	});

	test("an invalid file names its path", () => {
		expect(() => loadSettings({ env: { OLLAMA_PROXY_CONFIG: "x.yaml" }, readFile: () => "upstreams: []" })).toThrow(
			new ConfigError("invalid configuration file x.yaml: upstreams: at least one upstream is needed"),
		);
	});

	test("a bad environment fails before any file is read", () => {
		let read = false;
		const readFile = () => {
			read = true;
			return MINIMAL;
		};
		expect(() => loadSettings({ env: { PORT: "nope", OLLAMA_PROXY_CONFIG: "c.yaml" }, readFile })).toThrow(
			/^invalid configuration: PORT: /,
		);
		expect(read).toBe(false);
	});

	describe("without readFile, the file is read from disk", () => {
		const dir = mkdtempSync(join(tmpdir(), "ollama-proxy-settings-"));
		afterAll(() => rmSync(dir, { recursive: true, force: true }));

		test("an existing file", () => {
			const path = join(dir, "config.yaml");
			writeFileSync(path, MINIMAL);
			const settings = loadSettings({ env: {}, flags: { config: path } });
			expect(settings.configFile).toBe(path);
			expect(settings.upstreams.map((u) => u.name)).toEqual(["local"]);
		});

		test("a missing file → ConfigError naming it", () => {
			const path = join(dir, "missing.yaml");
			expect(() => loadSettings({ env: { OLLAMA_PROXY_CONFIG: path } })).toThrow(
				`cannot read configuration file ${path}: `,
			);
			expect(() => loadSettings({ env: { OLLAMA_PROXY_CONFIG: path } })).toThrow(ConfigError);
		});
	});
});
