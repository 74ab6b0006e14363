import { describe, expect, test } from "bun:test";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Dialect } from "../../../src/core/dialect.ts";
import type { Capability, Target } from "../../../src/core/target.ts";
import { INTERRUPTED_RESULT } from "../../../src/core/tool-history.ts";
import { orphanResults, toChatMessages } from "../../../src/protocols/anthropic/messages.ts";
import {
	clampedMaxTokens,
	systemPrompt,
	thinkOf,
	toChatParams,
	toolChoiceOf,
} from "../../../src/protocols/anthropic/request.ts";
import { CountTokensRequest, MessagesRequest, requestProblem } from "../../../src/protocols/anthropic/schema.ts";
import { estimateInputTokens, inputBytes, tokensOfBytes } from "../../../src/protocols/anthropic/token-estimate.ts";

const PNG = "iVBORw0KGgoAAAANSUhEUg==";
const STREAMING = { stream: true, stream_options: { include_usage: true } } as const;
const SCHEMA = { type: "object", properties: { command: { type: "string" } }, required: ["command"] };

function target(id: string, dialect: Dialect = "openai", capabilities: readonly Capability[] = ["completion"]): Target {
	return { id, dialect, capabilities };
}

const GPT_4O = target("gpt-4o");
const QWEN = target("qwen3", "vllm", ["completion", "tools", "thinking"]);

/** A request as the route sees it: parsed by the schema, so defaults and lower-cased roles apply. */
const parse = (body: Record<string, unknown>) =>
	MessagesRequest.parse({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...body });

const messagesOf = (messages: unknown[], dialect: Dialect = "openai") =>
	toChatMessages(parse({ messages }).messages, dialect);

/** The first message a client gets for a body: the schema's, else the request check's. */
function refusal(schema: typeof MessagesRequest | typeof CountTokensRequest, body: unknown): string | undefined {
	const result = schema.safeParse(body);
	return result.success ? requestProblem(result.data) : result.error.issues[0]?.message;
}

