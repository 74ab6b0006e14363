import { describe, expect, test } from "bun:test";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import type { SseEvent } from "../../../src/core/renderer.ts";
import { chatPiece } from "../../../src/core/upstream-chunks.ts";
import { ResponsesRequest } from "../../../src/protocols/responses/schema.ts";
import { renderer as responsesRenderer } from "../../../src/protocols/responses/stream.ts";
import { chunk, type Delta, type FinishReason, finish, toolCalls, usage } from "../../support/chunks.ts";

const NAMES = new Map([["multi_agent_v1__spawn_agent", { namespace: "multi_agent_v1", name: "spawn_agent" }]]);

/** A renderer with predictable ids (`<prefix><n>`) and clock (created at 100, every later reading 200). */
function renderer(body: Record<string, unknown> = {}, promptEstimate = 50) {
	let n = 0;
	let reading = 100;
	return responsesRenderer({
		request: ResponsesRequest.parse({ model: "client-model", ...body }),
		names: NAMES,
		now: () => {
			const at = reading;
			reading = 200;
			return at;
		},
		newId: (prefix) => `${prefix}${++n}`,
		promptEstimate,
	});
}

type Step = Delta | [Delta, FinishReason] | ReturnType<typeof usage>;
const piece = (step: Step) =>
	chatPiece(Array.isArray(step) ? chunk(step[0], step[1]) : "object" in step ? step : chunk(step));

/** Every event of a stream: start, one push per step, finish. */
function stream(steps: Step[], body: Record<string, unknown> = {}) {
	const r = renderer(body);
	const events = [...r.start(), ...steps.flatMap((s) => r.push(piece(s))), ...r.finish()];
	return { events, whole: r.whole(), usage: r.usage() };
}

const types = (events: SseEvent[]) => events.map((e) => e.event);
const data = (events: SseEvent[], type: string) => events.filter((e) => e.event === type).map((e) => e.data);

/** The response object of the defaults, as Ollama orders its keys. */
function responseObject(overrides: Record<string, unknown>) {
	return {
		id: "resp_1",
		object: "response",
		created_at: 100,
		completed_at: 200,
		status: "completed",
		incomplete_details: null,
		model: "client-model",
		previous_response_id: null,
		instructions: null,
		output: [],
		error: null,
		tools: [],
		tool_choice: "auto",
		truncation: "disabled",
		parallel_tool_calls: true,
		text: { format: { type: "text" } },
		top_p: 1,
		presence_penalty: 0,
		frequency_penalty: 0,
		top_logprobs: 0,
		temperature: 1,
		reasoning: null,
		usage: null,
		max_output_tokens: null,
		max_tool_calls: null,
		store: false,
		background: false,
		service_tier: "default",
		metadata: {},
		safety_identifier: null,
		prompt_cache_key: null,
		...overrides,
	};
}

const usageObject = (input: number, output: number, cached = 0, reasoning = 0) => ({
	input_tokens: input,
	output_tokens: output,
	total_tokens: input + output,
	input_tokens_details: { cached_tokens: cached },
	output_tokens_details: { reasoning_tokens: reasoning },
});

const message = (id: string, text: string) => ({
	id,
	type: "message",
	status: "completed",
	role: "assistant",
	content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
});

