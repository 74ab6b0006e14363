/**
 * Keeps the docs true without a review: every setting the code accepts is in docs/configuration.md, every route the
 * app registers is in docs/api.md, and every command the README tells a newcomer to run exists. The lists are read
 * from the code (the zod schemas, the app's route table, package.json, the CLI parser), never written here.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import packageJson from "../../package.json";
import { createApp } from "../../src/app.ts";
import { parseCli, USAGE } from "../../src/cli.ts";
import { EnvConfig } from "../../src/config/env.ts";
import { FileConfig } from "../../src/config/file.ts";
import { loadSettings } from "../../src/config/settings.ts";
import { createLogger } from "../../src/log.ts";
import { buildDeps } from "../../src/server.ts";
import { anchors, codeBlocks, codeSpans, linkTargets, section, tableRows } from "./markdown.ts";

const ROOT = resolve(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

// ---------------------------------------------------------------------------------------------------------------
// Settings

/** Optional, default, prefault, nullable, readonly, catch and pipe wrap the schema that has the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
	let current = schema;
	for (;;) {
		const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
		if (def.innerType) current = def.innerType;
		else if (def.type === "pipe" && def.in) current = def.in;
		else return current;
	}
}

/**
 * Every key a schema accepts, as dotted paths: `listen.port`, `upstreams[].timeouts.idle_ms`. A list of objects is
 * `name[]` (documented as a group of `.key` rows); objects are walked, not listed themselves.
 */
function keyPaths(schema: z.ZodType, prefix = ""): string[] {
	const shape = unwrap(schema);
	if (!(shape instanceof z.ZodObject)) return [];
	return Object.entries(shape.shape as Record<string, z.ZodType>).flatMap(([key, value]) => {
		const path = prefix ? `${prefix}.${key}` : key;
		const inner = unwrap(value);
		if (inner instanceof z.ZodObject) return keyPaths(inner, path);
		if (inner instanceof z.ZodArray && unwrap(inner.element as z.ZodType) instanceof z.ZodObject) {
			return [`${path}[]`, ...keyPaths(inner.element as z.ZodType, `${path}[]`)];
		}
		return [path];
	});
}

type KeyRow = { pattern: string[]; text: string };

/**
 * The keys a reference table documents. A key cell names absolute keys (`listen.host`), opens a group (`upstreams[]`)
 * or names keys of the open group (`.timeouts.connect_ms`); `<name>` in a key stands for any key the row's text names.
 */
function documentedKeys(rows: string[][]): KeyRow[] {
	let group = "";
	return rows.flatMap((cells) => {
		const text = cells.join(" | ");
		return codeSpans(cells[0] ?? "").map((key) => {
			const path = key.startsWith(".") ? group + key : key;
			if (!key.startsWith(".") && key.endsWith("[]")) group = key;
			else if (!key.startsWith(".")) group = "";
			return { pattern: path.split("."), text };
		});
	});
}

/**
 * A key is documented by a row naming it exactly, or by a row naming one of its parents whose text names the rest
 * (`.params.<name>`: "For `max_tokens`, ...: `force`, `default`, `min`, `max`").
 */
function isDocumented(path: string, rows: KeyRow[]): boolean {
	const segments = path.split(".");
	const named = (text: string, segment: string) => text.includes(`\`${segment}\``);
	return rows.some(({ pattern, text }) => {
		if (pattern.length > segments.length) return false;
		const matches = pattern.every((part, i) =>
			/^<\w+>$/.test(part) ? named(text, segments[i] ?? "") : part === segments[i],
		);
		return matches && segments.slice(pattern.length).every((rest) => named(text, rest));
	});
}

