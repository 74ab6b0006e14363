import { describe, expect, test } from "bun:test";
import type { Dialect } from "../../../src/core/dialect.ts";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import type { Capability, Target } from "../../../src/core/target.ts";
import { INTERRUPTED_RESULT } from "../../../src/core/tool-history.ts";
import { historyMessages, inputHistory } from "../../../src/protocols/responses/input.ts";
import {
	estimatePromptTokens,
	ParamError,
	prepareResponses,
	refuseInvalidFields,
	toChatParams,
} from "../../../src/protocols/responses/request.ts";
import { ResponsesRequest } from "../../../src/protocols/responses/schema.ts";
import { flatToolName, toolOrigin } from "../../../src/protocols/responses/tool-names.ts";

const STREAMING = { stream: true, stream_options: { include_usage: true } } as const;
const PNG_URL = "data:image/png;base64,iVBORw0KGgo=";

function target(
	id: string,
	dialect: Dialect = "openai",
	capabilities: readonly Capability[] = ["completion", "tools"],
): Target {
	return { id, dialect, capabilities };
}
const GPT_4O = target("gpt-4o");

/** The request as the route sees it: parsed by the route's schema. */
const parse = (body: Record<string, unknown>) => ResponsesRequest.parse({ model: "m", ...body });

/** The upstream request for a body. */
function params(body: Record<string, unknown>, to: Target = GPT_4O) {
	const request = parse(body);
	return toChatParams(request, prepareResponses(request), to);
}

/** The upstream messages for some input items, for an upstream of the given dialect. */
const messages = (input: unknown, dialect: Dialect = "openai") =>
	historyMessages(inputHistory(input as unknown[]), dialect);

function thrown(run: () => unknown) {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ProxyError);
		const e = error as ProxyError & { param?: string };
		return { status: e.status, message: e.message, code: e.code, param: e.param };
	}
	throw new Error("did not throw");
}

describe("tool names", () => {
	test("a namespaced tool is flattened with a double underscore", () => {
		expect(flatToolName("multi_agent_v1", "spawn_agent")).toBe("multi_agent_v1__spawn_agent");
	});

	test("past 64 characters, a cut prefix and a hash keep names valid and distinct", () => {
		const a = flatToolName("n".repeat(40), "a".repeat(40));
		const b = flatToolName("n".repeat(40), `${"a".repeat(39)}b`);
		expect(a).toHaveLength(64);
		expect(a).toMatch(/^n{40}__a{13}_[0-9a-f]{8}$/);
		expect(b).not.toBe(a);
		expect(flatToolName("n".repeat(40), "a".repeat(40))).toBe(a);
		expect(flatToolName("n".repeat(31), "a".repeat(31))).toHaveLength(64);
	});

	test("a call's name maps back to its namespace, or stays as it is", () => {
		const names = new Map([["ns__f", { namespace: "ns", name: "f" }]]);
		expect(toolOrigin(names, "ns__f")).toEqual({ namespace: "ns", name: "f" });
		expect(toolOrigin(names, "g")).toEqual({ name: "g" });
	});
});

