/**
 * `stream: false` on a chat or completions call: the upstream is asked for the whole answer (without the
 * `stream_options` OpenAI refuses there) and it comes back as one chunk; an upstream that streams anyway is still
 * relayed chunk by chunk.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadSettings } from "../../src/config/settings.ts";
import { createUpstream } from "../../src/upstream/create-upstream.ts";
import type { Upstream } from "../../src/upstream/upstream.ts";
import { chatJson, completionJson, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";

let server: TestUpstream;
let upstream: Upstream;
const scope = () => ({ signal: new AbortController().signal });

beforeAll(async () => {
	server = await startTestUpstream();
	const settings = loadSettings({ env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" } });
	upstream = createUpstream(settings.upstreams[0] as (typeof settings.upstreams)[0]);
});
afterAll(() => server.stop());

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const item of items) out.push(item);
	return out;
}

describe("stream: false", () => {
	test("chat: the upstream is asked for the whole answer, which comes back as one chunk", async () => {
		const chunks = await all(
			await upstream.chat(
				{
					model: "gpt-4o",
					messages: [{ role: "user", content: "hi" }],
					stream: false,
					stream_options: { include_usage: true },
				},
				scope(),
			),
		);
		expect(server.lastBody()).toEqual({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: false });
		const whole = chatJson("Hello world");
		expect(chunks as unknown[]).toEqual([
			{
				...whole,
				choices: [
					{
						index: 0,
						delta: { role: "assistant", content: "Hello world" },
						finish_reason: "stop",
						logprobs: null,
					},
				],
			},
		]);
	});

	test("completions: the whole answer is one chunk of the same shape", async () => {
		const chunks = await all(
			await upstream.complete({ model: "gpt-4o", prompt: "def", suffix: "end", stream: false }, scope()),
		);
		expect(server.lastBody("/v1/completions")).toEqual({
			model: "gpt-4o",
			prompt: "def",
			suffix: "end",
			stream: false,
		});
		expect(chunks as unknown[]).toEqual([completionJson("Hello world")]);
	});

	test("an upstream that streams anyway is relayed chunk by chunk", async () => {
		server.enqueue("chat", textStream(["a", "b"]));
		const chunks = await all(
			await upstream.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: false }, scope()),
		);
		expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(["", "a", "b", null, null]);
	});

	test("stream: true keeps its stream_options", async () => {
		await all(
			await upstream.chat(
				{
					model: "gpt-4o",
					messages: [{ role: "user", content: "hi" }],
					stream: true,
					stream_options: { include_usage: true },
				},
				scope(),
			),
		);
		expect(server.lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});
});

describe("stream: false under the timers", () => {
	test("a whole answer may take longer than the first-byte limit: its generation is one idle gap", async () => {
		const gates: Array<() => void> = [];
		const slow = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			async fetch(request) {
				const body = (await request.json()) as { stream?: boolean };
				await new Promise<void>((resolve) => gates.push(resolve));
				return Response.json(body.stream ? {} : chatJson("late"));
			},
		});
		const settings = loadSettings({
			env: {},
			flags: { config: "c.yaml" },
			readFile: () =>
				`upstreams:\n  - name: s\n    base_url: http://127.0.0.1:${slow.port}/v1\n    timeouts: { connect_ms: 1, first_byte_ms: 1, idle_ms: 60000 }\n`,
		});
		const up = createUpstream(settings.upstreams[0] as (typeof settings.upstreams)[0]);
		const params = { model: "gpt-4o", messages: [{ role: "user" as const, content: "hi" }] };
		const whole = up.chat({ ...params, stream: false }, scope());
		const streamed = up.chat({ ...params, stream: true }, scope());
		// The streamed call, held the same way, is cut by the first-byte limit; the whole one is still waiting.
		await expect(streamed).rejects.toMatchObject({ status: 504, kind: "timeout" });
		// Released only once the whole call has reached the server, so it has waited past the first-byte limit.
		while (gates.length === 0) await Bun.sleep(1);
		for (const open of gates) open();
		const chunks = await all(await whole);
		expect((chunks[0] as { choices: Array<{ delta: { content: string } }> }).choices[0]?.delta.content).toBe("late");
		slow.stop(true);
	});
});
