/**
 * Property-based fuzzing of every route's body: random JSON, near-valid requests with wrong types, huge strings,
 * deep nesting, invalid UTF-8 and odd content types. Whatever comes in, the answer is never a 5xx and never a
 * crash: a 4xx carries a JSON `{"error"}` (OpenAI's shape on /v1), and the server keeps answering. On the agent
 * routes, what Anthropic's and OpenAI's APIs refuse (sampling out of range, no input, empty content) is a 400 that
 * never reaches the upstream.
 * FUZZ_RUNS sets the cases per route and arbitrary (default 1000: with three arbitraries, 3000 cases a route).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createApp } from "../../src/app.ts";
import { loadSettings } from "../../src/config/settings.ts";
import { createLogger } from "../../src/log.ts";
import { buildDeps } from "../../src/server.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const ROUTES = [
	"/api/chat",
	"/api/generate",
	"/api/embed",
	"/api/embeddings",
	"/api/show",
	"/api/pull",
	"/api/push",
	"/api/create",
	"/v1/chat/completions",
	"/v1/completions",
	"/v1/embeddings",
	"/v1/messages",
	"/v1/responses",
];

let upstream: TestUpstream;
let app: ReturnType<typeof createApp>;
const tally = { requests: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
	upstream = await startTestUpstream();
	const settings = loadSettings({
		env: { OPENAI_BASE_URL: upstream.url, UPSTREAM_RETRIES: "0", MAX_BODY_BYTES: String(4 * 1024 * 1024) },
	});
	app = createApp(buildDeps(settings, createLogger("silent")));
});
afterAll(() => upstream.stop());

/** Sends one request through the app (no socket) and checks the one property every answer must have. */
async function probe(path: string, body: string | Uint8Array, contentType = "application/json") {
	const res = await app.handle(
		new Request(`http://proxy.test${path}`, { method: "POST", body, headers: { "content-type": contentType } }),
	);
	const text = await res.text();
	tally.requests++;
	tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
	if (res.status >= 500) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
	if (res.status >= 400) {
		const parsed = JSON.parse(text) as { error: unknown };
		const message = path.startsWith("/v1/") ? (parsed.error as { message: unknown }).message : parsed.error;
		if (typeof message !== "string" || message === "")
			throw new Error(`${path} ${res.status} without an error message`);
	}
}

const role = fc.oneof(fc.constantFrom("user", "system", "assistant", "tool", "USER", "wizard"), fc.anything());
const message = fc.record(
	{
		role,
		content: fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.array(fc.anything(), { maxLength: 2 })),
		images: fc.oneof(fc.array(fc.oneof(fc.base64String(), fc.string()), { maxLength: 2 }), fc.anything()),
		tool_calls: fc.anything(),
		tool_name: fc.oneof(fc.string(), fc.anything()),
	},
	{ requiredKeys: [] },
);
const nearValid = fc.record(
	{
		model: fc.oneof(
			fc.constantFrom("gpt-4o", "gpt-4o:latest", "text-embedding-3-small", ""),
			fc.string(),
			fc.anything(),
		),
		messages: fc.oneof(fc.array(message, { maxLength: 3 }), fc.anything()),
		prompt: fc.oneof(fc.string(), fc.anything()),
		input: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.anything()),
		stream: fc.oneof(fc.boolean(), fc.anything()),
		format: fc.oneof(fc.constantFrom("json", "", "yaml"), fc.object(), fc.anything()),
		options: fc.oneof(
			fc.object(),
			fc.record({ num_predict: fc.anything(), stop: fc.anything(), temperature: fc.anything() }),
			fc.anything(),
		),
		think: fc.oneof(fc.boolean(), fc.constantFrom("low", "max", "extreme"), fc.anything()),
		keep_alive: fc.oneof(fc.integer(), fc.constantFrom("5m", "0", "1d", "-1h30m"), fc.anything()),
		tools: fc.anything(),
		top_logprobs: fc.oneof(fc.integer({ min: -5, max: 30 }), fc.anything()),
		suffix: fc.oneof(fc.string(), fc.anything()),
		dimensions: fc.anything(),
		name: fc.anything(),
	},
	{ requiredKeys: [] },
);