describe("MessagesRequest and requestProblem: what is refused, in the contract's words", () => {
	test.each<[string, Record<string, unknown>, string]>([
		["no model", { model: undefined }, "model is required"],
		["an empty model", { model: "" }, "model is required"],
		["no max_tokens (contract case 8)", { max_tokens: undefined }, "max_tokens is required and must be positive"],
		["max_tokens 0", { max_tokens: 0 }, "max_tokens is required and must be positive"],
		["a fractional max_tokens", { max_tokens: 1.5 }, "max_tokens is required and must be positive"],
		["no messages", { messages: undefined }, "messages is required"],
		["empty messages", { messages: [] }, "messages is required"],
		["an unknown role", { messages: [{ role: "bot", content: "x" }] }, 'invalid message role "bot"'],
		[
			"content that is neither text nor blocks",
			{ messages: [{ role: "user", content: 3 }] },
			"message content must be a string or an array of content blocks",
		],
		[
			"tool_use without id (contract case 8)",
			{ messages: [{ role: "assistant", content: [{ type: "tool_use", name: "Bash", input: {} }] }] },
			"tool_use block missing required 'id' field",
		],
		[
			"tool_use without name",
			{ messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t1", input: {} }] }] },
			"tool_use block missing required 'name' field",
		],
		[
			"server_tool_use without id",
			{ messages: [{ role: "assistant", content: [{ type: "server_tool_use", name: "web_search" }] }] },
			"server_tool_use block missing required 'id' field",
		],
		[
			"tool_result without tool_use_id",
			{ messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] },
			"tool_result block missing required 'tool_use_id' field",
		],
		[
			"web_search_tool_result without tool_use_id",
			{ messages: [{ role: "assistant", content: [{ type: "web_search_tool_result", content: [] }] }] },
			"web_search_tool_result block missing required 'tool_use_id' field",
		],
		[
			"an image from the Files API",
			{ messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] },
			"invalid image source type: file. Only base64 and url images are supported.",
		],
		[
			"an image without a source",
			{ messages: [{ role: "user", content: [{ type: "image" }] }] },
			"image block missing required 'source' field",
		],
		[
			"a base64 image without data",
			{
				messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png" } }] }],
			},
			"image source of type base64 needs data",
		],
		[
			"a url image without url",
			{ messages: [{ role: "user", content: [{ type: "image", source: { type: "url" } }] }] },
			"image source of type url needs a url",
		],
		[
			"a bad image inside a tool result",
			{
				messages: [
					{
						role: "user",
						content: [
							{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "file" } }] },
						],
					},
				],
			},
			"invalid image source type: file. Only base64 and url images are supported.",
		],
		[
			"a server tool (contract case 8)",
			{ tools: [{ type: "web_search_20250305", name: "web_search" }] },
			"tool type 'web_search_20250305' is not supported by this server",
		],
		["a tool without a name", { tools: [{ input_schema: SCHEMA }] }, "tool name is required"],
		[
			"a tool whose schema is not an object",
			{ tools: [{ name: "Bash", input_schema: [] }] },
			'invalid input_schema for tool "Bash": expected a JSON Schema object',
		],
		[
			"a tool without a schema",
			{ tools: [{ type: "custom", name: "Bash" }] },
			'invalid input_schema for tool "Bash": expected a JSON Schema object',
		],
		["tool_choice tool without a name", { tool_choice: { type: "tool" } }, "tool_choice of type tool needs a name"],
		["an unknown tool_choice", { tool_choice: { type: "some" } }, 'invalid tool_choice type "some"'],
		[
			"MCP servers, which would run on the server",
			{ mcp_servers: [{ type: "url", url: "https://x", name: "x" }] },
			"mcp_servers is not supported by this server",
		],
		["a temperature past Anthropic's range", { temperature: 1e308 }, "temperature must be between 0 and 1, got 1e+308"],
		["a temperature just past it", { temperature: 1.01 }, "temperature must be between 0 and 1, got 1.01"],
		["a negative temperature", { temperature: -0.1 }, "temperature must be between 0 and 1, got -0.1"],
		["top_p past 1", { top_p: 1.5 }, "top_p must be between 0 and 1, got 1.5"],
		["a negative top_p", { top_p: -1 }, "top_p must be between 0 and 1, got -1"],
		["a negative top_k", { top_k: -1 }, "top_k must be 0 or more, got -1"],
		[
			"a user message with no blocks",
			{ messages: [{ role: "user", content: [] }] },
			"messages.0: content must not be empty",
		],
		[
			"an empty text message after others",
			{
				messages: [
					{ role: "user", content: "Hi" },
					{ role: "assistant", content: "Hello" },
					{ role: "user", content: "" },
				],
			},
			"messages.2: content must not be empty",
		],
		[
			"an empty system message inside messages",
			{
				messages: [
					{ role: "system", content: [] },
					{ role: "user", content: "Hi" },
				],
			},
			"messages.0: content must not be empty",
		],
	])("%s", (_, body, message) => {
		const request = { model: "m", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...body };
		expect(refusal(MessagesRequest, request)).toBe(message);
	});

	test.each<[string, Record<string, unknown>]>([
		["the ends of the ranges", { temperature: 0, top_p: 1, top_k: 0 }],
		["the other ends", { temperature: 1, top_p: 0, top_k: 500 }],
		[
			"an empty assistant turn, in the middle (the proxy's own empty answer, replayed) or last (a prefill)",
			{
				messages: [
					{ role: "user", content: "Hi" },
					{ role: "assistant", content: [] },
					{ role: "user", content: "again" },
					{ role: "assistant", content: "" },
				],
			},
		],
	])("accepted: %s", (_, body) => {
		const request = { model: "m", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...body };
		expect(refusal(MessagesRequest, request)).toBeUndefined();
	});

	test("unknown fields, blocks and betas are accepted and dropped", () => {
		const result = MessagesRequest.safeParse({
			model: "m",
			max_tokens: 1,
			metadata: { user_id: '{"device_id":"x"}' },
			context_management: { edits: [] },
			mcp_servers: [],
			messages: [
				{
					role: "USER",
					content: [
						{ type: "text", text: "a", cache_control: { type: "ephemeral" }, citations: [] },
						{ type: "redacted_thinking", data: "x" },
						{ type: "search_result", source: "s" },
					],
				},
			],
		});
		expect(result.success).toBe(true);
		expect(result.data?.messages[0]?.role).toBe("user");
		expect(requestProblem(result.data as MessagesRequest)).toBeUndefined();
	});

	test("a well-formed conversation with every checked block passes", () => {
		const request = parse({
			tools: [{ name: "Read", input_schema: SCHEMA }],
			tool_choice: { type: "tool", name: "Read" },
			messages: [
				{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://x/a.png" } }] },
				{ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: {} }] },
				{
					role: "user",
					content: [
						{
							type: "tool_result",
							tool_use_id: "t1",
							content: [
								{ type: "text", text: "shot" },
								{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
							],
						},
					],
				},
				{ role: "assistant", content: [{ type: "web_search_tool_result", tool_use_id: "s1", content: [] }] },
			],
		});
		expect(requestProblem(request)).toBeUndefined();
	});

	test("count_tokens takes the same body without max_tokens, and the same checks", () => {
		expect(CountTokensRequest.safeParse({ model: "m", messages: [{ role: "user", content: "x" }] }).success).toBe(true);
		expect(refusal(CountTokensRequest, { model: "m", messages: [{ role: "user", content: "x" }], tools: [{}] })).toBe(
			"tool name is required",
		);
	});
});

