/**
 * The shipped artifact: `bun run build` makes one self-contained `./ollama-proxy`. Copied alone into an empty
 * directory (no Bun, no node_modules next to it, a stray .env it must not read), it serves the core contract.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmod, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ndjsonLines, stable } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { listeningUrl, watchLog } from "../support/wait.ts";

const ROOT = join(import.meta.dir, "..", "..");
let dir: string;
let binary: string;
let upstream: TestUpstream;
let server: ReturnType<typeof Bun.spawn>;
let url: string;

beforeAll(async () => {
	const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
	if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`);
	dir = await mkdtemp(join(tmpdir(), "ollama-proxy-bin-"));
	binary = join(dir, "ollama-proxy");
	await copyFile(join(ROOT, "ollama-proxy"), binary);
	await chmod(binary, 0o755);
	// A compiled Bun binary reads .env and bunfig.toml from its working directory unless built not to.
	await Bun.write(join(dir, ".env"), "OPENAI_BASE_URL=http://127.0.0.1:9/v1\nPORT=1\n");
	upstream = await startTestUpstream();
	server = Bun.spawn([binary], {
		cwd: dir,
		env: { PORT: "0", OPENAI_BASE_URL: upstream.url },
		stdout: "pipe",
		stderr: "pipe",
	});
	url = await listeningUrl(watchLog(server.stdout as ReadableStream<Uint8Array>));
}, 120_000);

afterAll(async () => {
	server?.kill("SIGKILL");
	upstream?.stop();
	await rm(dir, { recursive: true, force: true });
});

describe("the compiled binary, alone in an empty directory", () => {
	test("answers the probes", async () => {
		expect(await (await fetch(`${url}/`)).text()).toBe("Ollama is running");
		expect(await (await fetch(`${url}/api/version`)).text()).toBe('{"version":"0.33.0"}');
		const pkg = await Bun.file(join(ROOT, "package.json")).json();
		expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "healthy", version: pkg.version });
	});

	test("lists models from the upstream in the environment, not from the stray .env", async () => {
		const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string }[] };
		expect(tags.models.map((m) => m.name)).toContain("gpt-4o:latest");
	});

	test("streams a chat answer as NDJSON", async () => {
		const res = await fetch(`${url}/api/chat`, {
			method: "POST",
			body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
		});
		expect(res.headers.get("content-type")).toBe("application/x-ndjson");
		const text = await res.text();
		expect(ndjsonLines(text).map((l) => (l.message as { content: string }).content)).toEqual(["Hello", " world", ""]);
		expect(stable(text).split("\n")[0]).toBe(
			'{"model":"gpt-4o","created_at":"T","message":{"role":"assistant","content":"Hello"},"done":false}',
		);
	});

	test("serves the API docs and their script from inside the binary", async () => {
		const page = await (await fetch(`${url}/swagger`)).text();
		expect(page).toContain('src="/swagger/assets/api-reference.js"');
		const script = await fetch(`${url}/swagger/assets/api-reference.js`);
		expect(script.status).toBe(200);
		expect((await script.text()).length).toBeGreaterThan(1_000_000);
		const spec = (await (await fetch(`${url}/swagger/json`)).json()) as { paths: Record<string, unknown> };
		expect(Object.keys(spec.paths)).toContain("/api/chat");
	});

	test("--version, healthcheck up and down", async () => {
		const pkg = await Bun.file(join(ROOT, "package.json")).json();
		const version = Bun.spawnSync([binary, "--version"], { cwd: dir });
		expect(version.stdout.toString()).toBe(`${pkg.version}\n`);
		expect(Bun.spawnSync([binary, "healthcheck", "--url", `${url}/health`], { cwd: dir }).exitCode).toBe(0);
		expect(Bun.spawnSync([binary, "healthcheck", "--url", "http://127.0.0.1:9/health"], { cwd: dir }).exitCode).toBe(1);
	});

	test("stops cleanly on SIGTERM", async () => {
		server.kill("SIGTERM");
		expect(await server.exited).toBe(0);
	});
});
