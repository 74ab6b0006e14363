/** Issue-3 mappings end to end: thinking, fill-in-the-middle, logprobs, dialect options, published capabilities. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { ndjsonLines, stable, startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, completionStream, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";

const MODELS = [
	{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
	{ id: "gpt-5-mini", object: "model", created: 1_754_000_000, owned_by: "system" },
	{ id: "qwen2.5-coder-7b", object: "model", created: 1_730_000_000, owned_by: "vllm", max_model_len: 32_768 },
	{ id: "Qwen/Qwen3-8B", object: "model", created: 1_740_000_000, owned_by: "vllm", max_model_len: 40_960 },
	{ id: "whisper-1", object: "model", created: 1_677_532_384, owned_by: "openai-internal" },
	{
		id: "acme/tool-less-vision",
		name: "OpenRouter-style entry",
		created: 1_745_000_000,
		context_length: 1_000_000,
		architecture: { input_modalities: ["text", "image"], output_modalities: ["text"] },
		supported_parameters: ["max_tokens", "temperature", "reasoning"],
	},
];

let upstream: TestUpstream;
let openai: TestProxy;
let vllm: TestProxy;
let ollama: Ollama;

beforeAll(async () => {
	upstream = await startTestUpstream({ models: MODELS });
	openai = await startProxy(upstream.url);
	vllm = await startProxy(upstream.url, { UPSTREAM_DIALECT: "vllm" });
	ollama = new Ollama({ host: openai.url });
});
afterAll(() => {
	openai.stop();
	vllm.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const ask = (model: string, extra: Record<string, unknown> = {}) => ({
	model,
	messages: [{ role: "user", content: "hi" }],
	stream: false,
	...extra,
});

describe("capabilities that tell the truth", () => {
	test.each([
		["gpt-4o", ["completion", "tools", "vision"], 128000],
		["gpt-5-mini", ["completion", "tools", "vision", "thinking"], 400000],
		["qwen2.5-coder-7b", ["completion", "tools", "insert"], 32768],
		["Qwen/Qwen3-8B", ["completion", "tools", "thinking"], 40960],
		// OpenRouter publishes what a model takes: no "tools" in supported_parameters means no tools.
		["acme/tool-less-vision", ["completion", "vision", "thinking"], 1000000],
	])("%s → %j, context %i", async (model, capabilities, context) => {
		const show = await ollama.show({ model });
		expect(show.capabilities).toEqual(capabilities as never);
		const arch = show.model_info["general.architecture" as never] as string;
		expect(show.model_info[`${arch}.context_length` as never]).toBe(context as never);
		expect(show.parameters).toBe(`num_ctx                        ${context}`);
	});

	test("speech and image models are not listed", async () => {
		const names = (await ollama.list()).models.map((m) => m.name);
		expect(names).not.toContain("whisper-1:latest");
		expect(names).toContain("gpt-4o:latest");
	});

	test("a model that can insert advertises it in its template, as Continue checks", async () => {
		expect((await ollama.show({ model: "qwen2.5-coder-7b" })).template).toContain("{{ .Suffix }}");
		expect((await ollama.show({ model: "gpt-4o" })).template).not.toContain(".Suffix");
	});
});

describe("thinking", () => {
	test.each([
		["gpt-5-mini", "high", { reasoning_effort: "high" }],
		["gpt-5-mini", "max", { reasoning_effort: "high" }],
		["gpt-5-mini", true, {}],
		["gpt-4o", "high", {}],
	])("OpenAI dialect: %s with think %j → %j", async (model, think, expected) => {
		await (await openai.post("/api/chat", ask(model, { think }))).text();
		const body = upstream.lastBody();
		expect({ reasoning_effort: body.reasoning_effort, reasoning: body.reasoning }).toEqual({
			reasoning_effort: undefined,
			reasoning: undefined,
			...expected,
		});
	});

	test.each([
		[true, { chat_template_kwargs: { enable_thinking: true } }],
		[false, { chat_template_kwargs: { enable_thinking: false } }],
		["low", { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "low" }],
	])("vLLM dialect: think %j → %j", async (think, expected) => {
		await (await vllm.post("/api/chat", ask("Qwen/Qwen3-8B", { think }))).text();
		const body = upstream.lastBody();
		expect({ chat_template_kwargs: body.chat_template_kwargs, reasoning_effort: body.reasoning_effort }).toEqual({
			reasoning_effort: undefined,
			...expected,
		} as never);
	});

	test("<think> blocks inside the content, split across chunks, become thinking", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ content: "<thi" }),
				chunk({ content: "nk>plan</th" }),
				chunk({ content: "ink>\n\nAnswer" }),
				chunk({}, "stop"),
			],
		});
		const lines = ndjsonLines(await (await openai.post("/api/chat", { ...ask("Qwen/Qwen3-8B"), stream: true })).text());
		expect(lines.map((l) => l.message)).toEqual([
			{ role: "assistant", content: "", thinking: "plan" },
			{ role: "assistant", content: "Answer" },
			{ role: "assistant", content: "" },
		]);
	});

	test("OpenRouter reasoning_details are read when no plain reasoning field is sent", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_details: [{ type: "reasoning.text", text: "step" }] }),
				chunk({ content: "ok" }, "stop"),
			],
		});
		const reply = (await (await openai.post("/api/chat", ask("gpt-5-mini"))).json()) as { message: unknown };
		expect(reply.message).toEqual({ role: "assistant", content: "ok", thinking: "step" } as never);
	});

	test("think:false hides reasoning, wherever the upstream put it", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_content: "secret" }),
				chunk({ content: "<think>more</think>shown" }),
				chunk({}, "stop"),
			],
		});
		const res = await openai.post("/api/generate", {
			model: "Qwen/Qwen3-8B",
			prompt: "x",
			think: false,
			stream: false,
		});
		expect(((await res.json()) as Record<string, unknown>).thinking).toBeUndefined();
	});
});

describe("fill-in-the-middle", () => {
	test("a suffix goes to the completions API with prompt and suffix intact", async () => {
		upstream.enqueue("completions", completionStream(["mid", "dle"]));
		const res = await openai.post("/api/generate", {
			model: "qwen2.5-coder-7b",
			prompt: "def f(",
			suffix: "):\n  pass",
			options: { num_predict: 16, temperature: 0 },
		});
		const text = await res.text();
		expect(stable(text)).toBe(
			[
				'{"model":"qwen2.5-coder-7b","created_at":"T","response":"mid","done":false}',
				'{"model":"qwen2.5-coder-7b","created_at":"T","response":"dle","done":false}',
				'{"model":"qwen2.5-coder-7b","created_at":"T","response":"","done":true,"done_reason":"stop","context":[],"total_duration":1,"load_duration":1,"prompt_eval_count":5,"prompt_eval_duration":1,"eval_count":2,"eval_duration":1}',
				"",
			].join("\n"),
		);
		expect(upstream.lastBody("/v1/completions")).toEqual({
			model: "qwen2.5-coder-7b",
			prompt: "def f(",
			suffix: "):\n  pass",
			stream: true,
			stream_options: { include_usage: true },
			max_tokens: 16,
			temperature: 0,
		});
	});

	test("stream:false asks the completions API for the whole answer", async () => {
		const res = await openai.post("/api/generate", {
			model: "qwen2.5-coder-7b",
			prompt: "def f(",
			suffix: "):\n  pass",
			options: { num_predict: 16 },
			stream: false,
		});
		expect(stable(await res.text())).toBe(
			'{"model":"qwen2.5-coder-7b","created_at":"T","response":"Hello world","done":true,"done_reason":"stop","context":[],"total_duration":1,"load_duration":1,"prompt_eval_count":5,"prompt_eval_duration":1,"eval_count":2,"eval_duration":1}',
		);
		expect(upstream.lastBody("/v1/completions")).toEqual({
			model: "qwen2.5-coder-7b",
			prompt: "def f(",
			suffix: "):\n  pass",
			stream: false,
			max_tokens: 16,
		});
	});

	test("a model that cannot insert is a 400, as in Ollama", async () => {
		const res = await openai.post("/api/generate", { model: "gpt-4o", prompt: "a", suffix: "b" });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "gpt-4o does not support insert" });
	});
});

describe("logprobs", () => {
	const lp = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token)], top_logprobs: [] });

	test("asked for upstream, and mapped back per streamed chunk and concatenated when whole", async () => {
		const stream = {
			kind: "stream" as const,
			chunks: [
				{
					...chunk({ content: "Hi" }),
					choices: [
						{ index: 0, delta: { content: "Hi" }, finish_reason: null, logprobs: { content: [lp("Hi", -0.1)] } },
					],
				},
				{
					...chunk({ content: "!" }),
					choices: [
						{
							index: 0,
							delta: { content: "!" },
							finish_reason: "stop",
							logprobs: { content: [{ ...lp("!", -0.2), top_logprobs: [{ token: "!", logprob: -0.2, bytes: [33] }] }] },
						},
					],
				},
			] as never,
		};
		upstream.enqueue("chat", stream, stream);
		const streamed = ndjsonLines(
			await (
				await openai.post("/api/chat", { ...ask("gpt-4o", { logprobs: true, top_logprobs: 2 }), stream: true })
			).text(),
		);
		expect(upstream.lastBody()).toMatchObject({ logprobs: true, top_logprobs: 2 });
		expect(streamed[0]?.logprobs).toEqual([{ token: "Hi", logprob: -0.1, bytes: [72, 105] }]);
		const whole = (await (await openai.post("/api/chat", ask("gpt-4o", { logprobs: true }))).json()) as Record<
			string,
			unknown
		>;
		// Asked for the whole answer, the upstream streamed anyway: the stream is folded.
		expect(upstream.lastBody()).toMatchObject({ stream: false, logprobs: true });
		expect(whole.logprobs).toEqual([
			{ token: "Hi", logprob: -0.1, bytes: [72, 105] },
			{ token: "!", logprob: -0.2, bytes: [33], top_logprobs: [{ token: "!", logprob: -0.2, bytes: [33] }] },
		]);
	});
});

describe("generation options by dialect", () => {
	const options = { num_predict: 5, top_k: 20, min_p: 0.05, repeat_penalty: 1.1, typical_p: 0.9 };

	test("OpenAI gets only what it accepts; reasoning models get max_completion_tokens", async () => {
		await (await openai.post("/api/chat", ask("gpt-4o", { options }))).text();
		expect(upstream.lastBody()).toEqual({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: false,
			max_tokens: 5,
		});
		await (await openai.post("/api/chat", ask("gpt-5-mini", { options }))).text();
		expect(upstream.lastBody().max_completion_tokens).toBe(5);
		expect(upstream.lastBody().max_tokens).toBeUndefined();
	});

	test("vLLM also gets top_k, min_p and repetition_penalty", async () => {
		upstream.enqueue("chat", textStream(["x"]));
		await (await vllm.post("/api/chat", ask("qwen2.5-coder-7b", { options }))).text();
		expect(upstream.lastBody()).toMatchObject({ max_tokens: 5, top_k: 20, min_p: 0.05, repetition_penalty: 1.1 });
		expect(upstream.lastBody().typical_p).toBeUndefined();
	});
});
