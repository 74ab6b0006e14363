import { describe, expect, test } from "bun:test";
import { ProxyError } from "../../src/errors.ts";
import { nestingDepth, readJsonBody } from "../../src/http/json-body.ts";

describe("nestingDepth", () => {
	test.each([
		["5", 0],
		["{}", 1],
		['{"a":[1,{"b":[]}]}', 4],
		['{"a":"[[[[{{{{"}', 1],
		['["\\"[[["]', 1],
		["[[]][[[]]]", 3],
	])("%s → %i", (text, depth) => {
		expect(nestingDepth(text)).toBe(depth);
	});

	test("stops counting just past the limit", () => {
		expect(nestingDepth("[".repeat(1000), 10)).toBe(11);
	});
});

describe("readJsonBody", () => {
	const read = (body: string, max = 1000) => readJsonBody(new Request("http://x.test", { method: "POST", body }), max);
	const failure = async (body: string, max?: number) => {
		const error = await read(body, max).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProxyError);
		return { status: (error as ProxyError).status, message: (error as ProxyError).message };
	};

	test("any JSON value", async () => {
		expect(await read('{"model":"x"}')).toEqual({ model: "x" });
		expect(await read("[1,2]")).toEqual([1, 2]);
	});

	test.each([
		["", 400, "missing request body"],
		["{", 400, "invalid JSON: JSON Parse error: Expected '}'"],
		["[".repeat(101) + "]".repeat(101), 400, "request body is nested more than 100 levels deep"],
	])("%j → %i %s", async (body, status, message) => {
		expect(await failure(body)).toEqual({ status, message });
	});

	test("a body over the limit, counted in bytes, is a 413", async () => {
		expect(await failure(JSON.stringify("é".repeat(400)), 500)).toEqual({
			status: 413,
			message: "request body is larger than 500 bytes",
		});
	});
});
