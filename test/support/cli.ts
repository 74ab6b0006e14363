/**
 * Runs the real coding-agent CLIs (Claude Code, Codex) headless against a proxy. Each run gets a throwaway home and
 * working folder and an environment holding only what that CLI needs, so nothing from the machine's own setup (keys,
 * config, telemetry, a real Anthropic or OpenAI account) takes part, and it is killed if the test ends first.
 */
import { expect } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { startProxy, startProxyWithConfig, type TestProxy } from "./proxy.ts";
import {
	chatBodies,
	chunk,
	type Reply,
	startTestUpstream,
	type TestUpstream,
	textStream,
	usageChunk,
} from "./upstream.ts";
import { until } from "./wait.ts";

export { chatBodies };

const ROOT = resolve(import.meta.dir, "../..");
const BIN = join(ROOT, "node_modules/.bin");
/**
 * Homes live under node_modules/.cache, not /tmp: Codex refuses to set up its helper commands (`apply_patch` and
 * friends on PATH) under the system temp folder, and the folder is ignored by git and removed after each run.
 */
const HOMES = join(ROOT, "node_modules/.cache/agent-cli-tests");

/** Only what the agents' shell tools need (bash, echo), plus wherever node is: Codex's launcher is a node script. */
const NODE_DIR = dirname(Bun.which("node") ?? "/usr/bin/node");
const BASE_ENV = { PATH: `${NODE_DIR}:/usr/local/bin:/usr/bin:/bin`, LANG: "C.UTF-8", TERM: "dumb" };

export type CliRun = { exitCode: number | null; signal: string | null; stdout: string; stderr: string };

export type AgentHome = {
	/** Throwaway HOME. */
	home: string;
	/** The agent's working folder (inside the home), where its shell commands run. */
	cwd: string;
	remove(): Promise<void>;
};

const running = new Set<Subprocess>();
const homes = new Set<AgentHome>();

export async function makeHome(name: string): Promise<AgentHome> {
	await mkdir(HOMES, { recursive: true });
	const home = await mkdtemp(join(HOMES, `${name}-`));
	const cwd = join(home, "work");
	await mkdir(cwd);
	// Codex wants its CODEX_HOME to exist; Claude Code creates its own folders.
	await mkdir(join(home, ".codex"));
	const made: AgentHome = {
		home,
		cwd,
		remove: async () => {
			homes.delete(made);
			await rm(home, { recursive: true, force: true });
		},
	};
	homes.add(made);
	return made;
}

/** Kills every CLI still running and removes every home; for `afterEach`. */
export async function cleanUpClis(): Promise<void> {
	for (const child of running) child.kill("SIGKILL");
	await Promise.all([...running].map((child) => child.exited));
	await Promise.all([...homes].map((h) => h.remove()));
}

/**
 * Runs a command to its end, stdin closed (Codex reads a prompt from stdin when it is a pipe). `limitMs` kills a
 * CLI that hangs so the test fails with its output instead of only a timeout; it is not a timing assertion.
 */
export async function runCli(cmd: string[], options: { env: Record<string, string>; cwd: string; limitMs: number }) {
	const child = Bun.spawn(cmd, {
		cwd: options.cwd,
		env: { ...BASE_ENV, ...options.env },
		stdin: "ignore",
		stdout: "pipe",
		stderr: "pipe",
		timeout: options.limitMs,
		killSignal: "SIGKILL",
	});
	running.add(child);
	try {
		const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
		await child.exited;
		const run: CliRun = {
			exitCode: child.exitCode,
			signal: child.signalCode === null ? null : String(child.signalCode),
			stdout,
			stderr,
		};
		// The CLIs say why they failed on stderr; shown only then, since both print warnings on every run.
		if (run.exitCode !== 0) console.error(`${cmd[0]} exited ${run.exitCode ?? run.signal}:\n${stderr}`);
		return run;
	} finally {
		running.delete(child);
	}
}

/**
 * Claude Code's launcher. Bun links `.bin/claude` straight to the platform package's native binary (it skips the
 * package's postinstall, which would copy that binary over the `bin/claude.exe` stub); an installer that neither
 * runs the postinstall nor links like Bun leaves the stub, which only prints an error, so the postinstall is run here.
 */
