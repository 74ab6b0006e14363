import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { ndjsonLines, stable, startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, fakeVector, startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;
let ollama: Ollama;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url);
	ollama = new Ollama({ host: proxy.url });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const METRICS =
	'"total_duration":1,"load_duration":1,"prompt_eval_count":7,"prompt_eval_duration":1,"eval_count":2,"eval_duration":1';

describe("POST /api/generate", () => {
	test("streamed: response fragments, then the final object with context [] and the metrics", async () => {
		const res = await proxy.post("/api/generate", { model: "gpt-4o", prompt: "hi", system: "be brief" });
		expect(res.headers.get("content-type")).toBe("application/x-ndjson");
		const text = await res.text();
		ndjsonLines(text);
		expect(stable(text)).toBe(
			[
				'{"model":"gpt-4o","created_at":"T","response":"Hello","done":false}',
				'{"model":"gpt-4o","created_at":"T","response":" world","done":false}',
				`{"model":"gpt-4o","created_at":"T","response":"","done":true,"done_reason":"stop","context":[],${METRICS}}`,
				"",
			].join("\n"),
		);
		expect(upstream.lastBody().messages).toEqual([
			{ role: "system", content: "be brief" },
			{ role: "user", content: "hi" },
		]);
	});

	test("stream:false: one object with the whole response (ollama client)", async () => {
		const res = await proxy.post("/api/generate", { model: "gpt-4o", prompt: "hi", stream: false });
		expect(stable(await res.text())).toBe(
			`{"model":"gpt-4o","created_at":"T","response":"Hello world","done":true,"done_reason":"stop","context":[],${METRICS}}`,
		);
		expect(upstream.lastBody()).toEqual({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: false,
		});
		const reply = await ollama.generate({ model: "gpt-4o", prompt: "hi" });
		expect(reply.response).toBe("Hello world");
		expect(reply.context).toEqual([]);
	});

	test("reasoning goes to the top-level thinking field", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [chunk({ reasoning_content: "let me see" }), chunk({ content: "4" }), chunk({}, "stop")],
		});
		const reply = await ollama.generate({ model: "gpt-4o", prompt: "2+2" });
		expect(reply.thinking).toBe("let me see");
		expect(reply.response).toBe("4");
	});

	test.each([
		[{ model: "gpt-4o" }, "load"],
		[{ model: "gpt-4o", prompt: "", keep_alive: 0 }, "unload"],
	])("%j → done_reason %s", async (body, reason) => {
		const res = await proxy.post("/api/generate", body);
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(stable(await res.text())).toBe(
			`{"model":"gpt-4o","created_at":"T","response":"","done":true,"done_reason":"${reason}"}`,
		);
	});

	test.each([
		[{ model: "", prompt: "hi" }, 404, "model '' not found"],
		[{ prompt: "hi" }, 400, "model is required"],
		[{ model: "nope", prompt: "hi" }, 404, "model 'nope' not found"],
		[{ model: "gpt-4o", prompt: "x", suffix: "y" }, 400, "gpt-4o does not support insert"],
		[
			{ model: "gpt-4o", prompt: "x", raw: true, system: "s" },
			400,
			"raw mode does not support template, system, or context",
		],
		[{ model: "gpt-4o", prompt: "x", keep_alive: "1d" }, 400, 'keep_alive: time: invalid duration "1d"'],
		[
			{ model: "gpt-4o", prompt: "x", think: "extreme" },
			400,
			'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)',
		],
		[{ model: "gpt-4o", prompt: "x", top_logprobs: 21 }, 400, "top_logprobs must be between 0 and 20"],
	])("%j → %i %s", async (body, status, error) => {
		const res = await proxy.post("/api/generate", body);
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual({ error });
	});
});

describe("POST /api/embed", () => {
	const unit = (v: number[]) => {
		const n = Math.hypot(...v);
		return v.map((x) => x / n);
	};

	test("a batch: L2-normalised vectors in input order, with the metrics clients require", async () => {
		const res = await proxy.post("/api/embed", { model: "text-embedding-3-small", input: ["a", "bb"] });
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toEqual({
			model: "text-embedding-3-small",
			embeddings: [unit(fakeVector("a")), unit(fakeVector("bb"))],
			total_duration: expect.any(Number),
			load_duration: expect.any(Number),
			prompt_eval_count: 6,
		});
		expect(upstream.lastBody("/v1/embeddings")).toEqual({
			model: "text-embedding-3-small",
			input: ["a", "bb"],
			encoding_format: "float",
		});
	});

	test("one string, and dimensions applied as Ollama does (truncated, re-normalised) without asking the upstream", async () => {
		const reply = await ollama.embed({ model: "text-embedding-3-small", input: "abc", dimensions: 2 });
		expect(reply.embeddings).toEqual([unit(fakeVector("abc").slice(0, 2))]);
		expect(upstream.lastBody("/v1/embeddings").dimensions).toBeUndefined();
	});

	test.each([[""], [[]]])("empty input %j → no vectors, no upstream call", async (input) => {
		const res = await proxy.post("/api/embed", { model: "text-embedding-3-small", input });
		expect(await res.json()).toEqual({ model: "text-embedding-3-small", embeddings: [] });
		expect(upstream.countOf("/v1/embeddings")).toBe(0);
	});

	test.each([
		[{ model: "text-embedding-3-small", input: 5 }, 400, "invalid input type"],
		[{ model: "nope", input: "a" }, 404, 'model "nope" not found, try pulling it first'],
		[{ input: "a" }, 400, "model is required"],
	])("%j → %i", async (body, status, error) => {
		const res = await proxy.post("/api/embed", body);
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual({ error });
	});
});

describe("POST /api/embeddings (legacy)", () => {
	test("exactly {embedding}, not normalised", async () => {
		const res = await proxy.post("/api/embeddings", { model: "text-embedding-3-small", prompt: "abc" });
		expect(await res.text()).toBe(JSON.stringify({ embedding: fakeVector("abc") }));
		expect((await ollama.embeddings({ model: "text-embedding-3-small", prompt: "abc" })).embedding).toEqual(
			fakeVector("abc"),
		);
	});

	test("an empty prompt is an empty vector", async () => {
		const res = await proxy.post("/api/embeddings", { model: "text-embedding-3-small", prompt: "" });
		expect(await res.json()).toEqual({ embedding: [] });
	});
});
