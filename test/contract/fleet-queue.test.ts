/**
 * The fleet's queue through real clients: two replicas of three slots each never hold more than six requests, the
 * rest wait and are sent on in the order they came, a full queue answers Ollama's own 503 at once (an
 * `overloaded_error` on /v1/messages), a wait that runs out answers the same, and a client that leaves while waiting
 * leaves the queue at once.
 */
import { afterEach, describe, expect, test } from "bun:test";
import Anthropic, { APIError } from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import { BUSY } from "../../src/upstream/fleet-upstream.ts";
import {
	type FleetKeys,
	fleetView,
	type HeldReplicas,
	MODEL,
	startFleetProxy,
	startHeldReplicas,
} from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { until } from "../support/wait.ts";

/** ollama-js's error for a non-2xx answer (the package does not export its class). */
type ResponseError = Error & { error: string; status_code: number };

let proxy: TestProxy;
let replicas: HeldReplicas;
afterEach(() => {
	replicas.stop();
	proxy.stop();
});

/** Two replicas of three slots each: six in flight at most. */
async function setup(keys: FleetKeys = {}) {
	replicas = await startHeldReplicas(2);
	proxy = await startFleetProxy(
		replicas.urls.map((url) => ({ url, max_concurrency: 3 })),
		{ affinity: "none", queue: { max_depth: 64, timeout_ms: 30_000 }, ...keys },
	);
	await replicas.watch(proxy);
	return new Ollama({ host: proxy.url });
}

const depth = async () => (await fleetView(proxy)).queueDepth;

const ask = (ollama: Ollama, text: string) =>
	ollama.chat({ model: MODEL, messages: [{ role: "user", content: text }], stream: false });

/** Fills the six slots and then the queue with `waiting` more, each client started once the one before is in. */
async function fill(ollama: Ollama, waiting: number) {
	const answers: Promise<unknown>[] = [];
	for (let n = 0; n < 6; n++) {
		answers.push(ask(ollama, `client ${n}`));
		await replicas.arrived(n + 1);
	}
	for (let n = 0; n < waiting; n++) {
		answers.push(ask(ollama, `client ${6 + n}`));
		expect(await until(async () => (await depth()) === n + 1)).toBe(true);
	}
	return answers;
}

describe("two replicas × 3 slots, 40 concurrent clients", () => {
	test("never more than 6 in flight at the replicas, and the 34 that waited are sent on in arrival order", async () => {
		const ollama = await setup();
		const answers = await fill(ollama, 34);
		expect(replicas.arrivals.length).toBe(6);

		// One request ends at a time; the next to reach a replica must be the longest waiting.
		for (let next = 6; next < 40; next++) {
			(replicas.held()[0] as HeldReplicas["arrivals"][number]).release();
			await replicas.arrived(next + 1);
			expect(replicas.arrivals[next]?.text).toBe(`client ${next}`);
		}
		replicas.releaseAll();
		await Promise.all(answers);

		expect(replicas.arrivals.map((h) => h.text)).toEqual(Array.from({ length: 40 }, (_, n) => `client ${n}`));
		// As the replicas saw it, and as the fleet counted it the moment each request arrived.
		expect(Math.max(...replicas.arrivals.map((h) => h.heldAll))).toBe(6);
		const inFlight = replicas.arrivals.map((h) => h.view?.replicas.reduce((sum, r) => sum + r.inFlight, 0));
		expect(Math.max(...(inFlight as number[]))).toBe(6);
		for (const h of replicas.arrivals) expect(h.view?.replicas[h.replica]?.inFlight).toBeLessThanOrEqual(3);
		expect(await depth()).toBe(0);
	});
});

