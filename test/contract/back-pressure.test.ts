/**
 * A client that stops reading is not an upstream that went quiet (issue 19 §1). The official clients read through
 * `onDemandFetch`, so when a test stops iterating, the socket stops, every buffer between upstream and client fills,
 * and the upstream is held by back-pressure. The answer is large (48 MB) so that it cannot fit in those buffers
 * (about 14 MB on loopback): the upstream is still waiting to send when the client reads on.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type ChatResponse, Ollama } from "ollama";
import { onDemandFetch } from "../support/on-demand-fetch.ts";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const IDLE_MS = 300;
const PIECE = "y".repeat(32_000);
const PIECES = 1500;
const MB = 1024 * 1024;

let upstream: TestUpstream;
let proxy: TestProxy;
/** What the upstream had produced before the test's answer (the count runs over the whole file). */
let before = 0;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxyWithConfig(
		`upstreams:\n  - name: up\n    base_url: ${upstream.url}\n    timeouts: { idle_ms: ${IDLE_MS} }\n    retries: { max: 0 }\n`,
	);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => {
	upstream.reset();
	before = upstream.state.produced;
	upstream.enqueue("chat", { kind: "firehose", chunkText: PIECE, chunks: PIECES });
});

/**
 * The client reads nothing for five idle limits, while the upstream has more to send. The wait for the buffers to
 * fill is an event; the pause itself is a time by nature (what broke was a timer firing during it). It cannot flake:
 * nothing else bounds a pause, so a slow machine only makes it longer, and a longer pause passes just the same.
 */
async function pauseReading() {
	const produced = () => upstream.state.produced - before;
	expect(await until(() => produced() >= 4 * MB)).toBe(true);
	await Bun.sleep(5 * IDLE_MS);
	// Back-pressure held the upstream: it had not been let send the whole answer (each event holds more than a piece).
	expect(produced()).toBeLessThan(PIECES * PIECE.length);
}

const logLine = (reqId: string) => proxy.logLines().find((line) => line.reqId === reqId);

describe("a client that pauses longer than idle_ms, then reads on, gets the whole answer", () => {
	test("/api/chat with the ollama client", async () => {
		const ollama = new Ollama({ host: proxy.url, fetch: onDemandFetch, headers: { "x-request-id": "paused-chat" } });
		const stream = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
		const parts = stream[Symbol.asyncIterator]();
		const first = (await parts.next()).value as ChatResponse;
		await pauseReading();
		let content = first.message.content;
		let last = first;
		for (let part = await parts.next(); !part.done; part = await parts.next()) {
			content += part.value.message.content;
			last = part.value;
		}
		expect(content).toBe(PIECE.repeat(PIECES));
		expect(last).toMatchObject({ done: true, done_reason: "stop" });
		expect(await until(() => logLine("paused-chat") !== undefined)).toBe(true);
		expect(logLine("paused-chat")).toMatchObject({ status: 200 });
		expect(logLine("paused-chat")).not.toHaveProperty("error");
	});

	test("/v1/messages with the Anthropic SDK", async () => {
		const client = new Anthropic({
			baseURL: proxy.url,
			apiKey: "sk-dummy",
			maxRetries: 0,
			fetch: onDemandFetch,
			defaultHeaders: { "x-request-id": "paused-messages" },
		});
		const stream = await client.messages.create({
			model: "gpt-4o",
			max_tokens: 100,
			messages: [{ role: "user", content: "hi" }],
			stream: true,
		});
		const events = stream[Symbol.asyncIterator]();
		expect((await events.next()).value?.type).toBe("message_start");
		await pauseReading();
		let text = "";
		const types: string[] = [];
		for (let event = await events.next(); !event.done; event = await events.next()) {
			types.push(event.value.type);
			if (event.value.type === "content_block_delta" && event.value.delta.type === "text_delta")
				text += event.value.delta.text;
		}
		expect(text).toBe(PIECE.repeat(PIECES));
		expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
		expect(await until(() => logLine("paused-messages") !== undefined)).toBe(true);
		expect(logLine("paused-messages")).toMatchObject({ status: 200 });
		expect(logLine("paused-messages")).not.toHaveProperty("error");
	});
});
