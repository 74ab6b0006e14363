/**
 * `POST /v1/responses` driven as Codex and the `openai` SDK drive it (contract cases 12–23 of the agent-protocols
 * doc): the upstream request the translation makes, the exact event sequences, the whole body, and the errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startProxy, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream, textStream, usageChunk } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const MODELS = [
	{ id: "some-model", object: "model", created: 1_700_000_000, owned_by: "x" },
	{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
];

// Keys the secret sweep (test/reliability/secrets.test.ts) recognises.
const KEY = "sk-test-key-0123456789";

type Fixture = { headers: Record<string, string>; body: Record<string, unknown> };
let codex: Fixture;
let upstream: TestUpstream;
let proxy: TestProxy;
let vllm: TestProxy;
let client: OpenAI;

beforeAll(async () => {
	codex = await Bun.file(`${import.meta.dir}/../fixtures/codex-request.json`).json();
	upstream = await startTestUpstream({ models: MODELS });
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0", OPENAI_API_KEY: KEY });
	vllm = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0", UPSTREAM_DIALECT: "vllm" });
	client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "anything", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	vllm.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

type Event = { event: string; data: Record<string, unknown> };

/** The events of an SSE body, checking the framing: `event:` line, one `data:` line, `data.type` equal to the name. */
function sseEvents(text: string): Event[] {
	expect(text).toEndWith("\n\n");
	expect(text).not.toContain("[DONE]");
	return text
		.slice(0, -2)
		.split("\n\n")
		.map((block) => {
			const match = /^event: (\S+)\ndata: (.+)$/.exec(block);
			if (!match) throw new Error(`malformed SSE event: ${JSON.stringify(block)}`);
			const data = JSON.parse(match[2] as string) as Record<string, unknown>;
			expect(data.type).toBe(match[1]);
			// The OpenAI SDK throws on a top-level `error` in any event.
			expect(data).not.toHaveProperty("error");
			return { event: match[1] as string, data };
		});
}

const post = (target: TestProxy, body: unknown, headers: Record<string, string> = {}) =>
	fetch(`${target.url}/v1/responses`, { method: "POST", body: JSON.stringify(body), headers });

async function streamed(body: unknown, target = proxy, headers: Record<string, string> = {}) {
	const res = await post(target, body, headers);
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toBe("text/event-stream");
	expect(res.headers.get("x-request-id")).toBeTruthy();
	const events = sseEvents(await res.text());
	expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
	return events;
}

const types = (events: { type: string }[]) => events.map((e) => e.type.replace(/^response\./, ""));

/** Every event of an SDK stream. */
async function sdkEvents(params: Record<string, unknown>) {
	const stream = await client.responses.create({ model: "some-model", ...params, stream: true } as never);
	const events: Array<Record<string, unknown> & { type: string; sequence_number: number }> = [];
	for await (const event of stream as unknown as AsyncIterable<(typeof events)[number]>) events.push(event);
	expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
	return events;
}

const toolCallChunk = (index: number, id: string | undefined, name: string | undefined, args: string) =>
	chunk({
		tool_calls: [{ index, ...(id && { id, type: "function" }), function: { ...(name && { name }), arguments: args } }],
	});

