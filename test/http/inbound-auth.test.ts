import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import pino from "pino";
import type { KeyConfig } from "../../src/config/file.ts";
import type { ProxyError } from "../../src/core/proxy-error.ts";
import { inboundAuth, keyMatcher, presentedKey } from "../../src/http/inbound-auth.ts";
import { requestLog } from "../../src/http/request-context.ts";

describe("presentedKey: Authorization: Bearer, else x-api-key", () => {
	test.each<{ kind: string; headers: Record<string, string>; expected: string | undefined }>([
		{ kind: "neither header", headers: {}, expected: undefined },
		{ kind: "Bearer", headers: { authorization: "Bearer sk-abc" }, expected: "sk-abc" },
		{ kind: "bearer in lower case", headers: { authorization: "bearer sk-abc" }, expected: "sk-abc" },
		{ kind: "BEARER in capitals", headers: { authorization: "BEARER sk-abc" }, expected: "sk-abc" },
		{ kind: "several spaces after Bearer", headers: { authorization: "Bearer    sk-abc" }, expected: "sk-abc" },
		{ kind: "a tab after Bearer", headers: { authorization: "Bearer\tsk-abc" }, expected: "sk-abc" },
		{ kind: "spaces around the whole value", headers: { authorization: "  Bearer sk-abc  " }, expected: "sk-abc" },
		{ kind: "a key with an inner space is kept whole", headers: { authorization: "Bearer a b" }, expected: "a b" },
		{ kind: "Bearer without a key", headers: { authorization: "Bearer" }, expected: undefined },
		{ kind: "Bearer and only spaces", headers: { authorization: "Bearer     " }, expected: undefined },
		{ kind: "Bearer glued to the key", headers: { authorization: "Bearersk-abc" }, expected: undefined },
		{ kind: "another scheme", headers: { authorization: "Basic dXNlcjpwYXNz" }, expected: undefined },
		{ kind: "an empty authorization", headers: { authorization: "" }, expected: undefined },
		{ kind: "x-api-key", headers: { "x-api-key": "sk-xyz" }, expected: "sk-xyz" },
		{ kind: "X-Api-Key in any case", headers: { "X-API-KEY": "sk-xyz" }, expected: "sk-xyz" },
		{ kind: "x-api-key with spaces around", headers: { "x-api-key": "  sk-xyz  " }, expected: "sk-xyz" },
		{ kind: "an empty x-api-key", headers: { "x-api-key": "" }, expected: undefined },
		{ kind: "a blank x-api-key", headers: { "x-api-key": "   " }, expected: undefined },
		{
			kind: "both: Bearer wins",
			headers: { authorization: "Bearer from-bearer", "x-api-key": "from-x-api-key" },
			expected: "from-bearer",
		},
		{
			kind: "another scheme and x-api-key: x-api-key",
			headers: { authorization: "Basic abc", "x-api-key": "from-x-api-key" },
			expected: "from-x-api-key",
		},
		{
			kind: "an empty Bearer and x-api-key: x-api-key",
			headers: { authorization: "Bearer   ", "x-api-key": "from-x-api-key" },
			expected: "from-x-api-key",
		},
	])("$kind → $expected", ({ headers, expected }) => {
		expect(presentedKey(new Headers(headers))).toBe(expected);
	});
});

const LAPTOP = "laptop-key-0123456789";
const CI = "ci-key-0123456789abc";
const THIRD = "third-key-0123456789";
const KEYS: KeyConfig[] = [
	{ key: LAPTOP, name: "laptop", models: ["gpt-*", "claude-?"] },
	{ key: CI, models: ["*"] },
	{ key: THIRD, models: [] },
];

describe("keyMatcher: the configured key equal to the one presented", () => {
	const match = keyMatcher(KEYS);

	test.each<{ kind: string; presented: string; name: string | undefined }>([
		{ kind: "the first key, by its name", presented: LAPTOP, name: "laptop" },
		{ kind: "an unnamed second key: key-2", presented: CI, name: "key-2" },
		{ kind: "an unnamed third key: key-3", presented: THIRD, name: "key-3" },
		{ kind: "a wrong key", presented: "wrong-key-0123456789", name: undefined },
		{ kind: "a prefix of a key", presented: LAPTOP.slice(0, -1), name: undefined },
		{ kind: "a key with something after it", presented: `${LAPTOP}x`, name: undefined },
		{ kind: "a key in other case", presented: LAPTOP.toUpperCase(), name: undefined },
		{ kind: "a key with a space after it", presented: `${CI} `, name: undefined },
		{ kind: "the empty string", presented: "", name: undefined },
		{ kind: "two keys run together", presented: LAPTOP + CI, name: undefined },
	])("$kind → $name", ({ presented, name }) => {
		expect(match(presented)?.name).toBe(name);
	});

	test.each<{ presented: string; model: string; allowed: boolean }>([
		{ presented: LAPTOP, model: "gpt-4o:latest", allowed: true },
		{ presented: LAPTOP, model: "GPT-4.1", allowed: true },
		{ presented: LAPTOP, model: "claude-3", allowed: true },
		{ presented: LAPTOP, model: "claude-35", allowed: false },
		{ presented: LAPTOP, model: "o3", allowed: false },
		{ presented: CI, model: "anything/at:all", allowed: true },
		{ presented: THIRD, model: "gpt-4o", allowed: false },
	])(".allows: $presented may use '$model' → $allowed", ({ presented, model, allowed }) => {
		expect(match(presented)?.allows(model)).toBe(allowed);
	});

	test("the same key configured twice: the first entry wins", () => {
		const twice = keyMatcher([
			{ key: LAPTOP, name: "first", models: ["*"] },
			{ key: LAPTOP, name: "second", models: ["*"] },
		]);
		expect(twice(LAPTOP)?.name).toBe("first");
	});

	test("no keys configured: nothing matches", () => {
		expect(keyMatcher([])(LAPTOP)).toBeUndefined();
	});
});

