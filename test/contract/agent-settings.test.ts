/** The agent settings of the configuration file: system messages per upstream, and the `agents` section. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";

let upstream: TestUpstream;
let defaults: TestProxy;
let tuned: TestProxy;

const upstreams = (url: string, extra = "") =>
	`upstreams:\n  - name: oa\n    base_url: ${url}\n    include: ["gpt-4o"]\n  - name: vl\n    base_url: ${url}\n    dialect: vllm\n    include: ["meta-*"]\n${extra}`;

beforeAll(async () => {
	upstream = await startTestUpstream();
	defaults = await startProxyWithConfig(upstreams(upstream.url));
	tuned = await startProxyWithConfig(
		`${upstreams(upstream.url, "    system_messages: in_place\n")}agents:\n  keep_billing_header: true\n  strict_incomplete: true\n`,
	);
});
afterAll(() => {
	defaults.stop();
	tuned.stop();
	upstream.stop();
});
beforeEach(() => upstream.reset());

const VLLM = "meta-llama/Llama-3.1-8B-Instruct";
const claudeCodeLike = (model: string) => ({
	model,
	max_tokens: 100,
	system: [
		{ type: "text", text: "x-anthropic-billing-header: cc_version=1; cc_entrypoint=sdk-cli;" },
		{ type: "text", text: "You are an agent." },
	],
	messages: [
		{ role: "user", content: "say ping" },
		{ role: "system", content: "# Environment" },
	],
});
const systemTexts = () =>
	(upstream.lastBody().messages as Array<{ role: string; content: string }>).map((m) => [m.role, m.content]);

describe("system_messages", () => {
	test("vllm upstreams get one leading system message by default", async () => {
		await (await defaults.post("/v1/messages", claudeCodeLike(VLLM))).text();
		expect(systemTexts()).toEqual([
			["system", "You are an agent.\n\n# Environment"],
			["user", "say ping"],
		]);
	});

	test("openai upstreams keep them in place by default", async () => {
		await (await defaults.post("/v1/messages", claudeCodeLike("gpt-4o"))).text();
		expect(systemTexts()).toEqual([
			["system", "You are an agent."],
			["user", "say ping"],
			["system", "# Environment"],
		]);
	});

	test("Codex's two developer messages, merged for vllm", async () => {
		await (
			await defaults.post("/v1/responses", {
				model: VLLM,
				input: [
					{ role: "developer", content: "base" },
					{ role: "developer", content: "skills" },
					{ role: "user", content: "go" },
				],
			})
		).text();
		expect(systemTexts()).toEqual([
			["system", "base\n\nskills"],
			["user", "go"],
		]);
	});

	test("system_messages: in_place on a vllm upstream keeps them where they were", async () => {
		await (await tuned.post("/v1/messages", claudeCodeLike(VLLM))).text();
		expect(systemTexts().map(([role]) => role)).toEqual(["system", "user", "system"]);
	});
});

describe("agents", () => {
	test("Claude Code's billing block is dropped by default, kept with keep_billing_header", async () => {
		await (await defaults.post("/v1/messages", claudeCodeLike("gpt-4o"))).text();
		expect(systemTexts()[0]).toEqual(["system", "You are an agent."]);
		await (await tuned.post("/v1/messages", claudeCodeLike("gpt-4o"))).text();
		expect(systemTexts()[0]).toEqual([
			"system",
			"x-anthropic-billing-header: cc_version=1; cc_entrypoint=sdk-cli;\nYou are an agent.",
		]);
	});

	test("a cut answer ends in response.completed by default, response.incomplete with strict_incomplete", async () => {
		const last = async (proxy: TestProxy) => {
			upstream.enqueue("chat", textStream(["par"], "length"));
			const text = await (await proxy.post("/v1/responses", { model: "gpt-4o", input: "hi", stream: true })).text();
			const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
			const data = JSON.parse(text.trim().split("\n").at(-1)?.slice("data: ".length) ?? "{}");
			return { event: events.at(-1), status: data.response.status, details: data.response.incomplete_details };
		};
		expect(await last(defaults)).toEqual({
			event: "response.completed",
			status: "incomplete",
			details: { reason: "max_output_tokens" },
		});
		expect(await last(tuned)).toEqual({
			event: "response.incomplete",
			status: "incomplete",
			details: { reason: "max_output_tokens" },
		});
	});
});
