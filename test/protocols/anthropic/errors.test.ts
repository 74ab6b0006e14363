import { describe, expect, test } from "bun:test";
import { type FailureKind, ProxyError } from "../../../src/core/proxy-error.ts";
import {
	anthropicErrorMessage,
	anthropicErrorResponse,
	anthropicErrorType,
} from "../../../src/protocols/anthropic/errors.ts";

describe("anthropicErrorType: status → Anthropic's error type (§2.7)", () => {
	test.each<[number, string, FailureKind | undefined, string]>([
		[400, "max_tokens is required and must be positive", undefined, "invalid_request_error"],
		[401, "invalid API key", undefined, "authentication_error"],
		[403, "this API key may not use model 'x'", undefined, "permission_error"],
		[404, "model 'nope' not found", "not_found", "not_found_error"],
		[405, "405 method not allowed", undefined, "invalid_request_error"],
		[413, "request body is larger than 32 MiB", undefined, "request_too_large"],
		[429, "upstream rate limit: slow down", "rate_limit", "rate_limit_error"],
		[500, "internal error", undefined, "api_error"],
		[502, "upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY", "auth", "api_error"],
		[502, "upstream error: Overloaded", "stream", "overloaded_error"],
		[503, "no upstream available", undefined, "overloaded_error"],
		[529, "overloaded", undefined, "overloaded_error"],
		[504, "upstream did not answer within 600 ms", "timeout", "timeout_error"],
		[
			400,
			"upstream rejected the request: This model's maximum context length is 32768 tokens.",
			"bad_request",
			"invalid_request_error",
		],
		[502, "upstream error: context_length_exceeded", "stream", "invalid_request_error"],
	])("%i %s (kind %p) → %s", (status, message, kind, type) => {
		expect(anthropicErrorType(new ProxyError(status, message, {}, kind))).toBe(type);
	});
});

describe("anthropicErrorMessage: context overflow in Anthropic's words, so Claude Code compacts", () => {
	test.each<[string, FailureKind | undefined, string]>([
		[
			"upstream rejected the request: This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (8000 in the messages, 32000 in the completion).",
			"bad_request",
			"prompt is too long: 8000 tokens > 32768 maximum",
		],
		[
			"upstream rejected the request: This model's maximum context length is 32768 tokens. However, your request has 40000 input tokens.",
			"bad_request",
			"prompt is too long: 40000 tokens > 32768 maximum",
		],
		[
			"upstream rejected the request: This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens.",
			"bad_request",
			"prompt is too long: 130532 tokens > 128000 maximum",
		],
		[
			"upstream rejected the request: the request exceeds the available context size, try increasing it",
			"bad_request",
			"prompt is too long: upstream rejected the request: the request exceeds the available context size, try increasing it",
		],
		["upstream rejected the request: bad temperature", "bad_request", "upstream rejected the request: bad temperature"],
		["context length is fine", undefined, "context length is fine"],
	])("%s", (message, kind, expected) => {
		expect(anthropicErrorMessage(new ProxyError(kind === "stream" ? 502 : 400, message, {}, kind))).toBe(expected);
	});
});

describe("anthropicErrorResponse", () => {
	test("the body, status and headers a client sees; retry-after relayed", async () => {
		const response = anthropicErrorResponse(
			new ProxyError(429, "upstream rate limit: slow down", { "retry-after": "7" }, "rate_limit"),
			"req_abc",
		);
		expect(response.status).toBe(429);
		expect(response.headers.get("content-type")).toStartWith("application/json");
		expect(response.headers.get("request-id")).toBe("req_abc");
		expect(response.headers.get("retry-after")).toBe("7");
		expect(response.headers.get("x-should-retry")).toBeNull();
		expect(await response.text()).toBe(
			'{"type":"error","error":{"type":"rate_limit_error","message":"upstream rate limit: slow down"},"request_id":"req_abc"}',
		);
	});

	test("a wrong inbound key: 401 that Claude Code does not retry for minutes", async () => {
		const response = anthropicErrorResponse(new ProxyError(401, "invalid API key"), "req_abc");
		expect(response.status).toBe(401);
		expect(response.headers.get("x-should-retry")).toBe("false");
	});

	test("the upstream refused the proxy's key: 502 that the SDKs do not retry", async () => {
		const response = anthropicErrorResponse(
			new ProxyError(502, "upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY", {}, "auth"),
			"req_abc",
		);
		expect(response.status).toBe(502);
		expect(response.headers.get("x-should-retry")).toBe("false");
		expect(await response.json()).toEqual({
			type: "error",
			error: { type: "api_error", message: "upstream rejected the proxy's API key (HTTP 401); check OPENAI_API_KEY" },
			request_id: "req_abc",
		});
	});
});
