/**
 * The upstream fault matrix: every way an upstream can fail, each tried streamed and whole, before and after the
 * first byte. The client must see either the full correct answer or a clear error — never a truncated answer
 * marked `done`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ndjsonLines, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import {
	chunk,
	type Reply,
	startTestUpstream,
	type TestUpstream,
	textStream,
	usageChunk,
} from "../support/upstream.ts";

let upstream: TestUpstream;
/** Short limits, for the faults that are the timers' own. */
let timed: TestProxy;
/** Limits no loaded machine reaches, for every other fault: the test upstream shares the proxy's process and core. */
let patient: TestProxy;

const config = (baseUrl: string, connectMs = 300, quietMs = 300) =>
	`upstreams:\n  - name: up\n    base_url: ${baseUrl}\n    timeouts: { connect_ms: ${connectMs}, first_byte_ms: ${quietMs}, idle_ms: ${quietMs} }\n    retries: { max: 0 }\nmodels:\n  - name: m\n    upstream: up\n    id: gpt-4o\n`;
const PATIENT_MS = 60_000;

beforeAll(async () => {
	upstream = await startTestUpstream();
	timed = await startProxyWithConfig(config(upstream.url));
	patient = await startProxyWithConfig(config(upstream.url, PATIENT_MS, PATIENT_MS));
});
afterAll(() => {
	timed.stop();
	patient.stop();
	upstream.stop();
});

type Expected = { answer: string } | { error: RegExp; status?: number; headers?: Record<string, string> };

/** What a client saw: the whole answer, or an error — and never a `done` after a cut. */
async function outcome(target: TestProxy, stream: boolean) {
	const res = await target.post("/api/chat", { model: "m", messages: [{ role: "user", content: "hi" }], stream });
	const text = await res.text();
	if (res.status >= 400) {
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(res.headers.get("x-request-id")).toBeTruthy();
		return { status: res.status, headers: res.headers, error: (JSON.parse(text) as { error: string }).error };
	}
	if (!stream) {
		const whole = JSON.parse(text) as { message: { content: string }; done: boolean };
		expect(whole.done).toBe(true);
		return { status: res.status, headers: res.headers, answer: whole.message.content };
	}
	const lines = ndjsonLines(text);
	const last = lines.at(-1) as Record<string, unknown>;
	if ("error" in last) {
		expect(Object.keys(last)).toEqual(["error"]);
		expect(lines.some((l) => l.done === true)).toBe(false);
		return { status: res.status, headers: res.headers, error: last.error as string };
	}
	expect(last.done).toBe(true);
	return {
		status: res.status,
		headers: res.headers,
		answer: lines.map((l) => (l.message as { content: string }).content).join(""),
	};
}

async function check(target: TestProxy, stream: boolean, expected: Expected) {
	const seen = await outcome(target, stream);
	if ("answer" in expected) {
		expect(seen.answer).toBe(expected.answer);
		return;
	}
	expect(seen.error).toMatch(expected.error);
	if (expected.status !== undefined && (!stream || seen.status >= 400)) expect(seen.status).toBe(expected.status);
	for (const [name, value] of Object.entries(expected.headers ?? {})) expect(seen.headers.get(name)).toBe(value);
}

const bytes = (text: string) => new TextEncoder().encode(text);
const event = (content: string) => `data: ${JSON.stringify(chunk({ content }))}\n\n`;
const FINISH = `data: ${JSON.stringify(chunk({}, "stop"))}\n\n`;
const UNICODE = "héllo € 😀";
const HUGE = "x".repeat(10 * 1024 * 1024);

/** Splits an SSE event's bytes in the middle of a multi-byte character. */
function splitInsideCharacter(text: string): Uint8Array[] {
	const all = bytes(event(text));
	const at = all.indexOf(0xe2) + 1; // inside "€" (E2 82 AC)
	return [all.slice(0, at), all.slice(at)];
}

