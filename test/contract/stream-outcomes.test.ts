/**
 * A failed stream never reads as a success (issue 19 §2): every streamed answer's log line and its count in
 * `ollama_proxy_requests_total` carry how it ended, which its status cannot say once its 200 has gone out. Complete,
 * cut by the upstream, left by its client, and stalled, on each translated route and on relayed ones, whose bytes
 * pass through untouched but whose line is written when their body ends too.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { onDemandFetch } from "../support/on-demand-fetch.ts";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import {
	anthropicSse,
	chunk,
	type Reply,
	startTestUpstream,
	type TestUpstream,
	textStream,
} from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	// gpt-4o is translated on the agent routes; "native" is relayed to an upstream that speaks Messages itself.
	proxy = await startProxyWithConfig(`
client_stall_ms: 500
upstreams:
  - name: up
    base_url: ${upstream.url}
    timeouts: { idle_ms: 300 }
    retries: { max: 0 }
  - name: speaks
    base_url: ${upstream.url}
    discover: false
    timeouts: { idle_ms: 300 }
    retries: { max: 0 }
    protocols: [messages]
models:
  - { name: native, upstream: speaks, id: gpt-4o }
`);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const hi = [{ role: "user", content: "hi" }];
const chat: { complete: Reply; hang: Reply } = {
	complete: textStream(["Hello", " world"]),
	hang: { kind: "stream", chunks: [chunk({ content: "par" })], end: "hang" },
};
const ROUTES: Array<{
	name: string;
	path: string;
	body: Record<string, unknown>;
	endpoint: "chat" | "messages";
	replies: { complete: Reply; hang: Reply };
	model: string;
}> = [
	{
		name: "/api/chat",
		path: "/api/chat",
		body: { model: "gpt-4o", messages: hi },
		endpoint: "chat",
		replies: chat,
		model: "gpt-4o:latest",
	},
	{
		name: "/v1/messages",
		path: "/v1/messages",
		body: { model: "gpt-4o", max_tokens: 10, stream: true, messages: hi },
		endpoint: "chat",
		replies: chat,
		model: "gpt-4o:latest",
	},
	{
		name: "/v1/responses",
		path: "/v1/responses",
		body: { model: "gpt-4o", input: "hi", stream: true },
		endpoint: "chat",
		replies: chat,
		model: "gpt-4o:latest",
	},
	{
		name: "/v1/chat/completions (relayed bytes)",
		path: "/v1/chat/completions",
		body: { model: "gpt-4o", stream: true, messages: hi },
		endpoint: "chat",
		replies: chat,
		model: "gpt-4o:latest",
	},
	{
		name: "/v1/messages (relayed to an upstream that speaks it)",
		path: "/v1/messages",
		body: { model: "native", max_tokens: 10, stream: true, messages: hi },
		endpoint: "messages",
		replies: {
			complete: { kind: "stream", chunks: [anthropicSse("gpt-4o", "Hello world")], end: "close" },
			hang: { kind: "stream", chunks: ['event: ping\ndata: {"type":"ping"}\n\n'], end: "hang" },
		},
		model: "native:latest",
	},
];

/** The value of one series on `/metrics` (0 when it has not been counted yet). */
async function counted(series: string): Promise<number> {
	const text = await (await fetch(`${proxy.url}/metrics`)).text();
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line ? Number(line.slice(series.length + 1)) : 0;
}

const requests = (route: string, status: number, outcome: string, model = "gpt-4o:latest") =>
	`ollama_proxy_requests_total{route="${route}",model="${model}",status="${status}",outcome="${outcome}"}`;

async function logLine(reqId: string) {
	expect(await until(() => proxy.logLines().some((line) => line.reqId === reqId))).toBe(true);
	return proxy.logLines().find((line) => line.reqId === reqId);
}

