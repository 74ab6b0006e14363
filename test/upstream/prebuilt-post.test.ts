/**
 * The prebuilt hot path against the SDK it replaces: for the same upstream answer, the same request on the wire
 * (URL, headers, body) and the same error (class, status, message, body, code, headers), so that every failure maps
 * to the same ProxyError as through the SDK.
 */
import { afterAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { prebuiltPost } from "../../src/upstream/prebuilt-post.ts";

type Seen = { url: string; headers: Record<string, string>; body: string };
const seen: Seen[] = [];
let answer: () => Response = () => new Response("{}");
const server = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	async fetch(req) {
		seen.push({ url: req.url, headers: Object.fromEntries(req.headers), body: await req.text() });
		return answer();
	},
});
afterAll(() => server.stop(true));

function clientFor(options: { apiKey?: string; headers?: Record<string, string | null> } = {}) {
	return new OpenAI({
		apiKey: options.apiKey ?? "sk-test",
		baseURL: `http://127.0.0.1:${server.port}/v1?tenant=a`,
		maxRetries: 0,
		timeout: 2_147_483_647,
		fetch,
		defaultHeaders: options.headers ?? { "x-gateway": "g1" },
	});
}

/** What the SDK and the prebuilt path each send, or throw, for one answer. */
async function both(client: OpenAI, respond: () => Response) {
	answer = respond;
	const params = { model: "m", messages: [{ role: "user" as const, content: "hi" }], stream: false as const };
	const outcome = async (call: () => Promise<Response>) => {
		seen.length = 0;
		const result = await call().then(
			async (r) => ({ status: r.status, body: await r.text() }),
			(e: Error & { status?: number; error?: unknown; code?: unknown; headers?: Headers }) => ({
				class: e.constructor.name,
				status: e.status,
				message: e.message,
				error: e.error,
				code: e.code,
				requestId: e.headers?.get("x-request-id"),
			}),
		);
		// Bun's fetch adds these by itself, whichever way the call went.
		const sent = seen.map(({ headers, ...rest }) => ({
			...rest,
			headers: { ...headers, "content-length": "*" } as Record<string, string>,
		}));
		return { result, sent };
	};
	const sdk = await outcome(() => client.chat.completions.create(params).asResponse());
	const post = prebuiltPost(client, "/chat/completions");
	const prebuilt = await outcome(() => post(fetch, params, new AbortController().signal));
	return { sdk, prebuilt };
}

const json =
	(status: number, body: unknown, headers: Record<string, string> = {}) =>
	() =>
		new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("the same request and the same outcome as through the SDK", () => {
	test.each<[string, () => Response]>([
		["a success", json(200, { id: "c", choices: [] })],
		[
			"400 with OpenAI's error object",
			json(400, { error: { message: "bad", type: "invalid_request_error", code: "x" } }),
		],
		["401", json(401, { error: { message: "Incorrect API key provided: sk-te***st" } })],
		["403", json(403, { error: { message: "no" } })],
		["404 about the model", json(404, { error: { message: "no such model", code: "model_not_found" } })],
		["409", json(409, { error: { message: "conflict" } })],
		["422 with a bare object (vLLM)", json(422, { object: "error", message: "too long", code: 422 })],
		[
			"429 with retry-after",
			json(429, { error: { message: "slow down" } }, { "retry-after": "7", "x-request-id": "r1" }),
		],
		["500 with plain text", () => new Response("upstream exploded", { status: 500 })],
		["502 without a body", () => new Response(null, { status: 502 })],
		["418 with a JSON string", json(418, "teapot")],
	])("%s", async (_, respond) => {
		const { sdk, prebuilt } = await both(clientFor(), respond);
		expect(prebuilt).toEqual(sdk);
	});

	test("a keyless upstream gets no Authorization header, as through the SDK", async () => {
		const { sdk, prebuilt } = await both(
			clientFor({ apiKey: "unset", headers: { Authorization: null } }),
			json(200, { id: "c" }),
		);
		expect(prebuilt).toEqual(sdk);
		expect(prebuilt.sent[0]?.headers.authorization).toBeUndefined();
	});

	test("the operator's own Authorization header wins over the key", async () => {
		const { sdk, prebuilt } = await both(
			clientFor({ headers: { Authorization: "Basic dTpw" } }),
			json(200, { id: "c" }),
		);
		expect(prebuilt).toEqual(sdk);
		expect(prebuilt.sent[0]?.headers.authorization).toBe("Basic dTpw");
	});
});

