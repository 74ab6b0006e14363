/**
 * Where the fleet sends a request, through the Ollama client: a later tier only while the earlier one is full or
 * ejected, a conversation kept on its replica under balanced load (prefix affinity), and a model that only some
 * replicas list sent only to them.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Message } from "ollama";
import { Ollama } from "ollama";
import { chatsAt, type Held, type HeldReplicas, MODEL, startFleetProxy, startHeldReplicas } from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { DEFAULT_MODELS, type Reply, startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let proxy: TestProxy | undefined;
let replicas: HeldReplicas | undefined;
let upstreams: TestUpstream[] = [];
afterEach(() => {
	proxy?.stop();
	replicas?.stop();
	for (const u of upstreams) u.stop();
	proxy = undefined;
	replicas = undefined;
	upstreams = [];
});

const FAIL: Reply = { kind: "json", status: 500, body: { error: { message: "boom" } } };

/**
 * Sends one chat and answers each replica it reaches, in turn, with `reply` (default: the replica's name); returns
 * the replicas it reached, in order, and the answer.
 */
async function through(ollama: Ollama, messages: Message[], reply: (h: Held) => Reply | undefined = () => undefined) {
	const r = replicas as HeldReplicas;
	const answer = ollama.chat({ model: MODEL, messages, stream: false });
	const hops: number[] = [];
	for (;;) {
		await r.arrived(r.arrivals.length + 1);
		const held = r.arrivals.at(-1) as Held;
		hops.push(held.replica);
		const given = reply(held);
		held.release(given);
		if (given !== FAIL) break;
	}
	return { hops, content: (await answer).message.content };
}

const user = (content: string): Message[] => [{ role: "user", content }];

describe("tiers", () => {
	test("tier 1 gets requests only while tier 0 is full, then only while tier 0 is ejected", async () => {
		replicas = await startHeldReplicas(3);
		const [a, b, c] = replicas.urls as [string, string, string];
		proxy = await startFleetProxy(
			[
				{ url: a, max_concurrency: 1 },
				{ url: b, max_concurrency: 1 },
				{ url: c, priority: 1 },
			],
			{ affinity: "none", health: { eject_after: 1, eject_ms: 600_000, max_eject_ms: 600_000, probe_ms: 0 } },
		);
		const ollama = new Ollama({ host: proxy.url });

		// Tier 0 has room: tier 1 gets nothing.
		const quiet: number[] = [];
		for (let n = 0; n < 10; n++) quiet.push(...(await through(ollama, user(`quiet ${n}`))).hops);
		expect(quiet.filter((r) => r === 2)).toEqual([]);

		// Both tier-0 replicas full: the third request goes to tier 1.
		const held = [0, 1].map((n) => ollama.chat({ model: MODEL, messages: user(`hold ${n}`), stream: false }));
		await replicas.arrived(12);
		expect(
			replicas.arrivals
				.slice(10)
				.map((h) => h.replica)
				.sort(),
		).toEqual([0, 1]);
		expect(await through(ollama, user("overflow"))).toEqual({ hops: [2], content: "replica-2" });
		// One tier-0 slot frees: tier 0 again.
		(replicas.held()[0] as Held).release();
		await held[0];
		expect((await through(ollama, user("room again"))).hops).toEqual([(replicas.arrivals[10] as Held).replica]);
		replicas.releaseAll();
		await held[1];

		// Tier 0 fails and is ejected (eject_after: 1); the retry goes at once to the next untried replica.
		expect(await through(ollama, user("failing"), (h) => (h.replica === 2 ? undefined : FAIL))).toEqual({
			hops: expect.arrayContaining([0, 1, 2]) as unknown as number[],
			content: "replica-2",
		});
		const after: number[] = [];
		for (let n = 0; n < 10; n++) after.push(...(await through(ollama, user(`ejected ${n}`))).hops);
		expect(after).toEqual(Array(10).fill(2));
	});
});

