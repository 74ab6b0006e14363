import { describe, expect, test } from "bun:test";
import { plainChat, plainGenerate } from "../../../src/protocols/ollama/request-fast-path.ts";
import { ChatRequest, GenerateRequest } from "../../../src/protocols/ollama/request-schemas.ts";

const long = "m".repeat(513);
const msg = (role: unknown, content: unknown) => ({ role, content });

// Every body: the fast path must give zod's own parse, key order included, or step aside.
const CHAT: [string, unknown, boolean][] = [
	["plain stream", { model: "m", messages: [msg("user", "hi")], stream: true }, true],
	["keys in another order", { stream: false, messages: [{ content: "x", role: "system" }], model: "m" }, true],
	["no stream", { model: "m", messages: [msg("assistant", "")] }, true],
	["no messages (a load)", { model: "m" }, true],
	["empty messages", { model: "m", messages: [] }, true],
	[
		"every role",
		{ model: "m", messages: ["system", "user", "assistant", "tool", "developer"].map((r) => msg(r, "c")) },
		true,
	],
	["upper-case role", { model: "m", messages: [msg("User", "hi")] }, false],
	["unknown role", { model: "m", messages: [msg("robot", "hi")] }, false],
	["null content", { model: "m", messages: [msg("user", null)] }, false],
	["missing content", { model: "m", messages: [{ role: "user" }] }, false],
	["numeric role", { model: "m", messages: [msg(1, "hi")] }, false],
	["extra message key", { model: "m", messages: [{ role: "user", content: "x", images: [] }] }, false],
	["message not an object", { model: "m", messages: ["hi"] }, false],
	["message an array", { model: "m", messages: [[]] }, false],
	["messages not an array", { model: "m", messages: "hi" }, false],
	["null messages", { model: "m", messages: null }, false],
	["extra key", { model: "m", messages: [], think: false }, false],
	["unknown key", { model: "m", messages: [], foo: 1 }, false],
	["null stream", { model: "m", messages: [], stream: null }, false],
	["string stream", { model: "m", messages: [], stream: "yes" }, false],
	["empty model", { model: "", messages: [] }, false],
	["model too long", { model: long, messages: [] }, false],
	["longest model", { model: long.slice(1), messages: [] }, true],
	["numeric model", { model: 1 }, false],
	["no model", { messages: [] }, false],
	["array body", [], false],
	["null body", null, false],
	["string body", "x", false],
];

const GENERATE: [string, unknown, boolean][] = [
	["plain", { model: "m", prompt: "p", stream: false }, true],
	["other order", { stream: true, prompt: "p", model: "m" }, true],
	["model only", { model: "m" }, true],
	["empty model (a 404 later)", { model: "", prompt: "p" }, true],
	["model too long", { model: long }, false],
	["null prompt", { model: "m", prompt: null }, false],
	["numeric prompt", { model: "m", prompt: 1 }, false],
	["null stream", { model: "m", stream: null }, false],
	["suffix", { model: "m", prompt: "p", suffix: "s" }, false],
	["no model", { prompt: "p" }, false],
	["null body", null, false],
];

describe.each([
	["chat", CHAT, plainChat, ChatRequest],
	["generate", GENERATE, plainGenerate, GenerateRequest],
] as const)("%s bodies", (_, table, plain, schema) => {
	test.each(table)("%s", (_name, body, fast) => {
		const zod = schema.safeParse(body);
		const got = plain(body);
		if (fast) {
			expect(zod.success).toBe(true);
			expect(JSON.stringify(got)).toBe(JSON.stringify(zod.data));
			expect(got).toEqual(zod.data as Record<string, unknown>);
		} else expect(got).toBeUndefined();
		// What Elysia validates with: the same value or the same issues as the schema alone.
		const standard = schema["~standard"].validate(body) as { value?: unknown; issues?: { message: string }[] };
		if (zod.success) expect(JSON.stringify(standard.value)).toBe(JSON.stringify(zod.data));
		else expect(standard.issues?.map((i) => i.message)).toEqual(zod.error.issues.map((i) => i.message));
	});
});