describe("a fetch that fails: the same error as the SDK makes of it", () => {
	const named = (name: string, message: string) => Object.assign(new Error(message), { name });
	test.each<[string, () => unknown]>([
		[
			"a refused connection",
			() => Object.assign(new TypeError("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
		],
		[
			"an OS connect timeout",
			() => Object.assign(new TypeError("connect ETIMEDOUT 10.0.0.1:443"), { code: "ETIMEDOUT" }),
		],
		["Bun's own timeout", () => named("TimeoutError", "The operation timed out.")],
		["an abort that is not the caller's", () => named("AbortError", "The operation was aborted.")],
		[
			"a timeout named only by the cause",
			() => new TypeError("fetch failed", { cause: new Error("Connect Timeout Error") }),
		],
		["something that is not an Error", () => "socket hang up"],
	])("%s", async (_, failure) => {
		const failing = async () => {
			throw failure();
		};
		const client = new OpenAI({ apiKey: "k", baseURL: "http://upstream/v1", maxRetries: 0, fetch: failing });
		const describe = (e: Error) => ({
			class: e.constructor.name,
			message: e.message,
			cause: e.cause instanceof Error ? e.cause.message : e.cause,
		});
		const params = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };
		const sdk = await client.chat.completions.create(params).asResponse().catch(describe);
		const prebuilt = await prebuiltPost(client, "/chat/completions")(
			failing,
			params,
			new AbortController().signal,
		).catch(describe);
		expect(prebuilt).toEqual(sdk);
	});

	test("the caller's abort mid-request is the SDK's APIUserAbortError, with the abort's reason", async () => {
		const controller = new AbortController();
		const aborting = async () => {
			controller.abort(new Error("client gone"));
			throw new DOMException("The operation was aborted.", "AbortError");
		};
		const error = await prebuiltPost(clientFor(), "/chat/completions")(aborting, {}, controller.signal).catch(
			(e: Error) => e,
		);
		expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
		expect(((error as Error).cause as Error).message).toBe("client gone");
	});
});

describe("failures before an answer", () => {
	test("a refused connection is the SDK's APIConnectionError, with the cause", async () => {
		const client = new OpenAI({ apiKey: "k", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
		const post = prebuiltPost(client, "/chat/completions");
		const error = await post(fetch, {}, new AbortController().signal).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
		expect((error as Error).message).toBe("Connection error.");
		expect(((error as Error).cause as { code?: string }).code).toBe("ECONNREFUSED");
	});

	test("an aborted call is the SDK's APIUserAbortError", async () => {
		const controller = new AbortController();
		controller.abort();
		const post = prebuiltPost(clientFor(), "/chat/completions");
		const error = await post(fetch, {}, controller.signal).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
	});

	test("the URL and headers are built once, the body each time", async () => {
		let builds = 0;
		const client = clientFor();
		const counted = {
			buildRequest: (...args: Parameters<OpenAI["buildRequest"]>) => {
				builds++;
				return client.buildRequest(...args);
			},
		};
		answer = json(200, { id: "c" });
		const post = prebuiltPost(counted, "/completions");
		seen.length = 0;
		for (const prompt of ["a", "b"])
			await (await post(fetch, { model: "m", prompt }, new AbortController().signal)).text();
		expect(builds).toBe(1);
		expect(seen.map((s) => [new URL(s.url).pathname + new URL(s.url).search, s.body])).toEqual([
			["/v1/completions?tenant=a", '{"model":"m","prompt":"a"}'],
			["/v1/completions?tenant=a", '{"model":"m","prompt":"b"}'],
		]);
	});
});
