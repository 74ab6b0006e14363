/**
 * Every signal that means "stop" on this platform drains the same way: a stream already being answered is finished,
 * then the process exits 0. A second signal cuts what is left instead of waiting out the grace period. On Windows the
 * list also holds SIGBREAK and SIGHUP, which only a Windows machine can send (see docs/operations.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { stopSignals } from "../../src/server.ts";
import { chunk, startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { listeningUrl, watchLog } from "../support/wait.ts";

const ENTRY = `${import.meta.dir}/../../src/index.ts`;
const hello = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
let upstream: TestUpstream;

beforeAll(async () => {
	upstream = await startTestUpstream();
});
afterAll(() => upstream.stop());

/** Starts `bun src/index.ts` on a port the OS picks and returns once it logged where it listens. */
async function startServer(graceMs: number) {
	const proc = Bun.spawn(["bun", ENTRY], {
		env: {
			PATH: process.env.PATH ?? "",
			HOME: process.env.HOME ?? "",
			HOST: "127.0.0.1",
			PORT: "0",
			OPENAI_BASE_URL: upstream.url,
			SHUTDOWN_GRACE_MS: String(graceMs),
		},
		stdout: "pipe",
		stderr: "pipe",
	});
	const log = watchLog(proc.stdout);
	return { proc, log, url: await listeningUrl(log) };
}

async function readAll(
	reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
	first: string,
): Promise<string> {
	const decoder = new TextDecoder();
	let text = first;
	for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value);
	return text;
}

describe("stop signals", () => {
	test("Ctrl-C and SIGTERM everywhere; on Windows also Ctrl-Break and closing the console; SIGHUP is left to nohup", () => {
		expect(stopSignals("linux")).toEqual(["SIGINT", "SIGTERM"]);
		expect(stopSignals("darwin")).toEqual(["SIGINT", "SIGTERM"]);
		expect(stopSignals("win32")).toEqual(["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"]);
	});

	test.each(stopSignals(process.platform))("%s lets a stream in flight finish, then exits 0", async (signal) => {
		const { proc, log, url } = await startServer(60_000);
		// More than the socket buffers between upstream, proxy and client hold, produced only as fast as it is read:
		// the answer is still in flight when the signal arrives.
		const pieces = 200;
		const text = "x".repeat(64 * 1024);
		upstream.enqueue("chat", { kind: "firehose", chunkText: text, chunks: pieces });
		const res = await fetch(`${url}/api/chat`, { method: "POST", body: hello });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		const first = new TextDecoder().decode((await reader.read()).value);
		proc.kill(signal);
		expect(await log.line((l) => l.msg === "stopping: draining in-flight requests")).toMatchObject({
			signal,
			graceMs: 60_000,
		});
		const lines = (await readAll(reader, first))
			.trim()
			.split("\n")
			.map((line) => JSON.parse(line));
		expect(lines.map((line) => line.message.content).join("")).toBe(text.repeat(pieces));
		expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
		expect(await proc.exited).toBe(0);
	});

	test("a second signal cuts a stream that would outlive the grace period, and the process exits 0", async () => {
		const { proc, log, url } = await startServer(600_000);
		upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "x" })], end: "hang" });
		const res = await fetch(`${url}/api/chat`, { method: "POST", body: hello });
		const reader = (res.body as ReadableStream<Uint8Array>).getReader();
		const first = new TextDecoder().decode((await reader.read()).value);
		expect(JSON.parse(first)).toMatchObject({ message: { content: "x" }, done: false });
		const [firstSignal, secondSignal] = stopSignals(process.platform) as [NodeJS.Signals, NodeJS.Signals];
		proc.kill(firstSignal);
		await log.line((l) => l.msg === "stopping: draining in-flight requests");
		proc.kill(secondSignal);
		expect(await log.line((l) => l.msg === "stopping now: cutting in-flight requests")).toMatchObject({
			signal: secondSignal,
		});
		expect(await proc.exited).toBe(0);
		const rest = await readAll(reader, "").then(
			(more) => (more.includes('"done":true') ? "finished" : "ended"),
			() => "cut",
		);
		expect(["ended", "cut"]).toContain(rest);
	});
});
