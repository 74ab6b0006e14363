/**
 * A `fetch`-shaped function over `node:http`/`node:https`, with one keep-alive pool per protocol: the upstream
 * transport's way past the 256 requests Bun's own fetch sends at once (see transport.ts). Its Agent takes its limit
 * from the `max_upstream_connections` setting. A rejection becomes the openai SDK's APIConnectionError, as a
 * rejection of Bun's fetch does.
 */
import http from "node:http";
import https from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { type ByteReader, SocketBody, webBody } from "./socket-body.ts";

export type UpstreamFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
/** A fetch that also says when the answer's body is over: read to its end, failed or cancelled (or there was none). */
export type EndingFetch = (input: string | URL | Request, init?: RequestInit, onEnd?: () => void) => Promise<Response>;

// Buffered, so a request can be sent again when a pooled connection turns out to be closed already.
type Outgoing = {
	url: URL;
	method: string;
	headers: Record<string, string>;
	body: Uint8Array | string | undefined;
	signal: AbortSignal | null | undefined;
};

// Codes of a keep-alive connection the server closed while it sat in the pool: the request never reached it.
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

function abortError(signal: AbortSignal): unknown {
	return signal.reason instanceof Error ? signal.reason : new DOMException("The operation was aborted.", "AbortError");
}

function plainHeaders(init: RequestInit["headers"]): Record<string, string> {
	const out: Record<string, string> = {};
	if (!init) return out;
	if (init instanceof Headers) {
		init.forEach((value, name) => {
			out[name] = value;
		});
	} else if (Array.isArray(init)) {
		for (const [name, value] of init) if (name !== undefined && value !== undefined) out[name.toLowerCase()] = value;
	} else {
		for (const [name, value] of Object.entries(init)) {
			if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
		}
	}
	return out;
}

/** The request with its body in memory: strings and bytes as they are, anything else (FormData, Blob…) encoded. */
async function outgoing(input: string | URL | Request, init: RequestInit): Promise<Outgoing> {
	if (input instanceof Request) {
		const body = input.body ? new Uint8Array(await input.arrayBuffer()) : undefined;
		return {
			...(await outgoing(input.url, { method: input.method, headers: input.headers, signal: input.signal })),
			body,
		};
	}
	const url = input instanceof URL ? input : new URL(input);
	const method = (init.method ?? "GET").toUpperCase();
	const signal = init.signal;
	const raw = init.body;
	if (raw === undefined || raw === null || typeof raw === "string") {
		return { url, method, headers: plainHeaders(init.headers), body: raw ?? undefined, signal };
	}
	if (raw instanceof Uint8Array) return { url, method, headers: plainHeaders(init.headers), body: raw, signal };
	if (raw instanceof ArrayBuffer) {
		return { url, method, headers: plainHeaders(init.headers), body: new Uint8Array(raw), signal };
	}
	// The Request constructor encodes the rest and sets its content type (a multipart boundary, say).
	const encoded = new Request(url.href, { method, headers: init.headers, body: raw, duplex: "half" } as RequestInit);
	// Headers first: Bun fills in the content type only while the body is still unread.
	const headers = plainHeaders(encoded.headers);
	return { url, method, headers, body: new Uint8Array(await encoded.arrayBuffer()), signal };
}

type Decoder = () => NodeJS.ReadWriteStream;
const DECODERS: Record<string, Decoder> = {
	gzip: createGunzip,
	"x-gzip": createGunzip,
	deflate: createInflate,
	br: createBrotliDecompress,
};

// The direct reader of each pool answer's body, for the streamed-answer loop (see `bodyReader`).
const readers = new WeakMap<Response, SocketBody>();

/**
 * A reader of the response's body: for an answer from the pool, its socket's data without a web stream in between
 * (the body's web stream then stays unread: one of the two, never both); for any other response, its body's reader.
 */
export function bodyReader(response: Response & { body: ReadableStream<Uint8Array> }): ByteReader {
	return readers.get(response) ?? (response.body.getReader() as ByteReader);
}

