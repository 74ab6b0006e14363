import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { ndjsonLines, startProxy, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const KEY = "sk-proxy-secret-0123456789abcdef";
let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, {
		OPENAI_API_KEY: KEY,
		UPSTREAM_TIMEOUT_MS: "300",
		UPSTREAM_RETRIES: "0",
		MAX_BODY_BYTES: "4096",
	});
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const hello = { model: "gpt-4o", messages: [{ role: "user", content: "tell me a secret prompt" }] };

describe("upstream failures before the first byte are real statuses", () => {
	test.each([
		[
			{ kind: "json" as const, status: 500, body: { error: { message: "boom" } } },
			502,
			"upstream error (HTTP 500): boom",
			{},
		],
		[
			{ kind: "json" as const, status: 503, body: { error: { message: "overloaded" } } },
			502,
			"upstream error (HTTP 503): overloaded",
			{},
		],
		[
			{
				kind: "json" as const,
				status: 429,
				body: { error: { message: "slow down" } },
				headers: { "retry-after": "7" },
			},
			429,
			"upstream rate limit: slow down",
			{ "retry-after": "7" },
		],
		[
			{ kind: "json" as const, status: 404, body: { error: { message: "The model does not exist" } } },
			404,
			"model 'gpt-4o' not found",
			{},
		],
		[
			{ kind: "json" as const, status: 400, body: { error: { message: "max_tokens is too large" } } },
			400,
			"upstream rejected the request: max_tokens is too large",
			{},
		],
		[
			{ kind: "json" as const, status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } },
			502,
			"upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY",
			{},
		],
		[
			{ kind: "json" as const, status: 400, body: { error: { message: `bad request from key ${KEY}` } } },
			400,
			"upstream rejected the request: bad request from key [redacted]",
			{},
		],
	])("%j → %i", async (reply, status, error, headers) => {
		for (const stream of [true, false]) {
			upstream.enqueue("chat", reply);
			const res = await proxy.post("/api/chat", { ...hello, stream });
			expect(res.status).toBe(status);
			expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
			for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name)).toBe(value);
			const text = await res.text();
			expect(text).toBe(JSON.stringify({ error }));
			expect(text).not.toContain(KEY);
		}
	});

	test.each([[{ kind: "hang" as const }], [{ kind: "stream" as const, chunks: [], end: "hang" as const }]])(
		"%j → 504 after the connect and first-byte limits, plus one idle gap for a whole answer",
		async (reply) => {
			const timed = await startProxyWithConfig(
				`upstreams:\n  - name: up\n    base_url: ${upstream.url}\n    timeouts: { connect_ms: 300, first_byte_ms: 300, idle_ms: 300 }\n    retries: { max: 0 }\n`,
			);
			try {
				for (const [stream, limit] of [
					[true, 600],
					[false, 900],
				] as const) {
					upstream.enqueue("chat", reply);
					const res = await timed.post("/api/chat", { ...hello, stream });
					expect(res.status).toBe(504);
					expect(await res.text()).toBe(JSON.stringify({ error: `upstream did not answer within ${limit} ms` }));
				}
			} finally {
				timed.stop();
			}
		},
	);

	test("an unreachable upstream is a 502", async () => {
		const dead = await startProxy("http://127.0.0.1:9/v1");
		try {
			const res = await dead.post("/api/chat", hello);
			expect(res.status).toBe(502);
			expect(((await res.json()) as { error: string }).error).toStartWith("upstream unreachable");
			const tags = await fetch(`${dead.url}/api/tags`);
			expect(tags.status).toBe(502);
		} finally {
			dead.stop();
		}
	});
});

