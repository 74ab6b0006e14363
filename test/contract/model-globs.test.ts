/**
 * Pattern aliases end to end: Claude Code's background requests name a vendor model (`claude-haiku-4-5-20251001`)
 * that a glob entry sends to a configured model; the client still sees its own name.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

const CONFIG = `
upstreams:
  - name: local
    base_url: \${LOCAL_URL}
    retries: { max: 0 }
models:
  - name: coder
    upstream: local
    id: Qwen/Qwen3-Coder-30B
  - name: claude-haiku-*
    target: coder
  - name: claude-*
    upstream: local
    id: gpt-4o
`;

let upstream: TestUpstream;
let proxy: TestProxy;
let anthropic: Anthropic;

beforeAll(async () => {
	upstream = await startTestUpstream({
		models: [
			{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
			{ id: "Qwen/Qwen3-Coder-30B", object: "model", created: 1_753_000_000, owned_by: "vllm" },
		],
	});
	proxy = await startProxyWithConfig(CONFIG, { LOCAL_URL: upstream.url });
	anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

describe("glob model aliases", () => {
	test("/v1/messages for claude-haiku-4-5-20251001 reaches the target's upstream model and echoes the client's name", async () => {
		const message = await anthropic.messages.create({
			model: "claude-haiku-4-5-20251001",
			max_tokens: 100,
			messages: [{ role: "user", content: "Hi" }],
		});
		expect(message.model).toBe("claude-haiku-4-5-20251001");
		expect(message.content).toEqual([{ type: "text", text: "Hello world" } as never]);
		expect(upstream.lastBody().model).toBe("Qwen/Qwen3-Coder-30B");
	});

	test("streamed, a second glob's upstream id is asked, and message_start names the client's model", async () => {
		upstream.enqueue("chat", textStream(["pong"]));
		const stream = anthropic.messages.stream({
			model: "claude-sonnet-4-5-20250929",
			max_tokens: 100,
			messages: [{ role: "user", content: "ping" }],
		});
		const final = await stream.finalMessage();
		expect(final.model).toBe("claude-sonnet-4-5-20250929");
		expect(final.content).toEqual([{ type: "text", text: "pong" } as never]);
		expect(upstream.lastBody()).toMatchObject({ model: "gpt-4o", stream: true });
	});

	test("/api/chat resolves a glob too, and an unmatched name stays a 404", async () => {
		const chat = await proxy.post("/api/chat", {
			model: "claude-opus-4-1",
			messages: [{ role: "user", content: "Hi" }],
			stream: false,
		});
		expect(chat.status).toBe(200);
		expect(((await chat.json()) as { model: string }).model).toBe("claude-opus-4-1");
		expect(upstream.lastBody().model).toBe("gpt-4o");

		const missing = await proxy.post("/api/chat", { model: "mistral", messages: [{ role: "user", content: "Hi" }] });
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ error: "model 'mistral' not found" });
	});

	test("glob entries are listed neither in /api/tags nor in /v1/models", async () => {
		const tags = (await (await fetch(`${proxy.url}/api/tags`)).json()) as { models: { name: string }[] };
		expect(tags.models.map((m) => m.name).sort()).toEqual([
			"Qwen/Qwen3-Coder-30B:latest",
			"coder:latest",
			"gpt-4o:latest",
		]);
		const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "unused", maxRetries: 0 });
		const ids = [];
		for await (const model of openai.models.list()) ids.push(model.id);
		expect(ids.sort()).toEqual(["Qwen/Qwen3-Coder-30B:latest", "coder:latest", "gpt-4o:latest"]);
	});
});

describe("metrics", () => {
	const LABEL = 'ollama_proxy_requests_total{route="/api/chat",model="claude-*",status="200",outcome="complete"} ';
	const scrape = async () => (await (await fetch(`${proxy.url}/metrics`)).text()).split("\n");
	const countOf = (lines: string[]) => Number(lines.find((l) => l.startsWith(LABEL))?.slice(LABEL.length) ?? 0);

	test("a glob-matched name is labelled by its pattern: clients' made-up names do not grow the label set", async () => {
		const before = countOf(await scrape());
		for (const name of ["claude-opus-9", "claude-sonnet-9"]) {
			await (await proxy.post("/api/chat", { model: name, messages: [{ role: "user", content: "hi" }] })).text();
		}
		// A stream's line is written when it ends, just after its last byte.
		expect(await until(async () => countOf(await scrape()) === before + 2)).toBe(true);
		expect((await scrape()).some((l) => l.includes('model="claude-opus-9"'))).toBe(false);
	});
});
