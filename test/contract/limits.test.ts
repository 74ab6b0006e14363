/**
 * Per-key limits and usage, driven through the running app by the official clients: each route's 429 as its own
 * client reads it, every answer settled to the token the upstream reported (whole, streamed, relayed, aborted),
 * and /api/usage for admin keys only. One process, counters in memory; the Redis and multi-process cases are in
 * limits-replicas.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { hasRedis, startRedis } from "../support/redis-server.ts";
import { chatJson, chunk, type Reply, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let proxy: TestProxy;

/** One key per case, so that each starts with a full allowance. */
const KEYS = ["ollama", "openai", "tokens", "messages", "responses", "usage"] as const;
const keyOf = (name: string) => `${name}-key-0123456789abcdef`;
const ADMIN = "admin-key-0123456789abcdef";
const bearer = (name: string) => ({ authorization: `Bearer ${keyOf(name)}` });

beforeAll(async () => {
	upstream = await startTestUpstream();
	const keys = KEYS.map((name) => {
		const limits =
			name === "tokens" ? "{ tokens_per_minute: 100 }" : name === "usage" ? "{}" : "{ requests_per_minute: 1 }";
		return `  - { name: ${name}, key: ${keyOf(name)}, limits: ${limits} }`;
	});
	proxy = await startProxyWithConfig(
		`upstreams: [{ name: up, base_url: "${upstream.url}", retries: { max: 0 } }]
keys:
${keys.join("\n")}
  - { name: ops, key: ${ADMIN}, admin: true }
limits: { requests_per_minute: 1000 }
`,
	);
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const hello = { model: "gpt-4o", messages: [{ role: "user" as const, content: "hi" }] };
const RPM_MESSAGE =
	"rate limit exceeded: requests_per_minute (1) reached for this API key; try again in 60s, fully reset in 60s";
const RPM_HEADERS = {
	"retry-after": "60",
	"x-ratelimit-limit": "1",
	"x-ratelimit-remaining": "0",
	"x-ratelimit-reset": "60",
};
const limitHeaders = (headers: Headers | Record<string, string | null | undefined>) => {
	const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]);
	return Object.fromEntries(Object.keys(RPM_HEADERS).map((name) => [name, get(name)]));
};

describe("a refusal in each route's own shape, read by its own client", () => {
	test("/api/chat: ollama-js raises ResponseError 429 with the message", async () => {
		const ollama = new Ollama({ host: proxy.url, headers: bearer("ollama") });
		expect((await ollama.chat({ ...hello, stream: false })).message.content).toBe("Hello world");
		const refused = await ollama.chat({ ...hello, stream: false }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ name: "ResponseError", status_code: 429, error: RPM_MESSAGE });
		const raw = await proxy.post("/api/generate", { model: "gpt-4o", prompt: "hi" }, { headers: bearer("ollama") });
		expect(raw.status).toBe(429);
		expect(limitHeaders(raw.headers)).toEqual(RPM_HEADERS);
		expect(await raw.json()).toEqual({ error: RPM_MESSAGE });
		expect(upstream.countOf("/v1/chat/completions")).toBe(1);
	});

	test("/v1/chat/completions: openai's RateLimitError, type requests, code rate_limit_exceeded", async () => {
		const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: keyOf("openai"), maxRetries: 0 });
		await openai.chat.completions.create(hello);
		const refused = await openai.embeddings.create({ model: "gpt-4o", input: "hi" }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
		const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
		expect([error.status, error.type, error.code, error.param]).toEqual([429, "requests", "rate_limit_exceeded", null]);
		expect(error.error).toEqual({ message: RPM_MESSAGE, type: "requests", param: null, code: "rate_limit_exceeded" });
		expect(limitHeaders(Object.fromEntries(error.headers?.entries() ?? []))).toEqual(RPM_HEADERS);
	});

	test("a token limit is type tokens, once an answer has overdrawn it", async () => {
		const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: keyOf("tokens"), maxRetries: 0 });
		// One answer may overdraw the bucket: 200 tokens spent against 100 a minute.
		const usage = { prompt_tokens: 150, completion_tokens: 50, total_tokens: 200 };
		upstream.enqueue("chat", { kind: "json", body: { ...chatJson("big"), usage } });
		await openai.chat.completions.create(hello);
		const refused = (await openai.chat.completions.create(hello).catch((e: unknown) => e)) as InstanceType<
			typeof OpenAI.RateLimitError
		>;
		expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
		expect([refused.type, refused.code]).toEqual(["tokens", "rate_limit_exceeded"]);
		expect(refused.headers?.get("x-ratelimit-limit")).toBe("100");
		expect(refused.message).toStartWith("429 rate limit exceeded: tokens_per_minute (100) reached for this API key;");
	});

	test("/v1/messages: the Anthropic SDK's RateLimitError, rate_limit_error", async () => {
		const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: keyOf("messages"), maxRetries: 0 });
		const ask = () => anthropic.messages.create({ ...hello, max_tokens: 16 });
		await ask();
		const refused = await ask().catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
		const error = refused as InstanceType<typeof Anthropic.RateLimitError>;
		expect(error.status).toBe(429);
		expect((error.error as { error: unknown }).error).toEqual({ type: "rate_limit_error", message: RPM_MESSAGE });
		expect(limitHeaders(Object.fromEntries(error.headers?.entries() ?? []))).toEqual(RPM_HEADERS);
	});

	test("/v1/responses: openai's RateLimitError with code rate_limit_exceeded", async () => {
		const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: keyOf("responses"), maxRetries: 0 });
		await openai.responses.create({ model: "gpt-4o", input: "hi" });
		const refused = await openai.responses.create({ model: "gpt-4o", input: "hi" }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
		const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
		expect(error.error).toEqual({ message: RPM_MESSAGE, type: "api_error", param: null, code: "rate_limit_exceeded" });
	});

	test("model lists, show, health and metrics are never limited", async () => {
		for (const path of ["/api/tags", "/v1/models", "/health", "/metrics", "/api/ps"]) {
			expect((await fetch(proxy.url + path, { headers: bearer("ollama") })).status).toBe(200);
		}
		const show = await proxy.post("/api/show", { model: "gpt-4o" }, { headers: bearer("ollama") });
		expect(show.status).toBe(200);
	});
});