describe.each(ROUTES)("POST %s", (path) => {
	test("random JSON values", async () => {
		await fc.assert(
			fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), (v) => probe(path, JSON.stringify(v))),
			{ numRuns: RUNS, seed: 42 },
		);
	});

	test("near-valid requests with wrong types", async () => {
		await fc.assert(
			fc.asyncProperty(nearValid, (v) => probe(path, JSON.stringify(v))),
			{ numRuns: RUNS, seed: 7 },
		);
	});

	test("text, invalid UTF-8 and odd content types", async () => {
		const contentType = fc.constantFrom(
			"application/json",
			"text/plain",
			"application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x",
			"application/octet-stream",
			"",
		);
		await fc.assert(
			fc.asyncProperty(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 })), contentType, (body, type) =>
				probe(path, body, type),
			),
			{ numRuns: RUNS, seed: 11 },
		);
	});

	test("huge strings and deep nesting", async () => {
		await probe(
			path,
			JSON.stringify({
				model: "gpt-4o",
				messages: [{ role: "user", content: "x".repeat(3_000_000) }],
				prompt: "y".repeat(1_000_000),
			}),
		);
		await probe(path, `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
		await probe(path, `{"model":"gpt-4o","format":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}`);
		await probe(path, JSON.stringify({ model: "x".repeat(100_000) }));
	});
});

/** Any finite number below 0 or above `max`, 1e308 among them (a JSON infinity would arrive as null, -0 as 0). */
const outside = (max: number) =>
	fc.oneof(
		fc.constant(1e308),
		fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true }),
		fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
	);
const said = fc.array(fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.string({ minLength: 1 }) }), {
	maxLength: 3,
});

/** Requests Anthropic's and OpenAI's APIs refuse (issue 19 §4), each on top of a valid one. */
const REFUSED = [
	[
		"/v1/messages",
		{ model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
		fc.oneof(
			fc.record({ temperature: outside(1) }),
			fc.record({ top_p: outside(1) }),
			fc.record({ top_k: fc.integer({ max: -1 }) }),
			fc.record({ max_tokens: fc.integer({ max: 0 }) }),
			fc.record({ messages: fc.constant([]) }),
			fc
				.tuple(said, fc.constantFrom("user", "system", "USER"), fc.constantFrom("", []))
				.map(([before, role, content]) => ({ messages: [...before, { role, content }] })),
		),
	],
	[
		"/v1/responses",
		{ model: "gpt-4o", input: "hi" },
		fc.oneof(
			fc.record({ temperature: outside(2) }),
			fc.record({ top_p: outside(1) }),
			fc.constantFrom({ input: undefined }, { input: null }, { input: "" }, { input: [] }),
			fc.tuple(said, fc.constantFrom("user", "system", "developer"), fc.boolean()).map(([before, role, typed]) => ({
				input: [...before, { ...(typed && { type: "message" }), role, content: [] }],
			})),
		),
	],
] as const;

describe.each(REFUSED)("POST %s: what the real API refuses never reaches the upstream", (path, valid, refused) => {
	test("a 400 with a message, and no upstream call", async () => {
		await fc.assert(
			fc.asyncProperty(refused, async (fields) => {
				const sent = upstream.requests.length;
				const res = await app.handle(
					new Request(`http://proxy.test${path}`, {
						method: "POST",
						body: JSON.stringify({ ...valid, ...fields }),
						headers: { "content-type": "application/json" },
					}),
				);
				const body = (await res.json()) as { error: { message: unknown } };
				tally.requests++;
				tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
				if (res.status !== 400 || typeof body.error.message !== "string" || body.error.message === "")
					throw new Error(`${path} ${JSON.stringify(fields)} answered ${res.status}: ${JSON.stringify(body)}`);
				if (upstream.requests.length !== sent)
					throw new Error(`${path} ${JSON.stringify(fields)} reached the upstream`);
			}),
			{ numRuns: RUNS, seed: 19 },
		);
	});
});

describe("after the fuzzing", () => {
	test("the server still answers, and nothing was a 5xx", async () => {
		const res = await app.handle(new Request("http://proxy.test/health"));
		expect(res.status).toBe(200);
		expect([...tally.byStatus.keys()].filter((s) => s >= 500)).toEqual([]);
		expect(tally.requests).toBeGreaterThan(ROUTES.length * RUNS * 3);
		const statuses = Object.fromEntries([...tally.byStatus].sort(([a], [b]) => a - b));
		console.log(`fuzz: ${tally.requests} requests over ${ROUTES.length} routes, statuses ${JSON.stringify(statuses)}`);
	});
});