describe("prefix affinity", () => {
	const SYSTEM = "You are a terse assistant.";
	const opening = (n: number): Message[] => [
		{ role: "system", content: SYSTEM },
		{ role: "user", content: `conversation ${n}: tell me about topic ${n}` },
	];

	test("under balanced load, every turn of a conversation lands on its replica", async () => {
		replicas = await startHeldReplicas(3);
		proxy = await startFleetProxy(replicas.urls, { affinity: "prefix" });
		const ollama = new Ollama({ host: proxy.url });

		// One unloaded turn per candidate finds its replica; keep four conversations per replica.
		const PER_REPLICA = 4;
		const byReplica: number[][] = [[], [], []];
		for (let n = 0; byReplica.some((list) => list.length < PER_REPLICA); n++) {
			if (n === 200) throw new Error(`too few conversations per replica: ${JSON.stringify(byReplica)}`);
			const [replica] = (await through(ollama, opening(n))).hops as [number];
			if ((byReplica[replica] as number[]).length < PER_REPLICA) byReplica[replica]?.push(n);
		}
		// Interleaved r0 r1 r2 r0 r1 r2 …, so that while a turn's requests arrive no replica is ahead by more than one.
		const order = Array.from({ length: PER_REPLICA }, (_, k) => byReplica.map((list) => list[k] as number)).flat();
		const preferred = new Map(order.map((n) => [n, byReplica.findIndex((list) => list.includes(n))]));
		const histories = new Map(order.map((n) => [n, opening(n)]));

		const TURNS = 10;
		const landed: { conversation: number; replica: number }[] = [];
		for (let turn = 0; turn < TURNS; turn++) {
			const answers: Promise<void>[] = [];
			for (const n of order) {
				const history = histories.get(n) as Message[];
				history.push({ role: "user", content: `turn ${turn}` });
				const before = replicas.arrivals.length;
				answers.push(
					ollama.chat({ model: MODEL, messages: [...history], stream: false }).then((a) => {
						history.push({ role: "assistant", content: a.message.content });
					}),
				);
				await replicas.arrived(before + 1);
				landed.push({ conversation: n, replica: (replicas.arrivals.at(-1) as Held).replica });
			}
			// All twelve are in flight at once, four per replica; then they all end.
			expect(replicas.held().length).toBe(order.length);
			replicas.releaseAll();
			await Promise.all(answers);
		}

		const kept = landed.filter((l) => preferred.get(l.conversation) === l.replica).length;
		expect(landed.length).toBe(order.length * TURNS);
		expect(kept / landed.length).toBeGreaterThanOrEqual(0.95);
		expect(kept).toBe(landed.length);
		// The history grew every turn while the prefix (system text, first user message) stayed the same.
		const last = replicas.arrivals.at(-1)?.body.messages as Message[];
		expect(last.length).toBe(2 + 2 * TURNS - 1);
	});
});

describe("replicas with different model lists", () => {
	const model = (id: string) => ({ id, object: "model", created: 1_700_000_000, owned_by: "test" });

	test("/api/tags shows the union; a model only one replica lists is sent only there", async () => {
		upstreams = await Promise.all([
			startTestUpstream({ models: [model(MODEL), model("only-a")] }),
			startTestUpstream({ models: [model(MODEL)] }),
			startTestUpstream({ models: [model(MODEL), model("only-c")] }),
		]);
		proxy = await startFleetProxy(
			upstreams.map((u) => u.url),
			{ affinity: "none" },
		);
		const ollama = new Ollama({ host: proxy.url });
		const names = (await ollama.list()).models.map((m) => m.name).sort();
		expect(names).toEqual([`${MODEL}:latest`, "only-a:latest", "only-c:latest"]);
		expect(DEFAULT_MODELS.map((m) => m.id)).not.toContain("only-a");

		for (let n = 0; n < 12; n++) {
			await ollama.chat({ model: "only-a", messages: user(`a ${n}`), stream: false });
			await ollama.chat({ model: "only-c", messages: user(`c ${n}`), stream: false });
		}
		expect(upstreams.map(chatsAt)).toEqual([12, 0, 12]);
		expect(upstreams[0]?.lastBody().model).toBe("only-a");
		expect(upstreams[2]?.lastBody().model).toBe("only-c");
	});
});