describe.each(ROUTES)("$name", ({ name, path, body, endpoint, replies, model }) => {
	const post = (reqId: string, init: RequestInit = {}) =>
		proxy.post(path, body, { ...init, headers: { "x-request-id": reqId } });
	const id = (kind: string) => `${kind}-${name.replace(/\W+/g, "-")}`;
	const series = (status: number, outcome: string) => requests(path, status, outcome, model);

	test("complete: info, outcome complete, no error", async () => {
		const reqId = id("complete");
		const before = await counted(series(200, "complete"));
		upstream.enqueue(endpoint, replies.complete);
		await (await post(reqId)).text();
		const line = await logLine(reqId);
		expect(line).toMatchObject({ level: 30, status: 200, outcome: "complete" });
		expect(line).not.toHaveProperty("error");
		expect(line).not.toHaveProperty("errorKind");
		expect(await counted(series(200, "complete"))).toBe(before + 1);
	});

	test("cut by the upstream: warn, outcome failed with the error's kind and message, still status 200", async () => {
		const reqId = id("failed");
		const before = await counted(series(200, "failed"));
		const upstreamName = model === "native:latest" ? "speaks" : "up";
		const timeouts = await counted(`ollama_proxy_upstream_errors_total{upstream="${upstreamName}",kind="timeout"}`);
		upstream.enqueue(endpoint, replies.hang);
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
		expect(await counted(series(200, "failed"))).toBe(before + 1);
		expect(await counted(`ollama_proxy_upstream_errors_total{upstream="${upstreamName}",kind="timeout"}`)).toBe(
			timeouts + 1,
		);
	});

	test("left by its client: warn, status 499, outcome client_aborted", async () => {
		const reqId = id("aborted");
		const before = await counted(series(499, "client_aborted"));
		upstream.enqueue(endpoint, replies.hang);
		const controller = new AbortController();
		const res = await post(reqId, { signal: controller.signal });
		await (res.body as ReadableStream).getReader().read();
		controller.abort();
		const line = await logLine(reqId);
		expect(line).toMatchObject({ level: 40, status: 499, outcome: "client_aborted", aborted: true });
		expect(line).not.toHaveProperty("errorKind");
		expect(await counted(series(499, "client_aborted"))).toBe(before + 1);
	});
});

describe("stalled by a client that stops reading: warn, outcome client_stalled, the client's words", () => {
	const firehose = { kind: "firehose", chunkText: "y".repeat(32_000), chunks: 1500 } as const;

	test("/api/chat with the ollama client", async () => {
		const before = await counted(requests("/api/chat", 200, "client_stalled"));
		upstream.enqueue("chat", firehose);
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

	test("/v1/chat/completions (relayed) with the openai SDK: the upstream stream is closed too", async () => {
		const before = await counted(requests("/v1/chat/completions", 200, "client_stalled"));
		const aborted = upstream.state.aborted;
		upstream.enqueue("chat", firehose);
		const client = new OpenAI({
			baseURL: `${proxy.url}/v1`,
			apiKey: "sk-dummy",
			maxRetries: 0,
			fetch: onDemandFetch,
			defaultHeaders: { "x-request-id": "stalled-relay" },
		});
		const stream = await client.chat.completions.create({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: true,
		});
		const chunks = stream[Symbol.asyncIterator]();
		await chunks.next();
		const line = await logLine("stalled-relay");
		expect(line).toMatchObject({
			level: 40,
			status: 200,
			outcome: "client_stalled",
			error: "client stopped reading for 500 ms",
		});
		expect(await until(() => upstream.state.aborted > aborted)).toBe(true);
		expect(await counted(requests("/v1/chat/completions", 200, "client_stalled"))).toBe(before + 1);
		const rest = async () => {
			for (let next = await chunks.next(); !next.done; next = await chunks.next());
		};
		await expect(rest()).rejects.toThrow();
	});
});

describe("whole answers: complete below 400, failed with its kind from 400", () => {
	test("a 200 is complete; an upstream 500 is failed (server); an unknown model is failed (request)", async () => {
		await (
			await proxy.post(
				"/api/chat",
				{ ...{ model: "gpt-4o", messages: hi }, stream: false },
				{ headers: { "x-request-id": "w-ok" } },
			)
		).text();
		upstream.enqueue("chat", { kind: "json", status: 500, body: { error: { message: "boom" } } });
		await (
			await proxy.post("/api/chat", { model: "gpt-4o", messages: hi }, { headers: { "x-request-id": "w-500" } })
		).text();
		await (
			await proxy.post(
				"/api/chat",
				{ ...{ model: "gpt-4o", messages: hi }, model: "nope" },
				{ headers: { "x-request-id": "w-404" } },
			)
		).text();
		expect(await logLine("w-ok")).toMatchObject({ level: 30, status: 200, outcome: "complete" });
		expect(await logLine("w-500")).toMatchObject({ level: 50, status: 502, outcome: "failed", errorKind: "server" });
		expect(await logLine("w-404")).toMatchObject({ level: 40, status: 404, outcome: "failed", errorKind: "request" });
		expect(await logLine("w-404")).not.toHaveProperty("error");
	});
});
