/**
 * The real Codex CLI, headless (`codex exec --oss`), against the proxy in front of the test upstream: the user's
 * recipe (`CODEX_OSS_BASE_URL` = the proxy's /v1) must start (version, model list) and give a working agent, answers
 * and tool loop included.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { asks, chatBodies, cleanUpClis, makeHome, messagesOf, runCodex, toolCallStream } from "../support/cli.ts";
import { startProxy, type TestProxy } from "../support/proxy.ts";
import { type Reply, startTestUpstream, type TestUpstream, textStream } from "../support/upstream.ts";

// Codex's launcher and first run take seconds on a loaded machine; this bounds a hung run, it asserts no timing.
const TIMEOUT = 120_000;
// Codex pulls a model whose name is not in /api/tags exactly, so it is given the listed name.
const MODEL = "gpt-4o:latest";

let upstream: TestUpstream | undefined;
let proxy: TestProxy | undefined;

afterEach(async () => {
	await cleanUpClis();
	await proxy?.stop();
	upstream?.stop();
	proxy = upstream = undefined;
});

/** The proxy in front of an upstream whose answers follow the conversation; any other request gets `side`. */
async function serve(answer: (body: Record<string, unknown>) => Reply | undefined) {
	upstream = await startTestUpstream({ behaviors: { "gpt-4o": (body) => answer(body) ?? textStream(["side"]) } });
	proxy = await startProxy(upstream.url);
	return { upstream, proxy };
}

describe("Codex through the proxy", () => {
	test(
		"a plain answer: the upstream streams pong, codex prints it and exits 0",
		async () => {
			const { upstream, proxy } = await serve((body) =>
				asks(body, "say ping") ? textStream(["po", "ng"]) : undefined,
			);
			const home = await makeHome("codex");

			const run = await runCodex(home, proxy.url, "say ping", ["-m", MODEL]);

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
				if (messagesOf(body).some((m) => m.role === "tool")) return textStream(["The command printed ", "hi."]);
				if (asks(body, "run echo hi")) return toolCallStream(callId, "exec_command", ['{"cmd":', '"echo hi"}']);
				return undefined;
			});
			const home = await makeHome("codex");

			// Without a sandbox the command runs the same on every machine (bubblewrap needs user namespaces); the
			// command is the test upstream's own `echo hi`, run in a throwaway folder.
			const run = await runCodex(home, proxy.url, "run echo hi", [
				"-m",
				MODEL,
				"--dangerously-bypass-approvals-and-sandbox",
			]);

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({
				exitCode: 0,
				stdout: "The command printed hi.\n",
			});
			const followUp = chatBodies(upstream).find((body) => messagesOf(body).some((m) => m.role === "tool"));
			const messages = messagesOf(followUp ?? {});
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
});