function claudeBinary(): string {
	const linked = join(BIN, "claude");
	if (existsSync(linked) && statSync(linked).size > 4096) return linked;
	const pkg = join(ROOT, "node_modules/@anthropic-ai/claude-code");
	const exe = join(pkg, "bin/claude.exe");
	if (statSync(exe).size <= 4096) {
		const installed = Bun.spawnSync(["node", "install.cjs"], { cwd: pkg, stderr: "pipe" });
		if (installed.exitCode !== 0) throw new Error(`claude-code install.cjs failed: ${installed.stderr.toString()}`);
	}
	return exe;
}

type AgentRun = {
	/** Flags before the prompt. */
	args?: string[];
	/** Replaces the CLI's credentials (Claude Code: `ANTHROPIC_API_KEY: "sk-dummy"` unless given). */
	auth?: Record<string, string>;
	limitMs?: number;
};

/** `claude -p <prompt>` against `baseUrl` (the proxy's root), with no telemetry, update checks or other traffic. */
export function runClaude(home: AgentHome, baseUrl: string, prompt: string, run: AgentRun = {}) {
	return runCli([claudeBinary(), "-p", prompt, ...(run.args ?? [])], {
		cwd: home.cwd,
		limitMs: run.limitMs ?? 90_000,
		env: {
			HOME: home.home,
			ANTHROPIC_BASE_URL: baseUrl,
			DISABLE_TELEMETRY: "1",
			DISABLE_AUTOUPDATER: "1",
			CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
			...(run.auth ?? { ANTHROPIC_API_KEY: "sk-dummy" }),
		},
	});
}

const codexEnv = (home: AgentHome) => ({ HOME: home.home, CODEX_HOME: join(home.home, ".codex") });

/** `codex exec --oss` against `baseUrl` (the proxy's root; Codex is given `<root>/v1`), outside any git repository. */
export function runCodex(home: AgentHome, baseUrl: string, prompt: string, run: AgentRun = {}) {
	const args = ["exec", "--oss", "--local-provider=ollama", "--skip-git-repo-check", ...(run.args ?? []), prompt];
	return runCli([join(BIN, "codex"), ...args], {
		cwd: home.cwd,
		limitMs: run.limitMs ?? 90_000,
		env: { ...codexEnv(home), CODEX_OSS_BASE_URL: `${baseUrl}/v1`, ...run.auth },
	});
}

/**
 * `codex exec` with the proxy as a custom provider in `config.toml` (the recipe for a proxy with inbound keys: `--oss`
 * sends no key, a provider's `env_key` names the variable whose value Codex sends as `Authorization: Bearer`).
 */
export async function runCodexProvider(home: AgentHome, config: string, prompt: string, run: AgentRun = {}) {
	await Bun.write(join(home.home, ".codex/config.toml"), config);
	return runCli([join(BIN, "codex"), "exec", "--skip-git-repo-check", ...(run.args ?? []), prompt], {
		cwd: home.cwd,
		limitMs: run.limitMs ?? 90_000,
		env: { ...codexEnv(home), ...run.auth },
	});
}

type ChatMessage = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: ToolCall[] };
type ToolCall = { id: string; type: string; function: { name: string; arguments: string } };

/** An upstream answer that calls one tool, its arguments streamed in the given pieces (as OpenAI splits them). */
export function toolCallStream(id: string, name: string, argumentPieces: string[]): Reply {
	return {
		kind: "stream",
		chunks: [
			chunk({ role: "assistant", content: null }),
			...argumentPieces.map((piece, i) =>
				chunk({
					tool_calls: [
						i === 0
							? { index: 0, id, type: "function", function: { name, arguments: piece } }
							: { index: 0, function: { arguments: piece } },
					],
				}),
			),
			chunk({}, "tool_calls"),
			usageChunk(900, 12),
		],
	};
}

/** An upstream answer that calls one tool twice at once, ids `call_p1` and `call_p2`. */
export function parallelCalls(name: string, first: object, second: object): Reply {
	return {
		kind: "stream",
		chunks: [
			chunk({ role: "assistant", content: null }),
			...[first, second].map((args, index) =>
				chunk({
					tool_calls: [
						{ index, id: `call_p${index + 1}`, type: "function", function: { name, arguments: JSON.stringify(args) } },
					],
				}),
			),
			chunk({}, "tool_calls"),
			usageChunk(900, 24),
		],
	};
}

/** The chat messages of one upstream request. */
export const messagesOf = (body: Record<string, unknown>) => (body.messages ?? []) as ChatMessage[];

/** The text of a chat message's content, whether a string or parts. */
export function textOf(message: ChatMessage | undefined): string {
	const content = message?.content;
	if (typeof content === "string") return content;
	if (!Array.isArray(content)) return "";
	return content.map((part: { text?: string }) => part.text ?? "").join("");
}