describe("request fields", () => {
	test("a string input is one user message; instructions lead as a system message", () => {
		expect(params({ input: "hi", instructions: "be brief" })).toEqual({
			model: "gpt-4o",
			messages: [
				{ role: "system", content: "be brief" },
				{ role: "user", content: "hi" },
			],
			...STREAMING,
		});
	});

	test.each([
		[{ input: "" }, []],
		[{}, []],
		[{ input: null, instructions: "" }, []],
	])("%j → no messages", (body, expected) => {
		expect(params(body).messages).toEqual(expected);
	});

	test.each([
		[{ max_output_tokens: 100 }, GPT_4O, { max_tokens: 100 }],
		[{ max_output_tokens: 100 }, target("gpt-5-mini"), { max_completion_tokens: 100 }],
		[{ temperature: 0.2, top_p: 0.9 }, GPT_4O, { temperature: 0.2, top_p: 0.9 }],
		[{ temperature: 0 }, GPT_4O, { temperature: 0 }],
		[{ temperature: null, top_p: null, max_output_tokens: null }, GPT_4O, {}],
		[{ text: { format: { type: "json_object" } } }, GPT_4O, { response_format: { type: "json_object" } }],
		[{ text: { format: { type: "text" } } }, GPT_4O, {}],
		[
			{ text: { format: { type: "json_schema", name: "city", schema: { type: "object" }, strict: true } } },
			GPT_4O,
			{
				response_format: {
					type: "json_schema",
					json_schema: { name: "city", schema: { type: "object" }, strict: true },
				},
			},
		],
		[
			{ text: { format: { type: "json_schema" } } },
			GPT_4O,
			{ response_format: { type: "json_schema", json_schema: { name: "schema" } } },
		],
		[{ text: { verbosity: "low" } }, GPT_4O, { verbosity: "low" }],
		[{ text: { verbosity: "loud" } }, GPT_4O, {}],
		[{ text: { verbosity: "low" } }, target("m", "vllm"), {}],
		[{ prompt_cache_key: "thread" }, GPT_4O, { prompt_cache_key: "thread" }],
		[{ prompt_cache_key: "thread" }, target("m", "openrouter"), {}],
		// Ignored: nothing here stores, includes or labels anything.
		[{ store: true, include: ["reasoning.encrypted_content"], metadata: { a: "b" }, client_metadata: {} }, GPT_4O, {}],
		[{ truncation: "auto", user: "u", safety_identifier: "s", service_tier: "flex", stream: true }, GPT_4O, {}],
	])("%j to %j → %j", (body, to, expected) => {
		expect(params({ input: "hi", ...body }, to)).toEqual({
			model: to.id,
			messages: [{ role: "user", content: "hi" }],
			...STREAMING,
			...expected,
		} as never);
	});
});

describe("reasoning.effort", () => {
	const thinker = (dialect: Dialect) => target("gpt-5", dialect, ["completion", "tools", "thinking"]);
	test.each([
		["none", "vllm", { chat_template_kwargs: { enable_thinking: false } }],
		["minimal", "openai", { reasoning_effort: "low" }],
		["low", "openai", { reasoning_effort: "low" }],
		["medium", "openrouter", { reasoning: { effort: "medium" } }],
		["high", "openai", { reasoning_effort: "high" }],
		["max", "openai", { reasoning_effort: "high" }],
		["xhigh", "vllm", { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "high" }],
		["ultra", "openai", { reasoning_effort: "high" }],
		["", "openai", {}],
		[null, "openai", {}],
	])("%j on %s → %j", (effort, dialect, expected) => {
		const body = params({ input: "hi", reasoning: { effort, summary: "auto" } }, thinker(dialect as Dialect));
		const { model, messages, stream, stream_options, ...rest } = body;
		expect(rest).toEqual(expected as never);
	});

	test("a model that does not think gets no reasoning parameter", () => {
		expect(params({ input: "hi", reasoning: { effort: "high" } })).not.toHaveProperty("reasoning_effort");
	});

	test("an unknown effort is Ollama's 400", () => {
		expect(thrown(() => prepareResponses(parse({ reasoning: { effort: "extreme" } })))).toEqual({
			status: 400,
			message:
				'invalid reasoning value: "extreme" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")',
			code: undefined,
			param: undefined,
		});
	});
});

describe("refused: state this server does not keep", () => {
	test.each([
		[
			{ previous_response_id: "resp_1" },
			"previous_response_id is not supported: send the full conversation in input",
			"previous_response_id",
			"previous_response_not_found",
		],
		[
			{ conversation: "conv_1" },
			"conversation is not supported: send the full conversation in input",
			"conversation",
			undefined,
		],
		[
			{ background: true },
			"background is not supported: responses are not stored, so stream or wait",
			"background",
			undefined,
		],
		[
			{ prompt: { id: "pmpt_1" } },
			"prompt is not supported: stored prompts are not kept, send instructions instead",
			"prompt",
			undefined,
		],
	])("%j → 400", (body, message, param, code) => {
		const error = thrown(() => prepareResponses(parse(body)));
		expect(error).toEqual({ status: 400, message, param, code });
		try {
			prepareResponses(parse(body));
		} catch (e) {
			expect(e).toBeInstanceOf(ParamError);
		}
	});

	test.each([
		{ previous_response_id: "" },
		{ previous_response_id: null, conversation: null, background: false, prompt: null },
	])("%j is no refusal", (body) => {
		expect(prepareResponses(parse({ input: "hi", ...body })).history).toHaveLength(1);
	});
});

