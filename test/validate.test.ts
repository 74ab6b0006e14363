import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pino from "pino";
import type { ModelConfig } from "../src/config/file.ts";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import type { Capability } from "../src/core/target.ts";
import type { Route } from "../src/routing/model-registry.ts";
import type { UpstreamStatus } from "../src/routing/upstream-lists.ts";
import { modelTable, upstreamLines, validate, warnings } from "../src/validate.ts";
import { startTestUpstream, type TestUpstream } from "./support/upstream.ts";

function route(name: string, upstream: string, id: string, capabilities: Capability[], contextLength: number): Route {
	return {
		name,
		facts: { name, id, family: "", capabilities, contextLength, modifiedAt: new Date(0) },
		upstream: { name: upstream },
		params: {},
		fallbacks: [],
	} as unknown as Route;
}

const HEADER = "MODEL  UPSTREAM  UPSTREAM ID  CAPABILITIES  CONTEXT";

describe("modelTable: one row per model in fixed-width columns", () => {
	test.each<{ kind: string; routes: Route[]; expected: string[] }>([
		{ kind: "no routes: the header alone, at the titles' widths", routes: [], expected: [HEADER] },
		{
			kind: "short cells: the titles set the widths",
			routes: [route("a", "u", "i", [], 1)],
			expected: [HEADER, "a      u         i                          1"],
		},
		{
			kind: "long cells widen their columns, the last column is not padded",
			routes: [
				route("gpt-4o:latest", "openai", "gpt-4o", ["completion", "tools", "vision"], 128_000),
				route("coder:latest", "openrouter", "qwen/qwen3-coder", ["completion", "tools"], 262_144),
				route("embed:latest", "local", "nomic-embed-text", ["embedding"], 8192),
			],
			expected: [
				"MODEL          UPSTREAM    UPSTREAM ID       CAPABILITIES             CONTEXT",
				"gpt-4o:latest  openai      gpt-4o            completion,tools,vision  128000",
				"coder:latest   openrouter  qwen/qwen3-coder  completion,tools         262144",
				"embed:latest   local       nomic-embed-text  embedding                8192",
			],
		},
		{
			kind: "a context longer than its title",
			routes: [route("m", "u", "m", ["completion"], 1_048_576)],
			expected: [
				"MODEL  UPSTREAM  UPSTREAM ID  CAPABILITIES  CONTEXT",
				"m      u         m            completion    1048576",
			],
		},
	])("$kind", ({ routes, expected }) => {
		expect(modelTable(routes)).toBe(expected.join("\n"));
	});

	test("no line ends in a space", () => {
		const table = modelTable([route("x", "u", "x", [], 5), route("a-much-longer-name", "u", "y", ["tools"], 7)]);
		for (const line of table.split("\n")) expect(line).toBe(line.trimEnd());
	});
});

describe("upstreamLines: one line per upstream, listed or unavailable", () => {
	test.each<{ kind: string; statuses: UpstreamStatus[]; expected: string[] }>([
		{ kind: "none", statuses: [], expected: [] },
		{
			kind: "listed and unavailable",
			statuses: [
				{ name: "openai", models: 42, ok: true, ageMs: 5 },
				{ name: "local", models: 0, ok: false, error: "upstream unreachable: ECONNREFUSED" },
				{ name: "empty", models: 0, ok: true },
			],
			expected: [
				"upstream openai: 42 models listed",
				"upstream local: unavailable: upstream unreachable: ECONNREFUSED",
				"upstream empty: 0 models listed",
			],
		},
	])("$kind", ({ statuses, expected }) => {
		expect(upstreamLines(statuses)).toEqual(expected);
	});
});

