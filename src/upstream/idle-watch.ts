/**
 * The idle limit for answers relayed as bytes (the `/v1` surface, a real Ollama's native API): a body that stays
 * quiet longer than `idleMs`, or whose connection breaks, is ended with an error in the body's own format — an SSE
 * error event that OpenAI SDKs raise, or an NDJSON error line that Ollama clients raise — instead of hanging the
 * client or cutting it off without a word.
 */
const encoder = new TextEncoder();
const NEWLINE = 10;

export type BodyFormat = "sse" | "ndjson" | "other";

export function bodyFormat(contentType: string | null): BodyFormat {
	if (contentType?.includes("text/event-stream")) return "sse";
	if (contentType?.includes("application/x-ndjson")) return "ndjson";
	return "other";
}

/**
 * The last words of a body cut short, in its own format, or undefined for formats without an error frame. A line
 * left half-written is closed first, so the error stands on a line of its own.
 */
export function cutShortEnding(format: BodyFormat, message: string, midLine: boolean): Uint8Array | undefined {
	if (format === "sse") {
		const event = { error: { message, type: "api_error", param: null, code: null } };
		return encoder.encode(`${midLine ? "\n\n" : ""}data: ${JSON.stringify(event)}\n\n`);
	}
	if (format === "ndjson") return encoder.encode(`${midLine ? "\n" : ""}${JSON.stringify({ error: message })}\n`);
	return undefined;
}

export function watchIdle(
	body: ReadableStream<Uint8Array>,
	idleMs: number,
	format: BodyFormat,
): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let timer: ReturnType<typeof setTimeout> | undefined;
	let midLine = false;
	const cut = (controller: ReadableStreamDefaultController<Uint8Array>, message: string) => {
		reader.cancel().catch(() => undefined);
		const ending = cutShortEnding(format, message, midLine);
		if (ending) {
			controller.enqueue(ending);
			controller.close();
		} else {
			controller.error(new Error(message));
		}
	};
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				const quiet = new Promise<"quiet">((resolve) => {
					timer = setTimeout(() => resolve("quiet"), idleMs);
				});
				let part: Awaited<ReturnType<typeof reader.read>> | "quiet";
				try {
					part = await Promise.race([reader.read(), quiet]);
				} catch (error) {
					cut(controller, `upstream connection lost: ${(error as Error).message}`);
					return;
				} finally {
					clearTimeout(timer);
				}
				if (part === "quiet") {
					cut(controller, `upstream went quiet for ${idleMs} ms`);
				} else if (part.done) {
					controller.close();
				} else {
					midLine = part.value.at(-1) !== NEWLINE;
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
