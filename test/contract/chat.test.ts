import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { ndjsonLines, stable, startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream, textStream, usageChunk } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;
let ollama: Ollama;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, { OPENAI_API_KEY: "sk-test-key-0123456789" });
	ollama = new Ollama({ host: proxy.url });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const hello = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
const FINAL_METRICS =
	'"total_duration":1,"load_duration":1,"prompt_eval_count":7,"prompt_eval_duration":1,"eval_count":2,"eval_duration":1';

describe("POST /api/chat streamed (the default)", () => {
	test("NDJSON lines flushed per chunk, metrics only on the final done line", async () => {
		const res = await proxy.post("/api/chat", hello, { headers: { "content-type": "text/plain" } });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/x-ndjson");
		expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		const text = await res.text();
		ndjsonLines(text);
		expect(stable(text)).toBe(
			[
				'{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":"Hello"},"done":false}',
				'{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":" world"},"done":false}',
				`{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${FINAL_METRICS}}`,
				"",
			].join("\n"),
		);
	});

	test("the upstream is asked for a stream with usage, and the model by its upstream id", async () => {
		await (await proxy.post("/api/chat", { ...hello, model: "GPT-4o:latest" })).text();
		expect(upstream.lastBody()).toEqual({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: true,
			stream_options: { include_usage: true },
		});
	});

	test("the model is echoed as the client spelled it", async () => {
		const lines = ndjsonLines(await (await proxy.post("/api/chat", { ...hello, model: "GPT-4o:latest" })).text());
		expect(lines.map((l) => l.model)).toEqual(["GPT-4o:latest", "GPT-4o:latest", "GPT-4o:latest"]);
	});

	test("reasoning deltas become message.thinking", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_content: "hmm" }),
				chunk({ reasoning: " ok" }),
				chunk({ content: "42" }),
				chunk({}, "stop"),
			],
		});
		const lines = ndjsonLines(await (await proxy.post("/api/chat", hello)).text());
		expect(lines.map((l) => l.message)).toEqual([
			{ role: "assistant", content: "", thinking: "hmm" },
			{ role: "assistant", content: "", thinking: " ok" },
			{ role: "assistant", content: "42" },
			{ role: "assistant", content: "" },
		]);
	});

	test("finish_reason length becomes done_reason length", async () => {
		upstream.enqueue("chat", textStream(["a"], "length"));
		const lines = ndjsonLines(await (await proxy.post("/api/chat", hello)).text());
		expect(lines.at(-1)?.done_reason).toBe("length");
	});

	test("a stream that ends after its finish chunk without [DONE] is still a complete answer", async () => {
		upstream.enqueue("chat", { ...textStream(["a"]), end: "close" } as never);
		const lines = ndjsonLines(await (await proxy.post("/api/chat", hello)).text());
		expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
	});
});

describe("POST /api/chat with stream:false", () => {
	test("one JSON object with the whole answer and the metrics", async () => {
		const res = await proxy.post("/api/chat", { ...hello, stream: false });
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		const text = await res.text();
		expect(stable(text)).toBe(
			`{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":"Hello world"},"done":true,"done_reason":"stop",${FINAL_METRICS}}`,
		);
		// The whole answer is asked for: no stream to fold, and no stream_options, which OpenAI refuses without one.
		expect(upstream.lastBody()).toEqual({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: false,
		});
	});

	test("the official ollama client reads it", async () => {
		const reply = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
		expect(reply.message).toEqual({ role: "assistant", content: "Hello world" });
		expect(reply.done_reason).toBe("stop");
		expect(reply.prompt_eval_count).toBe(7);
		expect(reply.eval_count).toBe(2);
	});
});

describe("the official ollama client, streaming", () => {
	test("iterates the parts and ends on done", async () => {
		const parts = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
		const contents: string[] = [];
		for await (const part of parts) contents.push(part.message.content);
		expect(contents).toEqual(["Hello", " world", ""]);
	});

	test("a stream cut by the upstream throws instead of ending as if complete", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "partial" })], end: "drop" });
		const parts = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
		const seen: string[] = [];
		const run = async () => {
			for await (const part of parts) seen.push(part.message.content);
		};
		expect(run()).rejects.toThrow(/upstream/);
		await run().catch(() => {});
		expect(seen).toEqual(["partial"]);
	});
});

describe("load and unload", () => {
	test.each([
		[{ model: "gpt-4o" }, "load"],
		[{ model: "gpt-4o", messages: [] }, "load"],
		[{ model: "gpt-4o", messages: [], keep_alive: 0 }, "unload"],
		[{ model: "gpt-4o", messages: [], keep_alive: "0s" }, "unload"],
	])("%j → done_reason %s as one plain JSON object", async (body, reason) => {
		const res = await proxy.post("/api/chat", body);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(stable(await res.text())).toBe(
			`{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":""},"done":true,"done_reason":"${reason}"}`,
		);
		expect(upstream.countOf("/v1/chat/completions")).toBe(0);
	});

	test("an unknown model is 404 even for a load", async () => {
		const res = await proxy.post("/api/chat", { model: "nope", messages: [] });
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual({ error: "model 'nope' not found" });
	});
});