describe("refuseInvalidFields: what OpenAI's API refuses, in its words, before any upstream call", () => {
	const empty = (param: string) =>
		`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`;
	test.each<[string, Record<string, unknown>, string, string, string]>([
		["no input", {}, "Missing required parameter: 'input'.", "input", "missing_required_parameter"],
		["a null input", { input: null }, "Missing required parameter: 'input'.", "input", "missing_required_parameter"],
		[
			"an empty string",
			{ input: "" },
			"Invalid 'input': empty string. Expected a string with minimum length 1, but got an empty string instead.",
			"input",
			"empty_string",
		],
		["an empty list", { input: [] }, empty("input"), "input", "empty_array"],
		[
			"a message with no content parts",
			{ input: [{ type: "message", role: "user", content: [] }] },
			empty("input[0].content"),
			"input[0].content",
			"empty_array",
		],
		[
			"a typeless developer message with none, after others",
			{
				input: [
					{ role: "user", content: "hi" },
					{ role: "developer", content: [] },
				],
			},
			empty("input[1].content"),
			"input[1].content",
			"empty_array",
		],
		[
			"a temperature of 1e308",
			{ input: "hi", temperature: 1e308 },
			"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 1e+308 instead.",
			"temperature",
			"decimal_above_max_value",
		],
		[
			"a negative temperature",
			{ input: "hi", temperature: -0.5 },
			"Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -0.5 instead.",
			"temperature",
			"decimal_below_min_value",
		],
		[
			"top_p past 1",
			{ input: "hi", top_p: 1.1 },
			"Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 1.1 instead.",
			"top_p",
			"decimal_above_max_value",
		],
	])("%s → 400", (_, body, message, param, code) => {
		expect(thrown(() => refuseInvalidFields(parse(body)))).toEqual({ status: 400, message, param, code });
	});

	test.each<[string, Record<string, unknown>]>([
		["a string input, the ends of the ranges", { input: "hi", temperature: 0, top_p: 1 }],
		["the other ends", { input: "hi", temperature: 2, top_p: 0 }],
		[
			"an assistant message with no parts (servers write them in history), items that are not messages",
			{
				input: [
					{ role: "user", content: "hi" },
					{ type: "message", role: "assistant", content: [] },
					{ type: "function_call_output", call_id: "c", output: [] },
					{ type: "reasoning", content: [] },
					"not an item",
				],
			},
		],
	])("accepted: %s", (_, body) => {
		expect(() => refuseInvalidFields(parse(body))).not.toThrow();
	});
});

