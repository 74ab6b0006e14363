/**
 * Fleet health through real clients: a replica that refuses connections, one that accepts and never answers, and one
 * that answers 503 to everything cost the clients nothing; an ejected replica stays out until a probe finds it back,
 * and then takes the very next request.
 */
import { afterEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import type { ReplicaView } from "../../src/metrics/fleet-metrics.ts";
import {
	chatsAt,
	closedPort,
	fleetView,
	MODEL,
	startFleetProxy,
	urlOfPort,
	withConcurrency,
} from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let proxy: TestProxy | undefined;
let upstreams: TestUpstream[] = [];
afterEach(() => {
	proxy?.stop();
	for (const u of upstreams) u.stop();
	proxy = undefined;
	upstreams = [];
});

const ask = (ollama: Ollama, text = "hi") =>
	ollama.chat({ model: MODEL, messages: [{ role: "user", content: text }], stream: false });

/** Replicas ejected for a long time and never probed: only what a test does brings one back. */
const NO_RETURN = { eject_after: 3, eject_ms: 600_000, max_eject_ms: 600_000, probe_ms: 0 };

describe("a replica whose port refuses connections", () => {
	test("costs no client request, is ejected for connect, and a listener reopened on its port gets nothing", async () => {
		upstreams = await Promise.all([startTestUpstream(), startTestUpstream(), startTestUpstream()]);
		proxy = await startFleetProxy(
			upstreams.map((u) => u.url),
			{ affinity: "none", health: NO_RETURN },
		);
		const ollama = new Ollama({ host: proxy.url });
		// The model lists are read while all three are up; then the third one's port closes.
		expect((await ask(ollama, "first")).message.content).toBe("Hello world");
		const gone = upstreams.pop() as TestUpstream;
		await gone.stop();
		const dead = async () => (await fleetView(proxy as TestProxy)).replicas[2] as ReplicaView;

		// Least outstanding draws among idle replicas, so the dead one is tried now and then; each try fails over at once.
		const answers: string[] = [];
		while (!(await dead()).ejected) answers.push((await ask(ollama, `request ${answers.length}`)).message.content);
		for (let n = 0; n < 20; n++) answers.push((await ask(ollama, `after ${n}`)).message.content);

		expect(answers.filter((a) => a !== "Hello world")).toEqual([]);
		expect(chatsAt(upstreams[0] as TestUpstream) + chatsAt(upstreams[1] as TestUpstream)).toBe(
			answers.length + 1 - chatsAt(gone),
		);
		const view = await dead();
		expect(view.ejections).toEqual({ connect: 1, timeout: 0, "5xx": 0, "429": 0 });
		expect(view.requests).toEqual({ success: chatsAt(gone), failure: 3, rejected_429: 0, aborted: 0 });

		const reopened = await startTestUpstream({ port: gone.port });
		upstreams.push(reopened);
		for (let n = 0; n < 20; n++) expect((await ask(ollama, `reopened ${n}`)).message.content).toBe("Hello world");
		expect(reopened.requests).toEqual([]);
		expect((await dead()).ejected).toBe(true);
	});
});

describe("a replica that accepts and never answers", () => {
	async function setup() {
		// The hung replica is tier 0, so every request tries it first.
		const hung = await startTestUpstream({ behaviors: { [MODEL]: () => ({ kind: "hang" }) } });
		const healthy = await startTestUpstream();
		upstreams = [hung, healthy];
		proxy = await startFleetProxy([hung.url, { url: healthy.url, priority: 1 }], {
			timeouts: { connect_ms: 150, first_byte_ms: 150, idle_ms: 5_000 },
			health: NO_RETURN,
		});
		return { hung, healthy, proxy };
	}

	test("an ollama-js stream is answered by another replica once connect_ms + first_byte_ms have passed", async () => {
		const { hung, healthy, proxy } = await setup();
		const ollama = new Ollama({ host: proxy.url });
		const started = performance.now();
		const parts: string[] = [];
		let done = false;
		for await (const part of await ollama.chat({
			model: MODEL,
			messages: [{ role: "user", content: "hi" }],
			stream: true,
		})) {
			parts.push(part.message.content);
			done ||= part.done;
		}
		expect(performance.now() - started).toBeGreaterThanOrEqual(300);
		expect(parts.join("")).toBe("Hello world");
		expect(done).toBe(true);
		expect([chatsAt(hung), chatsAt(healthy)]).toEqual([1, 1]);
		// The proxy gave up on the hung replica: its request was cancelled, not left open.
		expect(await until(() => hung.state.aborted === 1)).toBe(true);
		const [h] = (await fleetView(proxy)).replicas;
		expect(h?.requests.failure).toBe(1);
		expect(h?.inFlight).toBe(0);
	});

	test("an Anthropic SDK message is answered by another replica", async () => {
		const { hung, healthy, proxy } = await setup();
		const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
		const started = performance.now();
		// Streamed, so the wait for the headers is connect_ms + first_byte_ms (a whole answer may also take idle_ms).
		const message = await anthropic.messages
			.stream({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "hi" }] })
			.finalMessage();
		expect(performance.now() - started).toBeGreaterThanOrEqual(300);
		expect(message.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual(["Hello world"]);
		expect([chatsAt(hung), chatsAt(healthy)]).toEqual([1, 1]);
		expect(await until(() => hung.state.aborted === 1)).toBe(true);
		const [h] = (await fleetView(proxy)).replicas;
		expect(h?.requests.failure).toBe(1);
	});
});

