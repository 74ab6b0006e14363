/** A refusal as the client sees it, and who gets which limits. */
import { describe, expect, test } from "bun:test";
import { loadSettings } from "../../src/config/settings.ts";
import { ANONYMOUS, keyPolicy, usageModelName } from "../../src/limits/key-limits.ts";
import { refusalError } from "../../src/limits/refusal-error.ts";

describe("refusalError", () => {
	test.each([
		["requests_per_minute", "requests"],
		["concurrent", "requests"],
		["tokens_per_minute", "tokens"],
		["tokens_per_day", "tokens"],
		["tokens_per_month", "tokens"],
	] as const)("%s is a 429 counting %s, with the limit's headers", (limit, counted) => {
		const error = refusalError({ limit, limitValue: 60, retryAfterSeconds: 2, resetSeconds: 59 });
		expect(error.status).toBe(429);
		expect(error.limitType).toBe(counted);
		expect(error.code).toBe("rate_limit_exceeded");
		expect(error.message).toBe(
			`rate limit exceeded: ${limit} (60) reached for this API key; try again in 2s, fully reset in 59s`,
		);
		expect(error.headers).toEqual({
			"retry-after": "2",
			"x-ratelimit-limit": "60",
			"x-ratelimit-remaining": "0",
			"x-ratelimit-reset": "59",
		});
	});
});

describe("keyPolicy", () => {
	const yaml = `
upstreams: [{ name: up, base_url: "http://127.0.0.1:9/v1" }]
keys:
  - { name: alice, key: alice-key-0123456789, limits: { requests_per_minute: 5, concurrent: 2 } }
  - { key: second-key-0123456789 }
  - { name: ops, key: ops-key-0123456789ab, admin: true }
limits: { requests_per_minute: 60, tokens_per_day: 1000 }
`;
	const policy = keyPolicy(loadSettings({ env: {}, flags: { config: "k.yaml" }, readFile: () => yaml }));

	test("a key's own limits replace the top-level ones field by field", () => {
		expect(policy.limitsOf("alice")).toEqual({ requests_per_minute: 5, concurrent: 2, tokens_per_day: 1000 });
	});

	test("a key without its own, an unnamed key (key-<position>) and an unknown name take the top-level set", () => {
		expect(policy.limitsOf("key-2")).toEqual({ requests_per_minute: 60, tokens_per_day: 1000 });
		expect(policy.limitsOf(ANONYMOUS)).toEqual({ requests_per_minute: 60, tokens_per_day: 1000 });
	});

	test("only keys marked admin are admins", () => {
		expect([policy.isAdmin("ops"), policy.isAdmin("alice"), policy.isAdmin("key-2")]).toEqual([true, false, false]);
	});

	test("without keys or limits every caller is unlimited", () => {
		const bare = keyPolicy(loadSettings({ env: {} }));
		expect(bare.limitsOf(ANONYMOUS)).toEqual({});
		expect(bare.isAdmin(ANONYMOUS)).toBe(false);
	});

	test.each([
		["coder", "coder"],
		["coder:latest", "coder"],
		["coder:7b", "coder:7b"],
	])("usage counts %s as %s", (model, counted) => {
		expect(usageModelName(model)).toBe(counted);
	});
});
