import { describe, expect, test } from "bun:test";
import { failureKind, isContextOverflow, ProxyError } from "../../src/core/proxy-error.ts";

describe("isContextOverflow: an upstream refusal because the conversation no longer fits", () => {
	const cases: Array<[string, ProxyError, boolean]> = [
		[
			"vLLM's wording",
			new ProxyError(
				400,
				"upstream rejected the request: This model's maximum context length is 32768 tokens. However, you requested 40000 tokens",
				{},
				"bad_request",
			),
			true,
		],
		[
			"llama.cpp's wording",
			new ProxyError(
				400,
				"upstream rejected the request: the request exceeds the available context size",
				{},
				"bad_request",
			),
			true,
		],
		["a code says so", new ProxyError(400, "anything", {}, "bad_request", "context_length_exceeded"), true],
		[
			"another 400",
			new ProxyError(400, "upstream rejected the request: invalid tool schema", {}, "bad_request"),
			false,
		],
		[
			"the proxy's own 400 mentioning context is not the upstream's",
			new ProxyError(400, "context window too small"),
			false,
		],
		[
			"an error event inside the upstream's stream",
			new ProxyError(502, "upstream error: context length exceeded", {}, "stream"),
			true,
		],
		["a server failure", new ProxyError(502, "upstream error (HTTP 500): context length", {}, "server"), false],
	];
	test.each(cases)("%s", (_, error, expected) => {
		expect(isContextOverflow(error)).toBe(expected);
	});
});

describe("failureKind: what failed, for the request's log line", () => {
	test.each([
		["an upstream failure keeps its kind", 504, "timeout", "timeout"],
		["an upstream failure passed on as a 4xx keeps its kind too", 429, "rate_limit", "rate_limit"],
		["a request the proxy refused", 400, undefined, "request"],
		["a model no upstream serves", 404, undefined, "request"],
		["the proxy's own fault", 500, undefined, "internal"],
	] as const)("%s", (_, status, kind, expected) => {
		expect(failureKind(status, kind)).toBe(expected);
	});
});