describe("12. Codex replay", () => {
	test("the captured request: upstream request and event sequence", async () => {
		upstream.enqueue("chat", textStream(["pong"], "stop", [812, 9]));
		const events = await streamed(codex.body, proxy, codex.headers);
		const sent = upstream.lastBody();
		expect((sent.messages as { role: string; content: unknown }[]).map((m) => [m.role, typeof m.content])).toEqual([
			["system", "string"],
			["system", "string"],
			["user", "string"],
			["user", "string"],
		]);
		const names = (sent.tools as { function: { name: string } }[]).map((t) => t.function.name);
		expect(names).toEqual([
			"exec_command",
			"write_stdin",
			"request_user_input",
			"view_image",
			"multi_agent_v1__close_agent",
			"multi_agent_v1__resume_agent",
			"multi_agent_v1__send_input",
			"multi_agent_v1__spawn_agent",
			"multi_agent_v1__wait_agent",
			"get_goal",
			"create_goal",
			"update_goal",
		]);
		expect(sent).toMatchObject({
			stream: true,
			stream_options: { include_usage: true },
			tool_choice: "auto",
			parallel_tool_calls: true,
		});
		for (const key of [
			"store",
			"include",
			"client_metadata",
			"reasoning",
			"reasoning_effort",
			"input",
			"instructions",
		]) {
			expect(sent).not.toHaveProperty(key);
		}
		expect(JSON.stringify(sent)).not.toContain("web_search");

		expect(types(events.map((e) => e.data as { type: string }))).toEqual([
			"created",
			"in_progress",
			"output_item.added",
			"content_part.added",
			"output_text.delta",
			"output_text.done",
			"content_part.done",
			"output_item.done",
			"completed",
		]);
		const created = events[0]?.data.response as Record<string, unknown>;
		expect(created).toMatchObject({
			status: "in_progress",
			output: [],
			usage: null,
			completed_at: null,
			model: "some-model",
		});
		expect(created.id).toMatch(/^resp_[0-9a-f]{24}$/);
		expect(events[1]?.data.response).toEqual(created);
		const completed = events.at(-1)?.data.response as Record<string, unknown>;
		expect(completed.id).toBe(created.id);
		expect(completed.usage).toEqual({
			input_tokens: 812,
			output_tokens: 9,
			total_tokens: 821,
			input_tokens_details: { cached_tokens: 0 },
			output_tokens_details: { reasoning_tokens: 0 },
		});
		expect(completed.tools).toEqual(codex.body.tools);
	});
});

describe("13. Codex startup", () => {
	test("version, model list and pull are what Codex checks before its first request", async () => {
		const { version } = (await (await fetch(`${proxy.url}/api/version`)).json()) as { version: string };
		const [major, minor, patch] = version.split(".").map(Number) as [number, number, number];
		expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(13_004);
		const models = await fetch(`${proxy.url}/v1/models`);
		expect(models.status).toBe(200);
		expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain("some-model:latest");
		const pull = await fetch(`${proxy.url}/api/pull`, {
			method: "POST",
			body: JSON.stringify({ model: "some-model", stream: true }),
		});
		const lines = (await pull.text()).trim().split("\n");
		expect(JSON.parse(lines.at(-1) as string)).toEqual({ status: "success" });
	});
});

describe("14. whole response", () => {
	test("the SDK's responses.create without stream", async () => {
		upstream.enqueue("chat", textStream(["po", "ng"], "stop", [7, 2]));
		const response = await client.responses.create({ model: "some-model", input: "hi" });
		expect(response.output_text).toBe("pong");
		expect(response).toMatchObject({
			object: "response",
			status: "completed",
			incomplete_details: null,
			model: "some-model",
			store: false,
			tools: [],
			text: { format: { type: "text" } },
			usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 },
		});
		expect(response.output).toEqual([
			{
				id: expect.stringMatching(/^msg_[0-9a-f]{24}$/),
				type: "message",
				status: "completed",
				role: "assistant",
				content: [{ type: "output_text", text: "pong", annotations: [], logprobs: [] }],
			},
		] as never);
		expect(upstream.lastBody().messages).toEqual([{ role: "user", content: "hi" }]);
		// Asked for a whole answer; this upstream streams anyway, which is read the same.
		expect(upstream.lastBody().stream).toBe(false);
		expect(upstream.lastBody()).not.toHaveProperty("stream_options");
	});

	test("an upstream's whole JSON answer becomes the response", async () => {
		const response = await client.responses.create({ model: "some-model", input: "hi" });
		expect(response.output_text).toBe("Hello world");
		expect(response.usage).toMatchObject({ input_tokens: 7, output_tokens: 2, total_tokens: 9 });
	});
});

