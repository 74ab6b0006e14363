/**
 * The upstream transport with stand-ins for Bun's fetch and the pool: which one carries each request, when a slot
 * is given back (body read, failed, cancelled; no body; a rejected request), and the wait past
 * `max_upstream_connections`. The real 256-request cap is proven end to end in many-streams.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { ollamaTags } from "../../src/upstream/ollama-tags.ts";
import { bunFetchCap, sharedTransport, upstreamTransport, usesProxyVariables } from "../../src/upstream/transport.ts";

type Call = {
	via: "bun" | "pool";
	url: string;
	body: ReadableStreamDefaultController<Uint8Array> | undefined;
	/** The pool's word that the body is over. */
	end?: () => void;
};

/** Stand-ins that answer each request with a body the test ends by hand (or none, for HEAD). */
function standIns() {
	const calls: Call[] = [];
	const arrived: (() => void)[] = [];
	const make =
		(via: Call["via"]) =>
		async (input: string | URL | Request, init: RequestInit = {}, onEnd?: () => void): Promise<Response> => {
			const call: Call = { via, url: String(input), body: undefined, end: onEnd };
			calls.push(call);
			for (const wake of arrived.splice(0)) wake();
			if (init.method === "REJECT") throw new TypeError("connection refused");
			if (init.method === "HEAD") {
				onEnd?.();
				return new Response(null, { status: 204 });
			}
			const body = new ReadableStream<Uint8Array>({
				start(controller) {
					call.body = controller;
				},
			});
			return new Response(body, { status: 200, headers: { "x-via": via } });
		};
	/** Resolves once `n` requests have reached a stand-in. */
	const reached = async (n: number) => {
		while (calls.length < n) await new Promise<void>((resolve) => arrived.push(resolve));
	};
	return { calls, reached, bunFetch: make("bun"), pool: make("pool") };
}

const send = (transport: ReturnType<typeof upstreamTransport>, path: string, init: RequestInit = {}) =>
	transport.fetch(`http://upstream${path}`, init);
const stream = (transport: ReturnType<typeof upstreamTransport>, path: string, init: RequestInit = {}) =>
	transport.stream(`http://upstream${path}`, init);

describe("which way a request goes", () => {
	test("Bun's fetch while it has a slot, the pool beyond, Bun's fetch again once a slot is given back", async () => {
		const s = standIns();
		const transport = upstreamTransport(10, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "2" }, ...s });
		const first = await send(transport, "/1");
		const second = await send(transport, "/2");
		const third = await send(transport, "/3");
		expect(s.calls.map((c) => c.via)).toEqual(["bun", "bun", "pool"]);
		expect([first, second, third].map((r) => r.headers.get("x-via"))).toEqual(["bun", "bun", "pool"]);
		// The first body read to its end gives its slot back.
		s.calls[0]?.body?.enqueue(new TextEncoder().encode("done"));
		s.calls[0]?.body?.close();
		expect(await first.text()).toBe("done");
		await send(transport, "/4");
		expect(s.calls.map((c) => c.via)).toEqual(["bun", "bun", "pool", "bun"]);
	});

	test.each<[string, (r: Response, c: Call) => Promise<unknown>]>([
		["its body is cancelled", (r) => r.body?.cancel() ?? Promise.resolve()],
		[
			"its body fails",
			async (r, c) => {
				c.body?.error(new Error("cut"));
				await r.text().catch(() => undefined);
			},
		],
	])("a Bun slot is also given back when %s", async (_, end) => {
		const s = standIns();
		const transport = upstreamTransport(10, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "1" }, ...s });
		const first = await send(transport, "/1");
		await end(first, s.calls[0] as Call);
		await send(transport, "/2");
		expect(s.calls.map((c) => c.via)).toEqual(["bun", "bun"]);
	});

	test("an answer without a body and a rejected request give their slot back at once", async () => {
		const s = standIns();
		const transport = upstreamTransport(10, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "1" }, ...s });
		expect((await send(transport, "/1", { method: "HEAD" })).status).toBe(204);
		await expect(send(transport, "/2", { method: "REJECT" })).rejects.toThrow("connection refused");
		await s.reached(2);
		await send(transport, "/3");
		expect(s.calls.map((c) => c.via)).toEqual(["bun", "bun", "bun"]);
	});

	test("Bun's fetch is asked not to time out on its own: the proxy's timers are the limits", async () => {
		const seen: RequestInit[] = [];
		const transport = upstreamTransport(10, {
			env: {},
			bunFetch: async (_, init = {}) => {
				seen.push(init);
				return new Response("ok");
			},
		});
		await (await send(transport, "/1", { method: "POST", body: "{}" })).text();
		expect(
			seen.map(({ method, body, timeout }: RequestInit & { timeout?: unknown }) => ({ method, body, timeout })),
		).toEqual([{ method: "POST", body: "{}", timeout: false }]);
	});

	test("a streamed answer goes through the pool even while Bun's fetch has slots free", async () => {
		const s = standIns();
		const transport = upstreamTransport(10, { env: {}, ...s });
		await stream(transport, "/1");
		await send(transport, "/2");
		expect(s.calls.map((c) => c.via)).toEqual(["pool", "bun"]);
	});

	test("with an HTTP proxy in the environment every request goes through Bun's fetch, streamed or not", async () => {
		const s = standIns();
		const transport = upstreamTransport(10, { env: { HTTPS_PROXY: "http://proxy:3128" }, ...s });
		for (let i = 0; i < 3; i++) await send(transport, `/${i}`);
		await stream(transport, "/s");
		expect(s.calls.map((c) => c.via)).toEqual(["bun", "bun", "bun", "bun"]);
	});
});

