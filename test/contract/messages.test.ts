/**
 * Anthropic's Messages API end to end (contract doc §2, cases 1–11 and 23): Claude Code's captured request replayed,
 * `@anthropic-ai/sdk` for whole answers, streams, tools, images, thinking and errors, and raw fetch where the exact
 * bytes matter (SSE framing, headers).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { startProxy, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import {
	chunk,
	type Reply,
	startTestUpstream,
	type TestUpstream,
	textStream,
	usageChunk,
} from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const MODELS = [
	{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
	{ id: "Qwen/Qwen3-8B", object: "model", created: 1_740_000_000, owned_by: "vllm", max_model_len: 16_384 },
];

type Captured = { method: string; path: string; headers: Record<string, string>; body: Record<string, unknown> };
const captured = (await Bun.file(`${import.meta.dir}/../fixtures/claude-code-request.json`).json()) as Captured;

let upstream: TestUpstream;
let proxy: TestProxy;
let vllm: TestProxy;
let client: Anthropic;

beforeAll(async () => {
	upstream = await startTestUpstream({ models: MODELS });
	const env = { OPENAI_API_KEY: UPSTREAM_KEY, UPSTREAM_TIMEOUT_MS: "300", UPSTREAM_RETRIES: "0" };
	proxy = await startProxy(upstream.url, env);
	vllm = await startProxy(upstream.url, { ...env, UPSTREAM_DIALECT: "vllm" });
	client = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	vllm.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const hi = { model: "gpt-4o", max_tokens: 100, messages: [{ role: "user" as const, content: "Hi" }] };

type Frame = { event: string; data: Record<string, unknown> };

/** The SSE frames of a body, asserting the framing: `event:` then one `data:` line, blank line, data.type = event. */
function frames(text: string): Frame[] {
	expect(text.endsWith("\n\n")).toBe(true);
	return text
		.slice(0, -2)
		.split("\n\n")
		.map((frame) => {
			const match = /^event: ([a-z_]+)\ndata: (.+)$/.exec(frame);
			if (!match) throw new Error(`not an SSE frame: ${JSON.stringify(frame)}`);
			const data = JSON.parse(match[2] as string) as Record<string, unknown>;
			expect(data.type).toBe(match[1] as string);
			return { event: match[1] as string, data };
		});
}