describe("thinkOf: Ollama's think value from thinking and effort", () => {
	test.each<[string, Record<string, unknown>, unknown]>([
		["nothing", {}, undefined],
		["enabled with a budget", { thinking: { type: "enabled", budget_tokens: 2048 } }, true],
		["disabled wins over effort", { thinking: { type: "disabled" }, output_config: { effort: "high" } }, false],
		[
			"enabled keeps true whatever the effort",
			{ thinking: { type: "enabled" }, output_config: { effort: "low" } },
			true,
		],
		[
			"adaptive leaves it to effort",
			{ thinking: { type: "adaptive", display: "omitted" }, output_config: { effort: "high" } },
			"high",
		],
		["adaptive alone is nothing", { thinking: { type: "adaptive" } }, undefined],
		["effort is trimmed and lower-cased", { output_config: { effort: " Medium " } }, "medium"],
		["xhigh reads as high", { output_config: { effort: "xhigh" } }, "high"],
		["max stays max", { output_config: { effort: "max" } }, "max"],
		["other efforts are ignored", { output_config: { effort: "extreme" } }, undefined],
		["an empty output_config is nothing", { output_config: {} }, undefined],
	])("%s", (_, body, think) => {
		expect(thinkOf(parse(body))).toBe(think as never);
	});
});

