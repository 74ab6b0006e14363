/**
 * Relaying an upstream's answer as it came: its status and body bytes untouched, with only the headers worth keeping,
 * and for a relayed SSE stream a last event in the client's protocol when the upstream breaks off.
 */

// Headers of the upstream's answer worth relaying; hop-by-hop and length headers are Bun's to set.
const RELAYED_HEADERS = ["content-type", "x-request-id", "openai-processing-ms", "retry-after"];

// The upstream's own request id (OpenAI's name first, then Anthropic's) is kept apart from the proxy's.
const UPSTREAM_ID = new Set(["x-request-id", "request-id"]);

/** The upstream's answer as the client gets it: status and body bytes untouched, with the headers worth keeping. */
export function relayed(
	upstream: Response,
	body = upstream.body,
	names: readonly string[] = RELAYED_HEADERS,
): Response {
	const headers = new Headers();
	for (const name of names) {
		const value = upstream.headers.get(name);
		const as = UPSTREAM_ID.has(name) ? "x-upstream-request-id" : name;
		if (value && !headers.has(as)) headers.set(as, value);
	}
	return new Response(body, { status: upstream.status, headers });
}

const encoder = new TextEncoder();

/**
 * A relayed SSE body that ends with the protocol's error event, not a cut connection, when the upstream fails: the
 * SDKs raise an `error` event, where a bare end would leave a client waiting for the protocol's last event.
 */
export function endedInProtocol(body: ReadableStream<Uint8Array>, ending: (message: string) => string) {
	const reader = body.getReader();
	let midEvent = false;
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const part = await reader.read();
					if (part.done) return controller.close();
					const last = part.value.at(-1);
					midEvent = last !== undefined && last !== 10;
					controller.enqueue(part.value);
				} catch (error) {
					const message = error instanceof Error ? error.message : String(error);
					controller.enqueue(encoder.encode(`${midEvent ? "\n\n" : ""}${ending(message)}`));
					controller.close();
				}
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
}