type Row = {
	key: string;
	model: string;
	requests: number;
	prompt_tokens: number;
	completion_tokens: number;
	errors: number;
	refusals: number;
};

async function usage(query = "", key = ADMIN, p = proxy) {
	const response = await fetch(`${p.url}/api/usage${query}`, { headers: { authorization: `Bearer ${key}` } });
	return { status: response.status, body: (await response.json()) as { usage: Row[] } & { error?: string } };
}

/**
 * Whole, streamed, relayed, translated and aborted answers through `p` for the key `usage`; its usage then adds up
 * to what the upstream reported, to the token.
 */
async function mixedAnswersAddUp(p: TestProxy) {
	const h = { headers: bearer("usage") };
	const ollama = new Ollama({ host: p.url, headers: bearer("usage") });
	const openai = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: keyOf("usage"), maxRetries: 0 });
	const anthropic = new Anthropic({ baseURL: p.url, apiKey: keyOf("usage"), maxRetries: 0 });

	// Whole: 7 + 2 (chatJson). Streamed: 7 + 2 (textStream). Relayed SSE with usage: 7 + 2. Translated: 7 + 2.
	await ollama.chat({ ...hello, stream: false });
	for await (const _ of await ollama.chat({ ...hello, stream: true })) {
	}
	for await (const _ of await openai.chat.completions.create({ ...hello, stream: true })) {
	}
	await anthropic.messages.create({ ...hello, max_tokens: 16 });
	// Embeddings: 3 prompt tokens per input.
	await openai.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });

	// Aborted after three content deltas, before any usage: the prompt's estimate plus one token per delta.
	upstream.enqueue("chat", {
		kind: "stream",
		chunks: [
			chunk({ role: "assistant", content: "" }),
			chunk({ content: "a" }),
			chunk({ content: "b" }),
			chunk({ content: "c" }),
		],
		end: "hang",
	});
	const abortedBody = JSON.stringify({ ...hello, model: "gpt-4o:latest" });
	const controller = new AbortController();
	const response = await p.post("/api/chat", abortedBody, { ...h, signal: controller.signal });
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	let text = "";
	while (text.split("\n").length < 4) text += new TextDecoder().decode((await reader.read()).value);
	controller.abort();
	await reader.cancel().catch(() => {});

	const estimate = Math.ceil(Buffer.byteLength(abortedBody) / 4);
	const expected = { prompt: 7 * 4 + 6 + estimate, completion: 2 * 4 + 3 };
	const total = async () => {
		const rows = (await usage("?key=usage", ADMIN, p)).body.usage;
		return {
			requests: rows.reduce((n, r) => n + r.requests, 0),
			prompt: rows.reduce((n, r) => n + r.prompt_tokens, 0),
			completion: rows.reduce((n, r) => n + r.completion_tokens, 0),
		};
	};
	// The aborted stream settles when the proxy sees the client go: wait for that, not for a time.
	expect(await until(async () => (await total()).prompt === expected.prompt)).toBe(true);
	expect(await total()).toEqual({ requests: 6, ...expected });
	const rows = (await usage("?key=usage", ADMIN, p)).body.usage;
	expect(rows.map((r) => r.model)).toEqual(["gpt-4o", "text-embedding-3-small"]);
}

