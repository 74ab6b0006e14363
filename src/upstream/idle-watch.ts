/**
 * The idle limit for answers relayed as bytes (the `/v1` surface, a real Ollama's native API): a body that stays
 * quiet longer than `idleMs` is ended with an error in the body's own format — an SSE error event that OpenAI SDKs
 * raise, or an NDJSON error line that Ollama clients raise — instead of hanging the client forever.
 */
const encoder = new TextEncoder();

/** The last words of a body cut for being quiet, in its own format; undefined for formats that have no error frame. */
export function quietEnding(contentType: string | null, message: string): Uint8Array | undefined {
	if (contentType?.includes("text/event-stream")) {
		const event = { error: { message, type: "api_error", param: null, code: null } };
		return encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
	}
	if (contentType?.includes("application/x-ndjson")) return encoder.encode(`${JSON.stringify({ error: message })}\n`);
	return undefined;
}

export function watchIdle(
	body: ReadableStream<Uint8Array>,
	idleMs: number,
	ending: Uint8Array | undefined,
	message: string,
): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let timer: ReturnType<typeof setTimeout> | undefined;
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				const quiet = new Promise<"quiet">((resolve) => {
					timer = setTimeout(() => resolve("quiet"), idleMs);
				});
				const part = await Promise.race([reader.read(), quiet]);
				clearTimeout(timer);
				if (part === "quiet") {
					reader.cancel().catch(() => undefined);
					if (ending) {
						controller.enqueue(ending);
						controller.close();
					} else {
						controller.error(new Error(message));
					}
				} else if (part.done) {
					controller.close();
				} else {
					controller.enqueue(part.value);
				}
			},
			cancel(reason) {
				clearTimeout(timer);
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
}