/** Every key name anywhere in a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
	if (Array.isArray(value)) for (const item of value) keysOf(item, into);
	else if (value && typeof value === "object") {
		for (const [key, inner] of Object.entries(value)) {
			into.add(key);
			keysOf(inner, into);
		}
	}
	return into;
}

const replay = (body: Record<string, unknown>, target: TestProxy = proxy) =>
	fetch(`${target.url}${captured.path}`, {
		method: "POST",
		headers: captured.headers,
		body: JSON.stringify(body),
	});

describe("Claude Code replay (contract cases 1, 2)", () => {
	test("case 1: the captured request streams back Anthropic's exact event sequence", async () => {
		expect(captured.path).toBe("/v1/messages?beta=true");
		upstream.enqueue("chat", textStream(["pong"], "stop", [9000, 2]));
		const res = await replay({ ...captured.body, model: "gpt-4o" });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toStartWith("text/event-stream");
		expect(res.headers.get("request-id")).toBeTruthy();
		expect(res.headers.get("x-request-id")).toBe(res.headers.get("request-id"));
		const events = frames(await res.text());
		const start = events[0]?.data.message as Record<string, unknown>;
		expect(start.id).toMatch(/^msg_/);
		expect((start.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
		expect(events.map((e) => e.data)).toEqual([
			{
				type: "message_start",
				message: {
					id: start.id,
					type: "message",
					role: "assistant",
					model: "gpt-4o",
					content: [],
					stop_reason: null,
					stop_sequence: null,
					usage: { input_tokens: (start.usage as { input_tokens: number }).input_tokens, output_tokens: 0 },
				},
			},
			{ type: "ping" },
			{ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
			{ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "pong" } },
			{ type: "content_block_stop", index: 0 },
			{
				type: "message_delta",
				delta: { stop_reason: "end_turn", stop_sequence: null },
				usage: { input_tokens: 9000, output_tokens: 2 },
			},
			{ type: "message_stop" },
		]);

		const sent = upstream.lastBody();
		expect(sent.stream).toBe(true);
		expect(sent.stream_options).toEqual({ include_usage: true });
		const system = captured.body.system as Array<{ text: string }>;
		const env = (captured.body.messages as Array<{ content: Array<{ text: string }> }>)[1]?.content[0]?.text;
		const messages = sent.messages as Array<{ role: string; content: string }>;
		expect(messages.map((m) => m.role)).toEqual(["system", "user", "system"]);
		expect(messages[0]?.content).toBe(`${system[1]?.text}\n${system[2]?.text}`);
		expect(JSON.stringify(sent)).not.toContain("x-anthropic-billing-header");
		expect(messages[2]?.content).toBe(env as string);
		const tools = sent.tools as Array<{ type: string; function: { name: string; parameters: unknown } }>;
		const capturedTools = captured.body.tools as Array<{ name: string; input_schema: unknown }>;
		expect(tools).toHaveLength(12);
		expect(tools.map((t) => [t.type, t.function.name, t.function.parameters])).toEqual(
			capturedTools.map((t) => ["function", t.name, t.input_schema]),
		);
		const keys = keysOf(sent);
		for (const key of [
			"cache_control",
			"defer_loading",
			"metadata",
			"context_management",
			"thinking",
			"output_config",
		]) {
			expect(keys.has(key)).toBe(false);
		}
	});

	test("case 2: effort high on a thinking vLLM model switches thinking on at that level", async () => {
		upstream.enqueue("chat", textStream(["pong"]));
		await (await replay({ ...captured.body, model: "Qwen/Qwen3-8B" }, vllm)).text();
		const sent = upstream.lastBody();
		expect(sent.reasoning_effort).toBe("high");
		expect(sent.chat_template_kwargs).toEqual({ enable_thinking: true });
		// The upstream publishes max_model_len 16384: Claude Code's 32000 is clamped to what the prompt leaves of it.
		expect(sent.max_tokens as number).toBeLessThan(16_384);
		expect(sent.max_tokens as number).toBeGreaterThan(8_000);
	});

	test("case 2: on an OpenAI model without thinking, no reasoning key at all", async () => {
		upstream.enqueue("chat", textStream(["pong"]));
		await (await replay({ ...captured.body, model: "gpt-4o" })).text();
		const keys = keysOf(upstream.lastBody());
		for (const key of ["reasoning_effort", "reasoning", "chat_template_kwargs", "enable_thinking"]) {
			expect(keys.has(key)).toBe(false);
		}
	});
});

describe("whole answers (contract case 3)", () => {
	test("text, stop reason and usage, through the SDK", async () => {
		upstream.enqueue("chat", textStream(["Hel", "lo"], "stop", [12, 2]));
		const message = await client.messages.create(hi);
		expect(message.id).toMatch(/^msg_/);
		expect(message as unknown).toEqual({
			id: message.id,
			type: "message",
			role: "assistant",
			model: "gpt-4o",
			content: [{ type: "text", text: "Hello" }],
			stop_reason: "end_turn",
			stop_sequence: null,
			usage: { input_tokens: 12, output_tokens: 2 },
		});
		// Asked for a whole answer; this upstream streams anyway, which is read the same.
		expect(upstream.lastBody().stream).toBe(false);
		expect(upstream.lastBody()).not.toHaveProperty("stream_options");
	});

	test("an upstream's whole JSON answer becomes the message", async () => {
		const message = await client.messages.create(hi);
		expect(message.content).toEqual([{ type: "text", text: "Hello world" }] as never);
		expect(message.usage).toEqual({ input_tokens: 7, output_tokens: 2 } as never);
		expect(upstream.lastBody().stream).toBe(false);
	});

	test("an empty answer is an empty content array; the JSON has request-id", async () => {
		upstream.enqueue("chat", textStream([], "stop", [12, 0]));
		const res = await proxy.post("/v1/messages", hi);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toStartWith("application/json");
		expect(res.headers.get("request-id")).toBeTruthy();
		expect(((await res.json()) as { content: unknown }).content).toEqual([]);
	});

	test("thinking, text and a tool call in one message; cached tokens apart", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_content: "plan" }),
				chunk({ content: "Listing." }),
				chunk({
					tool_calls: [
						{ index: 0, id: "call_8a", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } },
					],
				}),
				chunk({}, "tool_calls"),
				{
					...usageChunk(1234, 56),
					usage: {
						prompt_tokens: 1234,
						completion_tokens: 56,
						total_tokens: 1290,
						prompt_tokens_details: { cached_tokens: 1000 },
					},
				},
			],
		});
		const message = await client.messages.create({ ...hi, thinking: { type: "enabled", budget_tokens: 1024 } });
		expect(message.content as unknown).toEqual([
			{ type: "thinking", thinking: "plan", signature: "" },
			{ type: "text", text: "Listing." },
			{ type: "tool_use", id: "call_8a", name: "Bash", input: { command: "ls" } },
		]);
		expect(message.stop_reason).toBe("tool_use");
		expect(message.usage as unknown).toEqual({ input_tokens: 234, output_tokens: 56, cache_read_input_tokens: 1000 });
	});
});

describe("thinking switched off", () => {
	test("thinking disabled: the upstream is told, and reasoning it sends anyway is not shown", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [chunk({ reasoning_content: "plan" }), chunk({ content: "ok" }), chunk({}, "stop"), usageChunk(5, 2)],
		});
		const res = await vllm.post("/v1/messages", {
			...hi,
			model: "Qwen/Qwen3-8B",
			thinking: { type: "disabled" },
			output_config: { effort: "high" },
		});
		expect(((await res.json()) as { content: unknown }).content).toEqual([{ type: "text", text: "ok" }]);
		expect(upstream.lastBody().chat_template_kwargs).toEqual({ enable_thinking: false });
	});
});

describe("streams through the SDK (contract cases 4, 5)", () => {
	test("case 4: thinking, text, then thinking again: three blocks", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_content: "a" }),
				chunk({ reasoning_content: "b" }),
				chunk({ content: "c" }),
				chunk({ reasoning_content: "d" }),
				chunk({}, "stop"),
				usageChunk(10, 4),
			],
		});
		const stream = client.messages.stream({ ...hi, thinking: { type: "adaptive" } as never });
		const seen: string[] = [];
		stream.on("streamEvent", (event) => {
			seen.push(
				event.type === "content_block_start"
					? `start ${event.index} ${event.content_block.type}`
					: event.type === "content_block_delta"
						? `delta ${event.index} ${event.delta.type}`
						: event.type === "content_block_stop"
							? `stop ${event.index}`
							: event.type,
			);
		});
		const message = await stream.finalMessage();
		expect(seen).toEqual([
			"message_start",
			"start 0 thinking",
			"delta 0 thinking_delta",
			"delta 0 thinking_delta",
			"stop 0",
			"start 1 text",
			"delta 1 text_delta",
			"stop 1",
			"start 2 thinking",
			"delta 2 thinking_delta",
			"stop 2",
			"message_delta",
			"message_stop",
		]);
		expect(message.content as unknown).toEqual([
			{ type: "thinking", thinking: "ab", signature: "" },
			{ type: "text", text: "c" },
			{ type: "thinking", thinking: "d", signature: "" },
		]);
		expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 4 });
	});

	test("case 5: a tool call in fragments arrives as one tool_use block with its input", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({
					tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Bash", arguments: '{"com' } }],
				}),
				chunk({ tool_calls: [{ index: 0, function: { arguments: 'mand":"ls"}' } }] }),
				chunk({}, "tool_calls"),
				usageChunk(20, 9),
			],
		});
		const stream = client.messages.stream({
			...hi,
			tools: [{ name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" } } } }],
		});
		const json: string[] = [];
		stream.on("inputJson", (partial) => json.push(partial));
		const message = await stream.finalMessage();
		expect(json.join("")).toBe('{"command":"ls"}');
		expect(message.content as unknown).toEqual([
			{ type: "tool_use", id: "call_1", name: "Bash", input: { command: "ls" } },
		]);
		expect(message.stop_reason).toBe("tool_use");
	});

	test("case 5: arguments that are not JSON end the stream with an api_error event, no message_stop", async () => {
		const bad: Reply = {
			kind: "stream",
			chunks: [
				chunk({
					tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Bash", arguments: "{bad" } }],
				}),
				chunk({}, "tool_calls"),
				usageChunk(20, 9),
			],
		};
		upstream.enqueue("chat", bad);
		const error = await client.messages
			.stream(hi)
			.finalMessage()
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Anthropic.APIError);
		expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe("api_error");
		expect((error as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe(
			'upstream returned invalid tool call arguments for "Bash"',
		);

		upstream.enqueue("chat", bad);
		const res = await proxy.post("/v1/messages", { ...hi, stream: true });
		const events = frames(await res.text());
		const requestId = res.headers.get("request-id");
		expect(events.map((e) => e.event)).toEqual(["message_start", "ping", "error"]);
		expect(events[2]?.data).toEqual({
			type: "error",
			error: { type: "api_error", message: 'upstream returned invalid tool call arguments for "Bash"' },
			request_id: requestId,
		});
	});

	test("the same invalid arguments without streaming are a 502 api_error", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "Bash", arguments: "[1]" } }] }),
				chunk({}, "tool_calls"),
			],
		});
		const error = await client.messages.create(hi).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Anthropic.InternalServerError);
		expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
		expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe("api_error");
	});
});

describe("history (contract cases 6, 7)", () => {
	test("case 6: a tool call and its result reach the upstream as chat messages, in order", async () => {
		await client.messages.create({
			...hi,
			messages: [
				{ role: "user", content: "list" },
				{ role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } }] },
				{
					role: "user",
					content: [
						{
							type: "tool_result",
							tool_use_id: "toolu_1",
							content: "a.txt",
							is_error: false,
							cache_control: { type: "ephemeral" },
						},
						{ type: "text", text: "go on" },
					],
				},
			],
		});
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: "list" },
			{
				role: "assistant",
				content: null,
				tool_calls: [{ id: "toolu_1", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } }],
			},
			{ role: "tool", tool_call_id: "toolu_1", content: "a.txt" },
			{ role: "user", content: "go on" },
		]);
	});

	test("case 7: an image in a tool result follows the tool message; images in user turns as data URLs", async () => {
		const D = "iVBORw0KGgoAAAANSUhEUg==";
		await client.messages.create({
			...hi,
			messages: [
				{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] },
				{
					role: "assistant",
					content: [{ type: "tool_use", id: "toolu_2", name: "Read", input: { file_path: "s.png" } }],
				},
				{
					role: "user",
					content: [
						{
							type: "tool_result",
							tool_use_id: "toolu_2",
							content: [
								{ type: "text", text: "shot" },
								{ type: "image", source: { type: "base64", media_type: "image/png", data: D } },
							],
						},
					],
				},
			],
		});
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
			{
				role: "assistant",
				content: null,
				tool_calls: [
					{ id: "toolu_2", type: "function", function: { name: "Read", arguments: '{"file_path":"s.png"}' } },
				],
			},
			{ role: "tool", tool_call_id: "toolu_2", content: "shot" },
			{
				role: "user",
				content: [
					{ type: "text", text: "Images from tool result toolu_2:" },
					{ type: "image_url", image_url: { url: `data:image/png;base64,${D}` } },
				],
			},
		]);
	});
});

type SdkError = InstanceType<typeof Anthropic.APIError>;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e: unknown) => e as SdkError);

describe("errors before the first byte (contract cases 8, 9)", () => {
	test.each<[string, Record<string, unknown>, string]>([
		["missing max_tokens", { max_tokens: undefined }, "max_tokens is required and must be positive"],
		[
			"tool_use without id",
			{ messages: [{ role: "assistant", content: [{ type: "tool_use", name: "Bash", input: {} }] }] },
			"tool_use block missing required 'id' field",
		],
		[
			"a server tool",
			{ tools: [{ type: "web_search_20250305", name: "web_search" }] },
			"tool type 'web_search_20250305' is not supported by this server",
		],
	])("case 8: %s → 400 invalid_request_error, exact body", async (_, change, message) => {
		const res = await proxy.post("/v1/messages", { ...hi, ...change });
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toStartWith("application/json");
		const requestId = res.headers.get("request-id");
		expect(requestId).toBeTruthy();
		expect(await res.json()).toEqual({
			type: "error",
			error: { type: "invalid_request_error", message },
			request_id: requestId,
		});
		expect(upstream.countOf("/v1/chat/completions")).toBe(0);
	});

	test("case 8: the SDK sees a BadRequestError with the type and request id", async () => {
		const error = await failure(client.messages.create({ ...hi, max_tokens: 0 }));
		expect(error).toBeInstanceOf(Anthropic.BadRequestError);
		expect(error?.status).toBe(400);
		expect(error?.type).toBe("invalid_request_error");
		expect(error?.apiMessage).toBe("max_tokens is required and must be positive");
		expect(error?.requestID).toBeTruthy();
	});

	test("body that is not JSON → 400 invalid_request_error", async () => {
		const res = await proxy.post("/v1/messages", "{not json");
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
	});

	test("case 9: unknown model → 404 not_found_error", async () => {
		const error = await failure(client.messages.create({ ...hi, model: "nope" }));
		expect(error).toBeInstanceOf(Anthropic.NotFoundError);
		expect(error?.type).toBe("not_found_error");
		expect(error?.apiMessage).toBe("model 'nope' not found");
	});

	test("case 9: upstream 429 → 429 rate_limit_error with retry-after", async () => {
		upstream.enqueue("chat", {
			kind: "json",
			status: 429,
			body: { error: { message: "slow down" } },
			headers: { "retry-after": "7" },
		});
		const error = await failure(client.messages.create(hi));
		expect(error).toBeInstanceOf(Anthropic.RateLimitError);
		expect(error?.type).toBe("rate_limit_error");
		expect(error?.headers?.get("retry-after")).toBe("7");
	});

	test("case 9: upstream 401 → 502 api_error, x-should-retry false, the key nowhere", async () => {
		upstream.enqueue("chat", {
			kind: "json",
			status: 401,
			body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}` } },
		});
		const res = await proxy.post("/v1/messages", { ...hi, stream: true });
		expect(res.status).toBe(502);
		expect(res.headers.get("x-should-retry")).toBe("false");
		const text = await res.text();
		expect(text).not.toContain(UPSTREAM_KEY);
		expect(JSON.parse(text).error).toEqual({
			type: "api_error",
			message: "upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY",
		});
	});

	test("case 9: upstream context overflow → 400 'prompt is too long' with the numbers", async () => {
		upstream.enqueue("chat", {
			kind: "json",
			status: 400,
			body: {
				error: {
					message:
						"This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (8000 in the messages, 32000 in the completion).",
				},
			},
		});
		const error = await failure(client.messages.create(hi));
		expect(error).toBeInstanceOf(Anthropic.BadRequestError);
		expect(error?.type).toBe("invalid_request_error");
		expect(error?.apiMessage).toBe("prompt is too long: 8000 tokens > 32768 maximum");
	});

	test("case 9: the proxy's own timeout → 504 timeout_error", async () => {
		upstream.enqueue("chat", { kind: "hang" });
		// Streamed: headers must come within the connect and first-byte limits (a whole answer gets an idle gap more).
		const error = await failure(client.messages.create({ ...hi, stream: true }));
		expect(error?.status).toBe(504);
		expect(error?.type).toBe("timeout_error");
	});

	test.each<[string, string, string | undefined]>([
		["POST", "/v1/messages/batches", '{"requests":[]}'],
		["POST", "/v1/messages/batches", "{not json"],
		["GET", "/v1/messages/batches/msgbatch_1", undefined],
	])("other /v1/messages/* paths → 404 in Anthropic's shape: %s %s %s", async (method, path, body) => {
		const res = await fetch(proxy.url + path, { method, body });
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual({
			type: "error",
			error: { type: "not_found_error", message: "404 page not found" },
			request_id: res.headers.get("request-id"),
		});
	});
});

describe("inbound keys and body size (§0 rule 8, §2.7)", () => {
	const TEAM_KEY = "team-inbound-key-0123456789";
	const LIMITED_KEY = "limited-inbound-key-0123456789";
	let guarded: TestProxy;
	beforeAll(async () => {
		guarded = await startProxyWithConfig(
			[
				"upstreams:",
				"  - name: main",
				`    base_url: ${upstream.url}`,
				"keys:",
				`  - key: ${TEAM_KEY}`,
				`  - key: ${LIMITED_KEY}`,
				'    models: ["Qwen/*"]',
			].join("\n"),
			{ MAX_BODY_BYTES: "65536" },
		);
	});
	afterAll(() => guarded.stop());
	const sdk = (options: ConstructorParameters<typeof Anthropic>[0]) =>
		new Anthropic({ baseURL: guarded.url, maxRetries: 0, ...options });

	test("Claude Code's x-api-key (ANTHROPIC_API_KEY) and a Bearer token (ANTHROPIC_AUTH_TOKEN) are both accepted", async () => {
		for (const options of [{ apiKey: TEAM_KEY }, { apiKey: null, authToken: TEAM_KEY }]) {
			upstream.enqueue("chat", textStream(["ok"]));
			const message = await sdk(options).messages.create(hi);
			expect(message.content as unknown).toEqual([{ type: "text", text: "ok" }]);
		}
	});

	test.each<[string, string, number, string]>([
		["a wrong key", "wrong-key", 401, "authentication_error"],
		["a key that may not use the model", LIMITED_KEY, 403, "permission_error"],
	])("%s → %i %s", async (_, apiKey, status, type) => {
		const error = await failure(sdk({ apiKey }).messages.create(hi));
		expect(error?.status).toBe(status);
		expect(error?.type as string).toBe(type);
		expect(error?.requestID).toBeTruthy();
	});

	test("no key at all → 401 authentication_error (the SDK refuses to send without one: raw fetch)", async () => {
		const res = await guarded.post("/v1/messages", hi);
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({
			type: "error",
			error: { type: "authentication_error", message: "an API key is required" },
			request_id: res.headers.get("request-id"),
		});
	});

	test("a body over the limit → 413 request_too_large", async () => {
		const res = await guarded.post(
			"/v1/messages",
			{ ...hi, system: "x".repeat(70_000) },
			{ headers: { "x-api-key": TEAM_KEY } },
		);
		expect(res.status).toBe(413);
		expect(await res.json()).toEqual({
			type: "error",
			error: { type: "request_too_large", message: "request body is larger than 65536 bytes" },
			request_id: res.headers.get("request-id"),
		});
	});
});

describe("failure mid-stream (contract case 10)", () => {
	test("an upstream cut after text: the block so far, then one error event and the end", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" });
		const res = await proxy.post("/v1/messages", { ...hi, stream: true });
		expect(res.status).toBe(200);
		const events = frames(await res.text());
		expect(events.map((e) => e.event)).toEqual([
			"message_start",
			"ping",
			"content_block_start",
			"content_block_delta",
			"error",
		]);
		expect(events[3]?.data).toEqual({
			type: "content_block_delta",
			index: 0,
			delta: { type: "text_delta", text: "par" },
		});
		const error = events[4]?.data as { error: { type: string; message: string }; request_id: string };
		expect(error.error.type).toBe("api_error");
		expect(error.request_id).toBe(res.headers.get("request-id") as string);
	});

	test("the SDK throws an APIError and gets no final message", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" });
		const error = await failure(client.messages.stream(hi).finalMessage());
		expect(error).toBeInstanceOf(Anthropic.APIError);
		expect(error?.type).toBe("api_error");
	});
});

describe("count_tokens (contract case 11)", () => {
	test("Claude Code's body without max_tokens and stream → an estimate", async () => {
		const { max_tokens: _m, stream: _s, ...body } = captured.body;
		const res = await proxy.post("/v1/messages/count_tokens", { ...body, model: "gpt-4o" });
		expect(res.status).toBe(200);
		const counted = (await res.json()) as { input_tokens: number };
		expect(Object.keys(counted)).toEqual(["input_tokens"]);
		expect(counted.input_tokens).toBeGreaterThan(0);
		expect(upstream.countOf("/v1/chat/completions")).toBe(0);
	});

	test("through the SDK: len/4 of the text", async () => {
		const counted = await client.messages.countTokens({
			model: "gpt-4o",
			messages: [{ role: "user", content: "x".repeat(396) }],
		});
		// "user" (4 bytes) + 396 bytes = 400 bytes → 100 tokens.
		expect(counted).toEqual({ input_tokens: 100 });
	});

	test("unknown model → 404 not_found_error", async () => {
		const error = await failure(
			client.messages.countTokens({ model: "nope", messages: [{ role: "user", content: "x" }] }),
		);
		expect(error).toBeInstanceOf(Anthropic.NotFoundError);
		expect(error?.type).toBe("not_found_error");
	});
});

describe("/swagger", () => {
	test("the OpenAPI spec documents both routes with their request bodies", async () => {
		const spec = (await (await fetch(`${proxy.url}/swagger/json`)).json()) as {
			paths: Record<
				string,
				{ post?: { requestBody?: { content: Record<string, { schema: { properties: object } }> } } }
			>;
		};
		for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
			const properties = spec.paths[path]?.post?.requestBody?.content["application/json"]?.schema.properties ?? {};
			expect(Object.keys(properties)).toContain("messages");
			expect(Object.keys(properties).includes("max_tokens")).toBe(path === "/v1/messages");
		}
	});
});

describe("disconnect (contract case 23)", () => {
	test("a client that goes away mid-stream aborts the upstream call; the log line says aborted", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const res = await proxy.post("/v1/messages", { ...hi, stream: true }, { signal: controller.signal });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		let text = "";
		while (!text.includes("text_delta")) text += new TextDecoder().decode((await reader.read()).value);
		const before = upstream.state.aborted;
		controller.abort();
		expect(await until(() => upstream.state.aborted > before)).toBe(true);
		const logged = () =>
			proxy.logLines().some((l) => l.path === "/v1/messages" && l.aborted === true && l.status === 499);
		expect(await until(logged)).toBe(true);
	});
});
