/**
 * Keys never leak. The contract and reliability suites run again in a child process with a recognisable upstream
 * key in every proxy (and the suites' own recognisable keys); every log line and every response they produced is
 * then searched for any of the keys. The default log level carries no prompt or completion text.
 */
import { expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy } from "../support/proxy.ts";
import { SWEEP_DIR, SWEEP_UPSTREAM_KEY } from "../support/secret-sweep.ts";
import { startTestUpstream } from "../support/upstream.ts";

const ROOT = join(import.meta.dir, "..", "..");
// Every recognisable key the suites use, in whole or in a form an upstream could quote back.
const KEYS = [
	SWEEP_UPSTREAM_KEY,
	"sk-test-key-0123456789",
	"sk-proxy-secret-0123456789abcdef",
	"sk-alpha-upstream-key-000000000000",
	"team-inbound-key-0123456789",
	"limited-inbound-key-0123456789",
	"azure-key-123456",
	"ollama-key-0123456789",
	"cheap-only-key-0123456789",
];

// The sweep runs the suites once; inside the sweep's own child process this file has nothing to do.
if (!SWEEP_DIR) {
	test("no key appears in any log line or response of the contract and reliability suites", async () => {
		const dir = await mkdtemp(join(tmpdir(), "ollama-proxy-sweep-"));
		try {
			const run = Bun.spawn(["bun", "test", "--timeout", "60000", "test/contract", "test/reliability/faults.test.ts"], {
				cwd: ROOT,
				env: { ...process.env, SECRETS_SWEEP_DIR: dir },
				stdout: "pipe",
				stderr: "pipe",
			});
			const [code, stderr] = await Promise.all([run.exited, new Response(run.stderr).text()]);
			// A failure in the child is named: the tail of its output is its coverage table.
			const failed = [...new Set(stderr.split("\n").filter((line) => line.startsWith("(fail) ")))];
			const why = code === 0 ? [] : failed.length > 0 ? failed : [stderr.slice(-2000)];
			expect({ code, why }).toEqual({ code: 0, why: [] });
			const files = await readdir(dir);
			expect(files.some((f) => f.startsWith("logs-"))).toBe(true);
			expect(files.some((f) => f.startsWith("responses-"))).toBe(true);
			let bytes = 0;
			for (const name of files) {
				const text = await readFile(join(dir, name), "utf8");
				bytes += text.length;
				for (const key of KEYS)
					expect({ file: name, leaked: text.includes(key) ? key : null }).toEqual({ file: name, leaked: null });
			}
			// The sweep looked at something real: megabytes of logs and answers.
			expect(bytes).toBeGreaterThan(100_000);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	}, 120_000);
}

test("at the default level, the log holds no prompt, no completion, and no key", async () => {
	const upstream = await startTestUpstream({ apiKey: SWEEP_UPSTREAM_KEY });
	const lines: string[] = [];
	const proxy = await startProxy(upstream.url, { OPENAI_API_KEY: SWEEP_UPSTREAM_KEY, LOG_LEVEL: "info" });
	try {
		const body = { model: "gpt-4o", messages: [{ role: "user", content: "my secret prompt text" }] };
		await (await proxy.post("/api/chat", body)).text();
		await (await proxy.post("/api/chat", { ...body, stream: false })).text();
		await (await proxy.post("/api/generate", { model: "gpt-4o", prompt: "another secret prompt" })).text();
		lines.push(...proxy.logs);
	} finally {
		proxy.stop();
		upstream.stop();
	}
	const all = lines.join("\n");
	expect(all).not.toContain("secret prompt");
	expect(all).not.toContain("Hello world");
	expect(all).not.toContain(SWEEP_UPSTREAM_KEY);
	expect(lines.length).toBeGreaterThan(2);
});
