/**
 * Agents see their protocol's first events as soon as the upstream answered 200, before its first token: a local
 * model reading a long prompt can be silent for minutes, and the client is kept waiting by keepalives, not cut by
 * the first-byte limit. The upstream here holds its first chunk until the test has seen those events.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chunk, usageChunk } from "../support/upstream.ts";

let release: () => void = () => {};
let upstream: ReturnType<typeof Bun.serve>;
let proxy: TestProxy;
const encoder = new TextEncoder();
const event = (value: unknown) => encoder.encode(`data: ${JSON.stringify(value)}\n\n`);

beforeAll(async () => {
	upstream = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		fetch(request) {
			if (new URL(request.url).pathname === "/v1/models") {
				return Response.json({ object: "list", data: [{ id: "gpt-4o", object: "model", created: 1, owned_by: "x" }] });
			}
			const held = new Promise<void>((resolve) => {
				release = resolve;
			});
			const body = new ReadableStream<Uint8Array>({
				async start(controller) {
					// Bun.serve sends the headers with the first body bytes; real servers (uvicorn, llama.cpp) send them at
					// once. A comment line is a body byte that is no event.
					controller.enqueue(encoder.encode(": reading the prompt\n\n"));
					await held;
					controller.enqueue(event(chunk({ content: "pong" })));
					controller.enqueue(event(chunk({}, "stop")));
					controller.enqueue(event(usageChunk(3, 1)));
					controller.enqueue(encoder.encode("data: [DONE]\n\n"));
					controller.close();
				},
			});
			return new Response(body, { headers: { "content-type": "text/event-stream" } });
		},
	});
	// A first-byte limit far shorter than the prompt takes: only the idle limit may end the wait.
	proxy = await startProxyWithConfig(
		`upstreams:\n  - name: up\n    base_url: http://127.0.0.1:${upstream.port}/v1\n    timeouts: { first_byte_ms: 1 }\n    retries: { max: 0 }\n`,
	);
});
afterAll(() => {
	proxy.stop();
	upstream.stop(true);
});

/** Reads SSE text until `marker` has arrived, then releases the upstream and reads the rest. */
async function readAround(response: Response, marker: string): Promise<string> {
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	const decoder = new TextDecoder();
	let text = "";
	while (!text.includes(marker)) {
		const part = await reader.read();
		if (part.done) throw new Error(`stream ended before ${marker}: ${text}`);
		text += decoder.decode(part.value, { stream: true });
	}
	release();
	for (;;) {
		const part = await reader.read();
		if (part.done) return text;
		text += decoder.decode(part.value, { stream: true });
	}
}

describe("agent streams start before the upstream's first token", () => {
	test("/v1/messages: message_start and ping, then the answer", async () => {
		const res = await proxy.post("/v1/messages", {
			model: "gpt-4o",
			max_tokens: 10,
			stream: true,
			messages: [{ role: "user", content: "ping" }],
		});
		expect(res.status).toBe(200);
		const text = await readAround(res, "event: ping\n");
		const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
		expect(events).toEqual([
			"message_start",
			"ping",
			"content_block_start",
			"content_block_delta",
			"content_block_stop",
			"message_delta",
			"message_stop",
		]);
	});

	test("/v1/responses: response.created and response.in_progress, then the answer", async () => {
		const res = await proxy.post("/v1/responses", { model: "gpt-4o", input: "ping", stream: true });
		expect(res.status).toBe(200);
		const text = await readAround(res, "event: response.in_progress\n");
		const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
		expect(events.at(0)).toBe("response.created");
		expect(events.at(-1)).toBe("response.completed");
		expect(text).toContain('"delta":"pong"');
	});

	test("/api/chat keeps its first-byte limit: a real status before anything is sent", async () => {
		const res = await proxy.post("/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "ping" }] });
		release();
		expect(res.status).toBe(504);
	});
});
