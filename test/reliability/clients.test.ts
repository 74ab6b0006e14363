/**
 * Client behaviour the proxy must survive: readers slower than the upstream (the answer arrives whole and in
 * order), clients that leave at every stage (the upstream request goes with them), and thousands of aborts in a row
 * (nothing left open, memory flat). These clients read through Bun's fetch, which reads a body ahead of its
 * consumer; a client that really stops reading is in `test/contract/back-pressure.test.ts`, and what a slow reader
 * costs is in docs/reliability.md.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;
const hello = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0" });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

describe("a slow reader", () => {
	test("gets every byte of a large answer, in order, while it reads in small bites with pauses", async () => {
		const pieces = 4000;
		const text = "y".repeat(500);
		upstream.enqueue("chat", { kind: "firehose", chunkText: text, chunks: pieces });
		const res = await proxy.post("/api/chat", hello);
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		const decoder = new TextDecoder();
		let body = "";
		for (let part = await reader.read(), i = 0; !part.done; part = await reader.read(), i++) {
			body += decoder.decode(part.value, { stream: true });
			if (i % 50 === 0) await Bun.sleep(2);
		}
		const lines = body
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as { message: { content: string }; done: boolean });
		expect(lines.at(-1)?.done).toBe(true);
		expect(lines.map((l) => l.message.content).join("")).toBe(text.repeat(pieces));
	});
});

describe("a client that goes away", () => {
	test.each([
		["while the upstream has not answered", { kind: "hang" as const }, false],
		[
			"while the upstream has sent headers but no chunk",
			{ kind: "stream" as const, chunks: [": ping\n\n"], end: "hang" as const },
			false,
		],
		["mid-stream", { kind: "stream" as const, chunks: [chunk({ content: "x" })], end: "hang" as const }, true],
	])("%s: the upstream request is cancelled", async (_, reply, readFirst) => {
		upstream.enqueue("chat", reply);
		const controller = new AbortController();
		const before = upstream.state.aborted;
		const pending = proxy.post("/api/chat", hello, { signal: controller.signal });
		if (readFirst) await ((await pending).body as ReadableStream).getReader().read();
		else expect(await until(() => upstream.countOf("/v1/chat/completions") === 1)).toBe(true);
		controller.abort();
		await pending.catch(() => undefined);
		expect(await until(() => upstream.state.aborted > before)).toBe(true);
		expect(await until(() => upstream.state.open === 0)).toBe(true);
	});

	test("a stream:false client that leaves cancels the upstream too", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const before = upstream.state.aborted;
		const pending = proxy.post("/api/chat", { ...hello, stream: false }, { signal: controller.signal });
		expect(await until(() => upstream.state.open === 1)).toBe(true);
		controller.abort();
		await pending.catch(() => undefined);
		expect(await until(() => upstream.state.aborted > before)).toBe(true);
	});
});

describe("thousands of aborts", () => {
	test("leave no upstream stream open and memory flat", async () => {
		const runs = Number(process.env.ABORT_RUNS ?? 2000);
		const round = async () => {
			upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
			const controller = new AbortController();
			const res = await proxy.post("/api/chat", hello, { signal: controller.signal });
			await (res.body as ReadableStream).getReader().read();
			controller.abort();
		};
		for (let i = 0; i < 200; i++) await round();
		expect(await until(() => upstream.state.open === 0)).toBe(true);
		Bun.gc(true);
		const baseline = process.memoryUsage().rss;
		for (let i = 0; i < runs; i++) await round();
		expect(await until(() => upstream.state.open === 0)).toBe(true);
		Bun.gc(true);
		const growth = process.memoryUsage().rss - baseline;
		// Test process and proxy share this process: a leak of even 10 KB per abort would show as 20 MB.
		expect(growth).toBeLessThan(16 * 1024 * 1024);
		const open = (await (await fetch(`${proxy.url}/metrics`)).text()).match(/ollama_proxy_open_streams (\d+)/)?.[1];
		expect(open).toBe("0");
	}, 60_000);
});