describe("15. reasoning then text, streamed", () => {
	test("the exact event types; completed output is the done items", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning: "R1" }),
				chunk({ reasoning: "R2" }),
				chunk({ content: "T" }),
				chunk({}, "stop"),
				usageChunk(5, 3),
			],
		});
		const events = await sdkEvents({ input: "think" });
		expect(types(events)).toEqual([
			"created",
			"in_progress",
			"output_item.added",
			"reasoning_summary_part.added",
			"reasoning_summary_text.delta",
			"reasoning_summary_text.delta",
			"reasoning_summary_text.done",
			"reasoning_summary_part.done",
			"output_item.done",
			"output_item.added",
			"content_part.added",
			"output_text.delta",
			"output_text.done",
			"content_part.done",
			"output_item.done",
			"completed",
		]);
		expect(events[6]).toMatchObject({ text: "R1R2", summary_index: 0, output_index: 0 });
		const done = events.filter((e) => e.type === "response.output_item.done").map((e) => e.item);
		expect(done[0]).toMatchObject({ type: "reasoning", encrypted_content: "R1R2" });
		expect(events[9]).toMatchObject({ output_index: 1 });
		expect(((events.at(-1) as Record<string, unknown>).response as { output: unknown }).output).toEqual(done);
	});
});

describe("16. text then a function call", () => {
	const reply = () => ({
		kind: "stream" as const,
		chunks: [
			chunk({ content: "Checking." }),
			toolCallChunk(0, "call_up1", "exec_command", '{"cmd"'),
			toolCallChunk(0, undefined, undefined, ':"ls"}'),
			chunk({}, "tool_calls"),
			usageChunk(20, 8),
		],
	});
	const call = {
		type: "function_call",
		call_id: "call_up1",
		name: "exec_command",
		arguments: '{"cmd":"ls"}',
	};

	test("streamed: the message closes before the call opens", async () => {
		upstream.enqueue("chat", reply());
		const events = await sdkEvents({
			input: "list",
			tools: [{ type: "function", name: "exec_command", parameters: {} }],
		});
		expect(types(events).slice(2)).toEqual([
			"output_item.added",
			"content_part.added",
			"output_text.delta",
			"output_text.done",
			"content_part.done",
			"output_item.done",
			"output_item.added",
			"function_call_arguments.delta",
			"function_call_arguments.done",
			"output_item.done",
			"completed",
		]);
		expect(events[8]).toMatchObject({
			output_index: 1,
			item: { ...call, status: "in_progress", arguments: "" },
		});
		expect(events[10]).toMatchObject({ arguments: '{"cmd":"ls"}', name: "exec_command" });
		expect(events[11]).toMatchObject({ item: { ...call, status: "completed" } });
		const output = ((events.at(-1) as Record<string, unknown>).response as { output: { type: string }[] }).output;
		expect(output.map((i) => i.type)).toEqual(["message", "function_call"]);
	});

	test("whole: the same two items (Ollama would drop the text)", async () => {
		upstream.enqueue("chat", reply());
		const response = await client.responses.create({ model: "some-model", input: "list" });
		expect(response.output).toMatchObject([{ type: "message", content: [{ text: "Checking." }] }, call] as never);
		expect(response.output[1]?.id).toMatch(/^fc_[0-9a-f]{24}$/);
	});
});

describe("the SDK's strict stream accumulator", () => {
	test("responses.stream() accepts reasoning, text and a namespaced call, and its snapshot is the final response", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ reasoning_content: "plan" }),
				chunk({ content: "On it." }),
				toolCallChunk(0, "c9", "multi_agent_v1__wait_agent", '{"targets":'),
				toolCallChunk(0, undefined, undefined, '["a"]}'),
				chunk({}, "tool_calls"),
				usageChunk(30, 12),
			],
		});
		const stream = client.responses.stream({ model: "some-model", input: "go", tools: codex.body.tools as never });
		const deltas: string[] = [];
		stream.on("response.output_text.delta", (event) => deltas.push(event.delta));
		const final = await stream.finalResponse();
		expect(deltas).toEqual(["On it."]);
		expect(final.status).toBe("completed");
		expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
		expect(final.output[2]).toMatchObject({
			name: "wait_agent",
			namespace: "multi_agent_v1",
			call_id: "c9",
			arguments: '{"targets":["a"]}',
		});
		expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });
	});
});