/** Whether the user asked `prompt` in this request (the agents add reminder and context blocks around it). */
export const asks = (body: Record<string, unknown>, prompt: string) =>
	messagesOf(body).some((m) => m.role === "user" && textOf(m).includes(prompt));

/** Whether a request carries a tool result: the agent's turn after it ran a tool. */
export const hasToolResult = (body: Record<string, unknown>) => messagesOf(body).some((m) => m.role === "tool");

/** The messages of the first upstream chat request that carries a tool result ([] when none did). */
export const followUpMessages = (upstream: TestUpstream) => messagesOf(chatBodies(upstream).find(hasToolResult) ?? {});

/** Answers "say ping" with a streamed "pong"; any other request is left to the stage's side answer. */
export const pong = (body: Record<string, unknown>) => (asks(body, "say ping") ? textStream(["po", "ng"]) : undefined);

/** A reasoning model's answer to "say ping": reasoning first, then "pong". */
export const reasonedPong: Reply = {
	kind: "stream",
	chunks: [
		chunk({ role: "assistant", content: "" }),
		chunk({ reasoning_content: "The user wants " }),
		chunk({ reasoning_content: "a pong." }),
		chunk({ content: "pong" }),
		chunk({}, "stop"),
		usageChunk(900, 9),
	],
};

/**
 * The proxy in front of a test upstream whose answers follow the conversation (any other request, such as a side
 * request of the CLI, gets `side`), one per test; with `inboundKey`, the proxy requires that key (with `limits`, the
 * key's limits as YAML flow text). `stop` ends the
 * CLIs, the proxy and the upstream.
 */
export function cliStage(model: string) {
	let upstream: TestUpstream | undefined;
	let proxy: TestProxy | undefined;
	return {
		async serve(answer: (body: Record<string, unknown>) => Reply | undefined, inboundKey?: string, limits?: string) {
			const started = await startTestUpstream({
				behaviors: { [model]: (body) => answer(body) ?? textStream(["side"]) },
			});
			upstream = started;
			proxy = inboundKey
				? await startProxyWithConfig(
						`upstreams:\n  - name: main\n    base_url: ${started.url}\nkeys:\n  - key: ${inboundKey}\n    name: team\n${limits ? `    limits: ${limits}\n` : ""}`,
					)
				: await startProxy(started.url);
			return { upstream: started, proxy };
		},
		async stop() {
			await cleanUpClis();
			await proxy?.stop();
			upstream?.stop();
			proxy = upstream = undefined;
		},
	};
}

/**
 * An answer to "hold the slot" that sends its first chunk and then waits for `released` before it ends: another
 * client of the same key holding its one `concurrent` slot until the test lets go.
 */
export function slotHolder(released: Promise<unknown>): Reply {
	return {
		kind: "stream",
		chunks: [chunk({ role: "assistant", content: "held" }), chunk({}, "stop"), usageChunk(5, 1)],
		gate: { at: 1, open: released },
	};
}

/** Opens the holder's stream through the proxy with `key`; resolves once its headers (after the first chunk) are in. */
export function holdSlot(proxyUrl: string, key: string, model: string) {
	return fetch(`${proxyUrl}/v1/chat/completions`, {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hold the slot" }] }),
	});
}

/**
 * A CLI run against a key whose one slot another client holds: the proxy refuses the CLI first (429), the slot is
 * then released, and the CLI, retrying on its own, prints the answer. Only the answered attempt reaches the upstream.
 */
export async function refusedThenAnswered(call: {
	proxy: TestProxy;
	upstream: TestUpstream;
	/** The route the CLI calls, as its log lines name it. */
	path: string;
	holder: Response;
	release: () => void;
	running: Promise<{ exitCode: number | null; stdout: string }>;
}): Promise<void> {
	const attempts = () => call.proxy.logLines().filter((l) => l.path === call.path);
	expect(await until(() => attempts().some((l) => l.status === 429))).toBe(true);
	call.release();
	expect(await call.holder.text()).toContain("[DONE]");
	const run = await call.running;
	expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({ exitCode: 0, stdout: "pong\n" });
	// Refused (once, unless its retry beat the release), then answered.
	expect(
		attempts()
			.map((l) => l.status)
			.join(","),
	).toMatch(/^(429,)+200$/);
	// The refused attempts never reached the upstream: only the answered one did.
	expect(chatBodies(call.upstream).filter((body) => asks(body, "say ping"))).toHaveLength(1);
}
