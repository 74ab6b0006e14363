/**
 * A client that stops reading is not an upstream that went quiet (issue 19 §1), and one that stays stalled is cut off
 * after `client_stall_ms`, in its own words. The official clients read through `onDemandFetch`, so when a test stops
 * iterating, the socket stops, every buffer between upstream and client fills, and the upstream is held by
 * back-pressure. The answer is large (48 MB) so that it cannot fit in those buffers (about 14 MB on loopback): the
 * upstream is still waiting to send when the client reads on.
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
/** A client may pause for 30 s: far longer than any pause here. */
let proxy: TestProxy;
/** A client may pause for 500 ms. */
let strict: TestProxy;
/** What the upstream had produced before the test's answer (the count runs over the whole file). */
let before = 0;

beforeAll(async () => {
	upstream = await startTestUpstream();
	const upstreams = `upstreams:\n  - name: up\n    base_url: ${upstream.url}\n    timeouts: { idle_ms: ${IDLE_MS} }\n    retries: { max: 0 }\n`;
	proxy = await startProxyWithConfig(`client_stall_ms: 30000\n${upstreams}`);
	strict = await startProxyWithConfig(`client_stall_ms: 500\n${upstreams}`);
});
afterAll(() => {
	proxy.stop();
	strict.stop();
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
	expect(await until(() => produced() >= MB)).toBe(true);
	await Bun.sleep(5 * IDLE_MS);
	// Back-pressure held the upstream: it had not been let send the whole answer (each event holds more than a piece).
	expect(produced()).toBeLessThan(PIECES * PIECE.length);
}

const logLine = (reqId: string, from = proxy) => from.logLines().find((line) => line.reqId === reqId);

/** The value of one series on a proxy's `/metrics` (0 when it has not been counted yet). */
async function counted(from: TestProxy, series: string): Promise<number> {
	const text = await (await fetch(`${from.url}/metrics`)).text();
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line ? Number(line.slice(series.length + 1)) : 0;
}

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
		expect(logLine("paused-chat")).toMatchObject({ level: 30, status: 200, outcome: "complete" });
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
		expect(logLine("paused-messages")).toMatchObject({ level: 30, status: 200, outcome: "complete" });
		expect(logLine("paused-messages")).not.toHaveProperty("error");
	});
});

describe("a client that stays stalled past client_stall_ms is cut off, in its own words", () => {
	const stalledSeries = (route: string) =>
		`ollama_proxy_requests_total{route="${route}",model="gpt-4o:latest",status="200",outcome="client_stalled"}`;

	test("/api/chat: the upstream stream is closed, the line says the client stopped reading, never the upstream", async () => {
		const ollama = new Ollama({ host: strict.url, fetch: onDemandFetch, headers: { "x-request-id": "stalled-chat" } });
		const stallsBefore = await counted(strict, stalledSeries("/api/chat"));
		const abortedBefore = upstream.state.aborted;
		const stream = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
		const parts = stream[Symbol.asyncIterator]();
		await parts.next();
		// The client reads nothing more: the line comes once the buffers are full and 500 ms have passed.
		expect(await until(() => logLine("stalled-chat", strict) !== undefined)).toBe(true);
		const line = logLine("stalled-chat", strict);
		expect(line).toMatchObject({
			level: 40,
			status: 200,
			outcome: "client_stalled",
			error: "client stopped reading for 500 ms",
		});
		expect(line).not.toHaveProperty("errorKind");
		expect(await until(() => upstream.state.aborted > abortedBefore)).toBe(true);
		expect(await counted(strict, stalledSeries("/api/chat"))).toBe(stallsBefore + 1);
		expect(await counted(strict, 'ollama_proxy_upstream_errors_total{upstream="up",kind="timeout"}')).toBe(0);
		// Reading on, the client gets what the buffers held, then a broken connection: never a `done` answer.
		let done = false;
		const reading = (async () => {
			for (let part = await parts.next(); !part.done; part = await parts.next()) done ||= part.value.done;
		})();
		await expect(reading).rejects.toThrow("the connection closed before the end of the body");
		expect(done).toBe(false);
	});

	test("/v1/messages: the same, with the Anthropic SDK", async () => {
		const client = new Anthropic({
			baseURL: strict.url,
			apiKey: "sk-dummy",
			maxRetries: 0,
			fetch: onDemandFetch,
			defaultHeaders: { "x-request-id": "stalled-messages" },
		});
		const stream = await client.messages.create({
			model: "gpt-4o",
			max_tokens: 100,
			messages: [{ role: "user", content: "hi" }],
			stream: true,
		});
		const events = stream[Symbol.asyncIterator]();
		await events.next();
		expect(await until(() => logLine("stalled-messages", strict) !== undefined)).toBe(true);
		expect(logLine("stalled-messages", strict)).toMatchObject({
			level: 40,
			status: 200,
			outcome: "client_stalled",
			error: "client stopped reading for 500 ms",
		});
		const types: string[] = [];
		const reading = (async () => {
			for (let event = await events.next(); !event.done; event = await events.next()) types.push(event.value.type);
		})();
		await expect(reading).rejects.toThrow();
		expect(types).not.toContain("message_stop");
	});
});
