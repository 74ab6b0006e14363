/** What a reload logs as changed: key names only, and what would need a restart. */
import { describe, expect, test } from "bun:test";
import { configChanges } from "../../src/config/changes.ts";
import { loadSettings } from "../../src/config/settings.ts";

const load = (yaml: string, env: Record<string, string> = {}) =>
	loadSettings({ env, flags: { config: "c.yaml" }, readFile: () => yaml });
const base = `upstreams: [{ name: up, base_url: "http://127.0.0.1:9/v1" }]\n`;

describe("configChanges", () => {
	test("nothing changed", () => {
		expect(configChanges(load(base), load(base))).toEqual({});
	});

	test("keys by name: added, removed, changed (its text, models, admin or limits), never the text", () => {
		const before = load(`${base}keys:
  - { name: a, key: a-key-0123456789abcdef }
  - { name: b, key: b-key-0123456789abcdef }
  - { name: c, key: c-key-0123456789abcdef }
`);
		const after = load(`${base}keys:
  - { name: a, key: a-key-0123456789abcdef }
  - { name: c, key: c-key-changed-0123456789 }
  - { name: d, key: d-key-0123456789abcdef }
`);
		const changes = configChanges(before, after);
		expect(changes).toEqual({ keysAdded: ["d"], keysRemoved: ["b"], keysChanged: ["c"] });
		expect(JSON.stringify(changes)).not.toContain("key-");
	});

	test("limits, models, upstreams, and what only a restart applies", () => {
		const after = load(
			`upstreams: [{ name: up, base_url: "http://127.0.0.1:10/v1" }]
models: [{ name: m, upstream: up }]
limits: { concurrent: 2 }
listen: { port: 1234 }
max_upstream_connections: 10
`,
			{ REDIS_URL: "redis://127.0.0.1:6379" },
		);
		expect(configChanges(load(base), after)).toEqual({
			limits: true,
			upstreams: true,
			models: true,
			needRestart: ["listen", "state", "max_upstream_connections"],
		});
	});
});