describe("a text answer", () => {
	test("the exact event sequence, numbered from 0", () => {
		const { events } = stream([
			{ role: "assistant", content: "" },
			{ content: "po" },
			{ content: "ng" },
			finish("stop"),
			usage(9, 2),
		]);
		const inProgress = responseObject({ status: "in_progress", completed_at: null });
		const part = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });
		const at = { item_id: "msg_2", output_index: 0, content_index: 0 };
		expect(events).toEqual(
			[
				["response.created", { response: inProgress }],
				["response.in_progress", { response: inProgress }],
				[
					"response.output_item.added",
					{
						output_index: 0,
						item: { id: "msg_2", type: "message", status: "in_progress", role: "assistant", content: [] },
					},
				],
				["response.content_part.added", { ...at, part: part("") }],
				["response.output_text.delta", { ...at, delta: "po", logprobs: [] }],
				["response.output_text.delta", { ...at, delta: "ng", logprobs: [] }],
				["response.output_text.done", { ...at, text: "pong", logprobs: [] }],
				["response.content_part.done", { ...at, part: part("pong") }],
				["response.output_item.done", { output_index: 0, item: message("msg_2", "pong") }],
				[
					"response.completed",
					{ response: responseObject({ output: [message("msg_2", "pong")], usage: usageObject(9, 2) }) },
				],
			].map(([type, payload], i) => ({
				event: type,
				data: { type, sequence_number: i, ...(payload as object) },
			})) as never,
		);
	});

	test("the whole body is the completed response; its keys in Ollama's order", () => {
		const { whole, usage: counts } = stream([{ content: "pong" }, finish("stop"), usage(9, 2)]);
		expect(whole).toEqual(responseObject({ output: [message("msg_2", "pong")], usage: usageObject(9, 2) }));
		expect(Object.keys(whole)).toEqual(Object.keys(responseObject({})));
		expect(counts).toEqual({ promptTokens: 9, completionTokens: 2 });
	});

	test("cached and reasoning tokens are reported", () => {
		const r = renderer();
		r.push(chatPiece(chunk({ content: "x" }, "stop")));
		r.push(
			chatPiece({
				...usage(10, 5),
				usage: {
					prompt_tokens: 10,
					completion_tokens: 5,
					total_tokens: 15,
					prompt_tokens_details: { cached_tokens: 4 },
					completion_tokens_details: { reasoning_tokens: 3 },
				},
			}),
		);
		r.finish();
		expect(r.whole().usage).toEqual(usageObject(10, 5, 4, 3));
	});

	test("without usage from the upstream, estimates: the prompt's, and a quarter of the output's characters", () => {
		const { whole, usage: counts } = stream([{ content: "123456789" }, finish("stop")]);
		expect(whole.usage).toEqual(usageObject(50, 3));
		expect(counts).toEqual({ promptTokens: 50, completionTokens: 3 });
		expect(stream([finish("stop")]).whole.usage).toEqual(usageObject(50, 1));
	});

	test("an empty answer has no items", () => {
		const { events, whole } = stream([{ role: "assistant", content: "" }, finish("stop"), usage(3, 0)]);
		expect(types(events)).toEqual(["response.created", "response.in_progress", "response.completed"]);
		expect(whole.output).toEqual([]);
	});
});

describe("keepalive", () => {
	test("response.in_progress again, numbered in sequence, with the items done so far", () => {
		const r = renderer();
		const events = [...r.start(), ...r.push(piece({ reasoning: "R" })), ...r.push(piece({ content: "T" }))];
		const [again] = r.keepalive();
		expect(again?.event).toBe("response.in_progress");
		expect(again?.data).toEqual({
			type: "response.in_progress",
			sequence_number: events.length,
			response: responseObject({
				status: "in_progress",
				completed_at: null,
				output: [
					{ id: "rs_2", type: "reasoning", summary: [{ type: "summary_text", text: "R" }], encrypted_content: "R" },
				],
			}),
		});
	});
});

describe("the request's settings are echoed", () => {
	test("every echoed field", () => {
		const tools = [{ type: "function", name: "f", parameters: { type: "object" }, extra: 1 }, { type: "web_search" }];
		const format = { type: "json_schema", name: "x", schema: { type: "object" } };
		const body = {
			instructions: "be brief",
			tools,
			tool_choice: "required",
			truncation: "auto",
			parallel_tool_calls: false,
			text: { format, verbosity: "low" },
			top_p: 0.5,
			temperature: 0.2,
			reasoning: { effort: "high" },
			max_output_tokens: 64,
			max_tool_calls: 3,
			metadata: { k: "v" },
			safety_identifier: "s",
			prompt_cache_key: "p",
			store: true,
		};
		expect(stream([finish("stop"), usage(1, 1)], body).whole).toEqual(
			responseObject({
				instructions: "be brief",
				tools,
				tool_choice: "required",
				truncation: "auto",
				parallel_tool_calls: false,
				text: { format, verbosity: "low" },
				top_p: 0.5,
				temperature: 0.2,
				reasoning: { effort: "high", summary: null },
				usage: usageObject(1, 1),
				max_output_tokens: 64,
				max_tool_calls: 3,
				metadata: { k: "v" },
				safety_identifier: "s",
				prompt_cache_key: "p",
			}),
		);
		expect(stream([finish("stop")], { reasoning: { summary: "auto" } }).whole.reasoning).toEqual({
			effort: null,
			summary: "auto",
		});
	});
});