describe("warnings: overrides that match nothing and fallbacks to unlisted models", () => {
	const routes = [
		route("gpt-4o:latest", "openai", "gpt-4o", ["completion"], 1),
		route("coder:v2", "openai", "coder", ["completion"], 1),
	];
	const model = (m: Partial<ModelConfig> & { name: string }): ModelConfig => ({ params: {}, fallbacks: [], ...m });
	const settings = (models: ModelConfig[]) => ({ models }) as unknown as Settings;

	test.each<{ kind: string; models: ModelConfig[]; expected: string[] }>([
		{ kind: "no models configured", models: [], expected: [] },
		{ kind: "an override of a listed model", models: [model({ name: "gpt-4o" })], expected: [] },
		{ kind: "an override naming the :latest tag", models: [model({ name: "gpt-4o:latest" })], expected: [] },
		{ kind: "an override in other case", models: [model({ name: "GPT-4O" })], expected: [] },
		{ kind: "an override with another tag", models: [model({ name: "coder:v2" })], expected: [] },
		{
			kind: "an override of nothing listed",
			models: [model({ name: "gpt-5" })],
			expected: ["model 'gpt-5' overrides no listed model"],
		},
		{
			kind: "an override of a tag not listed",
			models: [model({ name: "coder" })],
			expected: ["model 'coder' overrides no listed model"],
		},
		{
			kind: "an alias with an upstream is never an override warning",
			models: [model({ name: "not-listed", upstream: "openai" })],
			expected: [],
		},
		{
			kind: "fallbacks: listed ones pass in any case or tag, unlisted ones warn",
			models: [model({ name: "gpt-4o", fallbacks: ["gpt-4o", "Coder:V2", "gpt-4o:latest", "gone", "coder"] })],
			expected: [
				"model 'gpt-4o' falls back to the unlisted model 'gone'",
				"model 'gpt-4o' falls back to the unlisted model 'coder'",
			],
		},
		{
			kind: "both warnings for one model, in order",
			models: [
				model({ name: "ghost", fallbacks: ["nowhere"] }),
				model({ name: "alias", upstream: "openai", fallbacks: ["also-nowhere"] }),
			],
			expected: [
				"model 'ghost' overrides no listed model",
				"model 'ghost' falls back to the unlisted model 'nowhere'",
				"model 'alias' falls back to the unlisted model 'also-nowhere'",
			],
		},
	])("$kind", ({ models, expected }) => {
		expect(warnings(settings(models), routes)).toEqual(expected);
	});
});

describe("validate: the report, against a loopback upstream", () => {
	let upstream: TestUpstream;
	let closedUrl: string;
	const log = pino({ level: "silent" });

	beforeAll(async () => {
		upstream = await startTestUpstream({
			models: [
				{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
				{ id: "text-embedding-3-small", object: "model", created: 1_705_948_997, owned_by: "system" },
			],
		});
		// A port that nothing listens on any more: connecting is refused at once.
		const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
		closedUrl = `http://127.0.0.1:${closed.port}/v1`;
		await closed.stop(true);
	});
	afterAll(() => upstream.stop());

	test("env-only, upstream up: valid, its count, the table", async () => {
		const settings = loadSettings({ env: { OPENAI_BASE_URL: upstream.url } });
		expect(await validate(settings, log)).toBe(
			[
				"environment: valid",
				"upstream default: 2 models listed",
				"",
				"MODEL                          UPSTREAM  UPSTREAM ID             CAPABILITIES             CONTEXT",
				"gpt-4o:latest                  default   gpt-4o                  completion,tools,vision  128000",
				"text-embedding-3-small:latest  default   text-embedding-3-small  embedding                8191",
				"",
			].join("\n"),
		);
	});

	test("a file with an upstream down: reported, warnings listed, the rest of the table kept", async () => {
		const yaml = [
			"upstreams:",
			"  - name: up",
			`    base_url: ${upstream.url}`,
			"  - name: down",
			`    base_url: ${closedUrl}`,
			"models:",
			"  - name: coder",
			"    upstream: up",
			"    id: gpt-4o",
			"    fallbacks: [gone, gpt-4o]",
			"  - name: ghost",
			"",
		].join("\n");
		const settings = loadSettings({ env: {}, flags: { config: "proxy.yaml" }, readFile: () => yaml });
		const report = (await validate(settings, log)).split("\n");
		expect(report[0]).toBe("configuration file proxy.yaml: valid");
		expect(report[1]).toBe("upstream up: 2 models listed");
		expect(report[2]).toStartWith("upstream down: unavailable: ");
		expect(report.slice(3)).toEqual([
			"warning: model 'coder' falls back to the unlisted model 'gone'",
			"warning: model 'ghost' overrides no listed model",
			"",
			"MODEL                          UPSTREAM  UPSTREAM ID             CAPABILITIES             CONTEXT",
			"coder:latest                   up        gpt-4o                  completion,tools,vision  128000",
			"gpt-4o:latest                  up        gpt-4o                  completion,tools,vision  128000",
			"text-embedding-3-small:latest  up        text-embedding-3-small  embedding                8191",
			"",
		]);
	});

	test("the only upstream down: the report says so and the table is empty, nothing thrown", async () => {
		const settings = loadSettings({ env: { OPENAI_BASE_URL: closedUrl, UPSTREAM_RETRIES: "0" } });
		const report = (await validate(settings, log)).split("\n");
		expect(report[0]).toBe("environment: valid");
		expect(report[1]).toStartWith("upstream default: unavailable: ");
		expect(report.slice(2)).toEqual(["", HEADER, ""]);
	});
});