function toResponse(
	req: http.ClientRequest,
	res: http.IncomingMessage,
	request: Outgoing,
	onEnd: () => void,
): Response {
	const status = res.statusCode ?? 502;
	const empty = request.method === "HEAD" || status === 204 || status === 205 || status === 304;
	const encoding = res.headers["content-encoding"]?.trim().toLowerCase();
	const decoder = !empty && encoding ? DECODERS[encoding] : undefined;
	// Node's parsed headers (repeated ones joined) make the Headers in one call instead of one per header; only
	// set-cookie stays a list there, and an upstream's cookies mean nothing to the proxy.
	const headers = res.headers as Record<string, string>;
	if (decoder) {
		// A body decoded here no longer has the length or the encoding the server announced.
		delete headers["content-encoding"];
		delete headers["content-length"];
	}
	if (empty) {
		res.on("error", () => undefined);
		res.resume();
		onEnd();
		return new Response(null, { status, statusText: res.statusMessage ?? "", headers });
	}
	const body = new SocketBody(req, res, decoder ? res.pipe(decoder()) : res, request.signal, onEnd);
	const response = new Response(webBody(body), { status, statusText: res.statusMessage ?? "", headers });
	readers.set(response, body);
	return response;
}

function send(agents: Record<string, http.Agent>, request: Outgoing, onEnd: () => void): Promise<Response> {
	const { url, method, body, signal } = request;
	const transport = url.protocol === "https:" ? https : http;
	const headers = { ...request.headers };
	if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
	return new Promise<Response>((resolve, reject) => {
		const req = transport.request(url, { method, headers, agent: agents[url.protocol] });
		let answered = false;
		const onAbort = () => req.destroy(abortError(signal as AbortSignal) as Error);
		signal?.addEventListener("abort", onAbort, { once: true });
		const settle = () => {
			if (answered) return false;
			answered = true;
			return true;
		};
		req.on("response", (res) => {
			if (!settle()) return;
			// After the headers, the signal still aborts the body: the reader sees the error.
			res.on("close", () => signal?.removeEventListener("abort", onAbort));
			resolve(toResponse(req, res, request, onEnd));
		});
		req.on("error", (error: Error & { code?: string }) => {
			if (!settle()) return;
			signal?.removeEventListener("abort", onAbort);
			if (signal?.aborted) reject(abortError(signal));
			else if (req.reusedSocket && error.code && STALE_CONNECTION.has(error.code)) {
				// The pooled connection was closed by the server before the request reached it: send it again.
				send(agents, request, onEnd).then(resolve, reject);
			} else reject(error);
		});
		req.end(body);
	});
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const CREDENTIALS = ["authorization", "api-key", "cookie"];

function checkProtocol(url: URL) {
	if (url.protocol !== "http:" && url.protocol !== "https:")
		throw new TypeError(`unsupported protocol ${url.protocol}`);
}

/**
 * The request a redirect asks for, as fetch follows it: 307 and 308 keep the method and body, the others turn a POST
 * into a GET without a body; credentials do not go to another origin.
 */
function redirected(request: Outgoing, status: number, location: string): Outgoing {
	const url = new URL(location, request.url);
	checkProtocol(url);
	const headers = { ...request.headers };
	if (url.origin !== request.url.origin) for (const name of CREDENTIALS) delete headers[name];
	const keep =
		status === 307 || status === 308 || (status !== 303 && request.method !== "POST") || request.method === "HEAD";
	if (keep) return { ...request, url, headers };
	delete headers["content-type"];
	return { ...request, url, headers, method: "GET", body: undefined };
}

/**
 * A fetch over a keep-alive pool of at most `maxConnections` connections. `onEnd` is called once the final answer's
 * body is over, without a second stream around it; the answers of redirects followed on the way do not count.
 */
export function nodePoolFetch(maxConnections: number): EndingFetch {
	const pool = { keepAlive: true, maxSockets: maxConnections, maxTotalSockets: maxConnections };
	const agents: Record<string, http.Agent> = { "http:": new http.Agent(pool), "https:": new https.Agent(pool) };
	return async (input, init = {}, onEnd = () => undefined) => {
		if (init.signal?.aborted) throw abortError(init.signal);
		let request = await outgoing(input, init);
		checkProtocol(request.url);
		for (let hops = 0; ; hops++) {
			let ended = false;
			let final = false;
			const response = await send(agents, request, () => {
				ended = true;
				if (final) onEnd();
			});
			const location = response.headers.get("location");
			if (!REDIRECTS.has(response.status) || location === null || init.redirect === "manual") {
				final = true;
				// An answer without a body is over before it is known to be the final one.
				if (ended) onEnd();
				return response;
			}
			await response.body?.cancel();
			if (hops === MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
			request = redirected(request, response.status, location);
		}
	};
}