describe("keyPaths reads the schemas recursively", () => {
	test("nested objects, lists of objects and records", () => {
		const paths = keyPaths(FileConfig);
		expect(paths).toContain("listen.port");
		expect(paths).toContain("upstreams[]");
		expect(paths).toContain("upstreams[].timeouts.idle_ms");
		expect(paths).toContain("upstreams[].headers");
		expect(paths).toContain("models[].params.max_tokens.force");
		expect(paths).toContain("keys[].models");
		expect(paths).not.toContain("listen");
	});

	test("isDocumented: exact rows, group rows, and parents whose text names the rest", () => {
		const rows = documentedKeys([
			["`listen.host`, `listen.port`", "Bind address"],
			["`upstreams[]`", ""],
			["`.timeouts.connect_ms`", "the limit"],
			["`models[]`", ""],
			["`.params.<name>`", "For `max_tokens`, `top_p`: `force`, `min`"],
			["`cors.origins`", "Globs"],
		]);
		expect(isDocumented("listen.port", rows)).toBe(true);
		expect(isDocumented("upstreams[].timeouts.connect_ms", rows)).toBe(true);
		expect(isDocumented("upstreams[].timeouts.idle_ms", rows)).toBe(false);
		expect(isDocumented("models[].params.max_tokens.force", rows)).toBe(true);
		expect(isDocumented("models[].params.max_tokens.max", rows)).toBe(false);
		expect(isDocumented("models[].params.temperature.force", rows)).toBe(false);
		expect(isDocumented("cors.origins", rows)).toBe(true);
		expect(isDocumented("origins", rows)).toBe(false);
	});
});

describe("docs/configuration.md names every setting", () => {
	const doc = read("docs/configuration.md");

	test("every environment variable the env parser accepts is in the environment table", () => {
		const documented = new Set(tableRows(section(doc, "Environment variables")).flatMap((r) => codeSpans(r[0] ?? "")));
		const missing = Object.keys(EnvConfig.shape).filter((name) => !documented.has(name));
		expect(missing).toEqual([]);
	});

	test("every key of the configuration file's schema is in the reference table", () => {
		const rows = documentedKeys(tableRows(section(doc, "Reference")));
		const missing = keyPaths(FileConfig).filter((path) => !isDocumented(path, rows));
		expect(missing).toEqual([]);
	});

	test("the command line section is the CLI's own usage text (commands and flags)", () => {
		const [usage] = codeBlocks(section(doc, "Command line"), "text");
		expect(`${usage}\n`).toBe(USAGE);
	});
});

// ---------------------------------------------------------------------------------------------------------------
// Routes

/** `:digest`, `{name}` and `*` are all one path parameter. */
const routeKey = (method: string, path: string) =>
	`${method} ${path.replace(/:\w+|\{\w+\}|\*/g, "{}").replace(/\/$/, "") || "/"}`;

function registeredRoutes() {
	// Every optional part switched on, so that a route registered only with keys or CORS is listed too.
	const yaml = `
upstreams: [{ name: up, base_url: "http://127.0.0.1:9/v1" }]
keys: [{ key: drift-test-key-0123456789 }]
cors: { origins: ["https://example.com"] }
`;
	const settings = loadSettings({ env: {}, flags: { config: "drift.yaml" }, readFile: () => yaml });
	const deps = buildDeps(settings, createLogger("silent", { write: () => {} }));
	return createApp(deps).routes.map((r) => ({ method: r.method, path: r.path }));
}

describe("docs/api.md names every route", () => {
	const documented = new Set(
		codeSpans(read("docs/api.md")).flatMap((span) => {
			const match = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|ALL) (\/\S*)$/.exec(span);
			return match?.[1] && match[2] ? [routeKey(match[1], match[2])] : [];
		}),
	);

	test("the app registers routes and api.md names routes (the comparison below is not empty)", () => {
		expect(registeredRoutes().length).toBeGreaterThan(20);
		expect(documented.size).toBeGreaterThan(20);
	});

	test("every method and path the app registers is in api.md", () => {
		const missing = registeredRoutes()
			.filter(({ method, path }) => {
				if (documented.has(routeKey(method, path))) return false;
				// api.md says every GET route also answers HEAD.
				return !(method === "HEAD" && documented.has(routeKey("GET", path)));
			})
			.map(({ method, path }) => `${method} ${path}`);
		expect(missing).toEqual([]);
	});
});

// ---------------------------------------------------------------------------------------------------------------
// The README's commands

