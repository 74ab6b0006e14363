import { describe, expect, test } from "bun:test";
import { chatLoadReply, generateLoadReply } from "../../../src/protocols/ollama/load-reply.ts";

const NOW = new Date("2025-10-26T17:21:21.190Z");

const LOADS = [
	{ keepAlive: undefined },
	{ keepAlive: null },
	{ keepAlive: 300 },
	{ keepAlive: -1 },
	{ keepAlive: "5m" },
	{ keepAlive: "-1m" },
];
const UNLOADS = [{ keepAlive: 0 }, { keepAlive: "0" }, { keepAlive: "0s" }, { keepAlive: "0m" }];

describe("chatLoadReply: the single JSON object for /api/chat without messages", () => {
	test.each(LOADS)("keep_alive $keepAlive → load", ({ keepAlive }) => {
		expect(JSON.stringify(chatLoadReply("llama3.2", keepAlive, NOW))).toBe(
			'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.19Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"load"}',
		);
	});

	test.each(UNLOADS)("keep_alive $keepAlive → unload", ({ keepAlive }) => {
		expect(JSON.stringify(chatLoadReply("llama3.2", keepAlive, NOW))).toBe(
			'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.19Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"unload"}',
		);
	});

	test("the model is echoed as the client spelled it", () => {
		expect(chatLoadReply("GPT-4o:Latest", undefined, new Date("2024-05-13T00:00:00Z"))).toEqual({
			model: "GPT-4o:Latest",
			created_at: "2024-05-13T00:00:00Z",
			message: { role: "assistant", content: "" },
			done: true,
			done_reason: "load",
		});
	});
});

describe("generateLoadReply: the single JSON object for /api/generate without a prompt", () => {
	test.each(LOADS)("keep_alive $keepAlive → load", ({ keepAlive }) => {
		expect(JSON.stringify(generateLoadReply("llama3.2", keepAlive, NOW))).toBe(
			'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.19Z","response":"","done":true,"done_reason":"load"}',
		);
	});

	test.each(UNLOADS)("keep_alive $keepAlive → unload", ({ keepAlive }) => {
		expect(JSON.stringify(generateLoadReply("llama3.2", keepAlive, NOW))).toBe(
			'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.19Z","response":"","done":true,"done_reason":"unload"}',
		);
	});

	test("the model is echoed as the client spelled it", () => {
		expect(generateLoadReply("GPT-4o:Latest", 0, new Date("2024-05-13T00:00:00Z"))).toEqual({
			model: "GPT-4o:Latest",
			created_at: "2024-05-13T00:00:00Z",
			response: "",
			done: true,
			done_reason: "unload",
		});
	});
});
