/**
 * The real Codex CLI, headless (`codex exec --oss`), against the proxy in front of the test upstream: the user's
 * recipe (`CODEX_OSS_BASE_URL` = the proxy's /v1) must start (version, model list) and give a working agent, answers
 * and tool loop included.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
	asks,
	chatBodies,
	cliStage,
	followUpMessages,
	hasToolResult,
	holdSlot,
	makeHome,
	parallelCalls,
	pong,
	reasonedPong,
	refusedThenAnswered,
	runCodex,
	runCodexProvider,
	slotHolder,
	toolCallStream,
} from "../support/cli.ts";
import { textStream } from "../support/upstream.ts";

// Codex's launcher and first run take seconds on a loaded machine; this bounds a hung run, it asserts no timing.
const TIMEOUT = 120_000;
// Codex pulls a model whose name is not in /api/tags exactly, so it is given the listed name.
const MODEL = "gpt-4o:latest";
const TEAM_KEY = "team-inbound-key-0123456789";

const stage = cliStage("gpt-4o");
afterEach(() => stage.stop());
const serve = stage.serve;

describe("Codex through the proxy", () => {
	test(
		"a plain answer: the upstream streams pong, codex prints it and exits 0",
		async () => {
			const { upstream, proxy } = await serve(pong);
			const home = await makeHome("codex");

			const run = await runCodex(home, proxy.url, "say ping", { args: ["-m", MODEL] });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
			const main = chatBodies(upstream).find((body) => asks(body, "say ping"));
			expect(main?.stream).toBe(true);
			// Codex's shell tool reaches the model as a function.
			const names = ((main?.tools ?? []) as Array<{ function: { name: string } }>).map((t) => t.function.name);
			expect(names).toContain("exec_command");
		},
		TIMEOUT,
	);

	test(
		"a tool loop: the upstream calls exec_command, codex runs it and the output comes back as a tool message with the call's id",
		async () => {
			const callId = "call_codex_exec_1";
			const { upstream, proxy } = await serve((body) => {
				if (hasToolResult(body)) return textStream(["The command printed ", "hi."]);
				if (asks(body, "run echo hi")) return toolCallStream(callId, "exec_command", ['{"cmd":', '"echo hi"}']);
				return undefined;
			});
			const home = await makeHome("codex");

			// Without a sandbox the command runs the same on every machine (bubblewrap needs user namespaces); the
			// command is the test upstream's own `echo hi`, run in a throwaway folder.
			const run = await runCodex(home, proxy.url, "run echo hi", {
				args: ["-m", MODEL, "--dangerously-bypass-approvals-and-sandbox"],
			});

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({
				exitCode: 0,
				stdout: "The command printed hi.\n",
			});
			const messages = followUpMessages(upstream);
			const toolIndex = messages.findIndex((m) => m.role === "tool");
			const result = messages[toolIndex];
			expect({ role: result?.role, tool_call_id: result?.tool_call_id }).toEqual({
				role: "tool",
				tool_call_id: callId,
			});
			// Codex reports the exit code and the output of the command it ran.
			expect(result?.content).toMatch(/Process exited with code 0\n[\s\S]*Output:\nhi\n$/);
			const call = messages[toolIndex - 1];
			expect(call?.role).toBe("assistant");
			expect(call?.tool_calls).toEqual([
				{ id: callId, type: "function", function: { name: "exec_command", arguments: '{"cmd":"echo hi"}' } },
			]);
		},
		TIMEOUT,
	);

	test(
		"a proxy with inbound keys: a custom provider whose env_key holds the key, as the docs' recipe says",
		async () => {
			const { upstream, proxy } = await serve(pong, TEAM_KEY);
			const home = await makeHome("codex");
			const config = [
				'model = "gpt-4o"',
				'model_provider = "ollama-proxy"',
				"model_context_window = 128000",
				"",
				"[model_providers.ollama-proxy]",
				'name = "ollama-proxy"',
				`base_url = "${proxy.url}/v1"`,
				'env_key = "OLLAMA_PROXY_API_KEY"',
				'wire_api = "responses"',
				"",
			].join("\n");

			const run = await runCodexProvider(home, config, "say ping", { auth: { OLLAMA_PROXY_API_KEY: TEAM_KEY } });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
			expect(chatBodies(upstream).some((body) => asks(body, "say ping"))).toBe(true);
		},
		TIMEOUT,
	);

	test(
		"a reasoning model: the upstream streams reasoning before its answer, codex prints only the answer",
		async () => {
			const { proxy } = await serve((body) => (asks(body, "say ping") ? reasonedPong : undefined));
			const home = await makeHome("codex");

			const run = await runCodex(home, proxy.url, "say ping", { args: ["-m", MODEL] });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
			// Codex shows the reasoning summary in its transcript (stderr), the answer alone on stdout.
			expect(run.stderr).toContain("The user wants a pong.");
		},
		TIMEOUT,
	);

	test(
		"parallel tool calls: two exec_command calls in one answer, both outputs come back in order with their ids",
		async () => {
			const { upstream, proxy } = await serve((body) => {
				if (hasToolResult(body)) return textStream(["Both ran."]);
				if (!asks(body, "run both")) return undefined;
				return parallelCalls("exec_command", { cmd: "echo one" }, { cmd: "echo two" });
			});
			const home = await makeHome("codex");

			const run = await runCodex(home, proxy.url, "run both", {
				args: ["-m", MODEL, "--dangerously-bypass-approvals-and-sandbox"],
			});

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "Both ran.\n" });
			const messages = followUpMessages(upstream);
			const first = messages.findIndex((m) => m.role === "tool");
			expect(messages[first - 1]?.tool_calls?.map((c) => c.id)).toEqual(["call_p1", "call_p2"]);
			const results = messages.slice(first);
			expect(results.map((m) => [m.role, m.tool_call_id])).toEqual([
				["tool", "call_p1"],
				["tool", "call_p2"],
			]);
			expect(results[0]?.content).toMatch(/Output:\none\n$/);
			expect(results[1]?.content).toMatch(/Output:\ntwo\n$/);
		},
		TIMEOUT,
	);
	test(
		"a 429 from the key's limit: codex backs off and retries, and prints the answer once the slot frees",
		async () => {
			let release = () => {};
			const released = new Promise<void>((resolve) => {
				release = resolve;
			});
			const { upstream, proxy } = await serve(
				(body) => (asks(body, "hold the slot") ? slotHolder(released) : pong(body)),
				TEAM_KEY,
				"{ concurrent: 1 }",
			);
			// Another client of the team key holds its one slot.
			const holder = await holdSlot(proxy.url, TEAM_KEY, "gpt-4o");
			expect(holder.status).toBe(200);
			const home = await makeHome("codex");
			const config = [
				'model = "gpt-4o"',
				'model_provider = "ollama-proxy"',
				"model_context_window = 128000",
				"",
				"[model_providers.ollama-proxy]",
				'name = "ollama-proxy"',
				`base_url = "${proxy.url}/v1"`,
				'env_key = "OLLAMA_PROXY_API_KEY"',
				'wire_api = "responses"',
				"",
			].join("\n");

			const running = runCodexProvider(home, config, "say ping", { auth: { OLLAMA_PROXY_API_KEY: TEAM_KEY } });
			// Its request is refused by the limit first; then the holder ends and the slot frees.
			await refusedThenAnswered({ proxy, upstream, path: "/v1/responses", holder, release, running });
		},
		TIMEOUT,
	);
});
