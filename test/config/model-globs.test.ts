/** How the configuration file takes glob model entries (pattern aliases), and the errors for the ones it cannot take. */
import { describe, expect, test } from "bun:test";
import { loadSettings, parseFileConfig } from "../../src/config/settings.ts";
import type { Route } from "../../src/routing/model-registry.ts";
import { globTable, warnings } from "../../src/validate.ts";

const parse = (models: string) =>
	parseFileConfig(
		`
upstreams:
  - name: alpha
    base_url: http://alpha.invalid/v1
models:
${models}`,
		{},
		"globs.yaml",
	);

describe("glob model entries", () => {
	test.each<{ kind: string; models: string }>([
		{ kind: "a target", models: "  - { name: claude-*, target: coder }" },
		{ kind: "an upstream and an id", models: "  - { name: claude-*, upstream: alpha, id: gpt-4o }" },
		{
			kind: "an upstream alias keeps its own settings",
			models: "  - { name: gpt-?, upstream: alpha, id: gpt-4o, context_length: 8192, fallbacks: [coder] }",
		},
		{ kind: "an exact alias as before", models: "  - { name: coder, upstream: alpha, id: gpt-4o }" },
	])("accepted: $kind", ({ models }) => {
		expect(() => parse(models)).not.toThrow();
	});

	test.each<{ kind: string; models: string; message: string }>([
		{
			kind: "a glob with neither target nor upstream",
			models: "  - { name: claude-* }",
			message: "models.0.target: a glob name needs target (the listed model it stands for), or upstream and id",
		},
		{
			kind: "a glob upstream alias without an id",
			models: "  - { name: claude-*, upstream: alpha }",
			message: "models.0.id: a glob name needs the id its upstream is asked for",
		},
		{
			kind: "both target and upstream",
			models: "  - { name: claude-*, upstream: alpha, id: gpt-4o, target: coder }",
			message: "models.0.target: a glob name takes target or upstream, not both",
		},
		{
			kind: "a target that is itself a glob",
			models: "  - { name: claude-*, target: gpt-* }",
			message: "models.0.target: target names one listed model, not a glob",
		},
		{
			kind: "a target on an exact name",
			models: "  - { name: claude-haiku, target: coder }",
			message: "models.0.target: target is for glob names (with * or ?); an exact name takes upstream and id",
		},
		{
			kind: "a target alias with settings of its own",
			models: "  - { name: claude-*, target: coder, context_length: 8192 }",
			message: "models.0.context_length: a target alias uses the settings of 'coder': set context_length there",
		},
		{
			kind: "a target alias with fallbacks of its own",
			models: "  - { name: claude-*, target: coder, fallbacks: [gpt-4o] }",
			message: "models.0.fallbacks: a target alias uses the settings of 'coder': set fallbacks there",
		},
		{
			kind: "a target alias with params of its own",
			models: "  - { name: claude-*, target: coder, params: { temperature: { max: 1 } } }",
			message: "models.0.params: a target alias uses the settings of 'coder': set params there",
		},
		{
			kind: "a target alias with an id",
			models: "  - { name: claude-*, target: coder, id: x }",
			message: "models.0.id: a target alias uses the settings of 'coder': set id there",
		},
		{
			kind: "a glob naming an unknown upstream",
			models: "  - { name: claude-*, upstream: nowhere, id: x }",
			message: "models: 'claude-*' names the unknown upstream 'nowhere'",
		},
	])("refused: $kind", ({ models, message }) => {
		expect(() => parse(models)).toThrow(message);
	});
});

describe("validate shows glob aliases after the model table", () => {
	const route = (upstream: string, id: string) => ({ upstream: { name: upstream }, facts: { id } }) as unknown as Route;

	test("one row per glob in file order: its target or -, the upstream and id it reaches, ? when unlisted", () => {
		expect(
			globTable([
				{ pattern: "claude-haiku-*", target: "coder", route: route("beta", "qwen/qwen3-coder") },
				{ pattern: "claude-*", route: route("alpha", "gpt-4o") },
				{ pattern: "ghost-*", target: "gone" },
			]).split("\n"),
		).toEqual([
			"GLOB            TARGET  UPSTREAM  UPSTREAM ID",
			"claude-haiku-*  coder   beta      qwen/qwen3-coder",
			"claude-*        -       alpha     gpt-4o",
			"ghost-*         gone    ?         ?",
		]);
	});

	test("a target that is not listed is a warning; a glob is never an override of nothing", () => {
		const settings = loadSettings({
			env: {},
			flags: { config: "globs.yaml" },
			readFile: () => `
upstreams:
  - { name: alpha, base_url: "http://alpha.invalid/v1" }
models:
  - { name: claude-haiku-*, target: coder }
  - { name: claude-*, target: gone }
  - { name: gpt-?, upstream: alpha, id: gpt-4o }
`,
		});
		const listed = [{ name: "coder:latest" }] as unknown as Route[];
		expect(warnings(settings, listed)).toEqual(["model 'claude-*' stands for the unlisted model 'gone'"]);
	});
});
