/**
 * Proxy processes around one Redis (or none) in front of a test upstream, and the clients the replica tests drive
 * them with: bursts, open-loop overload, held streams of a key with a concurrency limit, and the metrics that count.
 * Shared by test/contract/limits-replicas.test.ts and the long-running test/reliability/limits-over-time.test.ts.
 */
import { expect } from "bun:test";
import { type ProxyProcess, startProxyProcess } from "./proxy-process.ts";
import { chunk, type Reply, type TestUpstream } from "./upstream.ts";
import { until } from "./wait.ts";

/** The upstream behaviour the helpers need: `held`, a stream that sends its first chunk and then holds until the client goes. */
export const heldBehavior = {
	held: (): Reply => ({ kind: "stream", chunks: [chunk({ role: "assistant", content: "first" })], end: "hang" }),
};

/** The helpers, bound to the upstream the file starts (read lazily: it is started in `beforeAll`). */
export function replicaHelpers(upstream: () => TestUpstream) {
	const KEY = "team-key-0123456789abcdef";
	const config = (limits: string) => `upstreams: [{ name: up, base_url: "${upstream().url}", retries: { max: 0 } }]
models: [{ name: held, upstream: up, id: held }]
keys: [{ name: team, key: ${KEY}, limits: ${limits} }]
`;
	const headers = { authorization: `Bearer ${KEY}` };
	const embed = (url: string) =>
		fetch(`${url}/v1/embeddings`, {
			method: "POST",
			headers,
			body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
		}).then(async (r) => {
			await r.arrayBuffer();
			return r.status;
		});

	/** Sends `perProxy` requests to each proxy, all at once, and counts the statuses. */
	async function burst(urls: string[], perProxy: number) {
		const statuses = await Promise.all(urls.flatMap((url) => Array.from({ length: perProxy }, () => embed(url))));
		return { admitted: statuses.filter((s) => s === 200).length, refused: statuses.filter((s) => s === 429).length };
	}

	async function replicas(count: number, limits: string, env: Record<string, string>) {
		return Promise.all(Array.from({ length: count }, () => startProxyProcess(config(limits), env)));
	}

	/** Two keys: `team` for load (every check goes to Redis), `slots` with concurrent: 8 to show exactness. */
	const SLOTS_KEY = "slots-key-0123456789abcdef";
	const faultConfig = () => `upstreams: [{ name: up, base_url: "${upstream().url}", retries: { max: 0 } }]
models: [{ name: held, upstream: up, id: held }]
keys:
  - { name: team, key: ${KEY}, limits: { concurrent: 100, tokens_per_day: 100000000 } }
  - { name: slots, key: ${SLOTS_KEY}, limits: { concurrent: 8 } }
state: { replicas: 2 }
`;
	const slotHeaders = { authorization: `Bearer ${SLOTS_KEY}` };
	const holdSlot = (url: string, signal?: AbortSignal) =>
		fetch(`${url}/api/chat`, {
			method: "POST",
			headers: slotHeaders,
			body: JSON.stringify({ model: "held", messages: [{ role: "user", content: "hi" }] }),
			signal,
		});
	const embedSlot = (url: string) =>
		fetch(`${url}/v1/embeddings`, {
			method: "POST",
			headers: slotHeaders,
			body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
		}).then(async (r) => {
			await r.arrayBuffer();
			return r.status;
		});

	/**
	 * Opens `n` held streams of the `slots` key at once and counts what was admitted, refused and reached the upstream;
	 * then closes them and waits until the upstream has seen them go.
	 */
	async function heldAdmitted(url: string, n: number) {
		const opened = upstream().state.open;
		const controllers = Array.from({ length: n }, () => new AbortController());
		try {
			const responses = await Promise.all(controllers.map((c) => holdSlot(url, c.signal)));
			for (const r of responses) if (r.status !== 200) await r.arrayBuffer();
			return {
				admitted: responses.filter((r) => r.status === 200).length,
				refused: responses.filter((r) => r.status === 429).length,
				reachedUpstream: upstream().state.open - opened,
			};
		} finally {
			for (const c of controllers) c.abort();
			expect(await until(() => upstream().state.open === opened)).toBe(true);
		}
	}

	async function fallbacks(url: string) {
		const metrics = await (await fetch(`${url}/metrics`, { headers })).text();
		const value = /^ollama_proxy_redis_fallbacks_total (\d+)$/m.exec(metrics)?.[1];
		// A counter never incremented has no sample yet, only its TYPE line.
		if (value === undefined && metrics.includes("# TYPE ollama_proxy_redis_fallbacks_total counter")) return 0;
		return Number(value);
	}

	/**
	 * Whether the proxy logs that Redis answers again within 5 s: the bound for limits to be exact again. The
	 * reconnect loop retries at most every second, so 5 s is five tries; it is a deadline, not a measured duration.
	 */
	async function recoveredWithin5s(proc: ProxyProcess) {
		const recovered = proc.log.line((l) => l.msg === "Redis answers again: limits are shared again").then(() => true);
		return Promise.race([recovered, Bun.sleep(5000).then(() => false)]);
	}

	/**
	 * Open-loop overload: `perSecond` embedding requests a second, round robin over `urls`, for `windowMs`, each sent on
	 * schedule whatever the answers (a late tick sends what it owes at once). Returns, per proxy, when its first and
	 * last request were sent (performance.now(), ms) and the statuses it answered.
	 */
	async function overload(urls: string[], perSecond: number, windowMs: number) {
		const sent = urls.map(() => ({ first: Number.NaN, last: Number.NaN, statuses: [] as Promise<number>[] }));
		const start = performance.now();
		for (let i = 0; i * (1000 / perSecond) < windowMs; i++) {
			const wait = start + i * (1000 / perSecond) - performance.now();
			if (wait > 0) await Bun.sleep(wait);
			const target = sent[i % urls.length] as (typeof sent)[0];
			const at = performance.now();
			if (Number.isNaN(target.first)) target.first = at;
			target.last = at;
			target.statuses.push(embed(urls[i % urls.length] as string));
		}
		return Promise.all(
			sent.map(async ({ first, last, statuses }) => {
				const all = await Promise.all(statuses);
				return {
					first,
					last,
					sent: all.length,
					admitted: all.filter((s) => s === 200).length,
					refused: all.filter((s) => s === 429).length,
				};
			}),
		);
	}

	/** GCRA's promise for an idle key: its whole minute at once, then one request per 60/N s, over `ms`. */
	const gcraAllows = (perMinute: number, ms: number) => perMinute + Math.floor((ms * perMinute) / 60_000);

	async function keyRequests(url: string) {
		const metrics = await (await fetch(`${url}/metrics`, { headers })).text();
		return Number(/^ollama_proxy_key_requests_total\{key="team"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
	}
	return {
		KEY,
		config,
		headers,
		embed,
		burst,
		replicas,
		SLOTS_KEY,
		faultConfig,
		slotHeaders,
		holdSlot,
		embedSlot,
		heldAdmitted,
		fallbacks,
		recoveredWithin5s,
		overload,
		gcraAllows,
		keyRequests,
	};
}
