/**
 * A replica killed while its streams are open: each of its streams ends in an error line, never a quiet `done`,
 * through ollama-js and raw fetch; the streams on the other replica run to their end untouched.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { chatsAt, gate, MODEL, startFleetProxy } from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { chunk, type Reply, startTestUpstream, type TestUpstream, usageChunk } from "../support/upstream.ts";

let proxy: TestProxy | undefined;
let upstreams: TestUpstream[] = [];
afterEach(() => {
	proxy?.stop();
	for (const u of upstreams) u.stop();
	proxy = undefined;
	upstreams = [];
});

/** "one", then nothing until the gate opens, then " two" and the end. */
const gated = (open: Promise<unknown>): Reply => ({
	kind: "stream",
	chunks: [
		chunk({ role: "assistant", content: "one" }),
		chunk({ content: " two" }),
		chunk({}, "stop"),
		usageChunk(7, 2),
	],
	gate: { at: 1, open },
});

/** Reads an Ollama NDJSON stream line by line. */
async function* ndjson(response: Response): AsyncGenerator<Record<string, unknown>> {
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	const decoder = new TextDecoder();
	let text = "";
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		text += decoder.decode(value, { stream: true });
		for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n")) {
			yield JSON.parse(text.slice(0, i));
			text = text.slice(i + 1);
		}
	}
	if (text !== "") throw new Error(`the stream ended inside a line: ${text}`);
}

describe("a replica killed mid-stream", () => {
	test("its streams end in an error line (ollama-js throws; raw fetch ends on {error}, no done); the other's complete", async () => {
		const killedGate = gate();
		const survivorGate = gate();
		const doomed = await startTestUpstream({ behaviors: { [MODEL]: () => gated(killedGate.promise) } });
		const survivor = await startTestUpstream({ behaviors: { [MODEL]: () => gated(survivorGate.promise) } });
		upstreams = [doomed, survivor];
		// Two slots on the first replica, then the second tier: the first two streams on `doomed`, the next two on `survivor`.
		proxy = await startFleetProxy(
			[
				{ url: doomed.url, max_concurrency: 2 },
				{ url: survivor.url, priority: 1 },
			],
			{ affinity: "none" },
		);
		const ollama = new Ollama({ host: proxy.url });
		const request = { model: MODEL, messages: [{ role: "user", content: "count" }], stream: true as const };

		const open = async () => {
			const library = (await ollama.chat(request))[Symbol.asyncIterator]();
			const first = await library.next();
			const raw = ndjson(await (proxy as TestProxy).post("/api/chat", request));
			const firstRaw = await raw.next();
			return {
				library,
				raw,
				firsts: [first.value?.message.content, (firstRaw.value as { message?: { content: string } }).message?.content],
			};
		};
		const onDoomed = await open();
		expect(onDoomed.firsts).toEqual(["one", "one"]);
		const onSurvivor = await open();
		expect(onSurvivor.firsts).toEqual(["one", "one"]);
		expect([chatsAt(doomed), chatsAt(survivor)]).toEqual([2, 2]);

		await doomed.stop();

		const thrown = await onDoomed.library.next().then(
			(step) => ({ step }),
			(error: Error) => ({ error: error.message }),
		);
		expect(thrown).toEqual({ error: expect.any(String) as unknown as string });
		const rest: Record<string, unknown>[] = [];
		for await (const line of onDoomed.raw) rest.push(line);
		expect(rest.length).toBeGreaterThanOrEqual(1);
		expect(Object.keys(rest.at(-1) as object)).toEqual(["error"]);
		expect(rest.some((line) => line.done === true)).toBe(false);

		survivorGate.open();
		const parts: string[] = ["one"];
		let done = false;
		for (let step = await onSurvivor.library.next(); !step.done; step = await onSurvivor.library.next()) {
			parts.push(step.value.message.content);
			done ||= step.value.done;
		}
		expect([parts.join(""), done]).toEqual(["one two", true]);
		const lines: Record<string, unknown>[] = [];
		for await (const line of onSurvivor.raw) lines.push(line);
		expect(lines.map((l) => (l.message as { content: string }).content).join("")).toBe(" two");
		expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
		expect(lines.some((l) => "error" in l)).toBe(false);
	});
});
