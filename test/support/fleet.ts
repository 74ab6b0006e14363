/**
 * Fleets end to end: several test upstreams as the replicas of one upstream entry, the proxy in front of them, and
 * a way to hold every request at the replicas until the test lets it go, so a test decides exactly what is in
 * flight, what waits, and when each request ends. Nothing here sleeps: waits are for events.
 */
import type { FleetView } from "../../src/metrics/fleet-metrics.ts";
import type { Upstream } from "../../src/upstream/upstream.ts";
import { startProxyWithConfig, type TestProxy } from "./proxy.ts";
import {
	chatJson,
	type Reply,
	startTestUpstream,
	type TestUpstream,
	textStream,
	type UpstreamOptions,
} from "./upstream.ts";

/** The model every fleet test asks for; every test upstream lists it. */
export const MODEL = "gpt-4o";

export type ReplicaSpec = { url: string; weight?: number; max_concurrency?: number; priority?: number };

export type FleetKeys = {
	balance?: "least_outstanding" | "round_robin";
	affinity?: "prefix" | "none";
	max_concurrency?: number;
	health?: { eject_after?: number; eject_ms?: number; max_eject_ms?: number; probe_ms?: number };
	queue?: { max_depth?: number; timeout_ms?: number };
	timeouts?: { connect_ms?: number; first_byte_ms?: number; idle_ms?: number };
	retries?: { max?: number; backoff_ms?: number; max_wait_ms?: number };
};

/** A configuration file with one fleet upstream named `gpus` (JSON, which is YAML too). */
export function fleetConfig(replicas: readonly (string | ReplicaSpec)[], keys: FleetKeys = {}): string {
	const entries = replicas.map((r) => {
		const { url, ...rest } = typeof r === "string" ? { url: r } : r;
		return { base_url: url, ...rest };
	});
	return JSON.stringify({ upstreams: [{ name: "gpus", replicas: entries, ...keys }] }, null, 2);
}

export async function startFleetProxy(replicas: readonly (string | ReplicaSpec)[], keys: FleetKeys = {}) {
	return startProxyWithConfig(fleetConfig(replicas, keys));
}

/** The fleet upstream behind the model, to read its live view synchronously (from inside an upstream's handler). */
export async function fleetUpstreamOf(proxy: TestProxy, model = MODEL): Promise<Upstream> {
	const route = await proxy.deps.registry.resolve(model);
	if (!route?.upstream.fleet) throw new Error(`${model} is not served by a fleet`);
	return route.upstream;
}

/** The fleet's state now: each replica's in-flight and ejection, and the queue depth. */
export async function fleetView(proxy: TestProxy, model = MODEL): Promise<FleetView> {
	return ((await fleetUpstreamOf(proxy, model)).fleet as () => FleetView)();
}

/** A port that refuses connections: one the OS gave a listener that is closed again. */
export async function closedPort(): Promise<number> {
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
	const port = server.port as number;
	await server.stop(true);
	return port;
}

export const urlOfPort = (port: number) => `http://127.0.0.1:${port}/v1`;

/** Chat requests an upstream was sent. */
export const chatsAt = (upstream: TestUpstream) => upstream.countOf("/v1/chat/completions");

/** The text of a chat body's last user message: tests put a request's id there. */
export function lastUserText(body: Record<string, unknown>): string {
	const messages = (body.messages ?? []) as { role: string; content: unknown }[];
	const last = messages.findLast((m) => m.role === "user");
	return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content);
}

/** What replica `index` answers: its own name as the text, streamed or whole as the request asked. */
export function answerFrom(index: number, body: Record<string, unknown>): Reply {
	const text = `replica-${index}`;
	return body.stream === true ? textStream([text]) : { kind: "json", body: chatJson(text) };
}

