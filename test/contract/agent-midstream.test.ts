/** Upstream errors reported inside an agent's stream keep their meaning: agents wait on a rate limit, not retry. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const rateLimited = () => ({
	kind: "stream" as const,
	chunks: [chunk({ content: "pa" }), 'data: {"error":{"code":429,"message":"Rate limit exceeded"}}\n\n'],
});

/** The last SSE event of a body: its name and data. */
function lastEvent(text: string): { event: string; data: Record<string, unknown> } {
	const blocks = text.trim().split("\n\n");
	const [eventLine, dataLine] = (blocks.at(-1) as string).split("\n");
	return { event: (eventLine as string).slice("event: ".length), data: JSON.parse((dataLine as string).slice(6)) };
}

describe("a rate limit inside the upstream's stream", () => {
	test("/v1/messages: an error event of type rate_limit_error", async () => {
		upstream.enqueue("chat", rateLimited());
		const res = await proxy.post("/v1/messages", {
			model: "gpt-4o",
			max_tokens: 10,
			stream: true,
			messages: [{ role: "user", content: "hi" }],
		});
		const last = lastEvent(await res.text());
		expect(last.event).toBe("error");
		expect(last.data).toEqual({
			type: "error",
			error: { type: "rate_limit_error", message: "upstream rate limit: Rate limit exceeded" },
			request_id: res.headers.get("request-id"),
		});
	});

	test("/v1/responses: response.failed with code rate_limit_exceeded", async () => {
		upstream.enqueue("chat", rateLimited());
		const res = await proxy.post("/v1/responses", { model: "gpt-4o", input: "hi", stream: true });
		const last = lastEvent(await res.text());
		expect(last.event).toBe("response.failed");
		expect((last.data.response as { error: unknown }).error).toEqual({
			code: "rate_limit_exceeded",
			message: "upstream rate limit: Rate limit exceeded",
		});
	});
});
