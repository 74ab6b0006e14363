import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { chatBodies, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream({
		models: [{ id: "o3-mini", object: "model", created: 1_700_000_000, owned_by: "system" }],
	});
	proxy = await startProxy(upstream.url);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const refusal = {
	kind: "json" as const,
	status: 400,
	body: {
		error: { message: "Unrecognized request argument supplied: reasoning_effort", type: "invalid_request_error" },
	},
};

describe("an upstream that refuses the thinking switch gets the request once more without it", () => {
	test("/v1/messages with an effort: the answer comes from the second request", async () => {
		upstream.enqueue("chat", refusal, textStream(["pong"]));
		const client = new Anthropic({ baseURL: proxy.url, apiKey: "x", maxRetries: 0 });
		const message = await client.messages.create({
			model: "o3-mini",
			max_tokens: 100,
			// Claude Code's own pair: the effort decides the level.
			thinking: { type: "adaptive" },
			output_config: { effort: "high" },
			messages: [{ role: "user", content: "ping" }],
		} as never);
		expect(message.content).toEqual([{ type: "text", text: "pong" }] as never);
		expect(chatBodies(upstream).map((b) => b.reasoning_effort)).toEqual(["high", undefined]);
	});

	test("/v1/responses with an effort: same", async () => {
		upstream.enqueue("chat", refusal, textStream(["pong"]));
		const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "x", maxRetries: 0 });
		const response = await client.responses.create({ model: "o3-mini", input: "ping", reasoning: { effort: "low" } });
		expect(response.output_text).toBe("pong");
		expect(upstream.countOf("/v1/chat/completions")).toBe(2);
	});

	test("a second refusal is the client's 400, and there is no third request", async () => {
		upstream.enqueue("chat", refusal, {
			...refusal,
			body: { error: { message: "reasoning is not available", type: "invalid_request_error" } },
		});
		const res = await proxy.post("/v1/responses", { model: "o3-mini", input: "ping", reasoning: { effort: "low" } });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: {
				message: "upstream rejected the request: reasoning is not available",
				type: "invalid_request_error",
				param: null,
				code: null,
			},
		});
		expect(upstream.countOf("/v1/chat/completions")).toBe(2);
	});

	test("a refusal about something else is not retried", async () => {
		upstream.enqueue("chat", {
			...refusal,
			body: { error: { message: "max_tokens is too large", type: "invalid_request_error" } },
		});
		const res = await proxy.post("/v1/messages", {
			model: "o3-mini",
			max_tokens: 10,
			thinking: { type: "enabled", budget_tokens: 1024 },
			messages: [{ role: "user", content: "ping" }],
		});
		expect(res.status).toBe(400);
		expect(upstream.countOf("/v1/chat/completions")).toBe(1);
	});
});