describe("tools", () => {
	const fn = (name: string, extra: Record<string, unknown> = {}) => ({
		type: "function",
		name,
		description: `does ${name}`,
		parameters: { type: "object", properties: {} },
		...extra,
	});
	const chatFn = (name: string, description = `does ${name}`, extra: Record<string, unknown> = {}) => ({
		type: "function",
		function: { name, description, parameters: { type: "object", properties: {} }, ...extra },
	});

	test("function tools, namespace members flattened, hosted tools dropped", () => {
		const request = parse({
			input: "hi",
			tools: [
				fn("exec_command", { strict: false }),
				{
					type: "namespace",
					name: "multi_agent_v1",
					description: "agents",
					tools: [fn("spawn_agent"), fn("wait_agent")],
				},
				{ type: "web_search", external_web_access: false },
				{ type: "file_search" },
				fn("strict_one", { strict: true }),
				{ type: "function", name: "bare" },
			],
			tool_choice: "auto",
			parallel_tool_calls: true,
		});
		const prepared = prepareResponses(request);
		expect(prepared.dropped).toEqual(["web_search", "file_search"]);
		expect([...prepared.names]).toEqual([
			["multi_agent_v1__spawn_agent", { namespace: "multi_agent_v1", name: "spawn_agent" }],
			["multi_agent_v1__wait_agent", { namespace: "multi_agent_v1", name: "wait_agent" }],
		]);
		const body = toChatParams(request, prepared, GPT_4O);
		expect(body.tools).toEqual([
			chatFn("exec_command"),
			chatFn("multi_agent_v1__spawn_agent", "does spawn_agent"),
			chatFn("multi_agent_v1__wait_agent", "does wait_agent"),
			chatFn("strict_one", "does strict_one", { strict: true }),
			{ type: "function", function: { name: "bare" } },
		] as never);
		expect(body.tool_choice).toBe("auto");
		expect(body.parallel_tool_calls).toBe(true);
	});

	test("a namespace skips members that are not named functions", () => {
		const prepared = prepareResponses(
			parse({
				tools: [{ type: "namespace", name: "ns", tools: [{ type: "custom", name: "x" }, { type: "function" }] }],
			}),
		);
		expect(prepared.tools).toEqual([]);
		expect(prepareResponses(parse({ tools: [{ type: "namespace", name: "ns" }] })).tools).toEqual([]);
	});

	test.each([
		[[{ type: "function", name: "" }], "tools[0]: function tool missing required 'name' field"],
		[[fn("a"), { type: "namespace", tools: [] }], "tools[1]: namespace tool missing required 'name' field"],
	])("%j → 400 %s", (tools, message) => {
		expect(thrown(() => prepareResponses(parse({ tools }))).message).toBe(message);
	});

	test.each([
		["auto", "auto"],
		["none", "none"],
		["required", "required"],
		["whatever", "auto"],
		[
			{ type: "function", name: "exec_command" },
			{ type: "function", function: { name: "exec_command" } },
		],
		[
			{ type: "function", name: "spawn_agent", namespace: "multi_agent_v1" },
			{ type: "function", function: { name: "multi_agent_v1__spawn_agent" } },
		],
		[{ type: "web_search" }, "auto"],
		[{ type: "allowed_tools", mode: "auto", tools: [] }, "auto"],
		[null, undefined],
	])("tool_choice %j → %j", (choice, expected) => {
		const body = params({ input: "hi", tools: [fn("exec_command")], tool_choice: choice });
		expect(body.tool_choice).toEqual(expected as never);
	});

	test("without tools left, no tools, tool_choice or parallel_tool_calls are sent", () => {
		for (const tools of [[], [{ type: "web_search" }], null]) {
			const body = params({ input: "hi", tools, tool_choice: "required", parallel_tool_calls: false });
			expect(body).toEqual({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], ...STREAMING });
		}
	});

	test("parallel_tool_calls only when sent", () => {
		expect(params({ input: "hi", tools: [fn("a")] })).not.toHaveProperty("parallel_tool_calls");
		expect(params({ input: "hi", tools: [fn("a")], parallel_tool_calls: false }).parallel_tool_calls).toBe(false);
	});
});