/** Words of a shell command line, quotes removed; enough for the README's one-liners. */
function shellWords(line: string): string[] {
	return [...line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** Each simple command of a code block: comments dropped, `&&`, `;` and `|` split, leading `VAR=value` removed. */
function commandsOf(block: string): string[][] {
	return block
		.split("\n")
		.map((line) => line.replace(/(^|\s)#.*$/, ""))
		.flatMap((line) => line.split(/&&|;|\|/))
		.map((part) => shellWords(part.trim()))
		.map((words) => words.slice(words.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w))))
		.filter((words) => words.length > 0 && words[0] !== "");
}

const BUN_BUILTINS = new Set(["install", "test", "add", "x"]);
/** Programs the README runs that are not this project's: only their presence in this list is checked. */
const OTHER_PROGRAMS = new Set(["curl", "npm", "docker", "kubectl", "claude", "codex", "bunx"]);
const scripts = packageJson.scripts as Record<string, string>;

/** Why a README command would fail for a newcomer, or undefined when it exists. */
function commandProblem(words: string[]): string | undefined {
	const [program, ...args] = words;
	if (program === "bun") {
		const [first, second] = args;
		if (first === "run") return second && second in scripts ? undefined : `no package.json script '${second}'`;
		if (first && (BUN_BUILTINS.has(first) || first in scripts)) return undefined;
		if (first && existsSync(join(ROOT, first))) return undefined;
		return `'bun ${first}' is neither a bun command nor a package.json script`;
	}
	if (program === "./ollama-proxy" || program === "ollama-proxy") {
		try {
			parseCli(args);
			return undefined;
		} catch (error) {
			return `ollama-proxy ${args.join(" ")}: ${(error as Error).message}`;
		}
	}
	if (program === "docker" && args[0] === "build" && !existsSync(join(ROOT, "Dockerfile"))) return "no Dockerfile";
	return program && OTHER_PROGRAMS.has(program) ? undefined : `unknown program '${program}'`;
}

describe("the README's commands exist", () => {
	const readme = read("README.md");
	const commands = codeBlocks(readme, "sh").flatMap(commandsOf);

	test("commandsOf and commandProblem read shell lines as a newcomer would run them", () => {
		expect(commandsOf("FOO=1 BAR=x bun start --config my.yaml   # comment\nbun install && bun test")).toEqual([
			["bun", "start", "--config", "my.yaml"],
			["bun", "install"],
			["bun", "test"],
		]);
		expect(commandProblem(["bun", "run", "no-such-script"])).toBe("no package.json script 'no-such-script'");
		expect(commandProblem(["bun", "strat"])).toBe("'bun strat' is neither a bun command nor a package.json script");
		expect(commandProblem(["./ollama-proxy", "frobnicate"])).toBe(
			"ollama-proxy frobnicate: unknown command 'frobnicate'",
		);
		expect(commandProblem(["olama-proxy"])).toBe("unknown program 'olama-proxy'");
	});

	test("the quick start has the two commands", () => {
		const quickStart = codeBlocks(section(readme, "Quick start"), "sh").flatMap(commandsOf);
		expect(quickStart).toContainEqual(["bun", "install"]);
		expect(quickStart).toContainEqual(["bun", "start"]);
		expect(quickStart).toContainEqual(["bun", "test"]);
	});

	test("every command in the README's shell blocks exists (package.json scripts, CLI subcommands and flags)", () => {
		const problems = commands.map(commandProblem).filter((p) => p !== undefined);
		expect(problems).toEqual([]);
	});

	test("every setting in the README's settings table exists", () => {
		const spans = tableRows(section(readme, "The five most used settings")).flatMap((r) =>
			codeSpans(`${r[0]} ${r[1]}`),
		);
		const fileKeys = new Set(keyPaths(FileConfig));
		const unknown = spans.filter((span) => {
			if (/^[A-Z_]+$/.test(span)) return !(span in EnvConfig.shape);
			if (span.startsWith("--")) return !USAGE.includes(`${span} `);
			return !fileKeys.has(span);
		});
		expect(spans.length).toBeGreaterThanOrEqual(5);
		expect(unknown).toEqual([]);
	});
});

// ---------------------------------------------------------------------------------------------------------------
// Links between the pages

describe("links between the README and docs/ lead somewhere", () => {
	const pages = ["README.md", ...new Bun.Glob("docs/*.md").scanSync({ cwd: ROOT })];

	test.each(pages)("%s", (page) => {
		const broken = linkTargets(read(page)).filter((target) => {
			if (/^[a-z]+:/.test(target)) return false;
			const [file = "", anchor] = target.split("#");
			const path = file ? join(dirname(page), file) : page;
			if (!existsSync(join(ROOT, path))) return true;
			return anchor !== undefined && path.endsWith(".md") && !anchors(read(path)).has(anchor);
		});
		expect(broken).toEqual([]);
	});
});
