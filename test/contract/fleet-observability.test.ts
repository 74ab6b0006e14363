/**
 * What an operator sees of a fleet: the replica series on /metrics, each replica's state on /health/ready, and the
 * replica that answered on each request's log line; the replica label is the base URL without its credentials, and
 * the credentials appear nowhere.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import {
	fleetView,
	type Held,
	type HeldReplicas,
	MODEL,
	startFleetProxy,
	startHeldReplicas,
} from "../support/fleet.ts";
import type { TestProxy } from "../support/proxy.ts";
import { until } from "../support/wait.ts";

const SECRET = "s3cret-replica-pass";
let replicas: HeldReplicas;
let proxy: TestProxy;
let labels: string[];
let requestLines: Record<string, unknown>[];

/** The value of the one sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number {
	const found = text
		.split("\n")
		.filter((line) => line.startsWith(`${name}{`))
		.filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
	if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}:\n${text}`);
	return Number((found[0] as string).split(" ").at(-1));
}

beforeAll(async () => {
	replicas = await startHeldReplicas(3);
	labels = [...replicas.urls];
	// The first replica's URL carries credentials.
	const urls = replicas.urls.map((url, i) => (i === 0 ? url.replace("http://", `http://operator:${SECRET}@`) : url));
	proxy = await startFleetProxy(
		urls.map((url) => ({ url, max_concurrency: 1 })),
		{ affinity: "none", health: { eject_after: 1, eject_ms: 600_000, max_eject_ms: 600_000, probe_ms: 0 } },
	);
	const ollama = new Ollama({ host: proxy.url });
	const ask = (text: string) =>
		ollama.chat({ model: MODEL, messages: [{ role: "user", content: text }], stream: false });

	// One request at each replica: three at once, one slot each.
	const warm = [0, 1, 2].map((n) => ask(`warm ${n}`));
	await replicas.arrived(3);
	expect(replicas.arrivals.map((h) => h.replica).sort()).toEqual([0, 1, 2]);
	replicas.releaseAll();
	await Promise.all(warm);
	// The third replica dies and is ejected (eject_after: 1) on the first request it is given.
	await replicas.upstreams[2]?.stop();
	const view = async () => (await fleetView(proxy)).replicas;
	for (let n = 0; !(await view())[2]?.ejected; n++) {
		const answer = ask(`while dying ${n}`);
		await replicas.arrived(replicas.arrivals.length + 1);
		(replicas.arrivals.at(-1) as Held).release();
		await answer;
	}
	// Both live replicas busy (one slot each): one more request waits, then is dispatched.
	const busy = [ask("hold a"), ask("hold b")];
	const start = replicas.arrivals.length;
	await replicas.arrived(start + 2);
	// Still in flight when the proxy stops: its end is of no interest.
	const queued = ask("queued").catch(() => undefined);
	expect(await until(async () => (await fleetView(proxy)).queueDepth === 1)).toBe(true);
	(replicas.arrivals[start] as Held).release();
	await replicas.arrived(start + 3);
	expect(replicas.arrivals.at(-1)?.text).toBe("queued");
	// Left in flight on purpose: the metrics must show it.
	replicas.arrivals[start + 1]?.release();
	await Promise.all(busy);
	// A request's line is written as its answer ends, which may be just after the client has it.
	const chats = () => proxy.logLines().filter((l) => l.path === "/api/chat");
	const answered = replicas.arrivals.filter((h) => h.released).length;
	expect(await until(() => chats().length === answered)).toBe(true);
	requestLines = chats();
	void queued;
});
afterAll(() => {
	replicas.stop();
	proxy.stop();
});

describe("/metrics", () => {
	test("replica in-flight, ejection, ejections by cause, requests by outcome, queue depth and queue wait", async () => {
		const text = await (await fetch(`${proxy.url}/metrics`)).text();
		const at = (i: number) => ({ upstream: "gpus", replica: labels[i] as string });
		const queuedAt = (replicas.arrivals.at(-1) as Held).replica;

		for (const i of [0, 1]) {
			expect(sample(text, "ollama_proxy_replica_in_flight", at(i))).toBe(i === queuedAt ? 1 : 0);
			expect(sample(text, "ollama_proxy_replica_ejected", at(i))).toBe(0);
		}
		expect(sample(text, "ollama_proxy_replica_in_flight", at(2))).toBe(0);
		expect(sample(text, "ollama_proxy_replica_ejected", at(2))).toBe(1);
		expect(sample(text, "ollama_proxy_replica_ejections_total", { ...at(2), cause: "connect" })).toBe(1);
		expect(sample(text, "ollama_proxy_replica_ejections_total", { ...at(0), cause: "connect" })).toBe(0);
		expect(sample(text, "ollama_proxy_replica_requests_total", { ...at(2), outcome: "failure" })).toBe(1);
		expect(sample(text, "ollama_proxy_replica_requests_total", { ...at(2), outcome: "success" })).toBe(1);
		const successes = [0, 1].map((i) =>
			sample(text, "ollama_proxy_replica_requests_total", { ...at(i), outcome: "success" }),
		);
		// Every request answered so far, less the one still in flight, and the one the dead replica took while alive.
		expect((successes[0] as number) + (successes[1] as number)).toBe(replicas.arrivals.length - 1 - 1);
		expect(sample(text, "ollama_proxy_queue_depth", { upstream: "gpus" })).toBe(0);
		expect(sample(text, "ollama_proxy_queue_wait_seconds_count", { upstream: "gpus", result: "dispatched" })).toBe(1);
		expect(text).not.toContain(SECRET);
		expect(text).not.toContain("operator");
	});
});

describe("/health/ready", () => {
	test("lists each replica by its label with its state", async () => {
		const response = await fetch(`${proxy.url}/health/ready`);
		const body = (await response.json()) as { status: string; upstreams: { name: string; replicas: unknown[] }[] };
		expect(response.status).toBe(200);
		expect(body.status).toBe("ready");
		const queuedAt = (replicas.arrivals.at(-1) as Held).replica;
		expect(body.upstreams.find((u) => u.name === "gpus")?.replicas).toEqual(
			labels.map((replica, i) => ({
				replica,
				priority: 0,
				state: i === 2 ? "ejected" : "up",
				inFlight: i === queuedAt ? 1 : 0,
				models: 3,
			})),
		);
		expect(JSON.stringify(body)).not.toContain(SECRET);
	});
});

describe("the request log line", () => {
	test("names the replica that answered, never with its credentials", () => {
		const answered = replicas.arrivals.filter((h) => h.released).map((h) => labels[h.replica]);
		expect(requestLines.length).toBe(answered.length);
		// Log lines come in the order requests ended; compare as multisets.
		expect(requestLines.map((l) => l.replica).sort()).toEqual([...answered].sort() as string[]);
		expect(requestLines.every((l) => l.status === 200)).toBe(true);
		expect(proxy.logs.join("\n")).not.toContain(SECRET);
	});
});
