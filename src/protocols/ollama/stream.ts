/**
 * Upstream pieces → the NDJSON objects of `/api/chat` and `/api/generate`. Keys are written in Ollama's order;
 * `message.role` and `message.content` (or `response`) are on every object, `thinking` and `logprobs` only when
 * there are some, and the six metrics only on the final `done: true` object, since LangChain sums counts over
 * every chunk. The work is synchronous per piece (`chatLines`, `generateLines`), driven over the upstream's chunks by
 * one async generator (`translateChunks`).
 */

import type { Piece } from "../../core/upstream-chunks.ts";
import type { Clock } from "../../lib/clock.ts";
import { eventTranslator, type UpstreamEvent } from "./events.ts";
import { metricsFrom } from "./metrics.ts";
import type { ChatResponse, GenerateResponse, Metrics } from "./response-schemas.ts";
import { rfc3339 } from "./timestamps.ts";

export type StreamContext = {
	/** The model name exactly as the client spelled it: Ollama echoes it back. */
	model: string;
	clock: Clock;
	/** Monotonic readings (ns) of when the request arrived and when the upstream request was sent. */
	requestStart: number;
	upstreamStart: number;
	/** `think: false`: drop the upstream's reasoning. */
	hideThinking: boolean;
};

/** Turns pieces into output lines, synchronously: `push` per piece, `finish` once at the end (it may throw). */
export type LineTranslator<T> = { push(piece: Piece): T[]; finish(): T[] };

type Delta = Extract<UpstreamEvent, { type: "delta" }>;
type Done = Extract<UpstreamEvent, { type: "done" }>;

const NONE: never[] = [];

/** The shared part: events, the first-token time, and the metrics of the final object. */
function timedLines<T>(ctx: StreamContext, deltaLine: (e: Delta) => T, doneLines: (e: Done, m: Metrics) => T[]) {
	const events = eventTranslator({ hideThinking: ctx.hideThinking });
	let firstToken: number | undefined;
	let pieces = 0;
	// A first chunk that ends the answer and carries its usage is a whole answer (`stream: false`; a stream sends its
	// usage after the finish): when its first token was made is unknown, so the upstream's whole wait counts as
	// generation, and `eval_count / eval_duration` stays a real rate instead of tokens per microsecond.
	let whole = false;
	const onDelta = (event: Delta) => {
		firstToken ??= ctx.clock.nowNs();
		return deltaLine(event);
	};
	return {
		push(piece: Piece): T[] {
			if (pieces++ === 0) whole = piece.finishReason !== null && piece.usage !== undefined;
			const event = events.push(piece);
			return event?.type === "delta" ? [onDelta(event)] : NONE;
		},
		finish(): T[] {
			return events.finish().flatMap((event) => {
				if (event.type === "delta") return [onDelta(event)];
				const end = ctx.clock.nowNs();
				const timings = {
					requestStart: ctx.requestStart,
					upstreamStart: ctx.upstreamStart,
					firstToken: whole ? ctx.upstreamStart : (firstToken ?? end),
					end,
				};
				return doneLines(event, metricsFrom(timings, event.usage));
			});
		},
	} satisfies LineTranslator<T>;
}

export function chatLines(ctx: StreamContext): LineTranslator<ChatResponse> {
	const head = () => ({ model: ctx.model, created_at: rfc3339(ctx.clock.wallTime()) });
	return timedLines<ChatResponse>(
		ctx,
		(event) => {
			const message: ChatResponse["message"] = { role: "assistant", content: event.content };
			if (event.thinking) message.thinking = event.thinking;
			return { ...head(), message, done: false, ...(event.logprobs.length > 0 && { logprobs: event.logprobs }) };
		},
		(event, metrics) => {
			// Tool calls go out whole, in their own chunk before the final one, as Ollama's template path sends them.
			const calls: ChatResponse[] =
				event.toolCalls.length > 0
					? [{ ...head(), message: { role: "assistant", content: "", tool_calls: event.toolCalls }, done: false }]
					: NONE;
			const final: ChatResponse = {
				...head(),
				message: { role: "assistant", content: "" },
				done: true,
				done_reason: event.doneReason,
				...metrics,
			};
			return [...calls, final];
		},
	);
}

export function generateLines(ctx: StreamContext): LineTranslator<GenerateResponse> {
	const head = () => ({ model: ctx.model, created_at: rfc3339(ctx.clock.wallTime()) });
	return timedLines<GenerateResponse>(
		ctx,
		(event) => ({
			...head(),
			response: event.content,
			...(event.thinking && { thinking: event.thinking }),
			done: false,
			...(event.logprobs.length > 0 && { logprobs: event.logprobs }),
		}),
		// A proxy has no token ids to give back; an empty `context` keeps clients that require the array working.
		(event, metrics) => [
			{ ...head(), response: "", done: true, done_reason: event.doneReason, context: [], ...metrics },
		],
	);
}

/** Drives a line translator over upstream chunks: the one loop of the streaming hot path. */
export async function* translateChunks<C, T>(
	chunks: AsyncIterable<C>,
	toPiece: (chunk: C) => Piece,
	lines: LineTranslator<T>,
): AsyncGenerator<T> {
	for await (const chunk of chunks) {
		const out = lines.push(toPiece(chunk));
		for (const line of out) yield line;
	}
	yield* lines.finish();
}