describe("a replica that answers 503 to everything", () => {
	test("gets under 5 % of 200 requests from ollama-js and the Anthropic SDK, all of which succeed", async () => {
		const storm = await startTestUpstream({
			behaviors: { [MODEL]: () => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } }) },
		});
		upstreams = [await startTestUpstream(), storm, await startTestUpstream()];
		proxy = await startFleetProxy(
			upstreams.map((u) => u.url),
			{ affinity: "none", health: { eject_after: 3, eject_ms: 600_000, max_eject_ms: 600_000 } },
		);
		const ollama = new Ollama({ host: proxy.url });
		const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });

		const texts = await withConcurrency(200, 8, async (n) =>
			n % 2 === 0
				? (await ask(ollama, `request ${n}`)).message.content
				: (
						(
							await anthropic.messages.create({
								model: MODEL,
								max_tokens: 64,
								messages: [{ role: "user", content: `request ${n}` }],
							})
						).content[0] as { text: string }
					).text,
		);

		expect(texts.filter((t) => t !== "Hello world")).toEqual([]);
		expect(chatsAt(storm)).toBeLessThan(10);
		const view = (await fleetView(proxy)).replicas[1] as ReplicaView;
		expect(view.ejected).toBe(true);
		expect(view.ejections["5xx"]).toBe(1);
		expect(view.requests.failure).toBe(chatsAt(storm));
	});
});

describe("recovery", () => {
	test("a dead replica, ejected, comes back once a probe reaches it and takes the next request", async () => {
		upstreams = await Promise.all([startTestUpstream(), startTestUpstream()]);
		proxy = await startFleetProxy(
			upstreams.map((u) => u.url),
			{ affinity: "none", health: { eject_after: 1, eject_ms: 600_000, max_eject_ms: 600_000, probe_ms: 50 } },
		);
		const ollama = new Ollama({ host: proxy.url });
		expect((await ask(ollama, "first")).message.content).toBe("Hello world");
		const gone = upstreams.pop() as TestUpstream;
		await gone.stop();
		const dead = async () => (await fleetView(proxy as TestProxy)).replicas[1] as ReplicaView;
		for (let n = 0; !(await dead()).ejected; n++)
			expect((await ask(ollama, `request ${n}`)).message.content).toBe("Hello world");
		expect((await dead()).ejections.connect).toBe(1);

		const back = await startTestUpstream({ port: gone.port });
		upstreams.push(back);
		expect(await until(async () => !(await dead()).ejected)).toBe(true);
		// The probe asked for its model list; no request was sent its way before the probe said it was back.
		expect(back.requests.map((r) => r.path)).toEqual(["/v1/models"]);

		const before = chatsAt(upstreams[0] as TestUpstream);
		expect((await ask(ollama, "the trial")).message.content).toBe("Hello world");
		expect(chatsAt(back)).toBe(1);
		expect(back.lastBody().messages).toEqual([{ role: "user", content: "the trial" }]);
		expect(chatsAt(upstreams[0] as TestUpstream)).toBe(before);
		const view = await dead();
		expect(view.ejected).toBe(false);
		expect(view.requests.failure).toBe(1);
	});
});

describe("a replica down at start-up", () => {
	test("is shown unlisted and sent nothing, then joins once its model list answers", async () => {
		upstreams = [await startTestUpstream()];
		const port = await closedPort();
		proxy = await startFleetProxy([(upstreams[0] as TestUpstream).url, urlOfPort(port)], {
			affinity: "none",
			balance: "round_robin",
			health: { probe_ms: 50 },
		});
		const ollama = new Ollama({ host: proxy.url });
		for (let n = 0; n < 4; n++) expect((await ask(ollama, `alone ${n}`)).message.content).toBe("Hello world");
		expect(chatsAt(upstreams[0] as TestUpstream)).toBe(4);
		const ready = (await (await fetch(`${proxy.url}/health/ready`)).json()) as {
			upstreams: Array<{ replicas: Array<{ replica: string; state: string }> }>;
		};
		expect(ready.upstreams[0]?.replicas.map((r) => r.state)).toEqual(["up", "unlisted"]);

		const late = await startTestUpstream({ port });
		upstreams.push(late);
		const listed = async () => ((await fleetView(proxy as TestProxy)).replicas[1] as ReplicaView).models !== undefined;
		expect(await until(listed)).toBe(true);
		for (let n = 0; n < 4; n++) expect((await ask(ollama, `both ${n}`)).message.content).toBe("Hello world");
		expect(chatsAt(late)).toBe(2);
	});
});
