/**
 * Server-sent events for the agent protocols: every event is `event: <type>` plus one `data:` line whose JSON
 * carries the same `type` (Anthropic's SDK dispatches on the event name, Codex on `data.type`), flushed at once.
 * Each value the source yields is one upstream chunk's events, written together. No `[DONE]`: neither protocol has it.
 */
import type { ProxyError } from "../core/proxy-error.ts";
import type { SseEvent } from "../core/renderer.ts";
import { type StreamOptions, streamResponse } from "./stream-body.ts";

// Ollama's set for both protocols; `no-cache` also keeps proxies in between from buffering the stream.
const SSE_HEADERS = { "cache-control": "no-cache", connection: "keep-alive" };

export function sseFrames(events: readonly SseEvent[]): string {
	let text = "";
	for (const event of events) text += `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
	return text;
}

export function sseResponse(
	source: AsyncIterator<SseEvent[]>,
	/** The protocol's terminal events for a failure after the stream began. */
	failure: (error: ProxyError) => SseEvent[],
	options: StreamOptions<SseEvent[]>,
): Promise<Response> {
	return streamResponse(
		source,
		{
			contentType: "text/event-stream",
			headers: SSE_HEADERS,
			frame: sseFrames,
			errorFrame: (error) => sseFrames(failure(error)),
		},
		options,
	);
}
