// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${VAR}" is the configuration file's own syntax.
/**
 * Every kind of answer carries the request id, exactly once: the client's own when it is sane, else a new one; on
 * `/v1/messages*` under Anthropic's name too. The id is put on the responses the proxy builds (Elysia rebuilds a
 * response only for headers in its `set`), so each way an answer is made is a row here: the routes' JSON and streams,
 * the relays, the error hooks, Elysia's own 404 and 405, the early answers of `onRequest` (413, a refused key, a CORS
 * preflight), the docs and the probes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DOCS_SCRIPT_PATH } from "../../src/http/docs-assets.ts";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

const KEY = "sk-inbound-request-id-0123456789";
const ORIGIN = "http://app.test";

const CONFIG = `
upstreams:
  - name: native
    base_url: \${NATIVE_URL}
    discover: false
    protocols: [messages, responses]
    retries: { max: 0 }
  - name: plain
    base_url: \${PLAIN_URL}
    retries: { max: 0 }
models:
  - name: relayed
    upstream: native
    id: native-model
keys:
  - key: "${KEY}"
cors:
  origins: ["${ORIGIN}"]
`;

let native: TestUpstream;
let plain: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	native = await startTestUpstream();
	plain = await startTestUpstream();
	proxy = await startProxyWithConfig(CONFIG, {
		NATIVE_URL: native.url,
		PLAIN_URL: plain.url,
		MAX_BODY_BYTES: "1000",
	});
});
afterAll(async () => {
	await proxy.stop();
	native.stop();
	plain.stop();
});

type Row = {
	answer: string;
	method?: string;
	path: string;
	body?: unknown;
	headers?: Record<string, string>;
	/** Without the inbound key. */
	anonymous?: boolean;
	status: number;
};

const chat = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
const messages = { max_tokens: 16, messages: [{ role: "user", content: "hi" }] };

const ROWS: Row[] = [
	{ answer: "a whole chat answer", path: "/api/chat", body: { ...chat, stream: false }, status: 200 },
	{ answer: "a streamed chat answer (NDJSON)", path: "/api/chat", body: chat, status: 200 },
	{
		answer: "a whole generate answer",
		path: "/api/generate",
		body: { model: "gpt-4o", prompt: "hi", stream: false },
		status: 200,
	},
	{ answer: "a relayed OpenAI answer", path: "/v1/chat/completions", body: chat, status: 200 },
	{ answer: "a relayed OpenAI stream", path: "/v1/chat/completions", body: { ...chat, stream: true }, status: 200 },
	{ answer: "the model list", method: "GET", path: "/api/tags", status: 200 },
	{ answer: "a HEAD of the model list", method: "HEAD", path: "/api/tags", status: 200 },
	{ answer: "OpenAI's model list", method: "GET", path: "/v1/models", status: 200 },
	{ answer: "a translated Messages answer", path: "/v1/messages", body: { ...messages, model: "gpt-4o" }, status: 200 },
	{ answer: "a relayed Messages answer", path: "/v1/messages", body: { ...messages, model: "relayed" }, status: 200 },
	{ answer: "a relayed Responses answer", path: "/v1/responses", body: { model: "relayed", input: "hi" }, status: 200 },
	{
		answer: "a translated Responses answer",
		path: "/v1/responses",
		body: { model: "gpt-4o", input: "hi" },
		status: 200,
	},
	{ answer: "the liveness probe", method: "GET", path: "/", anonymous: true, status: 200 },
	{ answer: "the health probe", method: "GET", path: "/health", anonymous: true, status: 200 },
	{ answer: "the readiness probe", method: "GET", path: "/health/ready", anonymous: true, status: 200 },
	{ answer: "the metrics", method: "GET", path: "/metrics", status: 200 },
	{ answer: "the version", method: "GET", path: "/api/version", status: 200 },
	{ answer: "the API reference page", method: "GET", path: "/swagger", anonymous: true, status: 200 },
	{ answer: "the OpenAPI document", method: "GET", path: "/swagger/json", anonymous: true, status: 200 },
	{ answer: "the docs script", method: "GET", path: DOCS_SCRIPT_PATH, anonymous: true, status: 200 },
	{ answer: "Elysia's 404", method: "GET", path: "/no/such/path", status: 404 },
	{ answer: "Elysia's 405", method: "GET", path: "/api/chat", status: 405 },
	{ answer: "Elysia's 405 on a Messages path", method: "GET", path: "/v1/messages", status: 405 },
	{ answer: "the error hook: a body that is not JSON", path: "/api/chat", body: "{not json", status: 400 },
	{ answer: "the error hook: a refused field", path: "/api/chat", body: { messages: [] }, status: 400 },
	{ answer: "the error hook, in Anthropic's shape", path: "/v1/messages", body: { model: "gpt-4o" }, status: 400 },
	{ answer: "the error hook: an unknown model", path: "/api/chat", body: { ...chat, model: "no-such" }, status: 404 },
	{ answer: "an unsupported Ollama route", path: "/api/push", body: { model: "x" }, status: 400 },
	{ answer: "a stateful Responses call", method: "GET", path: "/v1/responses/resp_1", status: 404 },
	{ answer: "the transcription route's own errors", path: "/v1/audio/transcriptions", body: "x", status: 400 },
	{ answer: "413 from onRequest", path: "/api/chat", body: "x".repeat(2000), status: 413 },
	{ answer: "413 from onRequest on a Messages path", path: "/v1/messages", body: "x".repeat(2000), status: 413 },
	{ answer: "a missing key", path: "/api/chat", body: chat, anonymous: true, status: 401 },
	{
		answer: "a wrong key, in Anthropic's shape",
		path: "/v1/messages",
		body: chat,
		headers: { "x-api-key": "nope" },
		anonymous: true,
		status: 401,
	},
	{
		answer: "a CORS preflight",
		method: "OPTIONS",
		path: "/api/chat",
		headers: { origin: ORIGIN, "access-control-request-method": "POST" },
		anonymous: true,
		status: 204,
	},
	{
		answer: "a CORS preflight on a Messages path",
		method: "OPTIONS",
		path: "/v1/messages",
		headers: { origin: ORIGIN },
		anonymous: true,
		status: 204,
	},
	{
		answer: "an answer to an allowed origin",
		method: "GET",
		path: "/api/tags",
		headers: { origin: ORIGIN },
		status: 200,
	},
	{
		answer: "a refusal to an allowed origin",
		path: "/v1/messages",
		body: chat,
		headers: { origin: ORIGIN },
		anonymous: true,
		status: 401,
	},
];