describe("reasoning", () => {
	test("reasoning then text: summary part events, encrypted_content, then the message", () => {
		const { events, whole } = stream([
			{ reasoning: "R1" },
			{ reasoning: "R2" },
			{ content: "T" },
			finish("stop"),
			usage(5, 3),
		]);
		const reasoningItem = {
			id: "rs_2",
			type: "reasoning",
			summary: [{ type: "summary_text", text: "R1R2" }],
			encrypted_content: "R1R2",
		};
		const at = { item_id: "rs_2", output_index: 0, summary_index: 0 };
		expect(types(events)).toEqual([
			"response.created",
			"response.in_progress",
			"response.output_item.added",
			"response.reasoning_summary_part.added",
			"response.reasoning_summary_text.delta",
			"response.reasoning_summary_text.delta",
			"response.reasoning_summary_text.done",
			"response.reasoning_summary_part.done",
			"response.output_item.done",
			"response.output_item.added",
			"response.content_part.added",
			"response.output_text.delta",
			"response.output_text.done",
			"response.content_part.done",
			"response.output_item.done",
			"response.completed",
		]);
		expect(events.slice(2, 9).map((e) => e.data)).toEqual([
			{
				type: "response.output_item.added",
				sequence_number: 2,
				output_index: 0,
				item: { id: "rs_2", type: "reasoning", summary: [] },
			},
			{
				type: "response.reasoning_summary_part.added",
				sequence_number: 3,
				...at,
				part: { type: "summary_text", text: "" },
			},
			{ type: "response.reasoning_summary_text.delta", sequence_number: 4, ...at, delta: "R1" },
			{ type: "response.reasoning_summary_text.delta", sequence_number: 5, ...at, delta: "R2" },
			{ type: "response.reasoning_summary_text.done", sequence_number: 6, ...at, text: "R1R2" },
			{
				type: "response.reasoning_summary_part.done",
				sequence_number: 7,
				...at,
				part: { type: "summary_text", text: "R1R2" },
			},
			{ type: "response.output_item.done", sequence_number: 8, output_index: 0, item: reasoningItem },
		]);
		expect(data(events, "response.output_item.added")[1]).toMatchObject({ output_index: 1, item: { id: "msg_3" } });
		expect(whole.output).toEqual([reasoningItem, message("msg_3", "T")]);
		expect(data(events, "response.completed")[0]?.response).toEqual(whole);
	});

	test("<think> tags in the content are reasoning too", () => {
		const { whole } = stream([{ content: "<think>plan</think>answer" }, finish("stop")]);
		expect((whole.output as { type: string }[]).map((i) => i.type)).toEqual(["reasoning", "message"]);
	});
});

describe("function calls", () => {
	test("text then a call: the message is closed first; the call's events are contiguous", () => {
		const { events, whole } = stream([
			{ content: "Checking." },
			toolCalls({ index: 0, id: "call_1", type: "function", function: { name: "exec_command", arguments: '{"cmd"' } })
				.choices[0]?.delta as Delta,
			toolCalls({ index: 0, function: { arguments: ':"ls"}' } }).choices[0]?.delta as Delta,
			finish("tool_calls"),
			usage(20, 8),
		]);
		expect(types(events).slice(2)).toEqual([
			"response.output_item.added",
			"response.content_part.added",
			"response.output_text.delta",
			"response.output_text.done",
			"response.content_part.done",
			"response.output_item.done",
			"response.output_item.added",
			"response.function_call_arguments.delta",
			"response.function_call_arguments.done",
			"response.output_item.done",
			"response.completed",
		]);
		const call = (status: string, args: string) => ({
			id: "fc_3",
			type: "function_call",
			status,
			call_id: "call_1",
			name: "exec_command",
			arguments: args,
		});
		const at = { item_id: "fc_3", output_index: 1 };
		expect(events.slice(8, 12).map((e) => e.data)).toEqual([
			{ type: "response.output_item.added", sequence_number: 8, output_index: 1, item: call("in_progress", "") },
			{ type: "response.function_call_arguments.delta", sequence_number: 9, ...at, delta: '{"cmd":"ls"}' },
			{
				type: "response.function_call_arguments.done",
				sequence_number: 10,
				...at,
				arguments: '{"cmd":"ls"}',
				name: "exec_command",
			},
			{
				type: "response.output_item.done",
				sequence_number: 11,
				output_index: 1,
				item: call("completed", '{"cmd":"ls"}'),
			},
		]);
		expect(whole.output).toEqual([message("msg_2", "Checking."), call("completed", '{"cmd":"ls"}')]);
		expect(whole.status).toBe("completed");
	});

	test("a namespaced call names its namespace; invalid arguments stay verbatim; a missing id gets a fresh one", () => {
		const { events, whole } = stream([
			{ tool_calls: [{ index: 0, function: { name: "multi_agent_v1__spawn_agent", arguments: "{bad" } }] },
			{ tool_calls: [{ index: 1, id: "call_b", function: { name: "view_image", arguments: "" } }] },
			finish("tool_calls"),
		]);
		expect(whole.output).toEqual([
			{
				id: "fc_2",
				type: "function_call",
				status: "completed",
				call_id: "call_3",
				name: "spawn_agent",
				namespace: "multi_agent_v1",
				arguments: "{bad",
			},
			// No arguments is `{}`: Codex parses the string as JSON.
			{
				id: "fc_4",
				type: "function_call",
				status: "completed",
				call_id: "call_b",
				name: "view_image",
				arguments: "{}",
			},
		]);
		expect(data(events, "response.function_call_arguments.delta").map((d) => d.delta)).toEqual(["{bad", "{}"]);
		expect(data(events, "response.function_call_arguments.done")[0]).toMatchObject({ name: "spawn_agent" });
	});
});

