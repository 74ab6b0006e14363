/**
 * A failed stream never reads as a success (issue 19 §2): every streamed answer's log line and its count in
 * `ollama_proxy_requests_total` carry how it ended, which its status cannot say once its 200 has gone out. Complete,
 * cut by the upstream, left by its client, and stalled, on each translated route.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { onDemandFetch } from "../support/on-demand-fetch.ts";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxyWithConfig(
		`client_stall_ms: 500\nupstreams:\n  - name: up\n    base_url: ${upstream.url}\n    timeouts: { idle_ms: 300 }\n    retries: { max: 0 }\n`,
	);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const ROUTES = [
	["/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }],
	["/v1/messages", { model: "gpt-4o", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] }],
	["/v1/responses", { model: "gpt-4o", input: "hi", stream: true }],
] as const;

/** The value of one series on `/metrics` (0 when it has not been counted yet). */
async function counted(series: string): Promise<number> {
	const text = await (await fetch(`${proxy.url}/metrics`)).text();
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line ? Number(line.slice(series.length + 1)) : 0;
}

const requests = (route: string, status: number, outcome: string) =>
	`ollama_proxy_requests_total{route="${route}",model="gpt-4o:latest",status="${status}",outcome="${outcome}"}`;

async function logLine(reqId: string) {
	expect(await until(() => proxy.logLines().some((line) => line.reqId === reqId))).toBe(true);
	return proxy.logLines().find((line) => line.reqId === reqId);
}

describe.each(ROUTES)("%s", (route, body) => {
	const post = (reqId: string, init: RequestInit = {}) =>
		proxy.post(route, body, { ...init, headers: { "x-request-id": reqId } });

	test("complete: info, outcome complete, no error", async () => {
		const reqId = `complete${route.replaceAll("/", "-")}`;
		const before = await counted(requests(route, 200, "complete"));
		upstream.enqueue("chat", textStream(["Hello", " world"]));
		await (await post(reqId)).text();
		const line = await logLine(reqId);
		expect(line).toMatchObject({ level: 30, status: 200, outcome: "complete" });
		expect(line).not.toHaveProperty("error");
		expect(line).not.toHaveProperty("errorKind");
		expect(await counted(requests(route, 200, "complete"))).toBe(before + 1);
	});

	test("cut by the upstream: warn, outcome failed with the error's kind and message, still status 200", async () => {
		const reqId = `failed${route.replaceAll("/", "-")}`;
		const before = await counted(requests(route, 200, "failed"));
		const timeouts = await counted('ollama_proxy_upstream_errors_total{upstream="up",kind="timeout"}');
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "hang" });
		const res = await post(reqId);
		expect(res.status).toBe(200);
		expect(await res.text()).toContain("upstream went quiet for 300 ms");
		expect(await logLine(reqId)).toMatchObject({
			level: 40,
			status: 200,
			outcome: "failed",
			errorKind: "timeout",
			error: "upstream went quiet for 300 ms",
		});
		expect(await counted(requests(route, 200, "failed"))).toBe(before + 1);
		expect(await counted('ollama_proxy_upstream_errors_total{upstream="up",kind="timeout"}')).toBe(timeouts + 1);
	});

	test("left by its client: warn, status 499, outcome client_aborted", async () => {
		const reqId = `aborted${route.replaceAll("/", "-")}`;
		const before = await counted(requests(route, 499, "client_aborted"));
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const res = await post(reqId, { signal: controller.signal });
		await (res.body as ReadableStream).getReader().read();
		controller.abort();
		const line = await logLine(reqId);
		expect(line).toMatchObject({ level: 40, status: 499, outcome: "client_aborted", aborted: true });
		expect(line).not.toHaveProperty("errorKind");
		expect(await counted(requests(route, 499, "client_aborted"))).toBe(before + 1);
	});
});

test("/api/chat stalled by the ollama client: warn, outcome client_stalled, the client's words", async () => {
	const before = await counted(requests("/api/chat", 200, "client_stalled"));
	upstream.enqueue("chat", { kind: "firehose", chunkText: "y".repeat(32_000), chunks: 1500 });
	const ollama = new Ollama({ host: proxy.url, fetch: onDemandFetch, headers: { "x-request-id": "stalled-chat" } });
	const stream = await ollama.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
	await stream[Symbol.asyncIterator]().next();
	// The client reads nothing more: the line comes once the buffers are full and 500 ms have passed.
	const line = await logLine("stalled-chat");
	expect(line).toMatchObject({
		level: 40,
		status: 200,
		outcome: "client_stalled",
		error: "client stopped reading for 500 ms",
	});
	expect(line).not.toHaveProperty("errorKind");
	expect(await counted(requests("/api/chat", 200, "client_stalled"))).toBe(before + 1);
	stream.abort();
});

describe("whole answers: complete below 400, failed with its kind from 400", () => {
	test("a 200 is complete; an upstream 500 is failed (server); an unknown model is failed (request)", async () => {
		await (
			await proxy.post("/api/chat", { ...ROUTES[0][1], stream: false }, { headers: { "x-request-id": "w-ok" } })
		).text();
		upstream.enqueue("chat", { kind: "json", status: 500, body: { error: { message: "boom" } } });
		await (await proxy.post("/api/chat", ROUTES[0][1], { headers: { "x-request-id": "w-500" } })).text();
		await (
			await proxy.post("/api/chat", { ...ROUTES[0][1], model: "nope" }, { headers: { "x-request-id": "w-404" } })
		).text();
		expect(await logLine("w-ok")).toMatchObject({ level: 30, status: 200, outcome: "complete" });
		expect(await logLine("w-500")).toMatchObject({ level: 50, status: 502, outcome: "failed", errorKind: "server" });
		expect(await logLine("w-404")).toMatchObject({ level: 40, status: 404, outcome: "failed", errorKind: "request" });
		expect(await logLine("w-404")).not.toHaveProperty("error");
	});
});