describe("17. namespaced call round trip", () => {
	test("the call comes back under its namespace, and goes upstream flat next turn", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [toolCallChunk(0, "c1", "multi_agent_v1__spawn_agent", '{"message":"x"}'), chunk({}, "tool_calls")],
		});
		const response = await client.responses.create({
			model: "some-model",
			input: "spawn",
			tools: codex.body.tools as never,
		});
		expect(response.output).toMatchObject([
			{ type: "function_call", name: "spawn_agent", namespace: "multi_agent_v1", call_id: "c1" },
		] as never);

		await client.responses.create({
			model: "some-model",
			tools: codex.body.tools as never,
			input: [
				{ role: "user", content: "spawn" },
				{
					type: "function_call",
					namespace: "multi_agent_v1",
					name: "spawn_agent",
					call_id: "c1",
					arguments: '{"message":"x"}',
				},
				{ type: "function_call_output", call_id: "c1", output: "spawned" },
			] as never,
		});
		const messages = upstream.lastBody().messages as Record<string, unknown>[];
		expect(messages.slice(1)).toEqual([
			{
				role: "assistant",
				content: null,
				tool_calls: [
					{
						id: "c1",
						type: "function",
						function: { name: "multi_agent_v1__spawn_agent", arguments: '{"message":"x"}' },
					},
				],
			},
			{ role: "tool", tool_call_id: "c1", content: "spawned" },
		]);
	});
});

describe("18. history fidelity", () => {
	test("reasoning and invalid arguments are kept, not refused", async () => {
		const res = await post(vllm, {
			model: "some-model",
			input: [
				{ role: "user", content: "run" },
				{ type: "reasoning", summary: [], encrypted_content: "R" },
				{ type: "function_call", call_id: "c1", name: "exec_command", arguments: "{bad" },
				{ type: "function_call_output", call_id: "c1", output: "err" },
			],
		});
		expect(res.status).toBe(200);
		expect(((await res.json()) as { status: string }).status).toBe("completed");
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: "run" },
			{
				role: "assistant",
				content: null,
				tool_calls: [{ id: "c1", type: "function", function: { name: "exec_command", arguments: "{bad" } }],
				reasoning_content: "R",
			},
			{ role: "tool", tool_call_id: "c1", content: "err" },
		]);
	});
});