describe("every answer settled to the token, and /api/usage", () => {
	test("whole, streamed, relayed, translated and aborted answers add up to what the upstream reported", async () => {
		await mixedAnswersAddUp(proxy);
	});

	test("usage is for admin keys only; the others get a 403 whatever they ask", async () => {
		expect(await usage("", keyOf("usage"))).toEqual({
			status: 403,
			body: { error: "this API key may not read usage" } as never,
		});
		expect((await usage("?key=usage", keyOf("usage"))).status).toBe(403);
		expect((await usage("?from=2025-02-30")).body).toEqual({ error: "from: must be a UTC day as YYYY-MM-DD" } as never);
	});

	test("refusals count for the refused key only, and a model with or without :latest is one row", async () => {
		const { body } = await usage("?model=gpt-4o:latest&key=ollama");
		expect(body.usage).toEqual([
			expect.objectContaining({ key: "ollama", model: "gpt-4o", requests: 1, errors: 0, refusals: 2 }) as never,
		]);
	});
});

describe.skipIf(!hasRedis)("settled in Redis", () => {
	test("the same answers add up to the token when the counters live in Redis", async () => {
		const redis = await startRedis();
		const shared = await startProxyWithConfig(
			`upstreams: [{ name: up, base_url: "${upstream.url}", retries: { max: 0 } }]
keys:
  - { name: usage, key: ${keyOf("usage")} }
  - { name: ops, key: ${ADMIN}, admin: true }
`,
			{ REDIS_URL: redis.url },
		);
		try {
			await mixedAnswersAddUp(shared);
		} finally {
			await shared.stop();
			await redis.stop();
		}
	});
});

/**
 * Many mixed requests where some answers come only on a retry (the first attempt is a 503) and some only from a
 * fallback model (the asked one always fails): each request's usage, as the upstream reported it for the attempt that
 * answered, is charged once, to the token, under the model the client asked for. Failed attempts report nothing
 * and must cost nothing; a retry or fallback settled twice would show as a surplus.
 */
