/**
 * The idle limit for answers relayed as bytes (the `/v1` surface, the agent protocols, a real Ollama's native API): a
 * body that stays quiet longer than `idleMs`, or whose connection breaks, is ended with an error in the body's own
 * format — an SSE error event that OpenAI SDKs raise (or the client protocol's own, see `BodyWatch.sseEnding`), or an
 * NDJSON error line that Ollama clients raise — instead of hanging the client or cutting it off without a word. The
 * idle clock runs only while a read waits on the upstream. With a `BodyWatch`, the route also learns how the body
 * ended, and a client that takes nothing for `stallMs` is cut off: the upstream body cancelled, the connection dropped.
 */
import type { BodyWatch, CutKind, RelayEnd } from "../http/relay.ts";
import { stallWatch } from "../http/stall-watch.ts";

const encoder = new TextEncoder();
const UNWATCHED: BodyWatch = { onEnd: () => {} };
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
	watch: BodyWatch = UNWATCHED,
): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let timer: ReturnType<typeof setTimeout> | undefined;
	let midLine = false;
	let ended = false;
	// The body's controller, for the stall watch to drop the connection through.
	let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
	const stall = stallWatch(watch.stallMs, () => {
		if (!finish({ outcome: "client_stalled" })) return;
		reader.cancel().catch(() => undefined);
		// Bun drops the connection of a body that errors, quietly only when no reason is given.
		controller?.error(undefined);
	});
	const finish = (end: RelayEnd) => {
		if (ended) return false;
		ended = true;
		stall.stop();
		watch.onEnd(end);
		return true;
	};
	const ending = (message: string, kind: CutKind) =>
		format === "sse" && watch.sseEnding
			? encoder.encode(`${midLine ? "\n\n" : ""}${watch.sseEnding(message, kind)}`)
			: cutShortEnding(format, message, midLine);
	const cut = (controller: ReadableStreamDefaultController<Uint8Array>, message: string, kind: CutKind) => {
		reader.cancel().catch(() => undefined);
		finish({ outcome: "failed", kind, message });
		const last = ending(message, kind);
		if (last) {
			controller.enqueue(last);
			controller.close();
		} else {
			controller.error(new Error(message));
		}
	};
	return new ReadableStream<Uint8Array>(
		{
			start(started) {
				controller = started;
			},
			async pull(controller) {
				stall.pulling();
				const quiet = new Promise<"quiet">((resolve) => {
					timer = setTimeout(() => resolve("quiet"), idleMs);
				});
				let part: Awaited<ReturnType<typeof reader.read>> | "quiet";
				try {
					part = await Promise.race([reader.read(), quiet]);
				} catch (error) {
					cut(controller, `upstream connection lost: ${(error as Error).message}`, "connect");
					return;
				} finally {
					clearTimeout(timer);
				}
				if (part === "quiet") {
					cut(controller, `upstream went quiet for ${idleMs} ms`, "timeout");
				} else if (part.done) {
					controller.close();
					finish({ outcome: "complete" });
				} else {
					midLine = part.value.at(-1) !== NEWLINE;
					controller.enqueue(part.value);
					stall.handed();
				}
			},
			cancel(reason) {
				clearTimeout(timer);
				finish({ outcome: "client_aborted" });
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
}
