import { describe, expect, test } from "bun:test";
import { digestOf, lookupKey, ollamaName } from "../../src/routing/model-names.ts";

describe("ollamaName: listed names always carry a tag", () => {
	test.each([
		{ id: "gpt-4o", name: "gpt-4o:latest" },
		{ id: "openai/gpt-4o", name: "openai/gpt-4o:latest" },
		{ id: "gpt-4o:latest", name: "gpt-4o:latest" },
		{ id: "llama3.2:3b", name: "llama3.2:3b" },
	])("$id → $name", ({ id, name }) => {
		expect(ollamaName(id)).toBe(name);
	});
});

describe("lookupKey: case-insensitive, `:latest` optional, surrounding blanks ignored", () => {
	test.each([
		{ name: "gpt-4o", key: "gpt-4o" },
		{ name: "gpt-4o:latest", key: "gpt-4o" },
		{ name: "GPT-4o:Latest", key: "gpt-4o" },
		{ name: "\tgpt-4o ", key: "gpt-4o" },
		{ name: "Org/Model", key: "org/model" },
		{ name: "llama3.2:3b", key: "llama3.2:3b" },
		{ name: "latest", key: "latest" },
	])("$name → $key", ({ name, key }) => {
		expect(lookupKey(name)).toBe(key);
	});
});

describe("digestOf: the SHA-256 of the id as 64 lower-case hex digits, without a sha256: prefix", () => {
	test.each([
		{ id: "gpt-4o", digest: "a2a69af70d1b9be70f1abf8218492c5e65aea34285462bd65757cd6f44a7c10e" },
		{ id: "openai/gpt-4o", digest: "abb375db7ecf41748da9080299c03f2ebce0504001958ae8a5f11d977c6583ea" },
		{ id: "text-embedding-3-small", digest: "31a7134a5bdc1c09eb1876abc2c66608b099a1db748c6fc9edfd94aeffa1d1bc" },
	])("$id", ({ id, digest }) => {
		expect(digestOf(id)).toBe(digest);
	});

	test("is stable across calls", () => {
		expect(digestOf("gpt-4o")).toBe(digestOf("gpt-4o"));
	});
});