describe("input items", () => {
	test("messages of every role; developer becomes system; parts are concatenated", () => {
		expect(
			messages([
				{ type: "message", role: "developer", content: [{ type: "input_text", text: "dev1" }] },
				{
					type: "message",
					role: "developer",
					content: [
						{ type: "input_text", text: "a" },
						{ type: "input_text", text: "b" },
					],
				},
				{ role: "system", content: "sys" },
				{ role: "developer", content: "x" },
				{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
				{
					type: "message",
					role: "assistant",
					content: [
						{ type: "output_text", text: "hello" },
						{ type: "refusal", refusal: "!" },
					],
				},
				{ role: "user", content: null },
				{ role: "assistant", content: [{ type: "refusal" }, { type: "output_text" }] },
			]),
		).toEqual([
			{ role: "system", content: "dev1" },
			{ role: "system", content: "ab" },
			{ role: "system", content: "sys" },
			{ role: "system", content: "x" },
			{ role: "user", content: "hi" },
			{ role: "assistant", content: "hello!" },
			{ role: "user", content: "" },
			{ role: "assistant", content: "" },
		]);
	});

	test("images: data and http URLs as image parts on the user turn; on other roles, in a user turn after", () => {
		expect(
			messages([
				{
					role: "user",
					content: [
						{ type: "input_text", text: "look" },
						{ type: "input_image", image_url: PNG_URL, detail: "high" },
						{ type: "input_image", image_url: "https://x.test/a.png", detail: "original" },
					],
				},
				{ role: "user", content: [{ type: "input_image", image_url: "HTTP://x.test/b.png", detail: "auto" }] },
				{
					role: "developer",
					content: [
						{ type: "input_text", text: "ref" },
						{ type: "input_image", image_url: PNG_URL },
					],
				},
			]),
		).toEqual([
			{
				role: "user",
				content: [
					{ type: "text", text: "look" },
					{ type: "image_url", image_url: { url: PNG_URL, detail: "high" } },
					{ type: "image_url", image_url: { url: "https://x.test/a.png" } },
				],
			},
			{ role: "user", content: [{ type: "image_url", image_url: { url: "HTTP://x.test/b.png", detail: "auto" } }] },
			{ role: "system", content: "ref" },
			{ role: "user", content: [{ type: "image_url", image_url: { url: PNG_URL } }] },
		]);
	});

	test.each([
		[[{ type: "bogus" }], 'input[0]: unknown input item type: "bogus"'],
		[
			[
				{ role: "user", content: "a" },
				{ type: "item_reference", id: "x" },
			],
			'input[1]: unknown input item type: "item_reference"',
		],
		[[{ type: "custom_tool_call" }], 'input[0]: unknown input item type: "custom_tool_call"'],
		[[{ content: "no type, no role" }], "input[0]: input item missing required 'type' field"],
		[["text"], "input[0]: input item must be an object"],
		[[{ role: "robot", content: "x" }], 'input[0]: unknown message role: "robot"'],
		[[{ type: "message", content: "x" }], 'input[0]: unknown message role: ""'],
		[
			[{ role: "user", content: [{ type: "input_text", text: "a" }, { type: "x" }] }],
			"input[0]: content[1]: unknown content type: x",
		],
		[[{ role: "user", content: ["bare"] }], "input[0]: content[0]: unknown content type: "],
		[[{ role: "user", content: 5 }], "input[0]: content must be a string or array"],
		[[{ role: "user", content: [{ type: "input_file", file_id: "f" }] }], "file inputs are not currently supported"],
		[
			[{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }],
			"input[0]: content[0]: image file_id is not supported, please send image_url as a data or http(s) URL",
		],
		[
			[{ role: "user", content: [{ type: "input_image", image_url: "ftp://x" }] }],
			"input[0]: content[0]: input_image needs an image_url with a data or http(s) URL",
		],
		[[{ type: "function_call", call_id: "c" }], "input[0]: function_call missing required 'name' field"],
		[
			[{ type: "function_call_output", call_id: "c", output: [{ type: "zip" }] }],
			"input[0]: output[0]: unknown content type: zip",
		],
	])("%j → 400 %s", (input, message) => {
		expect(thrown(() => inputHistory(input))).toEqual({ status: 400, message, code: undefined, param: undefined });
	});

	test("a function call and its output; arguments verbatim, even when they are not JSON", () => {
		expect(
			messages([
				{ role: "user", content: "run" },
				{ type: "function_call", call_id: "c1", name: "exec_command", arguments: "{bad" },
				{ type: "function_call_output", call_id: "c1", output: "err" },
				{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] },
			]),
		).toEqual([
			{ role: "user", content: "run" },
			{
				role: "assistant",
				content: null,
				tool_calls: [{ id: "c1", type: "function", function: { name: "exec_command", arguments: "{bad" } }],
			},
			{ role: "tool", tool_call_id: "c1", content: "err" },
			{ role: "assistant", content: "done" },
		]);
	});

	test("calls join the assistant message before them; commentary between call and result joins the call", () => {
		expect(
			messages([
				{ role: "assistant", content: "Checking." },
				{ type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
				{ type: "function_call", call_id: "c2", name: "b", namespace: "ns", arguments: { x: 1 } },
				{ role: "assistant", content: " Still checking." },
				{ type: "function_call_output", call_id: "c2", output: "B" },
				{
					type: "function_call_output",
					call_id: "c1",
					output: [
						{ type: "input_text", text: "A" },
						{ type: "output_text", text: "!" },
					],
				},
				{ type: "function_call", id: "fc_1", name: "c" },
				{ type: "function_call", name: "d", arguments: null },
			]),
		).toEqual([
			{
				role: "assistant",
				content: "Checking. Still checking.",
				tool_calls: [
					{ id: "c1", type: "function", function: { name: "a", arguments: "{}" } },
					{ id: "c2", type: "function", function: { name: "ns__b", arguments: '{"x":1}' } },
				],
			},
			{ role: "tool", tool_call_id: "c2", content: "B" },
			{ role: "tool", tool_call_id: "c1", content: "A!" },
			{
				role: "assistant",
				content: null,
				tool_calls: [
					{ id: "fc_1", type: "function", function: { name: "c", arguments: "{}" } },
					{ id: "call_i7", type: "function", function: { name: "d", arguments: "{}" } },
				],
			},
			{ role: "tool", tool_call_id: "fc_1", content: INTERRUPTED_RESULT },
			{ role: "tool", tool_call_id: "call_i7", content: INTERRUPTED_RESULT },
		]);
	});

	test("an empty commentary leaves a call-only message's content null", () => {
		expect(
			messages([
				{ type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
				{ role: "assistant", content: "" },
				{ type: "function_call_output", call_id: "c1", output: "A" },
			])[0],
		).toEqual({
			role: "assistant",
			content: null,
			tool_calls: [{ id: "c1", type: "function", function: { name: "a", arguments: "{}" } }],
		});
	});

	test("prepareResponses names the orphan results' calls, for the route's debug line", () => {
		const input = [
			{ type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
			{ type: "function_call_output", call_id: "c1", output: "ok" },
			{ type: "function_call_output", call_id: "ghost", output: "late" },
		];
		expect(prepareResponses(parse({ input })).orphans).toEqual(["ghost"]);
		expect(prepareResponses(parse({ input: input.slice(0, 2) })).orphans).toEqual([]);
	});

	test("unanswered calls get a result before the next turn; a result for no open call is a user turn", () => {
		expect(
			messages([
				{ type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
				{ role: "user", content: "never mind" },
				{ type: "function_call_output", call_id: "c1", output: "late" },
				{ type: "function_call_output", output: [{ type: "input_image", image_url: PNG_URL }] },
			]),
		).toEqual([
			{
				role: "assistant",
				content: null,
				tool_calls: [{ id: "c1", type: "function", function: { name: "a", arguments: "{}" } }],
			},
			{ role: "tool", tool_call_id: "c1", content: INTERRUPTED_RESULT },
			{ role: "user", content: "never mind" },
			{ role: "user", content: "Result of call c1:\nlate" },
			{
				role: "user",
				content: [
					{ type: "text", text: "Result of call :\n" },
					{ type: "image_url", image_url: { url: PNG_URL } },
				],
			},
		]);
	});

	test("images in function outputs follow the run of tool messages as one user turn", () => {
		expect(
			messages([
				{ type: "function_call", call_id: "c1", name: "view_image", arguments: "{}" },
				{ type: "function_call", call_id: "c2", name: "view_image", arguments: "{}" },
				{ type: "function_call", call_id: "c3", name: "view_image", arguments: "{}" },
				{
					type: "function_call_output",
					call_id: "c1",
					output: [
						{ type: "input_text", text: "shot" },
						{ type: "input_image", image_url: PNG_URL },
					],
				},
				{
					type: "function_call_output",
					call_id: "c2",
					output: [{ type: "input_image", image_url: "https://x.test/2.png" }],
				},
				{ role: "user", content: "what now" },
			]).slice(1),
		).toEqual([
			{ role: "tool", tool_call_id: "c1", content: "shot" },
			{ role: "tool", tool_call_id: "c2", content: "" },
			{ role: "tool", tool_call_id: "c3", content: INTERRUPTED_RESULT },
			{
				role: "user",
				content: [
					{ type: "text", text: "Images from tool result c1:" },
					{ type: "image_url", image_url: { url: PNG_URL } },
					{ type: "text", text: "Images from tool result c2:" },
					{ type: "image_url", image_url: { url: "https://x.test/2.png" } },
				],
			},
			{ role: "user", content: "what now" },
		]);
	});

	test("web_search_call items are ignored", () => {
		expect(
			messages([
				{ type: "web_search_call", id: "ws" },
				{ role: "user", content: "hi" },
			]),
		).toEqual([{ role: "user", content: "hi" }]);
	});
});

describe("reasoning items", () => {
	const history = [
		{ role: "user", content: "run" },
		{ type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "S" }], encrypted_content: "R" },
		{ type: "function_call", call_id: "c1", name: "exec_command", arguments: "{bad" },
		{ type: "function_call_output", call_id: "c1", output: "err" },
		{
			type: "reasoning",
			summary: [
				{ type: "summary_text", text: "S1" },
				{ type: "summary_text", text: "S2" },
			],
		},
		{
			type: "reasoning",
			content: [{ type: "reasoning_text", text: "C" }],
			summary: [{ type: "summary_text", text: "unused" }],
		},
		{ role: "assistant", content: "ok" },
		{ type: "reasoning", summary: [], encrypted_content: "" },
		{ type: "reasoning", summary: ["odd"], content: "odd" },
	];
	const call = { id: "c1", type: "function", function: { name: "exec_command", arguments: "{bad" } };

	test.each([
		["vllm", "reasoning_content"],
		["llamacpp", "reasoning_content"],
		["openrouter", "reasoning"],
	])("on %s the next assistant message carries them in %s", (dialect, field) => {
		expect(messages(history, dialect as Dialect)).toEqual([
			{ role: "user", content: "run" },
			{ role: "assistant", content: null, tool_calls: [call], [field]: "R" },
			{ role: "tool", tool_call_id: "c1", content: "err" },
			{ role: "assistant", content: "ok", [field]: "S1\nS2\nC" },
		] as never);
	});

	test("OpenAI has no field for them: dropped", () => {
		expect(messages(history, "openai")).toEqual([
			{ role: "user", content: "run" },
			{ role: "assistant", content: null, tool_calls: [call] },
			{ role: "tool", tool_call_id: "c1", content: "err" },
			{ role: "assistant", content: "ok" },
		] as never);
	});

	test("trailing reasoning is an assistant message of its own, where the dialect can carry it", () => {
		const input = [
			{ role: "user", content: "hi" },
			{ type: "reasoning", encrypted_content: "T" },
		];
		expect(messages(input, "vllm")).toEqual([
			{ role: "user", content: "hi" },
			{ role: "assistant", content: "", reasoning_content: "T" },
		] as never);
		expect(messages(input, "openai")).toEqual([{ role: "user", content: "hi" }]);
	});

	test("reasoning before a call added to an assistant message that already has some, and before commentary", () => {
		expect(
			messages(
				[
					{ type: "reasoning", encrypted_content: "A" },
					{ role: "assistant", content: "x" },
					{ type: "reasoning", encrypted_content: "B" },
					{ type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
					{ type: "reasoning", encrypted_content: "C" },
					{ role: "assistant", content: "y" },
					{ type: "function_call_output", call_id: "c1", output: "o" },
				],
				"vllm",
			),
		).toEqual([
			{
				role: "assistant",
				content: "xy",
				tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
				reasoning_content: "A\nB\nC",
			},
			{ role: "tool", tool_call_id: "c1", content: "o" },
		] as never);
	});
});

describe("the Codex request", () => {
	test("prepared and translated", async () => {
		const fixture = (await Bun.file(`${import.meta.dir}/../../fixtures/codex-request.json`).json()) as {
			body: Record<string, unknown>;
		};
		const request = ResponsesRequest.parse(fixture.body);
		const prepared = prepareResponses(request);
		expect(prepared.dropped).toEqual(["web_search"]);
		const body = toChatParams(request, prepared, GPT_4O);
		expect(body.messages.map((m) => [m.role, typeof m.content])).toEqual([
			["system", "string"],
			["system", "string"],
			["user", "string"],
			["user", "string"],
		]);
		expect(body.tools).toHaveLength(12);
		expect(body).toMatchObject({
			tool_choice: "auto",
			parallel_tool_calls: true,
			prompt_cache_key: expect.any(String),
		});
		expect(estimatePromptTokens(prepared)).toBeGreaterThan(100);
	});

	test("the estimate counts messages and tools, and is never 0", () => {
		expect(estimatePromptTokens(prepareResponses(parse({})))).toBe(1);
		const withTools = prepareResponses(parse({ input: "hi", tools: [{ type: "function", name: "f" }] }));
		expect(estimatePromptTokens(withTools)).toBe(
			Math.ceil(
				(JSON.stringify([{ role: "user", content: "hi" }]).length + JSON.stringify(withTools.tools).length) / 4,
			),
		);
	});
});
