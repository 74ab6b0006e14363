/** Pattern aliases in the model registry: `models[]` entries named by a glob serve the names no listed model has. */
import { describe, expect, test } from "bun:test";
import pino from "pino";
import { loadSettings } from "../../src/config/settings.ts";
import { modelRegistry } from "../../src/routing/model-registry.ts";
import type { DiscoveredModel, Upstream } from "../../src/upstream/upstream.ts";

const LISTS: Record<string, DiscoveredModel[]> = {
	alpha: [
		{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
		{ id: "claude-local", object: "model", created: 1_715_367_049, owned_by: "system" },
	],
	beta: [{ id: "qwen/qwen3-coder", object: "model", created: 1_753_000_000, owned_by: "vllm" }],
};

const CONFIG = `
upstreams:
  - name: alpha
    base_url: http://alpha.invalid/v1
  - name: beta
    base_url: http://beta.invalid/v1
    prefix: "beta/"
models:
  - name: coder
    upstream: beta
    id: qwen/qwen3-coder
    context_length: 131072
    params:
      max_tokens: { force: 16384 }
    fallbacks: [gpt-4o]
  - name: claude-haiku-*
    target: coder
  - name: claude-*
    upstream: alpha
    id: gpt-4o
    context_length: 64000
    fallbacks: [coder]
  - name: gpt-?
    upstream: beta
    id: qwen/qwen3-coder
  - name: ghost-*
    target: not-listed-anywhere
`;

function registryFor(yaml = CONFIG) {
	const settings = loadSettings({ env: {}, flags: { config: "globs.yaml" }, readFile: () => yaml });
	const upstreams = new Map(
		settings.upstreams.map((u) => [
			u.name,
			{
				name: u.name,
				kind: "openai",
				dialect: "openai",
				listModels: async () => LISTS[u.name] ?? [],
			} as unknown as Upstream,
		]),
	);
	return modelRegistry({ settings, upstreams, log: pino({ level: "silent" }) });
}

const summary = async (registry: ReturnType<typeof registryFor>, name: string) => {
	const route = await registry.resolve(name);
	return (
		route && {
			name: route.name,
			factsName: route.facts.name,
			upstream: route.upstream.name,
			id: route.facts.id,
			contextLength: route.facts.contextLength,
			params: route.params,
			fallbacks: route.fallbacks,
			pattern: route.pattern,
		}
	);
};

describe("glob entries resolve the names no listed model has", () => {
	const registry = registryFor();

	test.each<{ kind: string; asked: string; expected: Record<string, unknown> | undefined }>([
		{
			kind: "a target alias is its target's route under the client's name",
			asked: "claude-haiku-4-5-20251001",
			expected: {
				name: "claude-haiku-4-5-20251001:latest",
				factsName: "claude-haiku-4-5-20251001:latest",
				upstream: "beta",
				id: "qwen/qwen3-coder",
				contextLength: 131_072,
				params: { max_tokens: { force: 16384 } },
				fallbacks: ["gpt-4o"],
				pattern: "claude-haiku-*",
			},
		},
		{
			kind: "an upstream alias has its own id and settings; the first matching glob in file order wins",
			asked: "claude-sonnet-4-5",
			expected: {
				name: "claude-sonnet-4-5:latest",
				factsName: "claude-sonnet-4-5:latest",
				upstream: "alpha",
				id: "gpt-4o",
				contextLength: 64_000,
				params: {},
				fallbacks: ["coder"],
				pattern: "claude-*",
			},
		},
		{
			kind: "a name with its tag keeps the tag",
			asked: "claude-opus:4",
			expected: expect.objectContaining({ name: "claude-opus:4", upstream: "alpha", pattern: "claude-*" }),
		},
		{
			kind: "? matches the name without its :latest tag",
			asked: "gpt-5:latest",
			expected: expect.objectContaining({ name: "gpt-5:latest", upstream: "beta", pattern: "gpt-?" }),
		},
		{
			kind: "matching ignores case",
			asked: "CLAUDE-HAIKU-3",
			expected: expect.objectContaining({ name: "CLAUDE-HAIKU-3:latest", upstream: "beta", pattern: "claude-haiku-*" }),
		},
		{
			kind: "an exact discovered name wins over a glob that matches it",
			asked: "claude-local",
			expected: expect.objectContaining({ name: "claude-local:latest", upstream: "alpha", id: "claude-local" }),
		},
		{
			kind: "an exact alias wins over a glob",
			asked: "gpt-4o",
			expected: expect.objectContaining({ name: "gpt-4o:latest", upstream: "alpha", id: "gpt-4o", pattern: undefined }),
		},
		{ kind: "? is one character, not two", asked: "gpt-10", expected: undefined },
		{ kind: "a glob whose target is not listed serves nothing", asked: "ghost-1", expected: undefined },
		{ kind: "a name no glob matches", asked: "mistral", expected: undefined },
		{ kind: "the empty name matches no glob", asked: "", expected: undefined },
	])("$kind: $asked", async ({ asked, expected }) => {
		expect(await summary(registry, asked)).toEqual(expected as never);
	});

	test("glob entries are never listed", async () => {
		expect((await registry.list()).map((r) => r.name)).toEqual([
			"coder:latest",
			"beta/qwen/qwen3-coder:latest",
			"claude-local:latest",
			"gpt-4o:latest",
		]);
	});

	test("globs() gives every glob entry in file order with what it reaches now", async () => {
		const globs = (await registry.globs()).map((g) => ({
			pattern: g.pattern,
			target: g.target,
			upstream: g.route?.upstream.name,
			id: g.route?.facts.id,
		}));
		expect(globs).toEqual([
			{ pattern: "claude-haiku-*", target: "coder", upstream: "beta", id: "qwen/qwen3-coder" },
			{ pattern: "claude-*", target: undefined, upstream: "alpha", id: "gpt-4o" },
			{ pattern: "gpt-?", target: undefined, upstream: "beta", id: "qwen/qwen3-coder" },
			{ pattern: "ghost-*", target: "not-listed-anywhere", upstream: undefined, id: undefined },
		]);
	});

	test("a catch-all * target serves every unknown name, exact names still first", async () => {
		const catchAll = registryFor(`
upstreams:
  - name: alpha
    base_url: http://alpha.invalid/v1
models:
  - name: "*"
    target: gpt-4o
`);
		expect((await catchAll.resolve("anything/at:all"))?.facts.id).toBe("gpt-4o");
		expect((await catchAll.resolve("claude-local"))?.facts.id).toBe("claude-local");
		expect((await catchAll.list()).map((r) => r.name)).toEqual(["claude-local:latest", "gpt-4o:latest"]);
	});
});
