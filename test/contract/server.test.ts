import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { listeningUrl, until, watchLog } from "../support/wait.ts";

const ENTRY = `${import.meta.dir}/../../src/index.ts`;
let upstream: TestUpstream;

beforeAll(async () => {
	upstream = await startTestUpstream();
});
afterAll(() => upstream.stop());

/** The server as a user starts it, on a port the OS chose (PORT=0), with its log read as it comes. */
function start(env: Record<string, string>) {
	const proc = Bun.spawn(["bun", ENTRY], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", ...env },
		stdout: "pipe",
		stderr: "pipe",
	});
	return { proc, log: watchLog(proc.stdout) };
}

const refused = (url: string) =>
	fetch(`${url}/health`).then(
		() => false,
		() => true,
	);

describe("the server as a user starts it", () => {
	test("serves on HOST:PORT, warns once without a key, and stops cleanly on SIGTERM", async () => {
		const { proc, log } = start({ OPENAI_BASE_URL: upstream.url });
		const url = await listeningUrl(log);
		const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: unknown[] };
		expect(tags.models.length).toBe(3);
		proc.kill("SIGTERM");
		expect(await proc.exited).toBe(0);
		const lines = await log.all();
		expect(lines.filter((l) => String(l.msg).includes("OPENAI_API_KEY is not set"))).toHaveLength(1);
		expect(lines.map((l) => l.msg)).toContain("stopping: draining in-flight requests");
	});

	test("a bad setting stops it with one line naming the variable", async () => {
		const { proc } = start({ PORT: "not-a-port" });
		expect(await proc.exited).toBe(1);
		const stderr = await new Response(proc.stderr).text();
		expect(stderr).toBe("ollama-proxy: invalid configuration: PORT: Invalid input: expected number, received NaN\n");
	});

	test("a port in use is one clear line, not a silent shared port", async () => {
		const taken = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("other") });
		try {
			const { proc } = start({ PORT: String(taken.port), OPENAI_BASE_URL: upstream.url });
			expect(await proc.exited).toBe(1);
			expect(await new Response(proc.stderr).text()).toBe(
				`ollama-proxy: cannot listen on 127.0.0.1:${taken.port}: port ${taken.port} is already in use\n`,
			);
		} finally {
			taken.stop(true);
		}
	});
});

describe("ollama-proxy validate", () => {
	test("prints the resolved model table from a configuration file without serving", async () => {
		const path = `${Bun.env.TMPDIR ?? "/tmp"}/ollama-proxy-validate-${process.pid}.yaml`;
		await Bun.write(
			path,
			`upstreams:\n  - name: up\n    base_url: ${upstream.url}\n    include: ["gpt-*", "meta-*"]\n  - name: gone\n    base_url: http://127.0.0.1:9/v1\nmodels:\n  - name: coder\n    upstream: up\n    id: gpt-4o\n    context_length: 4096\n    fallbacks: [nowhere]\n`,
		);
		const proc = Bun.spawn(["bun", ENTRY, "validate", "--config", path], { stdout: "pipe", stderr: "pipe" });
		expect(await proc.exited).toBe(0);
		expect(await new Response(proc.stdout).text()).toBe(
			[
				`configuration file ${path}: valid`,
				"upstream up: 3 models listed",
				"upstream gone: unavailable: upstream unreachable: connect ECONNREFUSED 127.0.0.1:9",
				"warning: model 'coder' falls back to the unlisted model 'nowhere'",
				"",
				"MODEL                                    UPSTREAM  UPSTREAM ID                       CAPABILITIES             CONTEXT",
				"coder:latest                             up        gpt-4o                            completion,tools,vision  4096",
				"gpt-4o:latest                            up        gpt-4o                            completion,tools,vision  128000",
				"meta-llama/Llama-3.1-8B-Instruct:latest  up        meta-llama/Llama-3.1-8B-Instruct  completion,tools         65536",
				"",
			].join("\n"),
		);
	});

	test("a bad file is one line and exit 1", async () => {
		const path = `${Bun.env.TMPDIR ?? "/tmp"}/ollama-proxy-bad-${process.pid}.yaml`;
		await Bun.write(path, "upstreams: []\n");
		const proc = Bun.spawn(["bun", ENTRY, "validate", "--config", path], { stdout: "pipe", stderr: "pipe" });
		expect(await proc.exited).toBe(1);
		expect(await new Response(proc.stderr).text()).toBe(
			`ollama-proxy: invalid configuration file ${path}: upstreams: at least one upstream is needed\n`,
		);
	});
});

describe("graceful shutdown", () => {
	const hello = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });

	test("SIGTERM stops new connections and lets an in-flight stream finish", async () => {
		const { proc, log } = start({ OPENAI_BASE_URL: upstream.url, SHUTDOWN_GRACE_MS: "10000" });
		const url = await listeningUrl(log);
		upstream.enqueue("chat", {
			kind: "stream",
			gapMs: 60,
			chunks: ["a", "b", "c", "d", "e"].map((content) => chunk({ content })).concat([chunk({}, "stop")]),
		});
		const res = await fetch(`${url}/api/chat`, { method: "POST", body: hello });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		let text = new TextDecoder().decode((await reader.read()).value);
		proc.kill("SIGTERM");
		await log.line((l) => l.msg === "stopping: draining in-flight requests");
		expect(await until(() => refused(url))).toBe(true);
		for (let part = await reader.read(); !part.done; part = await reader.read())
			text += new TextDecoder().decode(part.value);
		const lines = text
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l));
		expect(lines.map((l) => l.message.content).join("")).toBe("abcde");
		expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
		expect(await proc.exited).toBe(0);
	});

	test("a stream that outlives the grace period is cut and the process still exits", async () => {
		const { proc, log } = start({ OPENAI_BASE_URL: upstream.url, SHUTDOWN_GRACE_MS: "200" });
		const url = await listeningUrl(log);
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const res = await fetch(`${url}/api/chat`, { method: "POST", body: hello });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		await reader.read();
		proc.kill("SIGTERM");
		expect(await proc.exited).toBe(0);
		const rest = await reader.read().then(
			(part) => (part.done ? "ended" : "more"),
			() => "cut",
		);
		expect(["ended", "cut"]).toContain(rest);
	});
});

describe("ollama-proxy healthcheck", () => {
	test("finds the port the server uses from the configuration file, and fails when nothing answers", async () => {
		const path = `${Bun.env.TMPDIR ?? "/tmp"}/ollama-proxy-hc-${process.pid}.yaml`;
		const config = (port: number) =>
			Bun.write(path, `listen: { port: ${port} }\nupstreams:\n  - name: up\n    base_url: ${upstream.url}\n`);
		// The server takes a port from the OS; the file then names that port, as a user's file names theirs.
		await config(0);
		const server = Bun.spawn(["bun", ENTRY, "--config", path], { stdout: "pipe", stderr: "ignore" });
		const url = await listeningUrl(watchLog(server.stdout));
		await config(Number(new URL(url).port));
		const check = () => Bun.spawnSync(["bun", ENTRY, "healthcheck", "--config", path]).exitCode;
		try {
			expect(check()).toBe(0);
		} finally {
			server.kill("SIGTERM");
			await server.exited;
		}
		// The same port with nothing on it any more.
		expect(check()).toBe(1);
	});
});
