import { describe, expect, test } from "bun:test";
import { ProxyError } from "../../src/core/proxy-error.ts";
import { MAX_DECOMPRESSED_BYTES, nestingDepth, readJsonBody } from "../../src/http/json-body.ts";

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

describe("readJsonBody with a compressed body", () => {
	const body = '{"model":"x","input":"é"}';
	const post = (bytes: Uint8Array | string, encoding: string, max = 1000) =>
		readJsonBody(
			new Request("http://x.test", { method: "POST", body: bytes, headers: { "content-encoding": encoding } }),
			max,
		);
	const failure = async (promise: Promise<unknown>) => {
		const error = await promise.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProxyError);
		return { status: (error as ProxyError).status, message: (error as ProxyError).message };
	};

	test.each([
		["zstd", Bun.zstdCompressSync(Buffer.from(body))],
		["gzip", Bun.gzipSync(Buffer.from(body))],
		["x-gzip", Bun.gzipSync(Buffer.from(body))],
		[" ZSTD ", Bun.zstdCompressSync(Buffer.from(body))],
		["identity", Buffer.from(body)],
	])("%j is decompressed", async (encoding, bytes) => {
		expect(await post(bytes, encoding)).toEqual({ model: "x", input: "é" });
	});

	test.each([
		["zstd", "failed to decompress zstd body"],
		["gzip", "failed to decompress gzip body"],
		["x-gzip", "failed to decompress gzip body"],
	])("a corrupt %s body is a 400", async (encoding, message) => {
		expect(await failure(post("not compressed at all", encoding))).toEqual({ status: 400, message });
	});

	test("more than 20 MiB once decompressed is refused, without decompressing it all", async () => {
		const bomb = Bun.zstdCompressSync(Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1, 32));
		expect(bomb.length).toBeLessThan(10_000);
		expect(await failure(post(bomb, "zstd", 64 * 1024 * 1024))).toEqual({
			status: 400,
			message: "failed to decompress zstd body",
		});
	});

	test("the size limit applies to the decompressed body", async () => {
		const large = JSON.stringify("x".repeat(2000));
		expect(await failure(post(Bun.gzipSync(Buffer.from(large)), "gzip"))).toEqual({
			status: 413,
			message: "request body is larger than 1000 bytes",
		});
	});

	test("an unknown encoding is a 415", async () => {
		expect(await failure(post(body, "br"))).toEqual({ status: 415, message: "unsupported content encoding: br" });
	});
});
