/**
 * A `fetch` for the official clients (`new Ollama({ fetch })`, `new Anthropic({ fetch })`) whose response bodies are
 * read from the socket only when their reader asks, as a real client's are. Bun's own fetch reads every body ahead
 * of its reader, so a client built on it never stops reading and the proxy never feels its back-pressure; here a
 * client that stops iterating its stream stops the socket, the kernel's buffers fill, and the proxy's writes wait.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";

function bodyOf(res: IncomingMessage): ReadableStream<Uint8Array> {
	let ended = false;
	return new ReadableStream<Uint8Array>(
		{
			start(controller) {
				res.pause();
				res.on("data", (chunk: Buffer) => {
					controller.enqueue(new Uint8Array(chunk));
					// Nothing is read ahead: the socket stops until the reader asks again.
					if ((controller.desiredSize ?? 0) <= 0) res.pause();
				});
				res.on("end", () => {
					ended = true;
					controller.close();
				});
				// A connection closed before the end of its body is an error for the client, as in a browser.
				res.on("close", () => {
					if (!ended) controller.error(new TypeError("the connection closed before the end of the body"));
				});
			},
			pull() {
				res.resume();
			},
			cancel() {
				res.destroy();
			},
		},
		{ highWaterMark: 0 },
	);
}

async function fetchOnDemand(input: string | URL | Request, init?: RequestInit): Promise<Response> {
	const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
	const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
	const url = new URL(request.url);
	const res = await new Promise<IncomingMessage>((resolve, reject) => {
		const sent = httpRequest(
			{
				host: url.hostname,
				port: url.port,
				path: url.pathname + url.search,
				method: request.method,
				headers: Object.fromEntries(request.headers),
			},
			resolve,
		);
		sent.on("error", reject);
		request.signal.addEventListener("abort", () => sent.destroy(new DOMException("aborted", "AbortError")));
		sent.end(body);
	});
	const headers = new Headers();
	for (const [name, value] of Object.entries(res.headers)) {
		for (const one of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, one);
	}
	return new Response(bodyOf(res), { status: res.statusCode ?? 0, headers });
}

/** Typed as the global fetch, which Bun's types extend with `preconnect` (the clients never call it). */
export const onDemandFetch: typeof fetch = Object.assign(fetchOnDemand, { preconnect: fetch.preconnect });
