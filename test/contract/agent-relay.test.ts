// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${VAR}" is the configuration file's own syntax.
/**
 * Native relay of the agent protocols (contract doc §4.3): for an upstream configured with `protocols`, `/v1/messages`
 * and `/v1/responses` go to its own `/messages` and `/responses` with the model rewritten, and its answer comes back
 * byte for byte; the proxy's refusals, error shapes, retries and fallbacks stay as for translated models.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { overriddenBody } from "../../src/pipeline/protocol-relay.ts";
import { anthropicRelay } from "../../src/protocols/anthropic/descriptor.ts";
import { responsesRelay, withoutReasoningItems } from "../../src/protocols/responses/descriptor.ts";

const rules = { messages: anthropicRelay, responses: responsesRelay } as const;

import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import {
	anthropicMessage,
	anthropicSse,
	namedEvents,
	responsesObject,
	responsesSse,
	startTestUpstream,
	type TestUpstream,
} from "../support/upstream.ts";

const NATIVE_KEY = "sk-native-upstream-0123456789";

const CONFIG = `
upstreams:
  - name: native
    base_url: \${NATIVE_URL}
    api_key: \${NATIVE_KEY}
    discover: false
    protocols: [messages, responses]
    retries: { max: 0 }
  - name: plain
    base_url: \${PLAIN_URL}
    discover: false
    retries: { max: 0 }
  - name: local
    kind: ollama
    base_url: \${OLLAMA_ROOT}
    discover: false
    protocols: [messages]
    retries: { max: 0 }
models:
  - name: relayed
    upstream: native
    id: org/native-model
    params:
      max_tokens: { max: 1000 }
      temperature: { force: 0.5 }
    fallbacks: [translated, backup]
  - name: solo
    upstream: native
    id: solo-model
  - name: backup
    upstream: local
    id: qwen3:8b
  - name: translated
    upstream: plain
    id: gpt-4o
  - name: claude-*
    target: relayed
`;

let native: TestUpstream;
let plain: TestUpstream;
let local: TestUpstream;
let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
	native = await startTestUpstream({ apiKey: NATIVE_KEY });
	plain = await startTestUpstream();
	local = await startTestUpstream();
	proxy = await startProxyWithConfig(CONFIG, {
		NATIVE_URL: native.url,
		NATIVE_KEY,
		PLAIN_URL: plain.url,
		OLLAMA_ROOT: local.url.replace(/\/v1$/, ""),
	});
	anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
	openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "sk-dummy", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	native.stop();
	plain.stop();
	local.stop();
});
beforeEach(() => {
	native.reset();
	plain.reset();
	local.reset();
});

const sentTo = (upstream: TestUpstream, path: string) => upstream.requests.filter((r) => r.path === path);

describe("/v1/messages relayed to an upstream that speaks Messages", () => {
	const request = {
		model: "relayed",
		max_tokens: 4000,
		metadata: { user_id: "u1" },
		system: [{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }],
		messages: [{ role: "user", content: "Hi" }],
	};

	test("whole: the body goes as sent with the upstream id and the model's overrides; the answer comes back as it is", async () => {
		const response = await proxy.post("/v1/messages", request, { headers: { "x-api-key": "sk-client" } });
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual(anthropicMessage("org/native-model", "Hello world"));
		expect(response.headers.get("x-request-id")).toBeTruthy();
		expect(response.headers.get("request-id")).toBe(response.headers.get("x-request-id"));
		const [sent] = sentTo(native, "/v1/messages");
		expect(sent?.body).toEqual({ ...request, model: "org/native-model", max_tokens: 1000, temperature: 0.5 });
		// The upstream's own key, both ways Anthropic-style servers read it; never the client's.
		expect(sent?.headers.get("authorization")).toBe(`Bearer ${NATIVE_KEY}`);
		expect(sent?.headers.get("x-api-key")).toBe(NATIVE_KEY);
		expect(sent?.headers.get("anthropic-version")).toBe("2023-06-01");
		expect(native.countOf("/v1/chat/completions")).toBe(0);
	});

	test("streamed: the upstream's events reach the client byte for byte, and the SDK reads them", async () => {
		const response = await proxy.post("/v1/messages", { ...request, stream: true });
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("text/event-stream");
		expect(await response.text()).toBe(anthropicSse("org/native-model", "Hello world"));

		const final = await anthropic.messages.stream({ ...request, model: "solo" } as never).finalMessage();
		expect(final.content).toEqual([{ type: "text", text: "Hello world" } as never]);
		expect(sentTo(native, "/v1/messages").at(-1)?.body).toMatchObject({ model: "solo-model", stream: true });
	});

	test("a glob alias whose target speaks Messages is relayed too", async () => {
		const message = await anthropic.messages.create({
			model: "claude-haiku-4-5-20251001",
			max_tokens: 10,
			messages: [{ role: "user", content: "Hi" }],
		});
		expect(message.content).toEqual([{ type: "text", text: "Hello world" } as never]);
		expect(sentTo(native, "/v1/messages")[0]?.body).toMatchObject({ model: "org/native-model", max_tokens: 10 });
	});

	test("the proxy's own refusals come first: a server tool is a 400 and nothing is sent", async () => {
		const response = await proxy.post("/v1/messages", {
			...request,
			tools: [{ type: "web_search_20250305", name: "web_search" }],
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
		expect(native.requests).toEqual([]);
	});

	test("an upstream 429 is Anthropic's rate_limit_error with retry-after; the upstream's request id is kept apart", async () => {
		native.enqueue("messages", {
			kind: "json",
			status: 429,
			body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } },
			headers: { "retry-after": "7" },
		});
		const response = await proxy.post("/v1/messages", { ...request, model: "solo" });
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("7");
		const body = (await response.json()) as { type: string; error: { type: string; message: string } };
		expect(body.error).toEqual({ type: "rate_limit_error", message: "upstream rate limit: slow down" });

		native.enqueue("messages", {
			kind: "json",
			body: anthropicMessage("solo-model", "ok"),
			headers: { "request-id": "req_upstream_1" },
		});
		const ok = await proxy.post("/v1/messages", { ...request, model: "solo" });
		expect(ok.headers.get("x-upstream-request-id")).toBe("req_upstream_1");
		expect(ok.headers.get("x-request-id")).not.toBe("req_upstream_1");
	});

	test("before the first byte, a failure falls back to the next model that speaks Messages (a real Ollama's /v1/messages)", async () => {
		native.enqueue("messages", {
			kind: "json",
			status: 503,
			body: { type: "error", error: { type: "overloaded_error", message: "busy" } },
		});
		const message = await anthropic.messages.create({
			model: "relayed",
			max_tokens: 10,
			messages: [{ role: "user", content: "Hi" }],
		});
		expect(message.model).toBe("qwen3:8b");
		// `translated` is skipped: its upstream does not speak the protocol.
		expect(plain.requests).toEqual([]);
		const [sent] = sentTo(local, "/v1/messages");
		expect(sent?.url).toBe("/v1/messages");
		expect(sent?.body).toMatchObject({ model: "qwen3:8b" });
		expect(sent?.headers.get("authorization")).toBeNull();
	});

	test("a stream cut after it began ends with Anthropic's error event, not a bare close", async () => {
		const [start] = anthropicSse("solo-model", "x").split("\n\n");
		native.enqueue("messages", { kind: "stream", chunks: [`${start}\n\n`], end: "drop" });
		const response = await proxy.post("/v1/messages", { ...request, model: "solo", stream: true });
		expect(response.status).toBe(200);
		const frames = (await response.text()).split("\n\n");
		expect(frames[0]).toBe(start as string);
		expect(frames.at(-1)).toBe("");
		const last = frames.at(-2) as string;
		expect(last.startsWith("event: error\ndata: ")).toBe(true);
		const data = JSON.parse(last.slice("event: error\ndata: ".length));
		expect(data).toMatchObject({ type: "error", error: { type: "api_error" } });
		expect(data.error.message).toStartWith("upstream connection lost");
		expect(data.request_id).toBe(response.headers.get("x-request-id"));
	});

	test("a model whose upstream does not speak Messages is still translated onto chat completions", async () => {
		const message = await anthropic.messages.create({
			model: "translated",
			max_tokens: 10,
			messages: [{ role: "user", content: "Hi" }],
		});
		expect(message.model).toBe("translated");
		expect(plain.countOf("/v1/chat/completions")).toBe(1);
		expect(plain.countOf("/v1/messages")).toBe(0);
	});
});

describe("/v1/responses relayed to an upstream that speaks Responses", () => {
	const request = {
		model: "relayed",
		input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] }],
		store: false,
		include: ["reasoning.encrypted_content"],
		max_output_tokens: 5000,
		tools: [{ type: "web_search" }],
	};

	test("whole: relayed with the upstream id, the token override on max_output_tokens, hosted tools kept", async () => {
		const response = await proxy.post("/v1/responses", request);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual(responsesObject("org/native-model", "Hello world"));
		expect(sentTo(native, "/v1/responses")[0]?.body).toEqual({
			...request,
			model: "org/native-model",
			max_output_tokens: 1000,
			temperature: 0.5,
		});
	});

	test("streamed: byte for byte, and openai.responses.stream reads it", async () => {
		const response = await proxy.post("/v1/responses", { ...request, model: "solo", stream: true });
		expect(await response.text()).toBe(responsesSse("solo-model", "Hello world"));

		const final = await openai.responses.stream({ model: "solo", input: "Hi" }).finalResponse();
		expect(final.output_text).toBe("Hello world");
	});

	test("previous_response_id is refused by the proxy, as for translated models; nothing is sent", async () => {
		const response = await proxy.post("/v1/responses", { ...request, previous_response_id: "resp_1" });
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { code: string } }).error.code).toBe("previous_response_not_found");
		expect(native.requests).toEqual([]);
	});

	test("input items only OpenAI reads (item_reference) reach it: the translation's refusals do not apply", async () => {
		const input = [...request.input, { type: "item_reference", id: "msg_1" }];
		const response = await proxy.post("/v1/responses", { ...request, input });
		expect(response.status).toBe(200);
		expect(sentTo(native, "/v1/responses")[0]?.body).toMatchObject({ input });
	});

	test("invalid_encrypted_content: sent once more without the reasoning items", async () => {
		native.enqueue("responses", {
			kind: "json",
			status: 400,
			body: {
				error: {
					message: "The encrypted content for item rs_1 could not be verified.",
					type: "invalid_request_error",
					param: null,
					code: "invalid_encrypted_content",
				},
			},
		});
		const reasoning = { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "plain text thoughts" };
		const user = request.input[0];
		const response = await proxy.post("/v1/responses", { ...request, model: "solo", input: [user, reasoning] });
		expect(response.status).toBe(200);
		const sent = sentTo(native, "/v1/responses").map((r) => (r.body as { input: unknown }).input);
		expect(sent).toEqual([[user, reasoning], [user]]);
	});

	test("another 400 is the client's, in OpenAI's shape with the upstream's code, and is not sent again", async () => {
		native.enqueue("responses", {
			kind: "json",
			status: 400,
			body: { error: { message: "bad tool", type: "invalid_request_error", param: "tools", code: "invalid_value" } },
		});
		const response = await proxy.post("/v1/responses", { ...request, model: "solo" });
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({
			error: {
				message: "upstream rejected the request: bad tool",
				type: "invalid_request_error",
				param: null,
				code: "invalid_value",
			},
		});
		expect(sentTo(native, "/v1/responses")).toHaveLength(1);
	});

	test("a stream cut after it began ends with an error event the openai SDK raises", async () => {
		const created = namedEvents([
			{ type: "response.created", sequence_number: 0, response: { id: "resp_x", status: "in_progress", output: [] } },
		]);
		native.enqueue("responses", { kind: "stream", chunks: [created], end: "drop" });
		const response = await proxy.post("/v1/responses", { ...request, model: "solo", stream: true });
		const text = await response.text();
		expect(text.startsWith(created)).toBe(true);
		const last = text.slice(created.length);
		expect(last).toStartWith(
			'event: error\ndata: {"type":"error","code":"server_error","message":"upstream connection lost',
		);
		expect(last.endsWith('","param":null}\n\n')).toBe(true);
	});

	test("a fallback that speaks only Messages is skipped: the Responses failure is the client's", async () => {
		native.enqueue("responses", { kind: "json", status: 503, body: { error: { message: "busy" } } });
		const response = await proxy.post("/v1/responses", request);
		expect(response.status).toBe(502);
		expect(local.requests).toEqual([]);
		expect(plain.requests).toEqual([]);
	});
});

describe("overriddenBody: a model's params on the protocol's own fields", () => {
	test.each<{ kind: string; protocol: "messages" | "responses"; body: object; params: object; expected: object }>([
		{ kind: "no params", protocol: "messages", body: { max_tokens: 9 }, params: {}, expected: { max_tokens: 9 } },
		{
			kind: "Messages: max_tokens clamped",
			protocol: "messages",
			body: { max_tokens: 32000 },
			params: { max_tokens: { max: 8192 } },
			expected: { max_tokens: 8192 },
		},
		{
			kind: "Responses: the token limit is max_output_tokens, a default when absent",
			protocol: "responses",
			body: {},
			params: { max_tokens: { default: 4096 } },
			expected: { max_output_tokens: 4096 },
		},
		{
			kind: "temperature and top_p forced and clamped",
			protocol: "responses",
			body: { temperature: 1.5, top_p: 0.1 },
			params: { temperature: { force: 0.2 }, top_p: { min: 0.5 } },
			expected: { temperature: 0.2, top_p: 0.5 },
		},
		{
			kind: "Responses: reasoning effort on reasoning.effort, the rest of reasoning kept",
			protocol: "responses",
			body: { reasoning: { summary: "auto" } },
			params: { reasoning_effort: { default: "low" } },
			expected: { reasoning: { summary: "auto", effort: "low" } },
		},
		{
			kind: "Messages: no effort field to set",
			protocol: "messages",
			body: { max_tokens: 5 },
			params: { reasoning_effort: { force: "high" } },
			expected: { max_tokens: 5 },
		},
		{
			kind: "a default with nothing to clamp leaves the field absent",
			protocol: "messages",
			body: { max_tokens: 5 },
			params: { temperature: { max: 1 } },
			expected: { max_tokens: 5 },
		},
	])("$kind", ({ protocol, body, params, expected }) => {
		expect(overriddenBody(rules[protocol], body as Record<string, unknown>, params as never)).toEqual(
			expected as Record<string, unknown>,
		);
	});
});

describe("withoutReasoningItems", () => {
	test.each<{ kind: string; input: unknown; expected: unknown }>([
		{ kind: "a string input has none", input: "Hi", expected: undefined },
		{ kind: "no reasoning item: nothing to retry", input: [{ type: "message" }], expected: undefined },
		{
			kind: "reasoning items dropped, the rest in order",
			input: [{ type: "message", n: 1 }, { type: "reasoning" }, null, { type: "function_call" }],
			expected: [{ type: "message", n: 1 }, null, { type: "function_call" }],
		},
	])("$kind", ({ input, expected }) => {
		expect(withoutReasoningItems(input)).toEqual(expected as never);
	});
});

describe("cutShortEvent: the protocol's last words for a relayed stream cut short", () => {
	test.each<{
		kind: string;
		protocol: "messages" | "responses";
		cut: "timeout" | "connect";
		message: string;
		expected: string;
	}>([
		{
			kind: "Messages, quiet upstream: timeout_error",
			protocol: "messages",
			cut: "timeout",
			message: "upstream went quiet for 5 ms",
			expected:
				'event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"upstream went quiet for 5 ms"},"request_id":"req_1"}\n\n',
		},
		{
			kind: "Messages, broken connection: api_error",
			protocol: "messages",
			cut: "connect",
			message: "upstream connection lost: reset",
			expected:
				'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream connection lost: reset"},"request_id":"req_1"}\n\n',
		},
		{
			kind: "Responses: an error event",
			protocol: "responses",
			cut: "timeout",
			message: "upstream went quiet for 5 ms",
			expected:
				'event: error\ndata: {"type":"error","code":"server_error","message":"upstream went quiet for 5 ms","param":null}\n\n',
		},
	])("$kind", ({ protocol, cut, message, expected }) => {
		expect(rules[protocol].cutShortEvent(message, cut, "req_1")).toBe(expected);
	});
});