describe("19. length", () => {
	test("a cut answer ends in response.completed, with status incomplete", async () => {
		upstream.enqueue("chat", textStream(["par"], "length"));
		const events = await sdkEvents({ input: "long", max_output_tokens: 16 });
		const last = events.at(-1) as unknown as { type: string; response: Record<string, unknown> };
		expect(last.type).toBe("response.completed");
		expect(last.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
		expect(upstream.lastBody().max_tokens).toBe(16);
	});
});

describe("20. errors before the first byte", () => {
	const error = (message: string, type: string, code: string | null, param: string | null = null) => ({
		error: { message, type, param, code },
	});

	test.each([
		[{ ...{}, model: "nope" }, 404, error("model 'nope' not found", "not_found_error", "model_not_found")],
		[
			{ reasoning: { effort: "extreme" } },
			400,
			error(
				'invalid reasoning value: "extreme" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")',
				"invalid_request_error",
				null,
			),
		],
		[
			{ previous_response_id: "resp_1" },
			400,
			error(
				"previous_response_id is not supported: send the full conversation in input",
				"invalid_request_error",
				"previous_response_not_found",
				"previous_response_id",
			),
		],
		[
			{ input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] },
			400,
			error("file inputs are not currently supported", "invalid_request_error", null),
		],
		[
			{ input: [{ type: "bogus" }] },
			400,
			error('input[0]: unknown input item type: "bogus"', "invalid_request_error", null),
		],
		[{ input: 5 }, 400, error("input must be a string or array: got number", "invalid_request_error", null)],
		[{ model: "" }, 400, error("model is required", "invalid_request_error", null)],
	])("the Codex body with %j → %i", async (change, status, body) => {
		const res = await post(proxy, { ...codex.body, ...change });
		expect(res.status).toBe(status);
		expect(res.headers.get("content-type")).toStartWith("application/json");
		expect(await res.json()).toEqual(body);
		expect(upstream.countOf("/v1/chat/completions")).toBe(0);
	});

	test("the SDK raises the matching error class with the code", async () => {
		const failure = await client.responses.create({ model: "nope", input: "hi" }).catch((e: unknown) => e);
		expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
		expect((failure as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
	});

	test.each([
		[
			{
				kind: "json" as const,
				status: 429,
				body: { error: { message: "slow down" } },
				headers: { "retry-after": "7" },
			},
			429,
			error("upstream rate limit: slow down", "api_error", "rate_limit_exceeded"),
			"7",
		],
		[
			{ kind: "json" as const, status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } },
			502,
			error(
				"upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY",
				"api_error",
				"upstream_auth_failed",
			),
			null,
		],
		[
			{
				kind: "json" as const,
				status: 400,
				body: { error: { message: "This model's maximum context length is 32768 tokens." } },
			},
			400,
			error(
				"upstream rejected the request: This model's maximum context length is 32768 tokens.",
				"invalid_request_error",
				"context_length_exceeded",
			),
			null,
		],
		[
			{ kind: "json" as const, status: 500, body: { error: { message: "boom" } } },
			502,
			error("upstream error (HTTP 500): boom", "api_error", null),
			null,
		],
	])("upstream %j → a real HTTP %i, even for a stream", async (reply, status, body, retryAfter) => {
		upstream.enqueue("chat", reply);
		const res = await post(proxy, { ...codex.body, stream: true });
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual(body);
		expect(res.headers.get("retry-after")).toBe(retryAfter);
	});

	test.each([
		["GET", "/v1/responses/resp_1", "resp_1"],
		["GET", "/v1/responses/resp_2/input_items", "resp_2"],
		["DELETE", "/v1/responses/resp_3", "resp_3"],
		["POST", "/v1/responses/resp_4/cancel", "resp_4"],
		["PATCH", "/v1/responses/resp_5", "resp_5"],
	])("%s %s → 404 in OpenAI's shape", async (method, path, id) => {
		const res = await fetch(proxy.url + path, { method });
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual(error(`Response with id '${id}' not found.`, "not_found_error", null));
	});

	test("input_tokens estimates", async () => {
		const res = await fetch(`${proxy.url}/v1/responses/input_tokens`, {
			method: "POST",
			body: JSON.stringify({ model: "some-model", input: "hello there" }),
		});
		expect(res.status).toBe(200);
		const body = (await res.json()) as { object: string; input_tokens: number };
		expect(body.object).toBe("response.input_tokens");
		expect(body.input_tokens).toBeGreaterThan(0);
		const missing = await fetch(`${proxy.url}/v1/responses/input_tokens`, {
			method: "POST",
			body: JSON.stringify({ model: "nope", input: "x" }),
		});
		expect(missing.status).toBe(404);
	});
});

describe("inbound keys", () => {
	test("Bearer keys as Codex sends them; a miss is a 401 and a model outside the key's list a 403, in OpenAI's shape", async () => {
		const keyed = await startProxyWithConfig(
			`upstreams:\n  - name: main\n    base_url: ${upstream.url}\n    retries: { max: 0 }\nkeys:\n  - key: "team-inbound-key-0123456789"\n  - key: "limited-inbound-key-0123456789"\n    models: ["gpt-4o"]\n`,
		);
		try {
			const ask = (key?: string) =>
				post(keyed, { model: "some-model", input: "hi" }, key ? { authorization: `Bearer ${key}` } : {});
			const missing = await ask();
			expect(missing.status).toBe(401);
			expect(await missing.json()).toEqual({
				error: { message: "an API key is required", type: "api_error", param: null, code: "invalid_api_key" },
			});
			const limited = await ask("limited-inbound-key-0123456789");
			expect(limited.status).toBe(403);
			expect(await limited.json()).toEqual({
				error: { message: "this API key may not use model 'some-model'", type: "api_error", param: null, code: null },
			});
			const allowed = await ask("team-inbound-key-0123456789");
			expect(allowed.status).toBe(200);
			expect(((await allowed.json()) as { status: string }).status).toBe("completed");
		} finally {
			keyed.stop();
		}
	});
});

describe("21. failure after the first byte", () => {
	test("a cut upstream stream ends in response.failed, server_error, nothing after", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "pa" })], end: "drop" });
		const events = await streamed({ model: "some-model", input: "hi", stream: true });
		expect(types(events.map((e) => e.data as { type: string }))).toEqual([
			"created",
			"in_progress",
			"output_item.added",
			"content_part.added",
			"output_text.delta",
			"failed",
		]);
		const response = events.at(-1)?.data.response as Record<string, unknown>;
		expect(response).toMatchObject({ status: "failed", output: [], error: { code: "server_error" } });
		expect(response.id).toBe(((events[0] as Event).data.response as { id: string }).id);
	});

	test("the SDK sees the failure as the last event", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "pa" })], end: "close" });
		const events = await sdkEvents({ input: "hi" });
		expect(events.at(-1)).toMatchObject({
			type: "response.failed",
			response: {
				status: "failed",
				error: { code: "server_error", message: "upstream stream ended before the answer was complete" },
			},
		});
	});

	test("an upstream error event about the context is context_length_exceeded", async () => {
		upstream.enqueue("chat", {
			kind: "stream",
			chunks: [
				chunk({ content: "pa" }),
				`data: ${JSON.stringify({ error: { message: "This model's maximum context length is 32768 tokens.", code: "context_length_exceeded" } })}\n\n`,
			],
		});
		const events = await streamed({ model: "some-model", input: "hi", stream: true });
		expect(events.at(-1)?.data).toMatchObject({
			type: "response.failed",
			response: { error: { code: "context_length_exceeded" } },
		});
	});
});

