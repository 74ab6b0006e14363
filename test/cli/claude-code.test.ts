/**
 * The real Claude Code CLI, headless (`claude -p`), against the proxy in front of the test upstream: the user's
 * recipe (`ANTHROPIC_BASE_URL` = the proxy) must give a working agent, answers and tool loop included.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
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
	runClaude,
	slotHolder,
	toolCallStream,
} from "../support/cli.ts";
import { textStream } from "../support/upstream.ts";

// Starting the native CLI takes seconds on a loaded machine; this bounds a hung run, it asserts no timing.
const TIMEOUT = 120_000;
const MODEL = "gpt-4o";
const TEAM_KEY = "team-inbound-key-0123456789";

const stage = cliStage(MODEL);
afterEach(() => stage.stop());
const serve = stage.serve;

describe("Claude Code through the proxy", () => {
	test(
		"a plain answer: the upstream streams pong, claude prints it and exits 0",
		async () => {
			const { upstream, proxy } = await serve(pong);
			const home = await makeHome("claude");

			const run = await runClaude(home, proxy.url, "say ping", { args: ["--model", MODEL] });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
			const main = chatBodies(upstream).find((body) => asks(body, "say ping"));
			expect(main?.stream).toBe(true);
			// Claude Code's own tools reach the model as functions.
			const names = ((main?.tools ?? []) as Array<{ function: { name: string } }>).map((t) => t.function.name);
			expect(names).toEqual(expect.arrayContaining(["Bash", "Read", "Edit", "Write"]));
		},
		TIMEOUT,
	);

	test(
		"a tool loop: the upstream calls Bash, claude runs it and the result comes back as a tool message with the call's id",
		async () => {
			const callId = "call_cc_bash_1";
			const { upstream, proxy } = await serve((body) => {
				if (hasToolResult(body)) return textStream(["The command printed ", "hi."]);
				if (asks(body, "run echo hi")) {
					return toolCallStream(callId, "Bash", ['{"command":"ec', 'ho hi","description":"Print hi"}']);
				}
				return undefined;
			});
			const home = await makeHome("claude");

			// Headless mode refuses tools unless allowed; this allows exactly the command the model asks for.
			const run = await runClaude(home, proxy.url, "run echo hi", {
				args: ["--model", MODEL, "--allowedTools", "Bash(echo:*)"],
			});

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({
				exitCode: 0,
				stdout: "The command printed hi.\n",
			});
			const messages = followUpMessages(upstream);
			const toolIndex = messages.findIndex((m) => m.role === "tool");
			expect(messages[toolIndex]).toEqual({ role: "tool", tool_call_id: callId, content: "hi" });
			const call = messages[toolIndex - 1];
			expect(call?.role).toBe("assistant");
			expect(
				call?.tool_calls?.map((c) => ({
					...c,
					function: { ...c.function, arguments: JSON.parse(c.function.arguments) },
				})),
			).toEqual([
				{
					id: callId,
					type: "function",
					function: { name: "Bash", arguments: { command: "echo hi", description: "Print hi" } },
				},
			]);
		},
		TIMEOUT,
	);

	test(
		"a proxy with inbound keys: ANTHROPIC_AUTH_TOKEN carries the key",
		async () => {
			const { upstream, proxy } = await serve(pong, TEAM_KEY);
			const home = await makeHome("claude");

			const run = await runClaude(home, proxy.url, "say ping", {
				args: ["--model", MODEL],
				auth: { ANTHROPIC_AUTH_TOKEN: TEAM_KEY },
			});

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
			expect(chatBodies(upstream).some((body) => asks(body, "say ping"))).toBe(true);
		},
		TIMEOUT,
	);

	test(
		"a wrong inbound key: claude stops at once with the 401 instead of retrying for minutes",
		async () => {
			const { upstream, proxy } = await serve(pong, TEAM_KEY);
			const home = await makeHome("claude");

			const run = await runClaude(home, proxy.url, "say ping", {
				args: ["--model", MODEL],
				auth: { ANTHROPIC_AUTH_TOKEN: "not-the-team-key-0123456789" },
			});

			expect(run.exitCode).toBe(1);
			expect(`${run.stdout}${run.stderr}`).toContain("invalid API key");
			expect(chatBodies(upstream)).toEqual([]);
			// Asked once: `x-should-retry: false` on the 401 stops Claude Code's own retry loop.
			const asked = proxy.logLines().filter((l) => l.path === "/v1/messages" && l.status === 401);
			expect(asked).toHaveLength(1);
		},
		TIMEOUT,
	);

	test(
		"a reasoning model: the upstream streams reasoning before its answer, claude prints only the answer",
		async () => {
			const { proxy } = await serve((body) => (asks(body, "say ping") ? reasonedPong : undefined));
			const home = await makeHome("claude");

			const run = await runClaude(home, proxy.url, "say ping", { args: ["--model", MODEL] });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
		},
		TIMEOUT,
	);

	test(
		"parallel tool calls: two Bash calls in one answer, both results come back with their ids",
		async () => {
			const { upstream, proxy } = await serve((body) => {
				if (hasToolResult(body)) return textStream(["Both ran."]);
				if (!asks(body, "run both")) return undefined;
				return parallelCalls("Bash", { command: "echo one" }, { command: "echo two" });
			});
			const home = await makeHome("claude");

			const run = await runClaude(home, proxy.url, "run both", {
				args: ["--model", MODEL, "--allowedTools", "Bash(echo:*)"],
			});

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "Both ran.\n" });
			const messages = followUpMessages(upstream);
			const first = messages.findIndex((m) => m.role === "tool");
			expect(messages[first - 1]?.tool_calls?.map((c) => c.id)).toEqual(["call_p1", "call_p2"]);
			// Claude Code runs both at once and sends their results in the order they finish.
			const results = messages
				.slice(first)
				.sort((a, b) => String(a.tool_call_id).localeCompare(String(b.tool_call_id)));
			expect(results).toEqual([
				{ role: "tool", tool_call_id: "call_p1", content: "one" },
				{ role: "tool", tool_call_id: "call_p2", content: "two" },
			]);
		},
		TIMEOUT,
	);

	test(
		"a refused tool: claude asks before a command writes files, says so in the tool result, and runs nothing",
		async () => {
			const callId = "call_cc_touch_1";
			const { upstream, proxy } = await serve((body) => {
				if (hasToolResult(body)) return textStream(["Not allowed."]);
				if (asks(body, "make a file")) return toolCallStream(callId, "Bash", ['{"command":"touch made.txt"}']);
				return undefined;
			});
			const home = await makeHome("claude");

			// No --allowedTools: headless mode has nobody to ask, so the command is refused.
			const run = await runClaude(home, proxy.url, "make a file", { args: ["--model", MODEL] });

			expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "Not allowed.\n" });
			expect(await Bun.file(join(home.cwd, "made.txt")).exists()).toBe(false);
			const result = followUpMessages(upstream).find((m) => m.role === "tool");
			expect(result?.tool_call_id).toBe(callId);
			expect(result?.content).toContain("needs approval");
		},
		TIMEOUT,
	);
	test(
		"a 429 from the key's limit: claude backs off and retries, and prints the answer once the slot frees",
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
			const holder = await holdSlot(proxy.url, TEAM_KEY, MODEL);
			expect(holder.status).toBe(200);
			const home = await makeHome("claude");

			const running = runClaude(home, proxy.url, "say ping", {
				args: ["--model", MODEL],
				auth: { ANTHROPIC_AUTH_TOKEN: TEAM_KEY },
			});
			// Its request is refused by the limit first; then the holder ends and the slot frees.
			await refusedThenAnswered({ proxy, upstream, path: "/v1/messages", holder, release, running });
		},
		TIMEOUT,
	);
});