describe("systemPrompt", () => {
	test.each<[string, unknown, string]>([
		["absent", undefined, ""],
		["a string as is", "Be brief.", "Be brief."],
		[
			"text blocks joined by newlines, the billing header and other block types dropped",
			[
				{ type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332.201; cc_entrypoint=sdk-cli;" },
				{ type: "text", text: "You are a Claude agent.", cache_control: { type: "ephemeral" } },
				{ type: "image", text: "not text" },
				{ type: "text" },
				{ type: "text", text: "Be brief." },
			],
			"You are a Claude agent.\n\nBe brief.",
		],
	])("%s", (_, system, expected) => {
		expect(systemPrompt(parse({ system }).system)).toBe(expected);
	});
});

describe("toolChoiceOf", () => {
	test.each<[Record<string, unknown>, unknown]>([
		[{ type: "auto" }, "auto"],
		[{ type: "any" }, "required"],
		[{ type: "none" }, "none"],
		[
			{ type: "tool", name: "Bash" },
			{ type: "function", function: { name: "Bash" } },
		],
	])("%j → %j", (choice, expected) => {
		expect(toolChoiceOf(parse({ tool_choice: choice }).tool_choice as never)).toEqual(expected as never);
	});
});

describe("clampedMaxTokens: within the context when its length is known", () => {
	test.each<[string, number, number, number | undefined, number]>([
		["unknown context: as asked", 32_000, 90_000, undefined, 32_000],
		["room enough: as asked", 1000, 3000, 32_768, 1000],
		["Claude Code's 32000 on a 32k model: the room left at 3 bytes a token", 32_000, 30_000, 32_768, 22_768],
		["a prompt that already fills the context: left to the upstream", 32_000, 120_000, 32_768, 32_000],
	])("%s", (_, requested, bytes, context, expected) => {
		expect(clampedMaxTokens(requested, bytes, context)).toBe(expected);
	});
});

describe("toChatParams: one streaming chat-completions request", () => {
	test.each<[string, Record<string, unknown>, Target, Record<string, unknown>]>([
		[
			"the smallest request: model id, messages, the token limit",
			{},
			GPT_4O,
			{ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING, max_tokens: 100 },
		],
		[
			"reasoning models take max_completion_tokens",
			{},
			target("o3"),
			{ model: "o3", messages: [{ role: "user", content: "Hi" }], ...STREAMING, max_completion_tokens: 100 },
		],
		[
			"system string first; sampling; openai keeps 4 stop sequences and no top_k",
			{ system: "Be brief.", temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ["a", "b", "c", "d", "e"] },
			GPT_4O,
			{
				model: "gpt-4o",
				messages: [
					{ role: "system", content: "Be brief." },
					{ role: "user", content: "Hi" },
				],
				...STREAMING,
				max_tokens: 100,
				temperature: 0.2,
				top_p: 0.9,
				stop: ["a", "b", "c", "d"],
			},
		],
		[
			"vLLM takes top_k and every stop sequence; an empty system is no message",
			{ system: "", top_k: 40, stop_sequences: ["a", "b", "c", "d", "e"], stream: true },
			target("llama", "vllm"),
			{
				model: "llama",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_tokens: 100,
				top_k: 40,
				stop: ["a", "b", "c", "d", "e"],
			},
		],
		[
			"no stop sequences is no stop",
			{ stop_sequences: [] },
			GPT_4O,
			{ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING, max_tokens: 100 },
		],
		[
			"custom tools become functions with the schema verbatim; Anthropic-only keys stay behind",
			{
				tools: [
					{
						name: "Bash",
						description: "Run a command",
						input_schema: { $schema: "x", additionalProperties: false, ...SCHEMA },
						cache_control: { type: "ephemeral" },
						strict: true,
					},
					{ type: "custom", name: "Later", input_schema: { type: "object", properties: {} }, defer_loading: true },
				],
				tool_choice: { type: "any", disable_parallel_tool_use: true },
			},
			GPT_4O,
			{
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_tokens: 100,
				tools: [
					{
						type: "function",
						function: {
							name: "Bash",
							description: "Run a command",
							parameters: { $schema: "x", additionalProperties: false, ...SCHEMA },
						},
					},
					{ type: "function", function: { name: "Later", parameters: { type: "object", properties: {} } } },
				],
				tool_choice: "required",
				parallel_tool_calls: false,
			},
		],
		[
			"tools without a choice: the upstream's default",
			{
				tools: [{ name: "Bash", input_schema: SCHEMA }],
				tool_choice: { type: "auto", disable_parallel_tool_use: false },
			},
			GPT_4O,
			{
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_tokens: 100,
				tools: [{ type: "function", function: { name: "Bash", parameters: SCHEMA } }],
				tool_choice: "auto",
			},
		],
		[
			"an empty tool list and a choice without tools are not sent",
			{ tools: [], tool_choice: { type: "none" } },
			GPT_4O,
			{ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING, max_tokens: 100 },
		],
		[
			"effort on a thinking vLLM model (contract case 2)",
			{ thinking: { type: "adaptive" }, output_config: { effort: "high" } },
			QWEN,
			{
				model: "qwen3",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_tokens: 100,
				chat_template_kwargs: { enable_thinking: true },
				reasoning_effort: "high",
			},
		],
		[
			"effort on a model without thinking: no reasoning key at all",
			{ thinking: { type: "adaptive" }, output_config: { effort: "high" } },
			GPT_4O,
			{ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING, max_tokens: 100 },
		],
	])("%s", (_, body, to, expected) => {
		expect(toChatParams(parse(body), to) as unknown).toEqual(expected);
	});

	test("max_tokens is clamped to the known context less the prompt", () => {
		const request = parse({ max_tokens: 32_000, system: "x".repeat(3000) });
		const params = toChatParams(request, GPT_4O, { contextLength: 8192 });
		expect(params.max_tokens).toBe(8192 - Math.ceil(inputBytes(request) / 3));
	});
});

describe("toChatMessages: Anthropic messages → chat messages", () => {
	const image = (data = PNG, media_type: string | null = "image/png") => ({
		type: "image",
		source: { type: "base64", media_type, data },
	});
	const cases: Array<[string, unknown[], ChatCompletionMessageParam[], Dialect?]> = [
		[
			"text blocks join with no separator; citations and cache_control dropped",
			[
				{
					role: "user",
					content: [
						{ type: "text", text: "<system-reminder>x</system-reminder>\n", cache_control: { type: "ephemeral" } },
						{ type: "text", text: "say ping", citations: [] },
					],
				},
			],
			[{ role: "user", content: "<system-reminder>x</system-reminder>\nsay ping" }],
		],
		[
			"a system message inside messages stays a system message, in place",
			[
				{ role: "user", content: "say ping" },
				{ role: "system", content: [{ type: "text", text: "# Environment" }] },
			],
			[
				{ role: "user", content: "say ping" },
				{ role: "system", content: "# Environment" },
			],
		],
		[
			"images: base64 as a data URL, url as is, text merged around them",
			[
				{
					role: "user",
					content: [
						{ type: "text", text: "a" },
						{ type: "text", text: "b" },
						image(),
						{ type: "image", source: { type: "url", url: "https://x/y.png" } },
						{ type: "text", text: "c" },
					],
				},
			],
			[
				{
					role: "user",
					content: [
						{ type: "text", text: "ab" },
						{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
						{ type: "image_url", image_url: { url: "https://x/y.png" } },
						{ type: "text", text: "c" },
					],
				},
			],
		],
		[
			"a base64 image without a media type: the bytes tell it",
			[{ role: "user", content: [image(PNG, null)] }],
			[{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }],
		],
		[
			"documents: text inline, others named",
			[
				{
					role: "user",
					content: [
						{ type: "document", source: { type: "text", media_type: "text/plain", data: "doc text" } },
						{ type: "text", text: "\n" },
						{
							type: "document",
							source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
							title: "spec.pdf",
						},
						{ type: "document", source: { type: "file", file_id: "f" } },
						{ type: "document", source: { type: "text" } },
					],
				},
			],
			[{ role: "user", content: "doc text\n[document omitted: spec.pdf][document omitted: untitled]" }],
		],
		[
			"a user message of dropped blocks is an empty user message",
			[{ role: "user", content: [{ type: "redacted_thinking", data: "x" }] }],
			[{ role: "user", content: "" }],
		],
		[
			"tool use and result history (contract case 6)",
			[
				{ role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } }] },
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "toolu_1", content: "a.txt", is_error: false },
						{ type: "text", text: "go on" },
					],
				},
			],
			[
				{
					role: "assistant",
					content: null,
					tool_calls: [{ id: "toolu_1", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } }],
				},
				{ role: "tool", tool_call_id: "toolu_1", content: "a.txt" },
				{ role: "user", content: "go on" },
			],
		],
		[
			"parallel results in block order before the text; text blocks of a result join by newline; no input is {}",
			[
				{
					role: "assistant",
					content: [
						{ type: "text", text: "Checking." },
						{ type: "tool_use", id: "t1", name: "Read", input: { b: 1, a: 2 } },
						{ type: "tool_use", id: "t2", name: "Glob" },
					],
				},
				{
					role: "user",
					content: [
						{ type: "text", text: "<system-reminder>r</system-reminder>" },
						{
							type: "tool_result",
							tool_use_id: "t2",
							content: [
								{ type: "text", text: "x" },
								{ type: "text", text: "y" },
							],
						},
						{ type: "tool_result", tool_use_id: "t1", content: [{ type: "search_result" }], is_error: true },
					],
				},
			],
			[
				{
					role: "assistant",
					content: "Checking.",
					tool_calls: [
						{ id: "t1", type: "function", function: { name: "Read", arguments: '{"b":1,"a":2}' } },
						{ id: "t2", type: "function", function: { name: "Glob", arguments: "{}" } },
					],
				},
				{ role: "tool", tool_call_id: "t2", content: "x\ny" },
				{ role: "tool", tool_call_id: "t1", content: "" },
				{ role: "user", content: "<system-reminder>r</system-reminder>" },
			],
		],
		[
			"images in a tool result follow the tool messages in one user message (contract case 7)",
			[
				{ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: {} }] },
				{
					role: "user",
					content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "shot" }, image()] }],
				},
			],
			[
				{
					role: "assistant",
					content: null,
					tool_calls: [{ id: "t1", type: "function", function: { name: "Read", arguments: "{}" } }],
				},
				{ role: "tool", tool_call_id: "t1", content: "shot" },
				{
					role: "user",
					content: [
						{ type: "text", text: "Images from tool result t1:" },
						{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
					],
				},
			],
		],
		[
			"unanswered calls get a placeholder result before the next turn, and at the end",
			[
				{
					role: "assistant",
					content: [
						{ type: "tool_use", id: "t1", name: "A", input: {} },
						{ type: "tool_use", id: "t2", name: "B", input: {} },
					],
				},
				{ role: "user", content: [{ type: "tool_result", tool_use_id: "t2" }] },
				{ role: "assistant", content: [{ type: "tool_use", id: "t3", name: "C", input: {} }] },
				{ role: "user", content: "stop" },
				{ role: "assistant", content: [{ type: "tool_use", id: "t4", name: "D", input: {} }] },
				{ role: "system", content: "note" },
				{ role: "assistant", content: [{ type: "tool_use", id: "t5", name: "E", input: {} }] },
				{ role: "assistant", content: [{ type: "tool_use", id: "t6", name: "F", input: {} }] },
			],
			[
				{ role: "assistant", content: null, tool_calls: [call("t1", "A"), call("t2", "B")] },
				{ role: "tool", tool_call_id: "t2", content: "" },
				{ role: "tool", tool_call_id: "t1", content: INTERRUPTED_RESULT },
				{ role: "assistant", content: null, tool_calls: [call("t3", "C")] },
				{ role: "tool", tool_call_id: "t3", content: INTERRUPTED_RESULT },
				{ role: "user", content: "stop" },
				{ role: "assistant", content: null, tool_calls: [call("t4", "D")] },
				{ role: "tool", tool_call_id: "t4", content: INTERRUPTED_RESULT },
				{ role: "system", content: "note" },
				// Consecutive assistant turns are one turn, as Anthropic's API reads them.
				{ role: "assistant", content: null, tool_calls: [call("t5", "E"), call("t6", "F")] },
				{ role: "tool", tool_call_id: "t5", content: INTERRUPTED_RESULT },
				{ role: "tool", tool_call_id: "t6", content: INTERRUPTED_RESULT },
			],
		],
		[
			"parallel calls over two assistant turns, results over two user turns, a system turn in between: none is lost",
			[
				{ role: "assistant", content: [{ type: "tool_use", id: "a", name: "A", input: {} }] },
				{ role: "assistant", content: [{ type: "tool_use", id: "b", name: "B", input: {} }] },
				{ role: "system", content: "env" },
				{ role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: "ra" }] },
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "b", content: "rb" },
						{ type: "text", text: "go" },
					],
				},
			],
			[
				{ role: "assistant", content: null, tool_calls: [call("a", "A"), call("b", "B")] },
				{ role: "tool", tool_call_id: "a", content: "ra" },
				{ role: "tool", tool_call_id: "b", content: "rb" },
				{ role: "system", content: "env" },
				{ role: "user", content: "go" },
			],
		],
		[
			"thinking goes back in vLLM's field, joined; redacted thinking and signatures dropped",
			[
				{
					role: "assistant",
					content: [
						{ type: "thinking", thinking: "a", signature: "sig" },
						{ type: "redacted_thinking", data: "x" },
						{ type: "text", text: "T" },
						{ type: "thinking", thinking: "b" },
					],
				},
			],
			[{ role: "assistant", content: "T", reasoning_content: "a\nb" } as ChatCompletionMessageParam],
			"vllm",
		],
		[
			"thinking goes back in OpenRouter's field",
			[{ role: "assistant", content: [{ type: "thinking", thinking: "a" }] }],
			[{ role: "assistant", content: "", reasoning: "a" } as ChatCompletionMessageParam],
			"openrouter",
		],
		[
			"OpenAI takes no thinking back",
			[
				{
					role: "assistant",
					content: [
						{ type: "thinking", thinking: "a" },
						{ type: "text", text: "T" },
					],
				},
			],
			[{ role: "assistant", content: "T" }],
		],
		[
			"a hosted web search from an Anthropic session: a call and its result lines",
			[
				{
					role: "assistant",
					content: [
						{ type: "server_tool_use", id: "srv_1", name: "web_search", input: { query: "bun" } },
						{
							type: "web_search_tool_result",
							tool_use_id: "srv_1",
							content: [
								{ type: "web_search_result", title: "Bun", url: "https://bun.sh" },
								{ type: "web_search_result" },
							],
						},
						{ type: "server_tool_use", id: "srv_2", name: "web_search", input: { query: "x" } },
						{
							type: "web_search_tool_result",
							tool_use_id: "srv_2",
							content: { type: "web_search_tool_result_error", error_code: "max_uses_exceeded" },
						},
						{ type: "server_tool_use", id: "srv_3", name: "web_search", input: { query: "y" } },
						{ type: "web_search_tool_result", tool_use_id: "srv_3" },
						{ type: "text", text: "Found it." },
					],
				},
			],
			[
				{
					role: "assistant",
					content: "Found it.",
					tool_calls: [
						{ id: "srv_1", type: "function", function: { name: "web_search", arguments: '{"query":"bun"}' } },
						{ id: "srv_2", type: "function", function: { name: "web_search", arguments: '{"query":"x"}' } },
						{ id: "srv_3", type: "function", function: { name: "web_search", arguments: '{"query":"y"}' } },
					],
				},
				{ role: "tool", tool_call_id: "srv_1", content: "- Bun: https://bun.sh\n- : " },
				{ role: "tool", tool_call_id: "srv_2", content: "web search error: max_uses_exceeded" },
				{ role: "tool", tool_call_id: "srv_3", content: "web search error: unknown" },
			],
		],
		[
			"a result that answers no call is user text naming the call, as on /v1/responses (never a bare tool message)",
			[{ role: "user", content: [{ type: "tool_result", tool_use_id: "ghost", content: "late" }] }],
			[{ role: "user", content: "Result of call ghost:\nlate" }],
		],
		[
			"a result for a call already closed by a later turn is an orphan too",
			[
				{ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "A", input: {} }] },
				{ role: "user", content: "stop" },
				{ role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "late" }] },
			],
			[
				{ role: "assistant", content: null, tool_calls: [call("t1", "A")] },
				{ role: "tool", tool_call_id: "t1", content: INTERRUPTED_RESULT },
				{ role: "user", content: "stop" },
				{ role: "user", content: "Result of call t1:\nlate" },
			],
		],
		[
			"an orphan next to real results: the run is closed first, then the orphan with its images, then the text",
			[
				{
					role: "assistant",
					content: [
						{ type: "tool_use", id: "t1", name: "A", input: {} },
						{ type: "tool_use", id: "t2", name: "B", input: {} },
					],
				},
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "ghost", content: [{ type: "text", text: "g" }, image()] },
						{ type: "tool_result", tool_use_id: "t1", content: "a" },
						{ type: "text", text: "go on" },
					],
				},
			],
			[
				{ role: "assistant", content: null, tool_calls: [call("t1", "A"), call("t2", "B")] },
				{ role: "tool", tool_call_id: "t1", content: "a" },
				{ role: "tool", tool_call_id: "t2", content: INTERRUPTED_RESULT },
				{
					role: "user",
					content: [
						{ type: "text", text: "Result of call ghost:\ng" },
						{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
					],
				},
				{ role: "user", content: "go on" },
			],
		],
	];
	// A rest parameter: bun reads a fourth named parameter as a done callback when a row has three items.
	test.each(cases)("%s", (...row) => {
		const [, messages, expected, dialect = "openai"] = row;
		expect(messagesOf(messages, dialect)).toEqual(expected);
	});
});