describe("22. encodings and roles", () => {
	test("the Codex body compressed with zstd makes the same upstream request", async () => {
		upstream.enqueue("chat", textStream(["pong"]), textStream(["pong"]));
		await (await post(proxy, codex.body)).text();
		const plain = upstream.lastBody();
		const res = await fetch(`${proxy.url}/v1/responses`, {
			method: "POST",
			body: Bun.zstdCompressSync(Buffer.from(JSON.stringify(codex.body))),
			headers: { ...codex.headers, "content-encoding": "zstd" },
		});
		expect(res.status).toBe(200);
		await res.text();
		expect(upstream.lastBody()).toEqual(plain);
	});

	test("a corrupt zstd body is a 400", async () => {
		const res = await fetch(`${proxy.url}/v1/responses`, {
			method: "POST",
			body: "not zstd",
			headers: { "content-encoding": "zstd" },
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: { message: "failed to decompress zstd body", type: "invalid_request_error", param: null, code: null },
		});
	});

	test("a developer message without a type is a system message upstream", async () => {
		await (await post(proxy, { model: "some-model", input: [{ role: "developer", content: "x" }] })).text();
		expect(upstream.lastBody().messages).toEqual([{ role: "system", content: "x" }]);
	});
});

describe("23. disconnect", () => {
	test("a client that goes away aborts the upstream request; the log line says so", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const res = await fetch(`${proxy.url}/v1/responses`, {
			method: "POST",
			body: JSON.stringify({ model: "some-model", input: "hi", stream: true }),
			headers: { "x-request-id": "responses-abort-1" },
			signal: controller.signal,
		});
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		let seen = "";
		while (!seen.includes("response.output_text.delta")) seen += new TextDecoder().decode((await reader.read()).value);
		const before = upstream.state.aborted;
		controller.abort();
		expect(await until(() => upstream.state.aborted > before)).toBe(true);
		expect(await until(() => proxy.logLines().some((l) => l.reqId === "responses-abort-1" && l.aborted === true))).toBe(
			true,
		);
	});
});
