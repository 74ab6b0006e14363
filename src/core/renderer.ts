/**
 * What an agent protocol supplies to the shared answer pipeline: its server-sent events for each stage of one
 * answer, and the whole body for a client that does not stream. The stream and the whole answer come from one
 * renderer state, so both say the same.
 */
import type { ProxyError } from "./proxy-error.ts";
import type { Piece } from "./upstream-chunks.ts";

/** One server-sent event: its name, and the JSON of its `data:` line (which repeats the name as `type`). */
export type SseEvent = { event: string; data: Record<string, unknown> };

/** What a protocol supplies: its events for each stage of one answer, and the whole body for a non-streaming client. */
export type ProtocolRenderer = {
	/** Sent as soon as the upstream answered, before the first token: long prefills then show progress. */
	start(): SseEvent[];
	push(piece: Piece): SseEvent[];
	/** The closing events; throws when the answer cannot be rendered (it is then a failure like any other). */
	finish(): SseEvent[];
	/** The terminal events of a failure after the stream began. */
	fail(error: ProxyError): SseEvent[];
	/** An event that keeps a silent stream alive (clients give up on silence; SSE comments do not count for them). */
	keepalive?(): SseEvent[];
	/** The whole body, once `finish` has returned. */
	whole(): Record<string, unknown>;
	/** Token counts for the log line and the metrics, once `finish` has returned. */
	usage(): { promptTokens: number; completionTokens: number };
};
