/**
 * SIGHUP reloads the configuration file in a running proxy process: streams open at the time (100 of them) finish on the
 * configuration they started with, a new key works at once and a removed one is refused at once, and a file that
 * does not validate changes nothing and is refused with the message `validate` prints.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxyProcess } from "../support/proxy-process.ts";
import { chunk, startTestUpstream, type TestUpstream, usageChunk } from "../support/upstream.ts";

const ENTRY = `${import.meta.dir}/../../src/index.ts`;
let upstream: TestUpstream;
let release: () => void = () => {};
const released = new Promise<void>((resolve) => {
	release = resolve;
});

beforeAll(async () => {
	upstream = await startTestUpstream({
		behaviors: {
			held: () => ({
				kind: "stream",
				chunks: [
					chunk({ role: "assistant", content: "one" }),
					chunk({ content: " two" }),
					chunk({}, "stop"),
					usageChunk(7, 2),
				],
				gate: { at: 1, open: released },
			}),
		},
	});
});
afterAll(() => upstream.stop());

const key = (name: string) => `${name}-key-0123456789abcdef`;
const config = (keys: string[], extra = "") => `upstreams: [{ name: up, base_url: "${upstream.url}" }]
models: [{ name: held, upstream: up, id: held }]
keys:
${keys.map((name) => `  - { name: ${name}, key: ${key(name)} }`).join("\n")}
${extra}`;

const chat = (url: string, name: string, model = "gpt-4o", signal?: AbortSignal) =>
	fetch(`${url}/api/chat`, {
		method: "POST",
		headers: { authorization: `Bearer ${key(name)}` },
		body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream: model === "held" }),
		signal,
	});

describe("SIGHUP", () => {
	test("open streams finish, a new key works at once, a removed key is refused at once, a broken file changes nothing", async () => {
		const proxy = await startProxyProcess(config(["alice", "bob"]));
		try {
			// 100 streams open on the first configuration, half of them bob's: their first line is out, the rest held
			// upstream.
			const streams = await Promise.all(
				Array.from({ length: 100 }, (_, i) => chat(proxy.url, i % 2 === 0 ? "alice" : "bob", "held")),
			);
			expect(streams.map((s) => s.status)).toEqual(Array(100).fill(200));
			const readers = streams.map((s) => (s.body as ReadableStream<Uint8Array>).getReader());
			for (const reader of readers) expect(new TextDecoder().decode((await reader.read()).value)).toContain('"one"');
			expect(upstream.state.open).toBe(100);

			await proxy.rewrite(config(["alice", "carol"], "limits: { requests_per_minute: 1000 }\n"));
			proxy.proc.kill("SIGHUP");
			const reloaded = await proxy.log.line((l) => l.msg === "configuration reloaded");
			expect(reloaded.changes).toEqual({ keysAdded: ["carol"], keysRemoved: ["bob"], limits: true });
			expect(JSON.stringify(reloaded)).not.toContain(key("carol"));

			expect((await chat(proxy.url, "carol")).status).toBe(200);
			const bob = await chat(proxy.url, "bob");
			expect([bob.status, await bob.json()]).toEqual([401, { error: "invalid API key" }]);

			// The streams started before the reload, bob's included, are not cut: each ends with its done line.
			release();
			const rests = await Promise.all(
				readers.map(async (reader) => {
					let text = "";
					for (let part = await reader.read(); !part.done; part = await reader.read()) {
						text += new TextDecoder().decode(part.value);
					}
					return text;
				}),
			);
			const lastLines = rests.map((text) => JSON.parse(text.trimEnd().split("\n").at(-1) ?? "null"));
			expect(lastLines.filter((line) => line?.done !== true || "error" in line)).toEqual([]);
			expect(rests.filter((text) => text.includes('"error"'))).toEqual([]);
			expect(upstream.state.open).toBe(0);

			// A file that does not validate: refused with validate's own message, the running configuration stays.
			const broken = config(["alice", "dave"], "limits: { requests_per_minute: 0 }\n");
			await proxy.rewrite(broken);
			proxy.proc.kill("SIGHUP");
			const refused = await proxy.log.line((l) => String(l.msg).startsWith("configuration reload refused"));
			const path = String(refused.error).split(": ")[0]?.replace("invalid configuration file ", "");
			const validate = Bun.spawn(["bun", ENTRY, "validate", "--config", String(path)], { stderr: "pipe" });
			expect(await validate.exited).toBe(1);
			expect(await new Response(validate.stderr).text()).toBe(`ollama-proxy: ${refused.error}\n`);
			expect(refused.error).toEndWith("limits.requests_per_minute: Too small: expected number to be >=1");
			expect((await chat(proxy.url, "carol")).status).toBe(200);
			expect((await chat(proxy.url, "dave")).status).toBe(401);
		} finally {
			await proxy.stop();
		}
	});
});
