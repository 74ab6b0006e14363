/** The limits' settings: keys' own limits and admin flag, top-level defaults, where counters live. */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/env.ts";
import { loadSettings } from "../../src/config/settings.ts";

const UPSTREAM = `upstreams: [{ name: up, base_url: "http://127.0.0.1:9/v1" }]\n`;
const load = (yaml: string, env: Record<string, string> = {}) =>
	loadSettings({ env, flags: { config: "l.yaml" }, readFile: () => UPSTREAM + yaml });

describe("limits and state in the configuration file", () => {
	test("keys with limits and admin, top-level limits, Redis and replicas", () => {
		const settings = load(`
keys:
  - { name: alice, key: alice-key-0123456789, models: ["coder*"], limits: { requests_per_minute: 60, tokens_per_minute: 200000, concurrent: 4, tokens_per_day: 5000000, tokens_per_month: 100000000 } }
  - { name: ops, key: ops-key-0123456789ab, admin: true }
limits: { requests_per_minute: 10 }
state: { redis_url: "redis://127.0.0.1:6379", replicas: 3 }
`);
		expect(settings.keys?.[0]?.limits).toEqual({
			requests_per_minute: 60,
			tokens_per_minute: 200_000,
			concurrent: 4,
			tokens_per_day: 5_000_000,
			tokens_per_month: 100_000_000,
		});
		expect(settings.keys?.[1]?.admin).toBe(true);
		expect(settings.limits).toEqual({ requests_per_minute: 10 });
		expect(settings.state).toEqual({ redisUrl: "redis://127.0.0.1:6379", replicas: 3 });
	});

	test("REDIS_URL in the environment wins over the file, as every other variable does", () => {
		const settings = load(`state: { redis_url: "redis://file:6379" }\n`, { REDIS_URL: "redis://env:6379" });
		expect(settings.state).toEqual({ redisUrl: "redis://env:6379", replicas: 1 });
		expect(loadSettings({ env: { REDIS_URL: "rediss://env:6380" } }).state.redisUrl).toBe("rediss://env:6380");
	});

	test.each([
		["limits: { requests_per_minute: 0 }\n", "invalid configuration file l.yaml: limits.requests_per_minute"],
		["limits: { per_hour: 5 }\n", "invalid configuration file l.yaml: limits: Unrecognized key"],
		["state: { redis_url: 'http://x' }\n", "invalid configuration file l.yaml: state.redis_url"],
		["state: { replicas: 0 }\n", "invalid configuration file l.yaml: state.replicas"],
		[
			"keys: [{ name: a, key: a-key-0123456789abc }, { name: a, key: b-key-0123456789abc }]\n",
			"keys: the name 'a' is used twice",
		],
		[
			"keys: [{ key: a-key-0123456789abc }, { name: key-1, key: b-key-0123456789abc }]\n",
			"keys: the name 'key-1' is used twice",
		],
	])("%p is refused", (yaml, message) => {
		expect(() => load(yaml)).toThrow(ConfigError);
		expect(() => load(yaml)).toThrow(message);
	});

	test("a bad REDIS_URL names the variable", () => {
		expect(() => loadSettings({ env: { REDIS_URL: "localhost:6379" } })).toThrow("invalid configuration: REDIS_URL");
	});
});