describe("inboundAuth: the Elysia plugin", () => {
	function app(keys: KeyConfig[] | undefined) {
		const requests = requestLog(pino({ level: "silent" }));
		const rejected: Array<[string, number, string]> = [];
		const reject = (pathname: string, error: ProxyError) => {
			rejected.push([pathname, error.status, error.message]);
			return Response.json({ error: error.message }, { status: error.status });
		};
		const server = new Elysia().use(inboundAuth(keys, requests, reject)).all("/*", ({ request }) => {
			const record = requests.recordOf(request);
			return {
				key: record.keyName ?? null,
				allowsGpt: record.allows("gpt-4o"),
				status: record.status ?? null,
			};
		});
		const call = async (path: string, init: RequestInit = {}) => {
			const response = await server.handle(new Request(`http://proxy.test${path}`, init));
			return { status: response.status, body: (await response.json()) as Record<string, unknown> };
		};
		return { call, rejected };
	}

	test("no keys configured: every request passes, unauthenticated", async () => {
		const { call, rejected } = app(undefined);
		expect(await call("/api/chat", { method: "POST" })).toEqual({
			status: 200,
			body: { key: null, allowsGpt: true, status: null },
		});
		expect(rejected).toEqual([]);
	});

	test.each<{ path: string; method?: string }>([
		{ path: "/" },
		{ path: "/health" },
		{ path: "/health/ready" },
		{ path: "/swagger" },
		{ path: "/swagger/json" },
		{ path: "/api/chat", method: "OPTIONS" },
	])("keys configured: $method $path stays open", async ({ path, method = "GET" }) => {
		const { call, rejected } = app(KEYS);
		const { status, body } = await call(path, { method });
		expect(status).toBe(200);
		expect(body.key).toBeNull();
		expect(rejected).toEqual([]);
	});

	test.each<{ kind: string; path: string; headers: Record<string, string>; message: string }>([
		{ kind: "no key", path: "/api/tags", headers: {}, message: "an API key is required" },
		{ kind: "a wrong key", path: "/api/tags", headers: { authorization: "Bearer nope" }, message: "invalid API key" },
		{ kind: "a wrong x-api-key", path: "/v1/models", headers: { "x-api-key": "nope" }, message: "invalid API key" },
		{ kind: "a path that only starts like swagger", path: "/swaggerx", headers: {}, message: "an API key is required" },
		{ kind: "a path under health", path: "/health/other", headers: {}, message: "an API key is required" },
		{
			kind: "metrics, which name models and upstreams",
			path: "/metrics",
			headers: {},
			message: "an API key is required",
		},
	])("keys configured: $kind → 401 through reject", async ({ path, headers, message }) => {
		const { call, rejected } = app(KEYS);
		const { status, body } = await call(path, { headers });
		expect(status).toBe(401);
		expect(body).toEqual({ error: message });
		expect(rejected).toEqual([[path, 401, message]]);
	});

	test.each<{ kind: string; headers: Record<string, string>; key: string; allowsGpt: boolean }>([
		{ kind: "a named key as Bearer", headers: { authorization: `Bearer ${LAPTOP}` }, key: "laptop", allowsGpt: true },
		{ kind: "an unnamed key as x-api-key", headers: { "x-api-key": CI }, key: "key-2", allowsGpt: true },
		{ kind: "a key limited to no models", headers: { "x-api-key": THIRD }, key: "key-3", allowsGpt: false },
	])(
		"keys configured: $kind passes, and the record names the key and its models",
		async ({ headers, key, allowsGpt }) => {
			const { call, rejected } = app(KEYS);
			expect(await call("/api/chat", { method: "POST", headers })).toEqual({
				status: 200,
				body: { key, allowsGpt, status: null },
			});
			expect(rejected).toEqual([]);
		},
	);
});
