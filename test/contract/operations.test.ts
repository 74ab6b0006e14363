import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0" });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});

const metrics = async () => {
	const res = await fetch(`${proxy.url}/metrics`);
	expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
	return (await res.text()).split("\n");
};

describe("GET /metrics", () => {
	test("requests, tokens, latency, time to first token, upstream errors and open streams", async () => {
		const hello = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
		await (await proxy.post("/api/chat", hello)).text();
		await (await proxy.post("/api/chat", { ...hello, stream: false })).text();
		upstream.enqueue("chat", { kind: "json", status: 500, body: { error: { message: "boom" } } });
		await (await proxy.post("/api/chat", hello)).text();
		await (await proxy.post("/api/chat", { ...hello, model: "made-up-name" })).text();
		await (await fetch(`${proxy.url}/no/such/path`)).text();
		const requests = [
			'ollama_proxy_requests_total{route="/api/chat",model="gpt-4o:latest",status="200",outcome="complete"} 2',
			'ollama_proxy_requests_total{route="/api/chat",model="gpt-4o:latest",status="502",outcome="failed"} 1',
			// A name that resolves to nothing never becomes a label value.
			'ollama_proxy_requests_total{route="/api/chat",model="none",status="404",outcome="failed"} 1',
			'ollama_proxy_requests_total{route="unmatched",model="none",status="404",outcome="failed"} 1',
		];
		let lines: string[] = [];
		// A request is counted once its answer has gone out, which its client may see first.
		const counted = async () => {
			lines = await metrics();
			return requests.every((r) => lines.includes(r));
		};
		expect(await until(counted)).toBe(true);
		expect(lines).toContain('ollama_proxy_tokens_total{model="gpt-4o:latest",direction="prompt"} 14');
		expect(lines).toContain('ollama_proxy_tokens_total{model="gpt-4o:latest",direction="completion"} 4');
		expect(lines).toContain('ollama_proxy_upstream_errors_total{upstream="default",kind="server"} 1');
		expect(lines).toContain(
			'ollama_proxy_time_to_first_token_seconds_count{route="/api/chat",model="gpt-4o:latest"} 2',
		);
		expect(lines).toContain('ollama_proxy_request_duration_seconds_count{route="/api/chat",model="gpt-4o:latest"} 3');
		expect(lines).toContain("# TYPE ollama_proxy_request_duration_seconds histogram");
		expect(lines).toContain("ollama_proxy_open_streams 0");
		expect(lines.join("\n")).not.toContain("made-up-name");
	});

	test("an open stream is counted while it runs", async () => {
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const controller = new AbortController();
		const res = await proxy.post(
			"/api/chat",
			{ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] },
			{ signal: controller.signal },
		);
		await (res.body as ReadableStream).getReader().read();
		expect(await metrics()).toContain("ollama_proxy_open_streams 1");
		controller.abort();
		expect(await until(async () => (await metrics()).includes("ollama_proxy_open_streams 0"))).toBe(true);
	});
});

describe("GET /health/ready", () => {
	test("ready when an upstream can list models, with each upstream's state", async () => {
		const res = await fetch(`${proxy.url}/health/ready`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			status: "ready",
			models: 3,
			upstreams: [{ name: "default", models: 3, ok: true, ageMs: expect.any(Number) }],
		});
	});

	test("not ready (503) while no upstream can list anything; /health stays 200", async () => {
		const dead = await startProxy("http://127.0.0.1:9/v1");
		try {
			const res = await fetch(`${dead.url}/health/ready`);
			expect(res.status).toBe(503);
			expect(await res.json()).toMatchObject({
				status: "not ready",
				models: 0,
				upstreams: [{ name: "default", models: 0, ok: false, error: expect.stringContaining("unreachable") }],
			});
			expect((await fetch(`${dead.url}/health`)).status).toBe(200);
		} finally {
			dead.stop();
		}
	});
});
