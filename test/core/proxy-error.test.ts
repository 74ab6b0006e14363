import { describe, expect, test } from "bun:test";
import { isContextOverflow, ProxyError } from "../../src/core/proxy-error.ts";

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