describe("upstream failures after the first byte end in an error line, never done:true", () => {
	test.each([
		[
			"a dropped connection",
			{ kind: "stream" as const, chunks: [chunk({ content: "par" })], end: "drop" as const },
			/^upstream/,
		],
		[
			"a malformed SSE line",
			{ kind: "stream" as const, chunks: [chunk({ content: "par" }), "data: {not json\n\n"] },
			/^upstream sent a malformed stream$/,
		],
		[
			"an error object inside the stream",
			{ kind: "stream" as const, chunks: [chunk({ content: "par" }), 'data: {"error":{"message":"overloaded"}}\n\n'] },
			/^upstream error: overloaded$/,
		],
		[
			"[DONE] without a finish reason",
			{ kind: "stream" as const, chunks: [chunk({ content: "par" })] },
			/^upstream stream ended before the answer was complete$/,
		],
		[
			"a close without [DONE] or a finish reason",
			{ kind: "stream" as const, chunks: [chunk({ content: "par" })], end: "close" as const },
			/^upstream stream ended before the answer was complete$/,
		],
	])("%s", async (_, reply, message) => {
		upstream.enqueue("chat", reply);
		const res = await proxy.post("/api/chat", hello);
		expect(res.status).toBe(200);
		const lines = ndjsonLines(await res.text());
		expect(lines[0]).toMatchObject({ message: { role: "assistant", content: "par" }, done: false });
		const last = lines.at(-1) as { error: string };
		expect(Object.keys(last)).toEqual(["error"]);
		expect(last.error).toMatch(message);
		expect(lines.some((l) => l.done === true)).toBe(false);
	});

	test("with stream:false the same cut is an error status, not a partial answer", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" });
		const res = await proxy.post("/api/chat", { ...hello, stream: false });
		expect(res.status).toBe(502);
		expect(((await res.json()) as { error: string }).error).toStartWith("upstream");
	});
});

describe("streams and time", () => {
	test("a slow stream is never cut once it has started: the timeout is for the first byte only", async () => {
		// Six 400 ms gaps outlast both 1 s limits together, while the first event comes long before either: a loaded
		// machine cannot make it late (the shared proxy's 300 ms left a gap of 200 ms only 100 ms to spare).
		const patient = await startProxy(upstream.url, { UPSTREAM_TIMEOUT_MS: "1000", UPSTREAM_RETRIES: "0" });
		try {
			upstream.enqueue("chat", { ...textStream(["a", "b", "c"]), gapMs: 400 } as never);
			const lines = ndjsonLines(await (await patient.post("/api/chat", hello)).text());
			expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
		} finally {
			patient.stop();
		}
	}, 20_000);

	test("a client that goes away aborts the upstream request", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const res = await proxy.post("/api/chat", hello, { signal: controller.signal });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		// The first line reaches the client while the upstream is still streaming: nothing waits for the end.
		const first = new TextDecoder().decode((await reader.read()).value);
		expect(first).toEndWith(',"message":{"role":"assistant","content":"x"},"done":false}\n');
		expect(upstream.state.open).toBe(1);
		const before = upstream.state.aborted;
		controller.abort();
		expect(await until(() => upstream.state.aborted > before)).toBe(true);
		expect(await until(() => upstream.state.open === 0)).toBe(true);
	});
});

describe("inbound bodies", () => {
	test("a body over MAX_BODY_BYTES is a 413 with a JSON error", async () => {
		const res = await proxy.post("/api/chat", { ...hello, padding: "x".repeat(5000) });
		expect(res.status).toBe(413);
		expect(await res.json()).toEqual({ error: "request body is larger than 4096 bytes" });
	});

	test("a chunked body over the limit is refused too", async () => {
		const big = JSON.stringify({ ...hello, padding: "x".repeat(5000) });
		const body = new ReadableStream({
			start(c) {
				c.enqueue(new TextEncoder().encode(big));
				c.close();
			},
		});
		const res = await fetch(`${proxy.url}/api/chat`, { method: "POST", body, duplex: "half" } as RequestInit);
		expect(res.status).toBe(413);
		expect(await res.json()).toEqual({ error: "request body is larger than 4096 bytes" });
	});

	test("a body sent as a form, as `curl -d` does, is read as JSON", async () => {
		const res = await proxy.post(
			"/api/chat",
			{ ...hello, stream: false },
			{
				headers: { "content-type": "application/x-www-form-urlencoded" },
			},
		);
		expect(res.status).toBe(200);
		expect(((await res.json()) as { message: unknown }).message).toEqual({ role: "assistant", content: "Hello world" });
	});

	test.each([
		["", 400, "missing request body"],
		["{not json", 400, "invalid JSON: JSON Parse error: Expected '}'"],
		['{"model":5}', 400, "model is required"],
		[
			'{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text"}]}]}',
			400,
			"messages.0.content: message content must be a string",
		],
		[
			'{"model":"gpt-4o","messages":[{"role":"wizard","content":"x"}]}',
			400,
			'messages.0.role: invalid message role "wizard"',
		],
	])("%s → %i", async (body, status, error) => {
		const res = await proxy.post("/api/chat", body);
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual({ error });
	});
});

