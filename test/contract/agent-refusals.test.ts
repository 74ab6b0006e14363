/**
 * Requests the real APIs refuse are refused here too, with a 400 in the route's own shape that says what is wrong,
 * before any upstream call, whether the model is translated or relayed (issue 19 §4). Driven by the real SDKs, which
 * raise the error with its status and body.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	// gpt-4o is translated; "native" is relayed to an upstream that speaks both protocols itself.
	proxy = await startProxyWithConfig(`
upstreams:
  - name: up
    base_url: ${upstream.url}
    retries: { max: 0 }
  - name: speaks
    base_url: ${upstream.url}
    discover: false
    protocols: [responses, messages]
models:
  - { name: native, upstream: speaks, id: gpt-4o }
`);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

/** What reached the upstream for inference, on any path. */
const inferenceCalls = () => upstream.requests.filter((r) => r.path !== "/v1/models").length;

/** The error a client call raised, as the SDK hands it over. */
async function refusedWith<E extends { status?: number; error?: unknown }>(call: Promise<unknown>): Promise<E> {
	try {
		await call;
	} catch (error) {
		return error as E;
	}
	throw new Error("the request was not refused");
}

describe("/v1/messages with the Anthropic SDK", () => {
	const client = () => new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
	const hi = { max_tokens: 50, messages: [{ role: "user" as const, content: "hi" }] };

	test.each<[string, Record<string, unknown>, string]>([
		["a temperature of 1e308", { temperature: 1e308 }, "temperature must be between 0 and 1, got 1e+308"],
		[
			"a temperature of 1.5 (OpenAI's range, not Anthropic's)",
			{ temperature: 1.5 },
			"temperature must be between 0 and 1, got 1.5",
		],
		["top_p past 1", { top_p: 2 }, "top_p must be between 0 and 1, got 2"],
		["a negative top_k", { top_k: -1 }, "top_k must be 0 or more, got -1"],
		["max_tokens 0", { max_tokens: 0 }, "max_tokens is required and must be positive"],
		[
			"a user message with no blocks",
			{ messages: [{ role: "user", content: [] }] },
			"messages.0: content must not be empty",
		],
	])("%s: 400 invalid_request_error, nothing sent upstream", async (_, fields, message) => {
		for (const model of ["gpt-4o", "native"]) {
			const body = { model, ...hi, ...fields } as Anthropic.MessageCreateParamsNonStreaming;
			const error = await refusedWith<InstanceType<typeof Anthropic.APIError>>(client().messages.create(body));
			expect(error).toBeInstanceOf(Anthropic.BadRequestError);
			expect(error.error).toEqual({
				type: "error",
				error: { type: "invalid_request_error", message },
				request_id: error.requestID,
			});
		}
		expect(inferenceCalls()).toBe(0);
	});

	test("the ends of the ranges are answered, translated and relayed", async () => {
		for (const model of ["gpt-4o", "native"]) {
			const body = { model, ...hi, temperature: 1, top_p: 0, top_k: 0 } as Anthropic.MessageCreateParamsNonStreaming;
			expect((await client().messages.create(body)).content).toEqual([{ type: "text", text: "Hello world" }] as never);
		}
		expect(upstream.lastBody("/v1/chat/completions")).toMatchObject({ temperature: 1, top_p: 0 });
		expect(upstream.lastBody("/v1/messages")).toMatchObject({ temperature: 1, top_p: 0, top_k: 0 });
	});
});

describe("/v1/responses with the openai SDK", () => {
	const client = () => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "sk-dummy", maxRetries: 0 });
	const empty = (param: string) =>
		`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`;

	test.each<[string, Record<string, unknown>, string, string, string]>([
		["no input", {}, "Missing required parameter: 'input'.", "input", "missing_required_parameter"],
		["a null input", { input: null }, "Missing required parameter: 'input'.", "input", "missing_required_parameter"],
		[
			"an empty input",
			{ input: "" },
			"Invalid 'input': empty string. Expected a string with minimum length 1, but got an empty string instead.",
			"input",
			"empty_string",
		],
		["no input items", { input: [] }, empty("input"), "input", "empty_array"],
		[
			"a message with an empty content list",
			{ input: [{ role: "user", content: [] }] },
			empty("input[0].content"),
			"input[0].content",
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
			"a negative top_p",
			{ input: "hi", top_p: -0.1 },
			"Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -0.1 instead.",
			"top_p",
			"decimal_below_min_value",
		],
	])("%s: 400 naming the parameter, nothing sent upstream", async (_, fields, message, param, code) => {
		for (const model of ["gpt-4o", "native"]) {
			const body = { model, ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
			const error = await refusedWith<InstanceType<typeof OpenAI.APIError>>(client().responses.create(body));
			expect(error).toBeInstanceOf(OpenAI.BadRequestError);
			expect(error.error).toEqual({ message, type: "invalid_request_error", param, code });
		}
		expect(inferenceCalls()).toBe(0);
	});

	test("the ends of the ranges are answered, translated and relayed", async () => {
		for (const model of ["gpt-4o", "native"]) {
			const response = await client().responses.create({ model, input: "hi", temperature: 2, top_p: 0 });
			expect(response.output_text).toBe("Hello world");
		}
		expect(upstream.lastBody("/v1/chat/completions")).toMatchObject({ temperature: 2, top_p: 0 });
		expect(upstream.lastBody("/v1/responses")).toMatchObject({ temperature: 2, top_p: 0 });
	});
});
