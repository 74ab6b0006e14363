/**
 * The rest of Ollama v0.33's surface (contract doc §9): capabilities and lengths on `/api/tags`, `/api/status`,
 * `think: "max"`, `truncate` and `shift`, `model_info` always on `/api/show`, `/v1/audio/transcriptions`, and the
 * ollama.com routes a proxy cannot serve. Driven with the official `ollama` and `openai` clients and raw fetch.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import OpenAI, { NotFoundError, toFile } from "openai";
import { startProxy, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

const MODELS = [
	{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
	{ id: "gpt-5-mini", object: "model", created: 1_754_000_000, owned_by: "system" },
	{ id: "text-embedding-3-small", object: "model", created: 1_705_948_997, owned_by: "system" },
	{ id: "meta-llama/Llama-3.1-8B-Instruct", object: "model", created: 1_700_000_000, max_model_len: 65_536 },
	{ id: "whisper-1", object: "model", created: 1_677_532_384, owned_by: "openai-internal" },
	{ id: "tts-1", object: "model", created: 1_681_940_951, owned_by: "openai-internal" },
];

const UPSTREAM_KEY = "sk-main-upstream-key-0123456789";
const AUDIO = new Uint8Array([82, 73, 70, 70, 0, 255, 1]); // "RIFF" and a few bytes that are not text
const AUDIO_BASE64 = Buffer.from(AUDIO).toString("base64");

let upstream: TestUpstream;
let noSpeech: TestUpstream;
let proxy: TestProxy;
let routed: TestProxy;
let ollama: Ollama;
let openai: OpenAI;

beforeAll(async () => {
	upstream = await startTestUpstream({ models: MODELS });
	noSpeech = await startTestUpstream({ transcriptions: false });
	proxy = await startProxy(upstream.url);
	routed = await startProxyWithConfig(
		[
			"upstreams:",
			"  - name: main",
			`    base_url: ${upstream.url}`,
			`    api_key: ${UPSTREAM_KEY}`,
			"    retries: { max: 0 }",
			"  - name: plain",
			`    base_url: ${noSpeech.url}`,
			'    prefix: "plain/"',
			"    retries: { max: 0 }",
			"models:",
			"  - name: stt",
			"    upstream: main",
			"    id: whisper-1",
			"",
		].join("\n"),
	);
	ollama = new Ollama({ host: proxy.url });
	openai = new OpenAI({ baseURL: `${routed.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	routed.stop();
	upstream.stop();
	noSpeech.stop();
});
beforeEach(() => {
	upstream.reset();
	noSpeech.reset();
});

type TagsEntry = {
	name: string;
	details: { context_length?: number; embedding_length?: number };
	capabilities?: string[];
};

const tags = async (url: string) => ((await (await fetch(`${url}/api/tags`)).json()) as { models: TagsEntry[] }).models;

describe("/api/tags as Ollama 0.33 lists it", () => {
	test("each entry carries its capabilities, context length and (where known) embedding length", async () => {
		const summary = (await tags(proxy.url)).map((m) => ({
			name: m.name,
			capabilities: m.capabilities,
			context: m.details.context_length,
			embedding: m.details.embedding_length,
		}));
		expect(summary).toEqual([
			{
				name: "gpt-5-mini:latest",
				capabilities: ["completion", "tools", "vision", "thinking"],
				context: 400_000,
				embedding: undefined,
			},
			{
				name: "gpt-4o:latest",
				capabilities: ["completion", "tools", "vision"],
				context: 128_000,
				embedding: undefined,
			},
			{ name: "text-embedding-3-small:latest", capabilities: ["embedding"], context: 8_191, embedding: 1_536 },
			{
				name: "meta-llama/Llama-3.1-8B-Instruct:latest",
				capabilities: ["completion", "tools"],
				context: 65_536,
				embedding: undefined,
			},
		]);
	});

	test("the details keep Ollama's key order, the new lengths last, capabilities after details", async () => {
		const text = await (await fetch(`${proxy.url}/api/tags`)).text();
		expect(text).toContain(
			'"details":{"parent_model":"","format":"","family":"text","families":["text"],"parameter_size":"",' +
				'"quantization_level":"","context_length":8191,"embedding_length":1536},"capabilities":["embedding"]}',
		);
	});

	test("the official client reads them, and they are the same strings /api/show gives", async () => {
		const listed = (await ollama.list()).models;
		expect(listed).toHaveLength(4);
		for (const model of listed) {
			const show = await ollama.show({ model: model.name });
			const fromTags = model as unknown as TagsEntry;
			expect(fromTags.capabilities).toEqual(show.capabilities);
			const arch = show.model_info["general.architecture" as never] as string;
			expect(fromTags.details.context_length).toBe(show.model_info[`${arch}.context_length` as never] as never);
		}
	});

	test("HEAD /api/tags is 200 without a body", async () => {
		const res = await fetch(`${proxy.url}/api/tags`, { method: "HEAD" });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("");
	});

	test("a transcription model is shown with the audio capability, yet listed in neither /api/tags nor /v1/models", async () => {
		expect((await ollama.show({ model: "whisper-1" })).capabilities).toEqual(["audio"] as never);
		expect((await tags(proxy.url)).map((m) => m.name)).not.toContain("whisper-1:latest");
		const v1 = (await (await fetch(`${proxy.url}/v1/models`)).json()) as { data: { id: string }[] };
		expect(v1.data.map((m) => m.id)).toEqual([
			"gpt-5-mini:latest",
			"gpt-4o:latest",
			"text-embedding-3-small:latest",
			"meta-llama/Llama-3.1-8B-Instruct:latest",
		]);
		// Speech out (text-to-speech) is nothing the proxy serves: not even reachable by name.
		expect((await proxy.post("/api/show", { model: "tts-1" })).status).toBe(404);
	});
});

describe("/api/show always carries model_info", () => {
	test.each(["gpt-4o", "text-embedding-3-small", "whisper-1", "meta-llama/Llama-3.1-8B-Instruct"])(
		"%s",
		async (model) => {
			const res = await proxy.post("/api/show", { model });
			expect(res.status).toBe(200);
			const body = (await res.json()) as { model_info?: Record<string, unknown> };
			expect(Object.keys(body.model_info ?? {}).slice(0, 2)).toEqual(["general.architecture", "general.basename"]);
		},
	);
});

describe("GET /api/status", () => {
	test("there is no Ollama cloud behind the proxy", async () => {
		const res = await fetch(`${proxy.url}/api/status`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(await res.text()).toBe('{"cloud":{"disabled":true,"source":"ollama-proxy"}}');
	});
});

describe('think: "max"', () => {
	test("generate maps it to OpenAI's highest effort", async () => {
		const res = await ollama.generate({ model: "gpt-5-mini", prompt: "hi", think: "max" as never, stream: false });
		expect(res.response).toBe("Hello world");
		expect(upstream.lastBody().reasoning_effort).toBe("high");
	});

	test("chat maps it to OpenAI's highest effort", async () => {
		await ollama.chat({ model: "gpt-5-mini", messages: [{ role: "user", content: "hi" }], think: "max" as never });
		expect(upstream.lastBody().reasoning_effort).toBe("high");
	});

	test("an unknown level is a 400 that lists the accepted ones", async () => {
		const res = await proxy.post("/api/chat", { model: "gpt-5-mini", messages: [], think: "maximum" });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'invalid think value: "maximum" (must be "high", "medium", "low", "max", true, or false)',
		});
	});
});

describe("truncate and shift", () => {
	test.each([
		["/api/chat", { messages: [{ role: "user", content: "hi" }] }],
		["/api/generate", { prompt: "hi" }],
	])("%s accepts both and sends neither upstream", async (path, body) => {
		const res = await proxy.post(path, { model: "gpt-4o", ...body, truncate: false, shift: false, stream: false });
		expect(res.status).toBe(200);
		const sent = upstream.lastBody();
		expect(Object.keys(sent)).not.toContain("truncate");
		expect(Object.keys(sent)).not.toContain("shift");
	});

	test("the official client's truncate goes through", async () => {
		// A variable, not a literal: the client's ChatRequest type does not list `truncate` yet.
		const request = {
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
			stream: false as const,
			truncate: true,
		};
		const res = await ollama.chat(request);
		expect(res.message.content).toBe("Hello world");
		expect(upstream.lastBody().truncate).toBeUndefined();
	});

	test.each([
		["/api/chat", { messages: [], truncate: "yes" }, 'invalid truncate value: "yes" (must be true or false)'],
		["/api/generate", { prompt: "hi", shift: 1 }, "invalid shift value: 1 (must be true or false)"],
		["/api/embed", { input: "hi", truncate: "no" }, 'invalid truncate value: "no" (must be true or false)'],
	])("%s: a wrong type is a 400 naming the field and the value", async (path, body, error) => {
		const res = await proxy.post(path, { model: "gpt-4o", ...body });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error });
	});
});

const audioForm = (
	fields: Record<string, string>,
	file: Blob | null = new File([AUDIO], "hello.wav", { type: "audio/wav" }),
) => {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.set(key, value);
	if (file) form.set("file", file);
	return form;
};

const openAIError = (status: number, message: string) => ({
	status,
	body: {
		error: { message, type: status === 404 ? "not_found_error" : "invalid_request_error", param: null, code: null },
	},
});

async function statusAndBody(res: Response) {
	return { status: res.status, body: (await res.json()) as unknown };
}

describe("POST /v1/audio/transcriptions", () => {
	test("the official client's upload reaches the alias's upstream under its id, with the file and fields intact", async () => {
		const result = await openai.audio.transcriptions.create({
			file: await toFile(AUDIO, "hello.wav", { type: "audio/wav" }),
			model: "stt",
			language: "en",
		});
		expect(result.text).toBe("heard 7 bytes of hello.wav");
		const sent = upstream.requests.findLast((r) => r.path === "/v1/audio/transcriptions");
		expect(sent?.body).toEqual({
			model: "whisper-1",
			language: "en",
			file: { name: "hello.wav", type: "audio/wav", base64: AUDIO_BASE64 },
		});
		expect(sent?.headers.get("authorization")).toBe(`Bearer ${UPSTREAM_KEY}`);
		expect(sent?.headers.get("content-type")).toStartWith("multipart/form-data; boundary=");
	});

	test("a discovered transcription model is reachable by its own name", async () => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: audioForm({ model: "whisper-1" }),
		});
		expect(await statusAndBody(res)).toEqual({ status: 200, body: { text: "heard 7 bytes of hello.wav" } });
	});

	test("a plain-text answer comes back as the upstream sent it", async () => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: audioForm({ model: "stt", response_format: "text" }),
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
		expect(await res.text()).toBe("heard 7 bytes of hello.wav\n");
	});

	test("an upstream without speech-to-text is OpenAI's 404, which the client raises as NotFoundError", async () => {
		const call = openai.audio.transcriptions.create({
			file: await toFile(AUDIO, "hello.wav", { type: "audio/wav" }),
			model: "plain/gpt-4o",
		});
		// The SDK's promise is lazy: awaited through catch, not handed to expect().rejects.
		const error = await call.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NotFoundError);
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: audioForm({ model: "plain/gpt-4o" }),
		});
		expect(await statusAndBody(res)).toEqual(
			openAIError(
				404,
				"audio transcription is not available for model 'plain/gpt-4o': upstream has no such endpoint (HTTP 404): not found",
			),
		);
		expect(noSpeech.countOf("/v1/audio/transcriptions")).toBe(2);
	});

	test("the upstream's refusal is relayed as a 400", async () => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: audioForm({ model: "stt" }, null),
		});
		expect(await statusAndBody(res)).toEqual(
			openAIError(400, "upstream rejected the request: Missing required parameter: 'file'."),
		);
	});

	test.each([
		["a JSON body", { body: '{"model":"stt"}', headers: { "content-type": "application/json" } }],
		["no body at all", {}],
		["a text body", { body: "model=stt", headers: { "content-type": "application/x-www-form-urlencoded" } }],
	])("%s is a 400 that says what is expected", async (_, init) => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, { method: "POST", ...init });
		expect(await statusAndBody(res)).toEqual(
			openAIError(400, "expected a multipart/form-data body with the audio `file` and a `model`"),
		);
	});

	test("a multipart body that does not parse is a 400", async () => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: "not multipart at all",
			headers: { "content-type": "multipart/form-data; boundary=xyz" },
		});
		expect(await statusAndBody(res)).toEqual(
			openAIError(400, "invalid multipart body: it does not follow its boundary"),
		);
	});

	test.each([
		["no model", {}, openAIError(400, "model is required")],
		["an empty model", { model: "" }, openAIError(400, "model is required")],
		["a model nobody serves", { model: "nope" }, openAIError(404, "model 'nope' not found")],
	])("%s", async (_, fields, expected) => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`, { method: "POST", body: audioForm(fields) });
		expect(await statusAndBody(res)).toEqual(expected);
		expect(upstream.countOf("/v1/audio/transcriptions")).toBe(0);
	});

	test("GET is a 405", async () => {
		const res = await fetch(`${routed.url}/v1/audio/transcriptions`);
		expect(res.status).toBe(405);
	});

	test("Azure: the model's deployment in the path, the key in api-key", async () => {
		const azure = await startTestUpstream();
		const viaAzure = await startProxyWithConfig(
			[
				"upstreams:",
				"  - name: az",
				"    kind: azure",
				`    base_url: ${azure.url.replace(/\/v1$/, "")}`,
				"    api_key: azure-key-123456",
				"    api_version: 2024-10-21",
				"models:",
				"  - name: stt",
				"    upstream: az",
				"    id: my-whisper-deployment",
				"",
			].join("\n"),
			{ UPSTREAM_RETRIES: "0" },
		);
		try {
			const res = await fetch(`${viaAzure.url}/v1/audio/transcriptions`, {
				method: "POST",
				body: audioForm({ model: "stt" }),
			});
			expect(await statusAndBody(res)).toEqual({ status: 200, body: { text: "heard 7 bytes of hello.wav" } });
			const sent = azure.requests.at(-1);
			expect(sent?.url).toBe("/openai/deployments/my-whisper-deployment/audio/transcriptions?api-version=2024-10-21");
			expect(sent?.headers.get("api-key")).toBe("azure-key-123456");
		} finally {
			viaAzure.stop();
			azure.stop();
		}
	});
});

describe("/v1/audio/transcriptions behind inbound keys, like every other /v1 route", () => {
	const TEAM_KEY = "team-inbound-key-0123456789";
	const CHAT_KEY = "chat-only-inbound-key-0123456789";
	let guarded: TestProxy;
	beforeAll(async () => {
		guarded = await startProxyWithConfig(
			[
				"upstreams:",
				"  - name: main",
				`    base_url: ${upstream.url}`,
				"keys:",
				`  - key: ${TEAM_KEY}`,
				"    name: team",
				`  - key: ${CHAT_KEY}`,
				"    name: chat",
				'    models: ["gpt-*"]',
				"",
			].join("\n"),
		);
	});
	afterAll(() => guarded.stop());

	const transcribe = (headers: Record<string, string>) =>
		fetch(`${guarded.url}/v1/audio/transcriptions`, {
			method: "POST",
			body: audioForm({ model: "whisper-1" }),
			headers,
		});

	test.each([
		["no key", {}, { status: 401, body: { message: "an API key is required", type: "authentication_error" } }],
		[
			"a key for other models",
			{ authorization: `Bearer ${CHAT_KEY}` },
			{ status: 403, body: { message: "this API key may not use model 'whisper-1'", type: "permission_error" } },
		],
		[
			"a key for every model",
			{ authorization: `Bearer ${TEAM_KEY}` },
			{ status: 200, body: { text: "heard 7 bytes of hello.wav" } },
		],
	])("%s", async (_, headers, expected) => {
		const res = await transcribe(headers);
		const body = (await res.json()) as { error?: { message: string; type: string }; text?: string };
		expect({
			status: res.status,
			body: body.error ? { message: body.error.message, type: body.error.type } : body,
		}).toEqual(expected);
		expect(upstream.countOf("/v1/audio/transcriptions")).toBe(expected.status === 200 ? 1 : 0);
	});
});

describe("ollama.com features a proxy cannot serve", () => {
	test.each([
		["POST", "/api/me", "an ollama.com account"],
		["POST", "/api/signout", "signing out"],
		["DELETE", "/api/user/keys/abc", "managing account keys"],
		["POST", "/api/experimental/web_search", "web search"],
		["POST", "/api/experimental/web_fetch", "web fetch"],
		["GET", "/api/experimental/model-recommendations", "model recommendations"],
	])("%s %s → 404 with a clear error", async (method, path, what) => {
		const res = await fetch(proxy.url + path, {
			method,
			...(method === "POST" && { body: '{"query":"bun"}' }),
		});
		expect(await statusAndBody(res)).toEqual({
			status: 404,
			body: { error: `${what} is not available here: ollama-proxy has no ollama.com account or cloud behind it` },
		});
	});
});