/** One request held at a replica. */
export type Held = {
	/** Which replica (index in the fleet's list) took it. */
	replica: number;
	/** Its last user message: the id the test gave it. */
	text: string;
	body: Record<string, unknown>;
	/** The fleet's view the moment the request reached the replica. */
	view: FleetView | undefined;
	/** Requests held at this replica then, this one included: in flight as the replicas see it. */
	heldThere: number;
	/** Requests held at every replica then, this one included. */
	heldAll: number;
	released: boolean;
	/** Lets the replica answer (by default its name, streamed or whole as asked). */
	release(reply?: Reply): void;
};

/**
 * Replicas whose chat requests for MODEL wait until the test releases them. `arrivals` lists every request in the
 * order it reached a replica; `arrived(n)` waits for the n-th; `watch(proxy)` makes each arrival record the fleet's
 * view at that moment.
 */
export async function startHeldReplicas(count: number, options: (index: number) => UpstreamOptions = () => ({})) {
	const arrivals: Held[] = [];
	const waiting: { n: number; resolve: () => void }[] = [];
	let fleet: Upstream | undefined;
	const held = () => arrivals.filter((h) => !h.released);

	const upstreams = await Promise.all(
		Array.from({ length: count }, (_, index) =>
			startTestUpstream({
				...options(index),
				behaviors: {
					[MODEL]: (body) => {
						let answer: (reply: Reply) => void = () => {};
						const reply = new Promise<Reply>((resolve) => {
							answer = resolve;
						});
						const request: Held = {
							replica: index,
							text: lastUserText(body),
							body,
							view: fleet?.fleet?.(),
							heldThere: held().filter((h) => h.replica === index).length + 1,
							heldAll: held().length + 1,
							released: false,
							release(given) {
								if (request.released) return;
								request.released = true;
								answer(given ?? answerFrom(index, body));
							},
						};
						arrivals.push(request);
						for (const w of waiting.filter((w) => arrivals.length >= w.n)) {
							waiting.splice(waiting.indexOf(w), 1);
							w.resolve();
						}
						return { kind: "later", reply };
					},
				},
			}),
		),
	);

	return {
		upstreams,
		urls: upstreams.map((u) => u.url),
		arrivals,
		/** Requests not yet released, oldest first. */
		held,
		/** Resolves once `n` requests in all have reached the replicas. */
		arrived(n: number): Promise<void> {
			if (arrivals.length >= n) return Promise.resolve();
			return new Promise((resolve) => waiting.push({ n, resolve }));
		},
		async watch(proxy: TestProxy) {
			fleet = await fleetUpstreamOf(proxy);
		},
		releaseAll() {
			for (const h of held()) h.release();
		},
		/** Lets every request go, those held now and those still to come, until `total` have arrived. */
		async releaseUntil(total: number) {
			while (arrivals.length < total) {
				for (const h of held()) h.release();
				await new Promise<void>((resolve) => waiting.push({ n: arrivals.length + 1, resolve }));
			}
			for (const h of held()) h.release();
		},
		stop() {
			for (const h of held()) h.release();
			for (const u of upstreams) u.stop();
		},
	};
}

export type HeldReplicas = Awaited<ReturnType<typeof startHeldReplicas>>;

/** A promise with its resolve function, to gate an upstream's reply on the test's say-so. */
export function gate<T = void>() {
	let open: (value: T) => void = () => {};
	const promise = new Promise<T>((resolve) => {
		open = resolve;
	});
	return { promise, open };
}

/** How many of `items` fall on each of `count` replicas. */
export function tally(replicas: readonly number[], count: number): number[] {
	const counts = Array.from({ length: count }, () => 0);
	for (const r of replicas) counts[r] = (counts[r] ?? 0) + 1;
	return counts;
}

/** Runs `total` calls with at most `concurrency` at once; returns their results in call order. */
export async function withConcurrency<T>(
	total: number,
	concurrency: number,
	call: (n: number) => Promise<T>,
): Promise<T[]> {
	const results: T[] = new Array(total);
	let next = 0;
	const worker = async () => {
		while (next < total) {
			const n = next++;
			results[n] = await call(n);
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return results;
}