async function retriesAndFallbacksAddUp(env: Record<string, string>) {
	const N = 1000;
	const numberOf = (body: Record<string, unknown>) => Number(/req-(\d+)/.exec(JSON.stringify(body.messages))?.[1]);
	const usageOf = (i: number): [number, number] => [10 + (i % 13), 1 + (i % 7)];
	const answer = (body: Record<string, unknown>): Reply => {
		const usage = usageOf(numberOf(body));
		if (body.stream === true) return textStream(["an", "swer"], "stop", usage);
		const [prompt_tokens, completion_tokens] = usage;
		return {
			kind: "json",
			body: {
				...chatJson("answer"),
				usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
			},
		};
	};
	const unavailable: Reply = {
		kind: "json",
		status: 503,
		body: { error: { message: "overloaded", type: "server_error" } },
	};
	const triedOnce = new Set<number>();
	const flakyUpstream = await startTestUpstream({
		behaviors: {
			ok: answer,
			// The first attempt of each request fails; its retry is answered.
			flaky: (body) => {
				const i = numberOf(body);
				if (triedOnce.has(i)) return answer(body);
				triedOnce.add(i);
				return unavailable;
			},
			broken: () => unavailable,
		},
	});
	const p = await startProxyWithConfig(
		`upstreams: [{ name: up, base_url: "${flakyUpstream.url}", retries: { max: 1, backoff_ms: 1 } }]
models:
  - { name: ok, upstream: up, id: ok }
  - { name: flaky, upstream: up, id: flaky }
  - { name: broken, upstream: up, id: broken, fallbacks: [ok] }
keys:
  - { name: usage, key: ${keyOf("usage")}, limits: { tokens_per_day: 100000000 } }
  - { name: ops, key: ${ADMIN}, admin: true }
`,
		env,
	);
	try {
		const ollama = new Ollama({ host: p.url, headers: bearer("usage") });
		const openai = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: keyOf("usage"), maxRetries: 0 });
		const anthropic = new Anthropic({ baseURL: p.url, apiKey: keyOf("usage"), maxRetries: 0 });
		const MODELS = ["ok", "flaky", "broken"] as const;
		// Model by i % 3 and client by i % 4: every model through every client, streamed and whole.
		const send = async (i: number) => {
			const model = MODELS[i % 3] as string;
			const messages = [{ role: "user" as const, content: `req-${i}` }];
			const kind = i % 4;
			if (kind === 0) {
				let text = "";
				for await (const part of await ollama.chat({ model, messages, stream: true })) text += part.message.content;
				return text;
			}
			if (kind === 1) return (await ollama.chat({ model, messages, stream: false })).message.content;
			if (kind === 2) {
				let text = "";
				for await (const part of await openai.chat.completions.create({ model, messages, stream: true })) {
					text += part.choices[0]?.delta.content ?? "";
				}
				return text;
			}
			const message = await anthropic.messages.create({ model, messages, max_tokens: 16 });
			return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
		};
		let next = 0;
		const answers: string[] = [];
		await Promise.all(
			Array.from({ length: 16 }, async () => {
				while (next < N) answers.push(await send(next++));
			}),
		);
		expect(answers.filter((a) => a !== "answer")).toEqual([]);
		expect(answers).toHaveLength(N);

		const ids = Array.from({ length: N }, (_, i) => i);
		const per = (m: number) => ids.filter((i) => i % 3 === m);
		// Every flaky request was tried twice, every broken one twice before its fallback answered.
		const attempts = (id: string) => flakyUpstream.requests.filter((r) => (r.body as { model?: string })?.model === id);
		expect([attempts("ok").length, attempts("flaky").length, attempts("broken").length]).toEqual([
			per(0).length + per(2).length,
			2 * per(1).length,
			2 * per(2).length,
		]);

		const expected = MODELS.map((model, m) => ({
			key: "usage",
			model,
			requests: per(m).length,
			prompt_tokens: per(m).reduce((n, i) => n + usageOf(i)[0], 0),
			completion_tokens: per(m).reduce((n, i) => n + usageOf(i)[1], 0),
			errors: 0,
			refusals: 0,
		})).sort((a, b) => a.model.localeCompare(b.model));
		const rows = async () =>
			(await usage("?key=usage", ADMIN, p)).body.usage
				.map(({ key, model, requests, prompt_tokens, completion_tokens, errors, refusals }) => ({
					key,
					model,
					requests,
					prompt_tokens,
					completion_tokens,
					errors,
					refusals,
				}))
				.sort((a, b) => a.model.localeCompare(b.model));
		// With Redis the settles land after the answers, in the background: wait for the last, not for a time.
		const totalPrompt = expected.reduce((n, r) => n + r.prompt_tokens, 0);
		expect(await until(async () => (await rows()).reduce((n, r) => n + r.prompt_tokens, 0) >= totalPrompt)).toBe(true);
		expect(await rows()).toEqual(expected);
		const metrics = await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
		const counter = (direction: string) =>
			Number(
				new RegExp(`^ollama_proxy_key_tokens_total\\{key="usage",direction="${direction}"\\} (\\d+)$`, "m").exec(
					metrics,
				)?.[1],
			);
		expect([counter("prompt"), counter("completion")]).toEqual([
			totalPrompt,
			expected.reduce((n, r) => n + r.completion_tokens, 0),
		]);
	} finally {
		await p.stop();
		flakyUpstream.stop();
	}
}

describe("retried and fallen-back requests are charged once, to the token", () => {
	test("1,000 mixed requests through three clients, a third answered on a retry, a third by a fallback", async () => {
		await retriesAndFallbacksAddUp({});
	}, 60_000);

	test.skipIf(!hasRedis)(
		"the same with the counters in Redis",
		async () => {
			const redis = await startRedis();
			try {
				await retriesAndFallbacksAddUp({ REDIS_URL: redis.url });
			} finally {
				await redis.stop();
			}
		},
		60_000,
	);
});