const FAULTS: Array<[string, () => Reply, Expected]> = [
	[
		"401 from the upstream",
		() => ({ kind: "json", status: 401, body: { error: { message: "bad key" } } }),
		{ error: /rejected the proxy's API key/, status: 502 },
	],
	[
		"404 from the upstream",
		() => ({ kind: "json", status: 404, body: { error: { message: "no model" } } }),
		{ error: /^model 'm' not found$/, status: 404 },
	],
	[
		"429 with Retry-After",
		() => ({ kind: "json", status: 429, body: { error: { message: "slow" } }, headers: { "retry-after": "9" } }),
		{ error: /^upstream rate limit: slow$/, status: 429, headers: { "retry-after": "9" } },
	],
	[
		"500",
		() => ({ kind: "json", status: 500, body: { error: { message: "boom" } } }),
		{ error: /HTTP 500/, status: 502 },
	],
	[
		"503",
		() => ({ kind: "json", status: 503, body: { error: { message: "busy" } } }),
		{ error: /HTTP 503/, status: 502 },
	],
	[
		"an HTML error page",
		() => ({ kind: "json", status: 502, body: `<html>${"x".repeat(5000)}</html>` }),
		{ error: /^upstream error \(HTTP 502\): .{1,330}$/, status: 502 },
	],
	// 600 ms streamed; a whole answer (900 ms) also gets one idle gap, since its headers come with its last token.
	["timeout before headers", () => ({ kind: "hang" }), { error: /did not answer within (600|900) ms/, status: 504 }],
	[
		"headers, then nothing",
		() => ({ kind: "stream", chunks: [": ping\n\n"], end: "hang" }),
		{ error: /sent nothing within 300 ms/, status: 504 },
	],
	[
		"hang mid-stream",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" })], end: "hang" }),
		{ error: /went quiet for 300 ms/, status: 504 },
	],
	[
		"connection reset before the first chunk",
		() => ({ kind: "stream", chunks: [], end: "drop" }),
		{ error: /^upstream/, status: 502 },
	],
	[
		"connection reset mid-stream",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" }),
		{ error: /^upstream/, status: 502 },
	],
	[
		"a malformed SSE line",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" }), "data: {nope\n\n"] }),
		{ error: /malformed stream/, status: 502 },
	],
	[
		"a JSON error object inside the stream",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" }), 'data: {"error":{"message":"overloaded"}}\n\n'] }),
		{ error: /^upstream error: overloaded$/, status: 502 },
	],
	[
		"a rate limit inside the stream (OpenRouter's way of passing on a provider's 429)",
		() => ({
			kind: "stream",
			chunks: [chunk({ content: "par" }), 'data: {"error":{"code":429,"message":"Rate limit exceeded"}}\n\n'],
		}),
		{ error: /^upstream rate limit: Rate limit exceeded$/, status: 429 },
	],
	[
		"an overload as the first event",
		() => ({ kind: "stream", chunks: ['data: {"error":{"type":"overloaded_error","message":"busy"}}\n\n'] }),
		{ error: /^upstream overloaded: busy$/, status: 503 },
	],
	[
		"an error object as the first event",
		() => ({ kind: "stream", chunks: ['data: {"error":{"message":"nope"}}\n\n'] }),
		{ error: /^upstream error: nope$/, status: 502 },
	],
	[
		"choices: [] chunks between content",
		() => ({
			kind: "stream",
			chunks: [chunk({ content: "a" }), usageChunk(1, 1), chunk({ content: "b" }), chunk({}, "stop")],
		}),
		{ answer: "ab" },
	],
	["a usage-only tail", () => textStream(["x", "y"]), { answer: "xy" }],
	[
		"a chunk boundary inside a UTF-8 character",
		() => ({ kind: "stream", gapMs: 5, chunks: [...splitInsideCharacter(UNICODE), FINISH] }),
		{ answer: UNICODE },
	],
	[
		"a chunk boundary inside an SSE line",
		() => ({ kind: "stream", gapMs: 5, chunks: [event("spl").slice(0, 9), event("spl").slice(9), FINISH] }),
		{ answer: "spl" },
	],
	["a 10 MB line", () => ({ kind: "stream", chunks: [event(HUGE), FINISH] }), { answer: HUGE }],
	[
		"finish, then a close without [DONE]",
		() => ({ kind: "stream", chunks: [chunk({ content: "ok" }), chunk({}, "stop")], end: "close" }),
		{ answer: "ok" },
	],
	[
		"a close with neither [DONE] nor a finish reason",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" })], end: "close" }),
		{ error: /ended before the answer was complete/, status: 502 },
	],
	[
		"[DONE] without a finish reason",
		() => ({ kind: "stream", chunks: [chunk({ content: "par" })] }),
		{ error: /ended before the answer was complete/, status: 502 },
	],
	[
		"an empty stream",
		() => ({ kind: "stream", chunks: [] }),
		{ error: /ended before the answer was complete/, status: 502 },
	],
];

/** The faults a timer ends. */
const TIMED = new Set(["timeout before headers", "headers, then nothing", "hang mid-stream"]);

describe.each([true, false])("stream: %p", (stream) => {
	test.each(FAULTS)("%s", async (name, reply, expected) => {
		upstream.enqueue("chat", reply());
		await check(TIMED.has(name) ? timed : patient, stream, expected);
	});
});

describe("upstreams that cannot be reached at all", () => {
	test.each([
		["connection refused", "http://127.0.0.1:9/v1", /^upstream unreachable/],
		// A reserved name never resolves; depending on the resolver it fails at once or runs into the connect limit.
		["DNS failure", "http://upstream.invalid/v1", /^upstream (unreachable|did not answer)/],
	])("%s", async (_, url, error) => {
		const broken = await startProxyWithConfig(config(url, 2000));
		try {
			for (const stream of [true, false]) {
				const seen = await outcome(broken, stream);
				expect(seen.error).toMatch(error);
				expect([502, 504]).toContain(seen.status);
			}
		} finally {
			broken.stop();
		}
	});

	test("TLS failure: https to a server that speaks plain HTTP", async () => {
		const broken = await startProxyWithConfig(config(upstream.url.replace("http://", "https://"), PATIENT_MS));
		try {
			for (const stream of [true, false]) {
				const seen = await outcome(broken, stream);
				expect(seen.status).toBe(502);
				expect(seen.error).toMatch(/^upstream unreachable/);
			}
		} finally {
			broken.stop();
		}
	});
});