describe("options and fields sent upstream", () => {
	test("options map to OpenAI parameters; the rest is ignored without error", async () => {
		await (
			await proxy.post("/api/chat", {
				...hello,
				stream: false,
				options: {
					num_predict: 2,
					temperature: 0.2,
					top_p: 0.9,
					seed: 42,
					stop: ["zz"],
					frequency_penalty: 0.5,
					presence_penalty: 0.25,
					top_k: 40,
					mirostat: 1,
					num_ctx: 4096,
					num_gpu: null,
				},
				keep_alive: "5m",
				think: null,
				tools: [],
			})
		).text();
		expect(upstream.lastBody()).toEqual({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: false,
			max_tokens: 2,
			temperature: 0.2,
			top_p: 0.9,
			seed: 42,
			stop: ["zz"],
			frequency_penalty: 0.5,
			presence_penalty: 0.25,
		});
	});

	test("system, roles in any case, and assistant turns are kept in order", async () => {
		await (
			await proxy.post("/api/chat", {
				model: "gpt-4o",
				stream: false,
				messages: [
					{ role: "SYSTEM", content: "be brief" },
					{ role: "user", content: "hi" },
					{ role: "Assistant", content: "hello" },
					{ role: "user" },
				],
			})
		).text();
		expect(upstream.lastBody().messages).toEqual([
			{ role: "system", content: "be brief" },
			{ role: "user", content: "hi" },
			{ role: "assistant", content: "hello" },
			{ role: "user", content: "" },
		]);
	});
});

describe("tools", () => {
	const weather = {
		type: "function",
		function: {
			name: "get_weather",
			description: "Weather in a city",
			parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
		},
	};
	const toolCallStream = {
		kind: "stream" as const,
		chunks: [
			chunk({
				role: "assistant",
				tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: "get_weather", arguments: "" } }],
			}),
			chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
			chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
			chunk({}, "tool_calls"),
			usageChunk(20, 5),
		],
	};

	test("tools go upstream as OpenAI tools; streamed call fragments come back as one whole call", async () => {
		upstream.enqueue("chat", toolCallStream);
		const text = await (await proxy.post("/api/chat", { ...hello, tools: [weather] })).text();
		expect(upstream.lastBody().tools).toEqual([weather]);
		expect(stable(text)).toBe(
			[
				'{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_abc","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}',
				'{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1,"load_duration":1,"prompt_eval_count":20,"prompt_eval_duration":1,"eval_count":5,"eval_duration":1}',
				"",
			].join("\n"),
		);
	});

	test("stream:false carries the call in message.tool_calls (ollama client)", async () => {
		upstream.enqueue("chat", toolCallStream);
		const reply = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], tools: [weather] });
		expect(reply.message.tool_calls).toEqual([
			{ id: "call_abc", function: { index: 0, name: "get_weather", arguments: { city: "Paris" } } },
		] as never);
		expect(reply.done_reason).toBe("stop");
	});

	test("history without ids is repaired: ids synthesized, arguments as JSON strings, results matched", async () => {
		await (
			await proxy.post("/api/chat", {
				model: "gpt-4o",
				stream: false,
				messages: [
					{ role: "user", content: "weather?" },
					{
						role: "assistant",
						content: "",
						tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }],
					},
					{ role: "tool", tool_name: "get_weather", content: "sunny" },
				],
			})
		).text();
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: "weather?" },
			{
				role: "assistant",
				content: null,
				tool_calls: [
					{ id: "call_m1c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
				],
			},
			{ role: "tool", tool_call_id: "call_m1c0", content: "sunny" },
		]);
	});

	test.each([
		["without an index", (_: number) => ({})],
		["all at index 0", (_: number) => ({ index: 0 })],
	])("parallel calls sent %s (Gemini) stay separate calls", async (_, indexOf) => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({
					tool_calls: [{ ...indexOf(0), id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
				}),
				chunk({
					tool_calls: [{ ...indexOf(1), id: "b", type: "function", function: { name: "g", arguments: '{"y":2}' } }],
				}),
				chunk({}, "tool_calls"),
			],
		});
		const reply = (await (await proxy.post("/api/chat", { ...hello, stream: false, tools: [weather] })).json()) as {
			message: { tool_calls: unknown };
		};
		expect(reply.message.tool_calls).toEqual([
			{ id: "a", function: { index: 0, name: "f", arguments: { x: 1 } } },
			{ id: "b", function: { index: 1, name: "g", arguments: { y: 2 } } },
		]);
	});

	test("invalid argument JSON from the upstream is an error line, not a crash", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ content: "x" }),
				chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "f", arguments: "{not json" } }] }),
				chunk({}, "tool_calls"),
			],
		});
		const lines = ndjsonLines(await (await proxy.post("/api/chat", hello)).text());
		expect(lines.at(-1)).toEqual({ error: 'upstream returned invalid tool call arguments for "f"' });
		expect(lines.some((l) => l.done === true)).toBe(false);
	});
});

describe("format and images", () => {
	test.each([
		["json", { type: "json_object" }],
		[
			{ type: "object", properties: { a: { type: "number" } } },
			{
				type: "json_schema",
				json_schema: { name: "schema", schema: { type: "object", properties: { a: { type: "number" } } } },
			},
		],
	])("format %j → response_format", async (format, expected) => {
		await (await proxy.post("/api/chat", { ...hello, stream: false, format })).text();
		expect(upstream.lastBody().response_format).toEqual(expected);
	});

	test("an invalid format is a 400", async () => {
		const res = await proxy.post("/api/chat", { ...hello, format: "yaml" });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'invalid format: "yaml"; expected "json" or a valid JSON Schema object',
		});
	});

	test("a PNG image becomes an image_url part with a sniffed MIME type", async () => {
		const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64");
		await (
			await proxy.post("/api/chat", {
				model: "gpt-4o",
				stream: false,
				messages: [{ role: "user", content: "what?", images: [png] }],
			})
		).text();
		expect(upstream.lastBody().messages).toEqual([
			{
				role: "user",
				content: [
					{ type: "text", text: "what?" },
					{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
				],
			},
		]);
	});

	test("bad base64 is a 400", async () => {
		const res = await proxy.post("/api/chat", {
			model: "gpt-4o",
			messages: [{ role: "user", content: "x", images: ["@@@"] }],
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "invalid image input: images must be base64-encoded" });
	});
});
