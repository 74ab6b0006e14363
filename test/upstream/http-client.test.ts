/**
 * The upstream HTTP client on its own: what a server receives, what the caller gets back, keep-alive reuse, the
 * connection limit, aborts and cancels that reach the server, bodies cut short, pooled connections the server already
 * closed, compressed bodies, encoded bodies (multipart) and TLS with an operator's CA.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { bodyReader, nodePoolFetch as upstreamFetch } from "../../src/upstream/http-client.ts";

const servers: { stop(force?: boolean): unknown }[] = [];
afterEach(() => {
	for (const server of servers.splice(0)) server.stop(true);
});

function serve(handler: (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>) {
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: handler });
	servers.push(server);
	return `http://127.0.0.1:${server.port}`;
}

/** A raw TCP server for what Bun.serve will not do: answer by hand, drop a connection mid-answer. */
async function rawServer(onData: (socket: Socket, request: string, nth: number) => void) {
	let nth = 0;
	const server = createServer((socket) => {
		socket.on("data", (data) => onData(socket, data.toString(), nth++));
		socket.on("error", () => undefined);
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	servers.push({ stop: () => server.close() });
	const address = server.address() as { port: number };
	return `http://127.0.0.1:${address.port}`;
}

describe("a request and its answer", () => {
	test("method, headers and body reach the server; status, headers and body come back", async () => {
		let seen: Record<string, unknown> = {};
		const url = serve(async (req) => {
			seen = {
				method: req.method,
				path: new URL(req.url).pathname,
				type: req.headers.get("content-type"),
				length: req.headers.get("content-length"),
				auth: req.headers.get("authorization"),
				body: await req.text(),
			};
			return new Response("créé", { status: 201, headers: { "x-answer": "yes" } });
		});
		const res = await upstreamFetch(4)(`${url}/v1/thing`, {
			method: "post",
			headers: new Headers({ "content-type": "application/json", authorization: "Bearer k" }),
			body: '{"a":"é"}',
		});
		expect(seen).toEqual({
			method: "POST",
			path: "/v1/thing",
			type: "application/json",
			length: "10",
			auth: "Bearer k",
			body: '{"a":"é"}',
		});
		expect([res.status, res.statusText, res.headers.get("x-answer")]).toEqual([201, "Created", "yes"]);
		expect(await res.text()).toBe("créé");
	});

	test.each<[string, RequestInit["headers"], RequestInit["body"], string]>([
		["a record of headers and bytes", { "X-Kind": "record" }, new TextEncoder().encode("bytes"), "bytes"],
		["pairs of headers and an ArrayBuffer", [["X-Kind", "pairs"]], new TextEncoder().encode("buffer").buffer, "buffer"],
		["a Blob", { "x-kind": "blob" }, new Blob(["blob"]), "blob"],
		["no body", { "x-kind": "none" }, undefined, ""],
	])("%s", async (_, headers, body, expected) => {
		const url = serve(async (req) => Response.json({ kind: req.headers.get("x-kind"), body: await req.text() }));
		const res = await upstreamFetch(4)(new URL(`${url}/`), { method: body ? "POST" : "GET", headers, body });
		expect((await res.json()) as unknown).toEqual({
			kind: (headers as never)["X-Kind"] ?? expect.any(String),
			body: expected,
		});
	});

	test("credentials in the URL go as Basic auth", async () => {
		const url = serve((req) => new Response(req.headers.get("authorization")));
		const res = await upstreamFetch(4)(url.replace("http://", "http://user:p%40ss@"));
		expect(await res.text()).toBe(`Basic ${btoa("user:p@ss")}`);
	});

	test("a Request as input", async () => {
		const url = serve(async (req) => new Response(`${req.method} ${req.headers.get("x-a")} ${await req.text()}`));
		const res = await upstreamFetch(4)(new Request(`${url}/`, { method: "PUT", headers: { "x-a": "1" }, body: "b" }));
		expect(await res.text()).toBe("PUT 1 b");
	});

	test("FormData goes as multipart, with its boundary in the content type", async () => {
		const url = serve(async (req) => {
			const form = await req.formData();
			const file = form.get("file") as File;
			return Response.json({ model: form.get("model"), name: file.name, text: await file.text() });
		});
		const form = new FormData();
		form.set("model", "whisper-1");
		form.set("file", new File(["RIFF"], "a.wav", { type: "audio/wav" }));
		const res = await upstreamFetch(4)(`${url}/`, { method: "POST", body: form });
		expect((await res.json()) as unknown).toEqual({ model: "whisper-1", name: "a.wav", text: "RIFF" });
	});

	test("HEAD and 204 answers have no body", async () => {
		const url = serve(
			(req) => new Response(req.method === "HEAD" ? "ignored" : null, { status: req.method === "HEAD" ? 200 : 204 }),
		);
		const client = upstreamFetch(4);
		expect((await client(`${url}/`, { method: "HEAD" })).body).toBeNull();
		expect((await client(`${url}/`, { method: "DELETE" })).body).toBeNull();
	});

	test("a gzip body is decoded, without the encoding and length it was sent with", async () => {
		const text = "data: hello\n\n".repeat(100);
		const url = serve(() => new Response(gzipSync(text), { headers: { "content-encoding": "gzip", "x-k": "v" } }));
		const res = await upstreamFetch(4)(`${url}/`);
		expect([res.headers.get("content-encoding"), res.headers.get("content-length"), res.headers.get("x-k")]).toEqual([
			null,
			null,
			"v",
		]);
		expect(await res.text()).toBe(text);
	});

	test("a body that claims gzip but is not is an error", async () => {
		const url = serve(() => new Response("plain text", { headers: { "content-encoding": "gzip" } }));
		const res = await upstreamFetch(4)(`${url}/`);
		await expect(res.text()).rejects.toThrow();
	});

	test("a protocol other than http(s) is refused", async () => {
		await expect(upstreamFetch(4)("ftp://127.0.0.1/")).rejects.toThrow("unsupported protocol ftp:");
	});

	test("a refused connection rejects with its code and address", async () => {
		await expect(upstreamFetch(4)("http://127.0.0.1:9/")).rejects.toThrow("ECONNREFUSED");
	});
});

describe("redirects, followed as fetch follows them", () => {
	function redirecting() {
		const seen: string[] = [];
		const other = serve(async (req) => {
			seen.push(`other ${req.method} ${req.headers.get("authorization")} ${await req.text()}`);
			return new Response("over there");
		});
		const url = serve(async (req) => {
			const path = new URL(req.url).pathname;
			seen.push(`${path} ${req.method} ${req.headers.get("authorization")} ${await req.text()}`);
			if (path === "/307") return new Response(null, { status: 307, headers: { location: "/final" } });
			if (path === "/302") return new Response(null, { status: 302, headers: { location: "/final" } });
			if (path === "/away") return new Response(null, { status: 308, headers: { location: `${other}/x` } });
			if (path === "/loop") return new Response(null, { status: 301, headers: { location: "/loop" } });
			return new Response("here");
		});
		return { url, seen };
	}
	const post = { method: "POST", headers: { authorization: "Bearer k" }, body: "b" };

	test("307 keeps the method and the body", async () => {
		const { url, seen } = redirecting();
		expect(await (await upstreamFetch(4)(`${url}/307`, post)).text()).toBe("here");
		expect(seen).toEqual(["/307 POST Bearer k b", "/final POST Bearer k b"]);
	});

	test("302 turns a POST into a GET without a body", async () => {
		const { url, seen } = redirecting();
		expect(await (await upstreamFetch(4)(`${url}/302`, post)).text()).toBe("here");
		expect(seen).toEqual(["/302 POST Bearer k b", "/final GET Bearer k "]);
	});

	test("the key does not follow to another origin", async () => {
		const { url, seen } = redirecting();
		expect(await (await upstreamFetch(4)(`${url}/away`, post)).text()).toBe("over there");
		expect(seen).toEqual(["/away POST Bearer k b", "other POST null b"]);
	});

	test("a loop ends after 20 redirects, and redirect: manual returns the redirect itself", async () => {
		const { url, seen } = redirecting();
		await expect(upstreamFetch(4)(`${url}/loop`)).rejects.toThrow("more than 20 redirects");
		const manual = await upstreamFetch(4)(`${url}/302`, { redirect: "manual" });
		expect([manual.status, manual.headers.get("location")]).toEqual([302, "/final"]);
		expect(seen.filter((line) => line.startsWith("/loop")).length).toBe(21);
	});
});

describe("the connection pool", () => {
	test("one keep-alive connection serves requests one after another", async () => {
		const url = serve((req, server) => new Response(String(server.requestIP(req)?.port)));
		const client = upstreamFetch(4);
		const ports = [];
		for (let i = 0; i < 3; i++) ports.push(await (await client(`${url}/`)).text());
		expect(new Set(ports).size).toBe(1);
	});

	test("past the limit a request waits for a connection to be free: 3 requests, limit 2, 2 connections", async () => {
		const two = Promise.withResolvers<void>();
		let arrived = 0;
		const url = serve(async (req, server) => {
			if (++arrived === 2) two.resolve();
			// Nothing is answered before two requests are open, so all three would be on the wire without a limit.
			await two.promise;
			return new Response(String(server.requestIP(req)?.port));
		});
		const client = upstreamFetch(2);
		const ports = await Promise.all([1, 2, 3].map(async () => (await client(`${url}/`)).text()));
		expect(new Set(ports).size).toBe(2);
	});

	test("a pooled connection the server already closed is replaced, and the request still answered", async () => {
		const answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok";
		const url = await rawServer((socket, _, nth) => {
			// The first connection answers once, then closes when the next request arrives on it: the pool's race.
			if (nth === 1) socket.destroy();
			else socket.write(answer);
		});
		const client = upstreamFetch(4);
		expect(await (await client(`${url}/`)).text()).toBe("ok");
		expect(await (await client(`${url}/`)).text()).toBe("ok");
	});
});

describe("onEnd: the pool says once that the final body is over", () => {
	/** A request through the pool, with the number of onEnd calls so far and the first of them. */
	async function counted(url: string, init: RequestInit = {}) {
		let ends = 0;
		const ended = Promise.withResolvers<void>();
		const response = await upstreamFetch(4)(url, init, () => {
			ends++;
			ended.resolve();
		});
		return { response, ends: () => ends, ended: ended.promise };
	}

	test("read to its end", async () => {
		const url = serve(() => new Response("whole"));
		const { response, ends } = await counted(`${url}/`);
		expect(await response.text()).toBe("whole");
		expect(ends()).toBe(1);
	});

	test("an answer without a body, at once", async () => {
		const url = serve(() => new Response(null, { status: 204 }));
		const { response, ends } = await counted(`${url}/`);
		expect([response.status, ends()]).toEqual([204, 1]);
	});

	test("cancelled mid-body, and once only when cancelled again after", async () => {
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						start(controller) {
							controller.enqueue(new TextEncoder().encode("first"));
						},
					}),
				),
		);
		const { response, ends } = await counted(`${url}/`);
		const reader = response.body?.getReader();
		expect(new TextDecoder().decode((await reader?.read())?.value)).toBe("first");
		await reader?.cancel();
		await reader?.cancel();
		expect(ends()).toBe(1);
	});

	test("a body that arrived whole and is then cancelled unread", async () => {
		const url = serve(() => new Response("x".repeat(1000)));
		const { response, ends, ended } = await counted(`${url}/`);
		// Over once the whole body is in, read or not; the cancel that follows must not count again.
		await ended;
		await response.body?.cancel();
		expect(ends()).toBe(1);
	});

	test("a connection cut mid-body", async () => {
		const url = await rawServer((socket) => {
			socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf");
			socket.destroy();
		});
		const { response, ends } = await counted(`${url}/`);
		await expect(response.text()).rejects.toThrow("upstream connection closed before the answer was complete");
		expect(ends()).toBe(1);
	});

	test("after redirects, for the final answer only", async () => {
		const url = serve((req) =>
			new URL(req.url).pathname === "/final"
				? new Response("here")
				: new Response("moved", { status: 302, headers: { location: "/final" } }),
		);
		const { response, ends } = await counted(`${url}/start`);
		expect(await response.text()).toBe("here");
		expect(ends()).toBe(1);
	});
});