describe("max_upstream_connections", () => {
	test("past the limit a request waits, in order, until one ends", async () => {
		const s = standIns();
		const transport = upstreamTransport(2, { env: {}, ...s });
		const first = await send(transport, "/1");
		const second = await send(transport, "/2");
		const third = send(transport, "/3");
		const fourth = send(transport, "/4");
		// Both wait: nothing more reaches the stand-ins until a body ends, and then the one that came first goes.
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/1", "http://upstream/2"]);
		await first.body?.cancel();
		await third;
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/1", "http://upstream/2", "http://upstream/3"]);
		s.calls[1]?.body?.close();
		expect(await second.text()).toBe("");
		expect((await fourth).status).toBe(200);
		expect(s.calls.map((c) => c.url)).toEqual([
			"http://upstream/1",
			"http://upstream/2",
			"http://upstream/3",
			"http://upstream/4",
		]);
	});

	test("a streamed answer holds its place until the pool says its body is over; the limit counts both ways", async () => {
		const s = standIns();
		const transport = upstreamTransport(2, { env: {}, ...s });
		await stream(transport, "/s");
		await send(transport, "/1");
		const waiting = send(transport, "/2");
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/s", "http://upstream/1"]);
		s.calls[0]?.end?.();
		await waiting;
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/s", "http://upstream/1", "http://upstream/2"]);
	});

	test("a refused model list (a real Ollama's /api/tags) gives its place back without its body read", async () => {
		let calls = 0;
		const transport = upstreamTransport(1, {
			env: {},
			bunFetch: async () => {
				calls++;
				return new Response(new ReadableStream({ pull: () => undefined }), { status: 500 });
			},
		});
		const poll = (signal: AbortSignal) => ollamaTags("http://ollama", {}, signal, transport.fetch);
		await expect(poll(new AbortController().signal)).rejects.toThrow("GET /api/tags answered HTTP 500");
		const controller = new AbortController();
		const second = poll(controller.signal).catch((error: Error) => error.message);
		// A free place is taken within the same turn of the event loop; a place still held would keep it waiting.
		await Bun.sleep(0);
		expect(calls).toBe(2);
		controller.abort();
		expect(await second).toBe("GET /api/tags answered HTTP 500");
	});

	test("an answer nobody has read gives its place back when its request's signal aborts", async () => {
		const s = standIns();
		const transport = upstreamTransport(1, { env: {}, ...s });
		const controller = new AbortController();
		await send(transport, "/1", { signal: controller.signal });
		const next = send(transport, "/2");
		controller.abort(new Error("client gone"));
		expect((await next).status).toBe(200);
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/1", "http://upstream/2"]);
	});

	test("an answer nobody reads, cancels or aborts gives its place back once it is collected", async () => {
		const s = standIns();
		const transport = upstreamTransport(1, { env: {}, ...s });
		// Dropped at once: nothing refers to the answer after this line.
		await (async () => void (await send(transport, "/1")))();
		let through = false;
		const next = send(transport, "/2").then((response) => {
			through = true;
			return response;
		});
		for (let collections = 0; !through && collections < 200; collections++) {
			Bun.gc(true);
			await Bun.sleep(0);
		}
		expect(through).toBe(true);
		expect((await next).status).toBe(200);
	});

	test("a waiting request whose signal aborts leaves the line with the abort's reason", async () => {
		const s = standIns();
		const transport = upstreamTransport(1, { env: {}, ...s });
		const first = await send(transport, "/1");
		const controller = new AbortController();
		const waiting = send(transport, "/2", { signal: controller.signal });
		const after = send(transport, "/3");
		controller.abort(new Error("client gone"));
		await expect(waiting).rejects.toThrow("client gone");
		await first.body?.cancel();
		await after;
		expect(s.calls.map((c) => c.url)).toEqual(["http://upstream/1", "http://upstream/3"]);
	});

	test("an already aborted signal sends nothing", async () => {
		const s = standIns();
		const transport = upstreamTransport(1, { env: {}, ...s });
		const controller = new AbortController();
		controller.abort();
		await expect(send(transport, "/1", { signal: controller.signal })).rejects.toThrow("aborted");
		expect(s.calls).toEqual([]);
	});
});

