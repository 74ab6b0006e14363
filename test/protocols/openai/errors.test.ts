/** OpenAI's error shape: a limit refusal names what it counted; every other error, a relayed 429 too, keeps its shape. */
import { describe, expect, test } from "bun:test";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import { openAIErrorResponse } from "../../../src/protocols/openai/errors.ts";

describe("openAIErrorResponse", () => {
	test.each(["requests", "tokens"] as const)("a limit refusal counting %s", async (counted) => {
		const error = new ProxyError(429, "limit", { "retry-after": "1" }, undefined, "rate_limit_exceeded", counted);
		const response = openAIErrorResponse(error);
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("1");
		expect(await response.json()).toEqual({
			error: { message: "limit", type: counted, param: null, code: "rate_limit_exceeded" },
		});
	});

	test.each([
		[400, "invalid_request_error"],
		[413, "invalid_request_error"],
		[401, "authentication_error"],
		[403, "permission_error"],
		[404, "not_found_error"],
		[429, "rate_limit_error"],
		[502, "api_error"],
	])("an upstream's %p keeps its usual type, without a code", async (status, type) => {
		const response = openAIErrorResponse(new ProxyError(status, "no", {}, "rate_limit", "some_code"));
		expect(await response.json()).toEqual({ error: { message: "no", type, param: null, code: null } });
	});
});
