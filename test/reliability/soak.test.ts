/**
 * A short soak: concurrent mixed traffic (streams, whole answers, embeddings, slow streams, upstream failures
 * before and after the first byte) against the test upstream for a bounded time. Every answer is checked for
 * completeness; every failure must be the expected, clear one. SOAK_MS sets the duration (default 5 s).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjsonLines, startProxy, type TestProxy } from "../support/proxy.ts";
import {
	chunk,
	DEFAULT_MODELS,
	fakeVector,
	startTestUpstream,
	type TestUpstream,
	textStream,
} from "../support/upstream.ts";

const DURATION_MS = Number(process.env.SOAK_MS ?? 5000);
const WORKERS = 32;
let upstream: TestUpstream;
let proxy: TestProxy;

beforeAll(async () => {
	const model = (id: string) => ({ id, object: "model", created: 1_700_000_000, owned_by: "soak" });
	upstream = await startTestUpstream({
		models: [...DEFAULT_MODELS, model("soak-fail"), model("soak-drop"), model("soak-slow")],
		behaviors: {
			"soak-fail": () => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } }),
			"soak-drop": () => ({ kind: "stream", chunks: [chunk({ content: "par" })], end: "drop" }),
			"soak-slow": () => ({ ...textStream(["s", "l", "o", "w"]), gapMs: 5 }),
		},
	});
	proxy = await startProxy(upstream.url, { UPSTREAM_RETRIES: "0", LOG_LEVEL: "silent" });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});

const ask = (model: string, stream: boolean) =>
	proxy.post("/api/chat", { model, messages: [{ role: "user", content: "hi" }], stream });

/** One request of each kind, each with the check its answer must pass. */
const KINDS: Array<[string, () => Promise<void>]> = [
	[
		"stream",
		async () => {
			const lines = ndjsonLines(await (await ask("gpt-4o", true)).text());
			expect(lines.map((l) => (l.message as { content: string }).content).join("")).toBe("Hello world");
			expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop", eval_count: 2 });
		},
	],
	[
		"whole",
		async () => {
			const body = (await (await ask("gpt-4o", false)).json()) as { message: { content: string }; done: boolean };
			expect(body.message.content).toBe("Hello world");
		},
	],
	[
		"slow stream",
		async () => {
			const lines = ndjsonLines(await (await ask("soak-slow", true)).text());
			expect(lines.map((l) => (l.message as { content: string }).content).join("")).toBe("slow");
		},
	],
	[
		"embed",
		async () => {
			const body = (await (
				await proxy.post("/api/embed", { model: "text-embedding-3-small", input: ["ab", "c"] })
			).json()) as {
				embeddings: number[][];
			};
			const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
			expect(body.embeddings).toEqual([unit(fakeVector("ab")), unit(fakeVector("c"))]);
		},
	],
	[
		"failure before the first byte",
		async () => {
			const res = await ask("soak-fail", true);
			expect(res.status).toBe(502);
			expect(await res.json()).toEqual({ error: "upstream error (HTTP 503): overloaded" });
		},
	],
	[
		"failure after the first byte",
		async () => {
			const lines = ndjsonLines(await (await ask("soak-drop", true)).text());
			expect(lines.at(-1)?.error).toEqual(expect.stringMatching(/^upstream/));
			expect(lines.some((l) => l.done === true)).toBe(false);
		},
	],
];

test(
	"mixed concurrent traffic: every answer complete, every failure the expected one",
	async () => {
		const counts = new Map<string, number>();
		const deadline = Date.now() + DURATION_MS;
		let failures = 0;
		const worker = async (offset: number) => {
			for (let i = offset; Date.now() < deadline; i++) {
				const [kind, run] = KINDS[i % KINDS.length] as (typeof KINDS)[number];
				try {
					await run();
					counts.set(kind, (counts.get(kind) ?? 0) + 1);
				} catch (error) {
					failures++;
					throw new Error(`${kind}: ${(error as Error).message}`);
				}
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
		const total = [...counts.values()].reduce((a, b) => a + b, 0);
		console.log(
			`soak: ${total} requests in ${DURATION_MS} ms, ${failures} unexpected, ${JSON.stringify(Object.fromEntries(counts))}`,
		);
		expect(failures).toBe(0);
		for (const [kind] of KINDS) expect(counts.get(kind) ?? 0).toBeGreaterThan(0);
		expect(upstream.state.open).toBe(0);
		expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
	},
	DURATION_MS + 30_000,
);