describe("orphanResults: the call ids of results that answer no open call, for the route's debug line", () => {
	test.each<[string, unknown[], string[]]>([
		["none in a well-formed history", [{ role: "user", content: "hi" }], []],
		[
			"each orphan in order, answered calls left out",
			[
				{ role: "user", content: [{ type: "tool_result", tool_use_id: "x", content: "1" }] },
				{ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "A", input: {} }] },
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "t1", content: "ok" },
						{ type: "tool_result", tool_use_id: "y" },
					],
				},
			],
			["x", "y"],
		],
	])("%s", (_, messages, expected) => {
		expect(orphanResults(parse({ messages }).messages)).toEqual(expected);
	});
});

function call(id: string, name: string) {
	return { id, type: "function" as const, function: { name, arguments: "{}" } };
}

describe("token-estimate: Ollama's len/4", () => {
	test("every counted part, in UTF-8 bytes; images not counted", () => {
		const request = CountTokensRequest.parse({
			model: "m",
			system: [{ type: "text", text: "abcd" }, { type: "text" }],
			messages: [
				{ role: "user", content: "é" }, // 4 + 2
				{
					role: "assistant",
					content: [
						{ type: "text", text: "1234" },
						{ type: "thinking", thinking: "12" },
						{ type: "tool_use", id: "t", name: "Bash", input: { a: 1 } }, // 4 + 7
						{ type: "server_tool_use", id: "s", name: "ws" }, // 2
						{ type: "redacted_thinking", data: "xxxxxxxx" },
					],
				},
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "t", content: "abc" },
						{ type: "tool_result", tool_use_id: "s" },
						{ type: "tool_result", tool_use_id: "s", content: [{ type: "text", text: "z" }] }, // 28
						{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
						{ type: "document", source: { type: "text", data: "doc" } },
						{ type: "document", source: { type: "base64", data: "JVBE" } },
						{ type: "document" },
					],
				},
			],
			tools: [
				{ name: "Bash", description: "run", input_schema: { type: "object" } },
				{ name: "X", input_schema: {} },
			],
		});
		const expected =
			4 + // system
			(4 + 2) + // user "é"
			(9 + 4 + 2 + (4 + 7) + 2) + // assistant
			(4 + 3 + 28 + 3) + // user tool results and the text document
			(4 + 3 + 17) + // Bash tool
			(1 + 2); // X tool
		expect(inputBytes(request)).toBe(expected);
		expect(estimateInputTokens(request)).toBe(Math.floor(expected / 4));
	});

	test("a string system prompt; at least 1", () => {
		const request = CountTokensRequest.parse({
			model: "m",
			system: "abcdefgh",
			messages: [{ role: "user", content: "" }],
		});
		expect(inputBytes(request)).toBe(12);
		expect(
			estimateInputTokens(CountTokensRequest.parse({ model: "m", messages: [{ role: "user", content: "" }] })),
		).toBe(1);
	});

	test.each([
		[0, 1],
		[3, 1],
		[8, 2],
		[11, 2],
	])("tokensOfBytes(%i) = %i", (count, tokens) => {
		expect(tokensOfBytes(count)).toBe(tokens);
	});
});
