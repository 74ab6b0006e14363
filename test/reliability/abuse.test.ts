/** Header and URL abuse: very long, oddly encoded or malformed; always a 4xx or a normal answer, never a crash. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

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

/** Sends raw bytes over a socket and returns the status line of the answer ("" when the server just closes). */
async function raw(request: string): Promise<string> {
	const port = Number(new URL(proxy.url).port);
	let received = "";
	const { promise, resolve } = Promise.withResolvers<void>();
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data(_, data) {
				received += new TextDecoder().decode(data);
				if (received.includes("\r\n\r\n")) resolve();
			},
			close: () => resolve(),
			error: () => resolve(),
		},
	});
	socket.write(request);
	await Promise.race([promise, Bun.sleep(1000)]);
	socket.end();
	return received.split("\r\n")[0] ?? "";
}

test.each([
	["a 100 KB path", `/api/${"a".repeat(100_000)}`],
	["percent-encoded garbage", "/api/%ZZ%00%ff%c3%28"],
	["encoded slashes and dots", "/api/..%2f..%2fetc%2fpasswd"],
	["a NUL in the path", "/api/tags%00"],
	["unicode in the path", "/api/täg€"],
	["a huge query string", `/api/tags?${"x=1&".repeat(20_000)}`],
])("%s → a 4xx or an answer, never a 5xx", async (_, path) => {
	const res = await fetch(proxy.url + path).catch(() => undefined);
	if (res) expect(res.status).toBeLessThan(500);
	expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
});

test.each([
	["a 64 KB header", { "x-filler": "y".repeat(64_000) }],
	["a huge x-request-id", { "x-request-id": "z".repeat(10_000) }],
	["an odd content-length", { "content-length": "-5" }],
])("%s → handled, and the server keeps answering", async (_, headers) => {
	const res = await fetch(`${proxy.url}/api/version`, { headers }).catch(() => undefined);
	if (res) {
		expect(res.status).toBeLessThan(500);
		const id = res.headers.get("x-request-id") ?? "";
		expect(id.length).toBeLessThanOrEqual(128);
	}
	expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
});

test.each([
	["a request line with no version", "GET /api/tags\r\n\r\n"],
	["a bare line feed protocol", "GET /api/tags HTTP/1.1\nhost: x\n\n"],
	["a header without a colon", "GET /api/tags HTTP/1.1\r\nhost x\r\n\r\n"],
	[
		"a body shorter than its content-length",
		'POST /api/chat HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"model":',
	],
	["an unknown transfer encoding", "POST /api/chat HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n\r\n{}"],
])("malformed HTTP (%s) is refused, and the server keeps answering", async (_, request) => {
	const status = await raw(request);
	// Bun's own HTTP parser answers these before any proxy code runs: a 4xx, a 505 for a request line it cannot
	// read, a wait for the rest of a short body, or a closed connection. Never a 500.
	expect(status === "" || /^HTTP\/1\.1 (4\d\d|505) /.test(status)).toBe(true);
	expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
});