describe("ending early", () => {
	test("aborting before the answer rejects with an AbortError and closes the server's request", async () => {
		const closed = Promise.withResolvers<void>();
		const received = Promise.withResolvers<void>();
		const url = serve(async (req) => {
			req.signal.addEventListener("abort", () => closed.resolve());
			received.resolve();
			await closed.promise;
			return new Response("late");
		});
		const controller = new AbortController();
		const pending = upstreamFetch(4)(`${url}/`, { signal: controller.signal });
		await received.promise;
		controller.abort();
		await expect(pending).rejects.toMatchObject({ name: "AbortError" });
		await closed.promise;
	});

	test("an already aborted signal sends nothing", async () => {
		let hits = 0;
		const url = serve(() => new Response(String(++hits)));
		const controller = new AbortController();
		controller.abort();
		await expect(upstreamFetch(4)(`${url}/`, { signal: controller.signal })).rejects.toMatchObject({
			name: "AbortError",
		});
		expect(await (await upstreamFetch(4)(`${url}/`)).text()).toBe("1");
	});

	test("aborting mid-body errors the reader with the abort and closes the server's stream", async () => {
		const cancelled = Promise.withResolvers<void>();
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						start: (c) => c.enqueue(new TextEncoder().encode("data: 1\n\n")),
						cancel: () => cancelled.resolve(),
					}),
					{ headers: { "content-type": "text/event-stream" } },
				),
		);
		const controller = new AbortController();
		const res = await upstreamFetch(4)(`${url}/`, { signal: controller.signal });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n");
		controller.abort();
		await expect(reader.read()).rejects.toMatchObject({ name: "AbortError" });
		await cancelled.promise;
	});

	test("cancelling the body closes the server's stream", async () => {
		const cancelled = Promise.withResolvers<void>();
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						start: (c) => c.enqueue(new TextEncoder().encode("first")),
						cancel: () => cancelled.resolve(),
					}),
				),
		);
		const res = await upstreamFetch(4)(`${url}/`);
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		await reader.read();
		await reader.cancel();
		await cancelled.promise;
	});

	test("a connection cut before the body is complete is an error, not a quiet end", async () => {
		const url = await rawServer((socket) => {
			socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
			socket.write("9\r\ndata: 1\n\n\r\n", () => socket.destroy());
		});
		const res = await upstreamFetch(4)(`${url}/`);
		await expect(res.text()).rejects.toThrow("upstream connection closed before the answer was complete");
	});
});