async function send(row: Row, id?: string): Promise<Response> {
	const headers: Record<string, string> = {
		...(!row.anonymous && { authorization: `Bearer ${KEY}` }),
		...(id !== undefined && { "x-request-id": id }),
		...row.headers,
	};
	const body = row.body === undefined ? undefined : typeof row.body === "string" ? row.body : JSON.stringify(row.body);
	const res = await fetch(proxy.url + row.path, { method: row.method ?? "POST", headers, body });
	await res.arrayBuffer();
	return res;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("the request id on every kind of answer", () => {
	test.each(ROWS.map((row) => [row.answer, row] as const))("%s: the client's id", async (_, row) => {
		const res = await send(row, "client-id-1.a_B");
		expect(res.status).toBe(row.status);
		// `get` joins a header sent twice with ", ": one equal value means exactly one.
		expect(res.headers.get("x-request-id")).toBe("client-id-1.a_B");
		expect(res.headers.get("request-id")).toBe(row.path.startsWith("/v1/messages") ? "client-id-1.a_B" : null);
	});

	test.each(ROWS.map((row) => [row.answer, row] as const))("%s: a new id", async (_, row) => {
		const res = await send(row);
		expect(res.status).toBe(row.status);
		const id = res.headers.get("x-request-id");
		expect(id).toMatch(UUID);
		expect(res.headers.get("request-id")).toBe(row.path.startsWith("/v1/messages") ? id : null);
	});

	test("an upstream's own id is kept apart from the proxy's", async () => {
		native.enqueue("responses", {
			kind: "json",
			body: { id: "resp_1", object: "response", output: [] },
			headers: { "x-request-id": "upstream-id" },
		});
		const res = await send(
			{ answer: "", path: "/v1/responses", body: { model: "relayed", input: "hi" }, status: 200 },
			"mine",
		);
		expect(res.headers.get("x-request-id")).toBe("mine");
		expect(res.headers.get("x-upstream-request-id")).toBe("upstream-id");
	});
});
