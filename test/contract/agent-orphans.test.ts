/**
 * One rule on both agent routes for a tool result whose call id matches no open call (issue 19 §3): OpenAI-style
 * upstreams refuse a `tool` message that answers no call, so the result reaches the model as user text naming the
 * call, the answer is a 200, and a debug line names the call ids. Driven by the real SDKs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0", LOG_LEVEL: "debug" });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => {
	upstream.reset();
	upstream.enqueue("chat", textStream(["ok"]));
});

const debugLine = async (reqId: string) => {
	const find = () =>
		proxy
			.logLines()
			.find((l) => l.reqId === reqId && l.msg === "tool results that answer no open call kept as user text");
	expect(await until(() => find() !== undefined)).toBe(true);
	return find();
};

describe("a tool result that answers no call", () => {
	test("/v1/messages with the Anthropic SDK: user text naming the call, 200", async () => {
		const client = new Anthropic({
			baseURL: proxy.url,
			apiKey: "sk-dummy",
			maxRetries: 0,
			defaultHeaders: { "x-request-id": "orphan-messages" },
		});
		const message = await client.messages.create({
			model: "gpt-4o",
			max_tokens: 50,
			messages: [
				{ role: "user", content: "list files" },
				{ role: "assistant", content: "Which directory?" },
				{
					role: "user",
					content: [
						{ type: "tool_result", tool_use_id: "toolu_gone", content: "a.txt" },
						{ type: "text", text: "go on" },
					],
				},
			],
		});
		expect(message.content).toEqual([{ type: "text", text: "ok" }] as never);
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: "list files" },
			{ role: "assistant", content: "Which directory?" },
			{ role: "user", content: "Result of call toolu_gone:\na.txt" },
			{ role: "user", content: "go on" },
		]);
		expect(await debugLine("orphan-messages")).toMatchObject({ level: 20, callIds: ["toolu_gone"] });
	});

	test("/v1/responses with the openai SDK: the same words, 200", async () => {
		const client = new OpenAI({
			baseURL: `${proxy.url}/v1`,
			apiKey: "sk-dummy",
			maxRetries: 0,
			defaultHeaders: { "x-request-id": "orphan-responses" },
		});
		const response = await client.responses.create({
			model: "gpt-4o",
			input: [
				{ role: "user", content: "list files" },
				{ role: "assistant", content: "Which directory?" },
				{ type: "function_call_output", call_id: "call_gone", output: "a.txt" },
				{ role: "user", content: "go on" },
			],
		});
		expect(response.output_text).toBe("ok");
		expect(upstream.lastBody().messages).toEqual([
			{ role: "user", content: "list files" },
			{ role: "assistant", content: "Which directory?" },
			{ role: "user", content: "Result of call call_gone:\na.txt" },
			{ role: "user", content: "go on" },
		]);
		expect(await debugLine("orphan-responses")).toMatchObject({ level: 20, callIds: ["call_gone"] });
	});
});