describe("a full queue: 6 in flight and 64 waiting", () => {
	test("ollama-js gets Ollama's 503 at once, with Retry-After; the Anthropic SDK an overloaded_error", async () => {
		const statuses: Response[] = [];
		const ollama = await setup();
		const answers = await fill(ollama, 64);

		// The client's own fetch, to read the answer's headers.
		const watched = new Ollama({
			host: proxy.url,
			fetch: (async (input: string | URL | Request, init?: RequestInit) => {
				const response = await fetch(input, init);
				statuses.push(response.clone() as Response);
				return response;
			}) as typeof fetch,
		});
		const refused = await ask(watched, "one too many").catch((error: unknown) => error);
		expect((refused as Error).name).toBe("ResponseError");
		expect((refused as ResponseError).status_code).toBe(503);
		expect((refused as ResponseError).error).toBe(BUSY);
		expect(BUSY).toBe("server busy, please try again.  maximum pending requests exceeded");
		expect(statuses[0]?.status).toBe(503);
		// Retry-After: the queue's timeout, the longest any waiter can still hold its place.
		expect(statuses[0]?.headers.get("retry-after")).toBe("30");

		const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
		const overloaded = await anthropic.messages
			.create({ model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "one too many" }] })
			.catch((error: unknown) => error);
		expect(overloaded).toBeInstanceOf(APIError);
		expect((overloaded as APIError).status).toBe(503);
		expect((overloaded as APIError).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
		expect((overloaded as APIError).headers?.get("retry-after")).toBe("30");

		const raw = await proxy.post("/api/chat", { model: MODEL, messages: [{ role: "user", content: "raw" }] });
		expect(raw.status).toBe(503);
		expect(raw.headers.get("retry-after")).toBe("30");
		expect(await raw.json()).toEqual({ error: BUSY });

		// None of the refused reached a replica or took a place in the queue.
		expect(replicas.arrivals.length).toBe(6);
		expect(await depth()).toBe(64);
		await replicas.releaseUntil(70);
		expect((await Promise.all(answers)).length).toBe(70);
		expect(replicas.arrivals.map((h) => h.text).filter((t) => !t.startsWith("client "))).toEqual([]);
	});

	test("a client that leaves while queued is gone from the queue at once and never reaches a replica", async () => {
		const ollama = await setup();
		const answers = await fill(ollama, 10);
		const leaving = new AbortController();
		const impatient = new Ollama({
			host: proxy.url,
			fetch: ((input: string | URL | Request, init?: RequestInit) =>
				fetch(input, { ...init, signal: leaving.signal })) as typeof fetch,
		});
		const left = ask(impatient, "impatient").catch((error: unknown) => error);
		expect(await until(async () => (await depth()) === 11)).toBe(true);

		leaving.abort();
		expect(((await left) as Error).name).toBe("AbortError");
		expect(await until(async () => (await depth()) === 10)).toBe(true);

		await replicas.releaseUntil(16);
		await Promise.all(answers);
		expect(replicas.arrivals.map((h) => h.text)).not.toContain("impatient");
		expect(replicas.arrivals.length).toBe(16);
		expect(await depth()).toBe(0);
	});
});

describe("a wait that runs out", () => {
	test("is Ollama's 503 with Retry-After: 1 (ollama-js) and an overloaded_error (Anthropic SDK)", async () => {
		const ollama = await setup({ queue: { max_depth: 64, timeout_ms: 150 } });
		const answers = await fill(ollama, 0);

		const refused = await ask(ollama, "too late").catch((error: unknown) => error);
		expect((refused as ResponseError).status_code).toBe(503);
		expect((refused as ResponseError).error).toBe(BUSY);
		const raw = await proxy.post("/api/chat", { model: MODEL, messages: [{ role: "user", content: "raw" }] });
		expect([raw.status, raw.headers.get("retry-after")]).toEqual([503, "1"]);

		const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: "sk-dummy", maxRetries: 0 });
		const overloaded = await anthropic.messages
			.create({ model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "too late" }] })
			.catch((error: unknown) => error);
		expect((overloaded as APIError).status).toBe(503);
		expect((overloaded as APIError).error).toMatchObject({ error: { type: "overloaded_error" } });

		expect(replicas.arrivals.length).toBe(6);
		await replicas.releaseUntil(6);
		await Promise.all(answers);
	});
});
