/**
 * The layer rule of `src/` (docs/development.md#layout), kept by CI rather than by memory: each layer imports only
 * from itself and the layers listed before it, and no protocol imports another. Type-only imports count: a type that
 * runs upward drags its module's concerns with it.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../src");

/** The layers, lowest first; files directly in `src/` are the root, above every layer. */
const LAYERS = [
	"lib",
	"core",
	"metrics",
	"http",
	"config",
	"limits",
	"upstream",
	"routing",
	"pipeline",
	"protocols",
] as const;
const ROOT_RANK = LAYERS.length;

type Place = { rank: number; layer: string; protocol?: string };

/** Where a file under `src/` sits: its layer's rank, and for a protocol its name. */
export function placeOf(file: string): Place {
	const parts = file.split("/");
	if (parts.length === 1) return { rank: ROOT_RANK, layer: "root" };
	const rank = LAYERS.indexOf(parts[0] as (typeof LAYERS)[number]);
	if (rank < 0) throw new Error(`${file}: not in a known layer (${LAYERS.join(", ")})`);
	return parts[0] === "protocols"
		? { rank, layer: "protocols", protocol: parts[1] }
		: { rank, layer: parts[0] as string };
}

/** The rule for one import edge: undefined when allowed, else why not. */
export function violation(from: string, to: string): string | undefined {
	const a = placeOf(from);
	const b = placeOf(to);
	if (b.rank > a.rank) return `${from} (${a.layer}) imports ${to} (${b.layer}), a layer above it`;
	if (a.protocol && b.protocol && a.protocol !== b.protocol)
		return `${from} (protocol ${a.protocol}) imports ${to} (protocol ${b.protocol})`;
	return undefined;
}

const IMPORT = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

function sourceFiles(dir: string, out: string[] = []): string[] {
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) sourceFiles(path, out);
		else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(path);
	}
	return out;
}

/** Every relative import in `src/` that lands in `src/`, as paths relative to it. */
function importEdges(): Array<[string, string]> {
	const edges: Array<[string, string]> = [];
	for (const path of sourceFiles(SRC)) {
		const text = readFileSync(path, "utf8");
		for (const match of text.matchAll(IMPORT)) {
			const target = resolve(dirname(path), match[1] as string);
			if (!target.startsWith(`${SRC}/`)) continue;
			edges.push([relative(SRC, path), relative(SRC, target)]);
		}
	}
	return edges;
}

describe("the layer rule itself", () => {
	const cases: Array<[string, string, string, boolean]> = [
		["a layer imports one below it", "core/dialect.ts", "lib/glob.ts", true],
		["a layer imports itself", "core/dialect.ts", "core/target.ts", true],
		["the root imports anything", "app.ts", "protocols/ollama/routes/chat.ts", true],
		["a protocol imports the pipeline", "protocols/anthropic/routes.ts", "pipeline/agent-answer.ts", true],
		["a protocol imports its own files", "protocols/anthropic/routes.ts", "protocols/anthropic/stream.ts", true],
		["core imports http", "core/renderer.ts", "http/sse.ts", false],
		["config imports routing", "config/file.ts", "routing/model-names.ts", false],
		["http imports config", "http/inbound-auth.ts", "config/file.ts", false],
		["the pipeline imports a protocol", "pipeline/protocol-relay.ts", "protocols/anthropic/errors.ts", false],
		["a protocol imports another", "protocols/responses/stream.ts", "protocols/ollama/options.ts", false],
		["a layer imports the root", "upstream/errors.ts", "log.ts", false],
	];
	test.each(cases)("%s: %s → %s allowed: %p", (_, from, to, allowed) => {
		expect(violation(from, to) === undefined).toBe(allowed);
	});

	test("a folder outside the layers is refused by name", () => {
		expect(() => placeOf("translate/dialect.ts")).toThrow("translate/dialect.ts: not in a known layer");
	});
});

describe("src/ keeps the layer rule", () => {
	const edges = importEdges();

	test("the walk finds the imports (a broken walk would pass vacuously)", () => {
		expect(edges).toContainEqual(["app.ts", "pipeline/deps.ts"]);
		expect(edges.length).toBeGreaterThan(300);
	});

	test("no import runs upward, and no protocol imports another", () => {
		const broken = edges.map(([from, to]) => violation(from, to)).filter((v) => v !== undefined);
		expect(broken).toEqual([]);
	});
});
