/** Issue-4 routing end to end: two OpenAI-compatible upstreams and a real-Ollama passthrough behind one model list. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { LOCAL_CHAT_BODY, LOCAL_PS_ENTRY, LOCAL_TAGS_ENTRY, startFakeOllama } from "../support/fake-ollama.ts";
import { ndjsonLines, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const ALPHA_KEY = "sk-alpha-upstream-key-000000000000";
const TEAM_KEY = "team-inbound-key-0123456789";
const LIMITED_KEY = "limited-inbound-key-0123456789";

const CONFIG = `
upstreams:
  - name: alpha
    base_url: \${ALPHA_URL}
    api_key: \${ALPHA_KEY}
    include: ["gpt-*", "text-embedding-*"]
    retries: { max: 1, backoff_ms: 1 }
  - name: beta
    base_url: \${BETA_URL}
    prefix: "beta/"
    exclude: ["*-secret"]
    retries: { max: 0 }
  - name: local
    kind: ollama
    base_url: \${OLLAMA_URL}
models:
  - name: coder
    upstream: beta
    id: qwen/qwen3-coder
    context_length: 131072
    capabilities: [completion, tools]
    params:
      max_tokens: { force: 16384 }
    fallbacks: [gpt-4o]
  - name: gpt-4o
    context_length: 64000
keys:
  - key: \${TEAM_KEY}
    name: team
  - key: \${LIMITED_KEY}
    name: limited
    models: ["beta/*", "coder*"]
`;

let alpha: TestUpstream;
let beta: TestUpstream;
let local: ReturnType<typeof startFakeOllama>;
let proxy: TestProxy;
const team = { authorization: `Bearer ${TEAM_KEY}` };

beforeAll(async () => {
	alpha = await startTestUpstream({
		apiKey: ALPHA_KEY,
		models: [
			{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
			{ id: "gpt-4o-mini", object: "model", created: 1_721_172_741, owned_by: "system" },
			{ id: "text-embedding-3-small", object: "model", created: 1_705_948_997, owned_by: "system" },
			{ id: "o3", object: "model", created: 1_744_000_000, owned_by: "system" },
		],
	});
	beta = await startTestUpstream({
		models: [
			{ id: "qwen/qwen3-coder", object: "model", created: 1_753_000_000, owned_by: "vllm" },
			{ id: "llama-70b", object: "model", created: 1_700_000_000, owned_by: "vllm" },
			{ id: "hidden-secret", object: "model", created: 1_700_000_001, owned_by: "vllm" },
		],
	});
	local = startFakeOllama();
	proxy = await startProxyWithConfig(CONFIG, {
		ALPHA_URL: alpha.url,
		ALPHA_KEY,
		BETA_URL: beta.url,
		OLLAMA_URL: local.url,
		TEAM_KEY,
		LIMITED_KEY,
	});
});
afterAll(() => {
	proxy.stop();
	alpha.stop();
	beta.stop();
	local.stop();
});
beforeEach(() => {
	alpha.reset();
	beta.reset();
	local.requests.length = 0;
});

const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = team) =>
	proxy.post("/api/chat", { model, messages: [{ role: "user", content: "hi" }], stream: false, ...extra }, { headers });

describe("one model list over every upstream", () => {
	test("aliases first, then every discovered model newest first: filtered, prefixed, a local Ollama's entries as they are", async () => {
		const tags = (await (await fetch(`${proxy.url}/api/tags`, { headers: team })).json()) as {
			models: { name: string }[];
		};
		expect(tags.models.map((m) => m.name)).toEqual([
			"coder:latest",
			"beta/qwen/qwen3-coder:latest",
			"llama3.2:latest",
			"gpt-4o-mini:latest",
			"gpt-4o:latest",
			"text-embedding-3-small:latest",
			"beta/llama-70b:latest",
		]);
		expect(tags.models[2]).toEqual(LOCAL_TAGS_ENTRY);
	});

	test("an alias has its own context length and capabilities; an entry without upstream overrides a discovered model", async () => {
		const show = async (model: string) =>
			(await (await proxy.post("/api/show", { model }, { headers: team })).json()) as {
				capabilities: string[];
				model_info: Record<string, unknown>;
			};
		const coder = await show("coder");
		expect(coder.capabilities).toEqual(["completion", "tools"]);
		expect(coder.model_info).toEqual({
			"general.architecture": "qwen",
			"general.basename": "coder",
			"qwen.context_length": 131072,
		});
		expect((await show("gpt-4o")).model_info["gpt.context_length"]).toBe(64000);
	});

	test("a request goes to its model's upstream, by the upstream's id, with the model's parameter overrides", async () => {
		const res = await chat("coder", { options: { num_predict: 100 } });
		expect(res.status).toBe(200);
		expect(beta.lastBody()).toMatchObject({ model: "qwen/qwen3-coder", max_tokens: 16384 });
		expect(alpha.countOf("/v1/chat/completions")).toBe(0);
		await (await chat("beta/llama-70b")).text();
		expect(beta.lastBody().model).toBe("llama-70b");
	});

	test("the upstream's key goes to that upstream only, and never into a response or a log", async () => {
		const res = await chat("gpt-4o");
		expect(res.status).toBe(200);
		expect(alpha.requests.at(-1)?.headers.get("authorization")).toBe(`Bearer ${ALPHA_KEY}`);
		await (await chat("beta/llama-70b")).text();
		expect(beta.requests.at(-1)?.headers.get("authorization")).toBeNull();
		expect(proxy.logs.join("\n")).not.toContain(ALPHA_KEY);
	});

	test("overrides apply on /v1 too: Copilot's 4096-token cap is lifted", async () => {
		const res = await proxy.post(
			"/v1/chat/completions",
			{ model: "coder", messages: [], max_tokens: 4096 },
			{ headers: team },
		);
		expect(res.status).toBe(200);
		expect(beta.lastBody()).toMatchObject({ model: "qwen/qwen3-coder", max_tokens: 16384 });
	});
});

describe("reliability", () => {
	test("a failure before the first byte is retried on the same upstream", async () => {
		alpha.enqueue("chat", { kind: "json", status: 500, body: { error: { message: "flaky" } } });
		const res = await chat("gpt-4o");
		expect(res.status).toBe(200);
		expect(alpha.countOf("/v1/chat/completions")).toBe(2);
	});

	test("a 429 is retried after its Retry-After", async () => {
		alpha.enqueue("chat", {
			kind: "json",
			status: 429,
			body: { error: { message: "slow" } },
			headers: { "retry-after": "0" },
		});
		expect((await chat("gpt-4o")).status).toBe(200);
		expect(alpha.countOf("/v1/chat/completions")).toBe(2);
	});

	test("a failing upstream falls back to the next model in the chain", async () => {
		beta.enqueue("chat", { kind: "json", status: 503, body: { error: { message: "down" } } });
		const res = await chat("coder");
		expect(res.status).toBe(200);
		expect(beta.countOf("/v1/chat/completions")).toBe(1);
		expect(alpha.lastBody()).toMatchObject({ model: "gpt-4o" });
	});

	test("a client error is not retried or sent to a fallback", async () => {
		beta.enqueue("chat", { kind: "json", status: 400, body: { error: { message: "bad" } } });
		const res = await chat("coder");
		expect(res.status).toBe(400);
		expect(alpha.countOf("/v1/chat/completions")).toBe(0);
	});

	test("nothing is retried once the answer has started", async () => {
		alpha.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" });
		const res = await chat("gpt-4o", { stream: true });
		const lines = ndjsonLines(await res.text());
		expect(lines.at(-1)?.error).toBeDefined();
		expect(alpha.countOf("/v1/chat/completions")).toBe(1);
	});

	test("a model list that fails later keeps the upstream's models listed", async () => {
		const stale = await startProxyWithConfig(
			`upstreams:\n  - name: alpha\n    base_url: ${alpha.url}\n    api_key: ${ALPHA_KEY}\n`,
			{ MODELS_CACHE_TTL_MS: "0" },
		);
		try {
			const names = async () =>
				((await (await fetch(`${stale.url}/api/tags`)).json()) as { models: { name: string }[] }).models.length;
			expect(await names()).toBe(4);
			alpha.enqueue("models", { kind: "json", status: 500, body: { error: { message: "down" } } });
			expect(await names()).toBe(4);
			expect(await names()).toBe(4);
		} finally {
			stale.stop();
		}
	});
});

describe("a real Ollama as an upstream", () => {
	test("native requests are passed through unchanged and its answer relayed byte for byte", async () => {
		const body = { model: "llama3.2", messages: [{ role: "user", content: "hi" }], options: { num_gpu: 1 } };
		const res = await proxy.post("/api/chat", body, { headers: team });
		expect(res.headers.get("content-type")).toBe("application/x-ndjson");
		expect(await res.text()).toBe(LOCAL_CHAT_BODY);
		expect(local.requests.at(-1)).toMatchObject({ path: "/api/chat", body: { ...body, model: "llama3.2:latest" } });
	});

	test("/api/ps lists what the local Ollama has loaded, as its own /api/ps says it, through the ollama client", async () => {
		const ollama = new Ollama({ host: proxy.url, headers: team });
		expect(await ollama.ps()).toEqual({ models: [LOCAL_PS_ENTRY] } as never);
		expect(local.requests.map((r) => [r.method, r.path])).toEqual([["GET", "/api/ps"]]);
		// A key that may not use the model does not see it either.
		const limited = await fetch(`${proxy.url}/api/ps`, { headers: { authorization: `Bearer ${LIMITED_KEY}` } });
		expect(await limited.json()).toEqual({ models: [] });
	});

	test("show is the local Ollama's own answer", async () => {
		const res = await proxy.post("/api/show", { model: "llama3.2" }, { headers: team });
		expect(await res.json()).toEqual({ capabilities: ["completion"], model_info: { "general.architecture": "llama" } });
	});
});

describe("inbound keys", () => {
	test.each([
		["/api/tags", undefined, 401, { error: "an API key is required" }],
		["/api/tags", { authorization: "Bearer wrong-key-0000000000" }, 401, { error: "invalid API key" }],
		[
			"/v1/models",
			undefined,
			401,
			{ error: { message: "an API key is required", type: "authentication_error", param: null, code: null } },
		],
	])("%s with %j → %i", async (path, headers, status, body) => {
		const res = await fetch(proxy.url + path, { headers });
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual(body);
	});

	test("probes stay open", async () => {
		expect((await fetch(`${proxy.url}/`)).status).toBe(200);
		expect((await fetch(`${proxy.url}/`, { method: "HEAD" })).status).toBe(200);
		expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
	});

	test("x-api-key works for clients that cannot send a bearer token", async () => {
		expect((await fetch(`${proxy.url}/api/tags`, { headers: { "x-api-key": TEAM_KEY } })).status).toBe(200);
	});

	test("a key limited to some models sees and uses only those", async () => {
		const limited = { authorization: `Bearer ${LIMITED_KEY}` };
		const tags = (await (await fetch(`${proxy.url}/api/tags`, { headers: limited })).json()) as {
			models: { name: string }[];
		};
		expect(tags.models.map((m) => m.name)).toEqual([
			"coder:latest",
			"beta/qwen/qwen3-coder:latest",
			"beta/llama-70b:latest",
		]);
		const refused = await chat("gpt-4o", {}, limited);
		expect(refused.status).toBe(403);
		expect(await refused.json()).toEqual({ error: "this API key may not use model 'gpt-4o'" });
		expect((await chat("coder", {}, limited)).status).toBe(200);
	});

	test("the key's name, never the key, is logged", async () => {
		await (await fetch(`${proxy.url}/api/tags`, { headers: { "x-request-id": "keyed-1", ...team } })).text();
		// The line is written after the response has gone out.
		expect(await until(() => proxy.logLines().some((l) => l.reqId === "keyed-1"))).toBe(true);
		const line = proxy.logLines().find((l) => l.reqId === "keyed-1");
		expect(line?.key).toBe("team");
		expect(proxy.logs.join("\n")).not.toContain(TEAM_KEY);
	});
});

describe("CORS", () => {
	test("off by default; with origins configured, allowed origins get the headers and preflights a 204", async () => {
		const plain = await fetch(`${proxy.url}/`, { headers: { origin: "https://app.example.com" } });
		expect(plain.headers.get("access-control-allow-origin")).toBeNull();
		const withCors = await startProxyWithConfig(
			`upstreams:\n  - name: a\n    base_url: ${alpha.url}\ncors:\n  origins: ["https://*.example.com"]\n`,
		);
		try {
			const allowed = await fetch(`${withCors.url}/api/version`, { headers: { origin: "https://app.example.com" } });
			expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
			// A browser may read its request id and, after a refusal, when to come back.
			expect(allowed.headers.get("access-control-expose-headers")).toBe(
				"x-request-id, request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset",
			);
			const preflight = await fetch(`${withCors.url}/api/chat`, {
				method: "OPTIONS",
				headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
			});
			expect(preflight.status).toBe(204);
			expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
			const denied = await fetch(`${withCors.url}/api/version`, { headers: { origin: "https://evil.test" } });
			expect(denied.headers.get("access-control-allow-origin")).toBeNull();
		} finally {
			withCors.stop();
		}
	});
});

describe("upstream kinds and timeouts", () => {
	test("Azure OpenAI: deployment in the path, api-version in the query, the key in api-key", async () => {
		const azure = await startTestUpstream();
		const viaAzure = await startProxyWithConfig(
			`upstreams:\n  - name: az\n    kind: azure\n    base_url: ${azure.url.replace(/\/v1$/, "")}\n    api_key: azure-key-123456\n    api_version: 2024-10-21\nmodels:\n  - name: prod-gpt\n    upstream: az\n    id: my-gpt4o-deployment\n`,
			{ UPSTREAM_RETRIES: "0" },
		);
		try {
			const res = await viaAzure.post("/api/chat", {
				model: "prod-gpt",
				messages: [{ role: "user", content: "hi" }],
				stream: false,
			});
			expect(res.status).toBe(200);
			const sent = azure.requests.at(-1);
			expect(sent?.url).toBe("/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21");
			expect(sent?.headers.get("api-key")).toBe("azure-key-123456");
			expect(azure.countOf("/v1/models")).toBe(0);
		} finally {
			viaAzure.stop();
			azure.stop();
		}
	});

	test("connect, first-byte and idle timeouts each say which limit was hit", async () => {
		const slow = await startTestUpstream();
		const timed = await startProxyWithConfig(
			`upstreams:\n  - name: s\n    base_url: ${slow.url}\n    timeouts: { connect_ms: 150, first_byte_ms: 150, idle_ms: 150 }\n    retries: { max: 0 }\n`,
		);
		const ask = () => timed.post("/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
		try {
			slow.enqueue("chat", { kind: "hang" });
			const connect = await ask();
			expect(connect.status).toBe(504);
			expect(await connect.json()).toEqual({ error: "upstream did not answer within 300 ms" });

			slow.enqueue("chat", { kind: "stream", chunks: [": keep-alive comment\n\n"], end: "hang" });
			const firstByte = await ask();
			expect(firstByte.status).toBe(504);
			expect(await firstByte.json()).toEqual({ error: "upstream sent nothing within 150 ms" });

			slow.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "a" })], end: "hang" });
			const idle = ndjsonLines(await (await ask()).text());
			expect(idle).toEqual([
				expect.objectContaining({ message: { role: "assistant", content: "a" }, done: false }),
				{ error: "upstream went quiet for 150 ms" },
			]);
		} finally {
			timed.stop();
			slow.stop();
		}
	});
});