describe("status", () => {
	test.each([
		["stop", "completed", null],
		["tool_calls", "completed", null],
		["length", "incomplete", { reason: "max_output_tokens" }],
		["content_filter", "incomplete", { reason: "content_filter" }],
	])("finish_reason %s → %s, %j, still response.completed", (reason, status, details) => {
		const { events, whole } = stream([{ content: "x" }, finish(reason as NonNullable<FinishReason>)]);
		expect(events.at(-1)?.event).toBe("response.completed");
		expect({ status: whole.status, incomplete_details: whole.incomplete_details }).toEqual({
			status,
			incomplete_details: details,
		});
	});

	test("a stream cut before the finish reason is an error, not an answer", () => {
		const r = renderer();
		r.push(piece({ content: "pa" }));
		expect(() => r.finish()).toThrow("upstream stream ended before the answer was complete");
	});
});

describe("failure after the first byte", () => {
	function failed(error: ProxyError, steps: Step[] = [{ content: "pa" }]) {
		const r = renderer();
		const events = [...r.start(), ...steps.flatMap((s) => r.push(piece(s))), ...r.fail(error)];
		return events;
	}

	test("response.failed with the items done so far, and nothing after", () => {
		const events = failed(new ProxyError(502, "upstream stream ended before the answer was complete", {}, "stream"), [
			{ reasoning: "R" },
			{ content: "pa" },
		]);
		expect(types(events).slice(-3)).toEqual([
			"response.content_part.added",
			"response.output_text.delta",
			"response.failed",
		]);
		const last = events.at(-1) as SseEvent;
		expect(last.data).toEqual({
			type: "response.failed",
			sequence_number: events.length - 1,
			response: responseObject({
				status: "failed",
				completed_at: null,
				output: [
					{ id: "rs_2", type: "reasoning", summary: [{ type: "summary_text", text: "R" }], encrypted_content: "R" },
				],
				error: { code: "server_error", message: "upstream stream ended before the answer was complete" },
			}),
		});
		expect(last.data).not.toHaveProperty("error");
	});

	test.each([
		[
			new ProxyError(
				400,
				"upstream rejected the request: This model's maximum context length is 32768 tokens",
				{},
				"bad_request",
			),
			"context_length_exceeded",
			"upstream rejected the request: This model's maximum context length is 32768 tokens",
		],
		[new ProxyError(400, "x", {}, "bad_request", "context_length_exceeded"), "context_length_exceeded", "x"],
		[
			new ProxyError(429, "upstream rate limit: slow down", { "retry-after": "7" }, "rate_limit"),
			"rate_limit_exceeded",
			"upstream rate limit: slow down Please try again in 7s.",
		],
		[
			new ProxyError(429, "upstream rate limit: slow down", {}, "rate_limit"),
			"rate_limit_exceeded",
			"upstream rate limit: slow down",
		],
		[new ProxyError(504, "upstream went quiet", {}, "timeout"), "server_error", "upstream went quiet"],
	])("case %#", (error, code, message) => {
		expect(((failed(error).at(-1) as SseEvent).data.response as { error: unknown }).error).toEqual({ code, message });
	});

	test("a failure after the end keeps the usage the upstream reported", () => {
		const r = renderer();
		r.push(piece({ content: "x" }));
		r.push(piece([{}, "stop"]));
		r.push(piece(usage(4, 1)));
		expect(r.finish().at(-1)?.event).toBe("response.completed");
		expect(
			((r.fail(new ProxyError(500, "internal error"))[0] as SseEvent).data.response as { usage: unknown }).usage,
		).toEqual(usageObject(4, 1));
	});
});