describe("TLS", () => {
	type Via = "pool" | "transport";
	const fixtures = `${import.meta.dir}/../fixtures/tls`;

	/** A client in its own process: Bun reads NODE_EXTRA_CA_CERTS only at start-up. */
	async function fetchInChild(url: string, env: Record<string, string>, via: Via) {
		const src = `${import.meta.dir}/../../src/upstream`;
		const script = `import { nodePoolFetch } from ${JSON.stringify(`${src}/http-client.ts`)};
import { upstreamTransport } from ${JSON.stringify(`${src}/transport.ts`)};
const client = ${via === "pool" ? "nodePoolFetch(4)" : "upstreamTransport(4, { env: process.env }).fetch"};
try {
	const first = await (await client(${JSON.stringify(url)})).text();
	const second = await (await client(${JSON.stringify(url)})).text();
	console.log(first === second ? first : "different ports");
} catch (error) {
	console.log("error: " + error.message);
}`;
		const proc = Bun.spawn(["bun", "-e", script], {
			env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
			stdout: "pipe",
		});
		return (await new Response(proc.stdout).text()).trim();
	}

	function tlsServer() {
		const server = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			tls: { cert: Bun.file(`${fixtures}/tls-cert.pem`), key: Bun.file(`${fixtures}/tls-key.pem`) },
			fetch: (req, srv) => new Response(`secure on ${srv.requestIP(req)?.port}`),
		});
		servers.push(server);
		return `https://127.0.0.1:${server.port}/`;
	}

	// The transport sends its first requests through Bun's fetch: both ways must trust the operator's CA.
	test.each<Via>(["pool", "transport"])(
		"%s: an upstream with the operator's CA (NODE_EXTRA_CA_CERTS) answers, over one reused connection",
		async (via) => {
			const out = await fetchInChild(tlsServer(), { NODE_EXTRA_CA_CERTS: `${fixtures}/tls-cert.pem` }, via);
			expect(out).toMatch(/^secure on \d+$/);
		},
	);

	test.each<Via>(["pool", "transport"])("%s: without that CA the certificate is refused", async (via) => {
		expect(await fetchInChild(tlsServer(), {}, via)).toBe("error: self signed certificate");
	});
});

