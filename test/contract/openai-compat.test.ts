import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0" });
	// Copilot sends an empty bearer token on /v1 calls; the proxy must not care.
	client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "ollama", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

describe("GitHub Copilot's Ollama provider: version → tags → show per model → /v1/chat/completions", () => {
	test("the whole sequence works, with agent-mode capabilities and the context length", async () => {
		const version = (await (await fetch(`${proxy.url}/api/version`)).json()) as { version: string };
		const [major, minor, patch] = version.version.split(".").map(Number) as [number, number, number];
		expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(6004);

		const tags = (await (await fetch(`${proxy.url}/api/tags`)).json()) as { models: { model: string }[] };
		const shows = await Promise.all(
			tags.models.map(async ({ model }) => {
				const show = (await (
					await fetch(`${proxy.url}/api/show`, {
						method: "POST",
						headers: { "user-agent": "GitHubCopilotChat/0.30.0" },
						body: JSON.stringify({ model }),
					})
				).json()) as { capabilities: string[]; model_info: Record<string, unknown> };
				const arch = show.model_info["general.architecture"] as string;
				return {
					model,
					tools: show.capabilities.includes("tools"),
					context: show.model_info[`${arch}.context_length`],
				};
			}),
		);
		expect(shows).toContainEqual({ model: "gpt-4o:latest", tools: true, context: 128000 });

		const stream = await client.chat.completions.create({
			model: "gpt-4o:latest",
			messages: [{ role: "user", content: "hi" }],
			stream: true,
		});
		let text = "";
		for await (const part of stream) text += part.choices[0]?.delta.content ?? "";
		expect(text).toBe("Hello world");
		expect(upstream.lastBody()).toEqual({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
	});
});

describe("the /v1 surface", () => {
	test("chat completions without streaming: the upstream's JSON, relayed", async () => {
		const reply = await client.chat.completions.create({
			model: "gpt-4o",
			messages: [{ role: "user", content: "hi" }],
		});
		expect(reply.choices[0]?.message.content).toBe("Hello world");
		expect(reply.usage?.total_tokens).toBe(9);
	});

	test("SSE bytes are relayed with their content type", async () => {
		const res = await proxy.post("/v1/chat/completions", { model: "gpt-4o", messages: [], stream: true });
		expect(res.headers.get("content-type")).toBe("text/event-stream");
		const text = await res.text();
		expect(text.startsWith("data: {")).toBe(true);
		expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
	});

	test("completions and embeddings go to the matching upstream path with the upstream id", async () => {
		const completion = await client.completions.create({ model: "gpt-4o:latest", prompt: "x" });
		expect(completion.choices[0]?.text).toBe("Hello world");
		expect(upstream.lastBody("/v1/completions")).toEqual({ model: "gpt-4o", prompt: "x" });
		const embedding = await client.embeddings.create({ model: "text-embedding-3-small", input: "abc" });
		expect(embedding.data[0]?.embedding).toEqual([3, 1, 2, 2]);
	});

	test("models under the names of /api/tags", async () => {
		const list = await client.models.list();
		expect(list.data.map((m) => m.id)).toEqual([
			"gpt-4o:latest",
			"text-embedding-3-small:latest",
			"meta-llama/Llama-3.1-8B-Instruct:latest",
		]);
		expect(await client.models.retrieve("gpt-4o:latest")).toMatchObject({
			id: "gpt-4o:latest",
			object: "model",
			created: 1_715_367_049,
		});
		const nested = await fetch(`${proxy.url}/v1/models/meta-llama/Llama-3.1-8B-Instruct:latest`);
		expect(((await nested.json()) as { id: string }).id).toBe("meta-llama/Llama-3.1-8B-Instruct:latest");
	});

	test.each([
		["an unknown model", { model: "nope", messages: [] }, 404, "not_found_error", "model 'nope' not found"],
		["no model", { messages: [] }, 400, "invalid_request_error", "model is required"],
	])("%s → %i in OpenAI's error shape", async (_, body, status, type, message) => {
		const res = await proxy.post("/v1/chat/completions", body);
		expect(res.status).toBe(status);
		expect(await res.json()).toEqual({ error: { message, type, param: null, code: null } });
	});

	test("an upstream error keeps its status class and reaches the OpenAI SDK as an APIError", async () => {
		upstream.enqueue("chat", {
			kind: "json",
			status: 429,
			body: { error: { message: "slow down" } },
			headers: { "retry-after": "3" },
		});
		const error = await client.chat.completions.create({ model: "gpt-4o", messages: [] }).catch((e) => e);
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect(error.error).toEqual({
			message: "upstream rate limit: slow down",
			type: "rate_limit_error",
			param: null,
			code: null,
		});
		expect(error.headers.get("retry-after")).toBe("3");
	});
});