describe("the environment", () => {
	test.each<[Record<string, string | undefined>, boolean]>([
		[{}, false],
		[{ HTTPS_PROXY: "http://proxy:3128" }, true],
		[{ http_proxy: "http://proxy:3128" }, true],
		[{ HTTP_PROXY: " ", NO_PROXY: "*" }, false],
	])("usesProxyVariables(%p) → %p", (env, expected) => {
		expect(usesProxyVariables(env)).toBe(expected);
	});

	test.each<[string | undefined, number]>([
		[undefined, 256],
		["1000", 1000],
		["65535", 65535],
		["0", 256],
		["65536", 256],
		["many", 256],
		["1.5", 256],
	])("bunFetchCap with BUN_CONFIG_MAX_HTTP_REQUESTS=%p → %p", (value, expected) => {
		expect(bunFetchCap({ BUN_CONFIG_MAX_HTTP_REQUESTS: value })).toBe(expected);
	});

	test("one transport per limit for the whole process", () => {
		expect(sharedTransport(7, {})).toBe(sharedTransport(7, {}));
		expect(sharedTransport(7, {})).not.toBe(sharedTransport(8, {}));
	});
});

describe("errors from Bun's fetch", () => {
	const refusing = (code: string, message: string) => async () => {
		throw Object.assign(new TypeError(message), { code });
	};

	test.each<[string, string, string]>([
		["http://127.0.0.1:9/v1", "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9"],
		["https://user:secret@upstream.example/v1", "ECONNREFUSED", "connect ECONNREFUSED upstream.example:443"],
		["http://upstream.example/v1", "ETIMEDOUT", "connect ETIMEDOUT upstream.example:80"],
	])("a refused connection to %s names host and port, never the credentials", async (url, code, expected) => {
		const transport = upstreamTransport(4, {
			env: {},
			bunFetch: refusing(code, `${code}: Unable to connect. Is the computer able to access the url?`),
		});
		const error = await transport.fetch(url).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TypeError);
		expect({ message: (error as Error).message, code: (error as { code?: string }).code }).toEqual({
			message: expected,
			code,
		});
	});

	test("other errors pass as they are", async () => {
		const transport = upstreamTransport(4, {
			env: {},
			bunFetch: refusing("ENOTFOUND", "getaddrinfo ENOTFOUND nowhere.invalid"),
		});
		await expect(transport.fetch("http://nowhere.invalid/")).rejects.toThrow("getaddrinfo ENOTFOUND nowhere.invalid");
	});

	test("Bun's real fetch to a closed port", async () => {
		const transport = upstreamTransport(4, { env: {} });
		await expect(transport.fetch("http://127.0.0.1:9/v1/models")).rejects.toThrow("connect ECONNREFUSED 127.0.0.1:9");
	});
});