describe("logs", () => {
	test("one line per request with id, route, model, status and stream figures; never the prompt or the key", async () => {
		const res = await proxy.post("/api/chat", hello, { headers: { "x-request-id": "log-probe-1" } });
		await res.text();
		expect(await until(() => proxy.logLines().some((l) => l.reqId === "log-probe-1"))).toBe(true);
		const line = proxy.logLines().find((l) => l.reqId === "log-probe-1");
		expect(line).toMatchObject({
			reqId: "log-probe-1",
			method: "POST",
			path: "/api/chat",
			model: "gpt-4o",
			status: 200,
			promptTokens: 7,
			evalTokens: 2,
			firstTokenMs: expect.any(Number),
			durationMs: expect.any(Number),
		});
		const all = proxy.logs.join("\n");
		expect(all).not.toContain("tell me a secret prompt");
		expect(all).not.toContain("Hello world");
		expect(all).not.toContain(KEY);
	});

	test("requests refused before any route (body too large, wrong inbound key) get their one line too", async () => {
		const big = await proxy.post("/api/chat", "x".repeat(5000), { headers: { "x-request-id": "log-probe-413" } });
		expect(big.status).toBe(413);
		const guarded = await startProxyWithConfig(
			`upstreams:\n  - name: up\n    base_url: ${upstream.url}\nkeys:\n  - key: team-inbound-key-0123456789\n`,
		);
		try {
			const refused = await guarded.post("/v1/messages", "{}", {
				headers: { authorization: "Bearer nope", "x-request-id": "log-probe-401" },
			});
			expect(refused.status).toBe(401);
			expect(guarded.logLines().filter((l) => l.reqId === "log-probe-401")).toEqual([
				expect.objectContaining({ method: "POST", path: "/v1/messages", status: 401 }),
			]);
		} finally {
			guarded.stop();
		}
		expect(proxy.logLines().filter((l) => l.reqId === "log-probe-413")).toEqual([
			expect.objectContaining({ method: "POST", path: "/api/chat", status: 413 }),
		]);
	});
});

// Bun checks idle sockets only every few seconds, so the gaps must be longer than that to prove anything.
describe("quiet streams outlive the server's idle timeout", () => {
	// Each case has its own upstream: the cases run side by side, and the shared one is reset between tests.
	test.concurrent.each([
		["/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }],
		["/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true }],
	])(
		"%s with 5 s gaps, behind a 1 s idle timeout",
		async (path, body) => {
			const own = await startTestUpstream();
			const quiet = await startProxy(own.url, { UPSTREAM_RETRIES: "0" }, { idleTimeoutSeconds: 1 });
			try {
				own.enqueue("chat", {
					kind: "stream",
					chunks: [chunk({ content: "a" }), chunk({ content: "b" }, "stop")],
					gapMs: 5000,
				});
				const text = await (await quiet.post(path, body)).text();
				expect(text).toContain(path === "/api/chat" ? '"done":true' : "data: [DONE]");
				expect(text).toContain('"b"');
			} finally {
				quiet.stop();
				own.stop();
			}
		},
		20_000,
	);
});
