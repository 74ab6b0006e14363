/**
 * Fleet balance through the Ollama client: weighted round robin deals out exact shares, least_outstanding follows
 * the weights by in-flight, and keeps two equal replicas level in flight even when one answers four times slower.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import {
	type HeldReplicas,
	MODEL,
	startFleetProxy,
	startHeldReplicas,
	tally,
	withConcurrency,
} from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let proxy: TestProxy | undefined;
let upstreams: TestUpstream[] = [];
let replicas: HeldReplicas | undefined;
afterEach(() => {
	proxy?.stop();
	for (const u of upstreams) u.stop();
	replicas?.stop();
	proxy = undefined;
	upstreams = [];
	replicas = undefined;
});

const TOTAL = 600;
const CONCURRENCY = 8;

const ask = (ollama: Ollama, text: string) =>
	ollama.chat({ model: MODEL, messages: [{ role: "user", content: text }], stream: false });

/** Each replica's share of the requests, in percentage points. */
const shares = (counts: number[]) => counts.map((c) => (100 * c) / counts.reduce((a, b) => a + b, 0));

describe("round_robin", () => {
	test("weights 3:2:1 over 600 requests at concurrency 8: exactly 300, 200 and 100", async () => {
		upstreams = await Promise.all([startTestUpstream(), startTestUpstream(), startTestUpstream()]);
		proxy = await startFleetProxy(
			upstreams.map((u, i) => ({ url: u.url, weight: [3, 2, 1][i] })),
			{ balance: "round_robin", affinity: "none" },
		);
		const ollama = new Ollama({ host: proxy.url });
		const answers = await withConcurrency(TOTAL, CONCURRENCY, (n) => ask(ollama, `request ${n}`));

		expect(answers.every((a) => a.message.content === "Hello world" && a.done)).toBe(true);
		const counts = upstreams.map((u) => u.countOf("/v1/chat/completions"));
		// Smooth weighted round robin ignores in-flight when no replica is full: every 6 picks are a b a c b a.
		expect(counts).toEqual([300, 200, 100]);
		for (const [i, share] of shares(counts).entries())
			expect(Math.abs(share - ([50, 100 / 3, 50 / 3][i] as number))).toBeLessThan(5);
	});
});

describe("least_outstanding", () => {
	/**
	 * Eight clients, each sending its next request once the last is answered. The replicas hold every request; the
	 * test lets one go at a time (chosen by `next`) and waits for the request that replaces it, so exactly one slot
	 * turns over between two arrivals and the run is the same every time, on any machine.
	 */
	async function closedLoop(total: number, next: (step: number) => number) {
		const r = replicas as HeldReplicas;
		const ollama = new Ollama({ host: (proxy as TestProxy).url });
		const clients = withConcurrency(total, CONCURRENCY, (n) => ask(ollama, `request ${n}`));
		await r.arrived(CONCURRENCY);
		for (let step = 0; r.arrivals.length < total; step++) {
			const replica = next(step);
			const oldest = r.held().find((h) => replica < 0 || h.replica === replica);
			if (!oldest) throw new Error(`nothing held at replica ${replica}`);
			const before = r.arrivals.length;
			oldest.release();
			await r.arrived(before + 1);
		}
		r.releaseAll();
		return clients;
	}

	test("weights 2:1:1 over 600 requests at concurrency 8 to equal-speed replicas: shares within 5 points of 50/25/25", async () => {
		replicas = await startHeldReplicas(3);
		proxy = await startFleetProxy(
			replicas.urls.map((url, i) => ({ url, weight: [2, 1, 1][i] })),
			{ balance: "least_outstanding", affinity: "none" },
		);
		// Equal speed: the request held longest ends first, whichever replica holds it.
		const answers = await closedLoop(TOTAL, () => -1);

		expect((await answers).map((a) => a.message.content).filter((c) => !/^replica-\d$/.test(c))).toEqual([]);
		const counts = tally(
			replicas.arrivals.map((h) => h.replica),
			3,
		);
		expect(counts.reduce((a, b) => a + b)).toBe(TOTAL);
		const [a, b, c] = shares(counts);
		expect(Math.abs((a as number) - 50)).toBeLessThanOrEqual(5);
		expect(Math.abs((b as number) - 25)).toBeLessThanOrEqual(5);
		expect(Math.abs((c as number) - 25)).toBeLessThanOrEqual(5);
	});

	test("two equal replicas, one four times slower: in flight never more than 1 apart, the fast one serves 4×", async () => {
		replicas = await startHeldReplicas(2);
		proxy = await startFleetProxy(replicas.urls, { balance: "least_outstanding", affinity: "none" });
		await replicas.watch(proxy);
		// Replica 0 ends four requests in the time replica 1 ends one.
		const answers = await closedLoop(200, (step) => (step % 5 === 4 ? 1 : 0));
		await answers;

		const apart = replicas.arrivals.map((h) => {
			const [fast, slow] = h.view?.replicas ?? [];
			return Math.abs((fast?.inFlight ?? 0) - (slow?.inFlight ?? 0));
		});
		expect(apart.length).toBe(200);
		expect(Math.max(...apart)).toBeLessThanOrEqual(1);
		// The replicas saw the same: at each arrival the two held counts were at most 1 apart.
		const held = replicas.arrivals.map((h) => h.heldThere);
		expect(Math.max(...held)).toBeLessThanOrEqual(CONCURRENCY / 2 + 1);
		// After the first eight (four each), each of the 192 replacements went where a slot had just been freed.
		const later = tally(
			replicas.arrivals.slice(CONCURRENCY).map((h) => h.replica),
			2,
		);
		expect(later).toEqual([154, 38]);
	});
});
