/**
 * How upstream requests travel. Bun's own `fetch` costs less CPU per request than the `node:http` pool, but sends at
 * most 256 requests at once (`BUN_CONFIG_MAX_HTTP_REQUESTS`, read only when Bun starts): request 257 would wait for
 * another to end. So a request takes one of Bun's slots while one is free, and holds it until its body is read to
 * the end, fails or is cancelled; the others go through the pool, which has no such cap. A streamed answer goes
 * through the pool from the start: there each chunk costs less than through Bun's fetch and the second stream that
 * holding a slot needs. `max_upstream_connections` bounds both ways together: past it, a request waits its turn.
 */
import { type EndingFetch, nodePoolFetch, type UpstreamFetch } from "./http-client.ts";

// Bun's fetch honours these; node:http does not. Where one is set, every upstream call goes through Bun's fetch.
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"];
/** Bun's own limit of requests in flight, unless BUN_CONFIG_MAX_HTTP_REQUESTS raised it before the process started. */
const BUN_FETCH_DEFAULT_CAP = 256;

/** Whether the environment routes outgoing requests through an HTTP proxy, which only Bun's fetch knows about. */
export function usesProxyVariables(env: Record<string, string | undefined>): boolean {
	return PROXY_VARIABLES.some((name) => (env[name] ?? "").trim() !== "");
}

/** How many requests Bun's fetch sends at once in this process: its default, or what the environment set at start. */
export function bunFetchCap(env: Record<string, string | undefined>): number {
	const set = Number(env.BUN_CONFIG_MAX_HTTP_REQUESTS);
	// Bun itself refuses values outside 1–65535 and keeps its default.
	return Number.isInteger(set) && set >= 1 && set <= 65_535 ? set : BUN_FETCH_DEFAULT_CAP;
}

function abortError(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * Bun's fetch says only "ECONNREFUSED: Unable to connect. Is the computer able to access the url?"; the operator
 * needs the address, which node:http names ("connect ECONNREFUSED 127.0.0.1:9"). Host and port only: the URL may
 * carry credentials.
 */
function namingTheAddress(error: unknown, input: string | URL | Request): unknown {
	const code = (error as { code?: unknown }).code;
	if (!(error instanceof Error) || typeof code !== "string" || !error.message.startsWith(`${code}: Unable to connect`))
		return error;
	const url = new URL(input instanceof Request ? input.url : input);
	const port = url.port || (url.protocol === "https:" ? "443" : "80");
	return Object.assign(new TypeError(`connect ${code} ${url.hostname}:${port}`), { code });
}

/** At most `limit` holders at once; the others wait in the order they came, or until their signal aborts. */
function slots(limit: number) {
	let held = 0;
	const waiting: (() => void)[] = [];
	return {
		async take(signal: AbortSignal | null | undefined): Promise<void> {
			if (held < limit) {
				held++;
				return;
			}
			const turn = Promise.withResolvers<void>();
			waiting.push(turn.resolve);
			const onAbort = () => {
				const at = waiting.indexOf(turn.resolve);
				// Already given a slot: the request goes on, and its own aborted signal ends it.
				if (at < 0) return;
				waiting.splice(at, 1);
				turn.reject(abortError(signal as AbortSignal));
			};
			signal?.addEventListener("abort", onAbort, { once: true });
			try {
				await turn.promise;
			} finally {
				signal?.removeEventListener("abort", onAbort);
			}
		},
		/** A slot given back goes to the first in line, or becomes free. */
		give() {
			const next = waiting.shift();
			if (next) next();
			else held--;
		},
	};
}

// The last resort for a body that nobody reads or cancels and whose signal never aborts: without it, its slot would
// be lost for good; with it, the slot comes back once the body is collected.
const unread = new FinalizationRegistry<() => void>((finish) => finish());

/**
 * The response with `done` called once its body has been read to the end, has failed or was cancelled, or its
 * request's signal aborted (the client left, or a timer fired, before anyone read it).
 */
function releasedAtEnd(response: Response, done: () => void, signal: AbortSignal | null | undefined): Response {
	const body = response.body;
	if (!body) {
		done();
		return response;
	}
	const reader = body.getReader();
	const token = {};
	const finish = () => {
		signal?.removeEventListener("abort", onAbort);
		unread.unregister(token);
		done();
	};
	const onAbort = () => {
		finish();
		reader.cancel(signal?.reason).catch(() => undefined);
	};
	signal?.addEventListener("abort", onAbort, { once: true });
	const tracked = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const part = await reader.read();
					if (part.done) {
						finish();
						controller.close();
					} else controller.enqueue(part.value);
				} catch (error) {
					finish();
					controller.error(error);
				}
			},
			cancel(reason) {
				finish();
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
	unread.register(tracked, finish, token);
	return new Response(tracked, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export type TransportOptions = {
	env: Record<string, string | undefined>;
	/** Bun's fetch, or a stand-in in tests. */
	bunFetch?: UpstreamFetch;
	/** The uncapped pool, or a stand-in in tests. */
	pool?: EndingFetch;
};

/** Two ways in, one limit: at most `maxConnections` requests in flight, to all upstreams together. */
export type Transport = {
	/** Any request: Bun's fetch while it has a slot free, the pool beyond. */
	fetch: UpstreamFetch;
	/** A request whose answer streams: the pool (Bun's fetch where an HTTP proxy is set, which the pool cannot use). */
	stream: UpstreamFetch;
};

export function upstreamTransport(maxConnections: number, options: TransportOptions): Transport {
	const bunFetch = options.bunFetch ?? fetch;
	const pool = options.pool ?? nodePoolFetch(maxConnections);
	const inFlight = slots(maxConnections);
	const proxied = usesProxyVariables(options.env);
	const bunSlots = proxied ? maxConnections : bunFetchCap(options.env);
	let onBun = 0;
	const send = async (input: string | URL | Request, init: RequestInit, streamed: boolean) => {
		if (init.signal?.aborted) throw abortError(init.signal);
		await inFlight.take(init.signal);
		const viaBun = onBun < bunSlots && (proxied || !streamed);
		if (viaBun) onBun++;
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			if (viaBun) onBun--;
			inFlight.give();
		};
		try {
			if (!viaBun) return await pool(input, init, release);
			// Bun's fetch gives up after 300 s without a byte; the proxy's own timers are the limits (a whole answer may
			// take connect + first-byte + idle, 340 s by default, and operators raise idle_ms for slow local models).
			return releasedAtEnd(await bunFetch(input, { ...init, timeout: false } as RequestInit), release, init.signal);
		} catch (error) {
			release();
			throw namingTheAddress(error, input);
		}
	};
	return {
		fetch: (input, init = {}) => send(input, init, false),
		stream: (input, init = {}) => send(input, init, true),
	};
}

const shared = new Map<number, Transport>();

/** One transport per limit for the whole process (all upstreams share the one limit the settings give). */
export function sharedTransport(maxConnections: number, env: Record<string, string | undefined>): Transport {
	let found = shared.get(maxConnections);
	if (!found) {
		found = upstreamTransport(maxConnections, { env });
		shared.set(maxConnections, found);
	}
	return found;
}