describe("the direct reader of a pool answer (bodyReader)", () => {
	const text = (part: { value?: Uint8Array }) => new TextDecoder().decode(part.value);

	test("reads the socket's chunks in order, then the end; onEnd once; the web body is not the one read", async () => {
		const next = Promise.withResolvers<void>();
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						async start(controller) {
							controller.enqueue(new TextEncoder().encode("one"));
							await next.promise;
							controller.enqueue(new TextEncoder().encode("two"));
							controller.close();
						},
					}),
				),
		);
		let ends = 0;
		const response = await upstreamFetch(4)(`${url}/`, {}, () => ends++);
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("one");
		next.resolve();
		expect(text(await reader.read())).toBe("two");
		expect(await reader.read()).toEqual({ done: true, value: undefined });
		expect(await reader.read()).toEqual({ done: true, value: undefined });
		expect(ends).toBe(1);
		expect(response.bodyUsed).toBe(false);
	});

	test("a response from elsewhere is read through its own body", async () => {
		const reader = bodyReader(new Response("plain") as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("plain");
	});

	test("a body bigger than 64 KB waits for its reader (pause) and then arrives whole (resume)", async () => {
		const size = 1024 * 1024;
		const url = serve(() => new Response("x".repeat(size)));
		let ends = 0;
		const response = await upstreamFetch(4)(`${url}/`, {}, () => ends++);
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		let got = 0;
		for (let part = await reader.read(); !part.done; part = await reader.read()) got += part.value.byteLength;
		expect([got, ends]).toEqual([size, 1]);
	});

	test("a connection cut mid-body is an error, not a quiet end, for a waiting read and for the next", async () => {
		const url = await rawServer((socket) => {
			socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
			socket.write("9\r\ndata: 1\n\n\r\n");
			setImmediate(() => socket.destroy());
		});
		let ends = 0;
		const response = await upstreamFetch(4)(`${url}/`, {}, () => ends++);
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("data: 1\n\n");
		const cut = "upstream connection closed before the answer was complete";
		await expect(reader.read()).rejects.toThrow(cut);
		await expect(reader.read()).rejects.toThrow(cut);
		expect(ends).toBe(1);
	});

	test("cancel closes the server's stream, ends a waiting read, and counts once", async () => {
		const cancelled = Promise.withResolvers<void>();
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						start(controller) {
							controller.enqueue(new TextEncoder().encode("first"));
						},
						cancel: () => cancelled.resolve(),
					}),
				),
		);
		let ends = 0;
		const response = await upstreamFetch(4)(`${url}/`, {}, () => ends++);
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("first");
		const waiting = reader.read();
		await reader.cancel();
		await reader.cancel();
		expect(await waiting).toEqual({ done: true, value: undefined });
		expect(await reader.read()).toEqual({ done: true, value: undefined });
		await cancelled.promise;
		expect(ends).toBe(1);
	});

	test("an abort mid-body fails the read with the abort", async () => {
		const url = serve(
			() =>
				new Response(
					new ReadableStream({
						start(controller) {
							controller.enqueue(new TextEncoder().encode("first"));
						},
					}),
				),
		);
		const abort = new AbortController();
		const response = await upstreamFetch(4)(`${url}/`, { signal: abort.signal });
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("first");
		const waiting = reader.read();
		abort.abort(new Error("client left"));
		await expect(waiting).rejects.toThrow("client left");
	});

	test("a gzip body is read decoded", async () => {
		const url = serve(() => new Response(gzipSync("squeezed"), { headers: { "content-encoding": "gzip" } }));
		const response = await upstreamFetch(4)(`${url}/`);
		const reader = bodyReader(response as Response & { body: ReadableStream<Uint8Array> });
		expect(text(await reader.read())).toBe("squeezed");
		expect((await reader.read()).done).toBe(true);
	});
});
