/**
 * Upstream pieces → the NDJSON objects of `/api/chat` and `/api/generate`. Keys are written in Ollama's order;
 * `message.role` and `message.content` (or `response`) are on every object, `thinking` and `logprobs` only when
 * there are some, and the six metrics only on the final `done: true` object, since LangChain sums counts over
 * every chunk. The work is synchronous per piece (`chatLines`, `generateLines`), driven over the upstream's chunks by
 * one bare iterator (`translateChunks`).
 */

import type { Piece, ReadyIterator } from "../../core/upstream-chunks.ts";
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
			// Built in place, not spread: this runs once per streamed token.
			const line: ChatResponse = {
				model: ctx.model,
				created_at: rfc3339(ctx.clock.wallTime()),
				message,
				done: false,
			};
			if (event.logprobs.length > 0) line.logprobs = event.logprobs;
			return line;
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
		(event) => {
			// Built in place, not spread: this runs once per streamed token. Keys in Ollama's order.
			const created_at = rfc3339(ctx.clock.wallTime());
			const line: GenerateResponse = event.thinking
				? { model: ctx.model, created_at, response: event.content, thinking: event.thinking, done: false }
				: { model: ctx.model, created_at, response: event.content, done: false };
			if (event.logprobs.length > 0) line.logprobs = event.logprobs;
			return line;
		},
		// A proxy has no token ids to give back; an empty `context` keeps clients that require the array working.
		(event, metrics) => [
			{ ...head(), response: "", done: true, done_reason: event.doneReason, context: [], ...metrics },
		],
	);
}

const DONE = Object.freeze({ done: true as const, value: undefined });

/**
 * A line translator driven over upstream chunks: the one loop of the streaming hot path. A bare iterator, not a
 * generator: a chunk costs one reaction to the source's promise, `ready()` translates what the source already holds
 * without a wait, and `return()` reaches the upstream at once, even while a read waits.
 */
class TranslatedChunks<C, T> implements AsyncIterableIterator<T> {
	readonly #source: ReadyIterator<C>;
	readonly #toPiece: (chunk: C) => Piece;
	readonly #lines: LineTranslator<T>;
	#out: T[] = NONE;
	#at = 0;
	// The source is over (its end read, or it failed): the lines are finished or the stream broke.
	#sourceDone = false;
	#closed = false;

	constructor(chunks: AsyncIterable<C>, toPiece: (chunk: C) => Piece, lines: LineTranslator<T>) {
		this.#source = chunks[Symbol.asyncIterator]();
		this.#toPiece = toPiece;
		this.#lines = lines;
	}

	[Symbol.asyncIterator](): this {
		return this;
	}

	/** The next line that needs no wait, or undefined; throws as `next()` rejects. */
	ready(): IteratorResult<T> | undefined {
		for (;;) {
			if (this.#at < this.#out.length) return { done: false, value: this.#out[this.#at++] as T };
			if (this.#closed) return DONE;
			if (this.#sourceDone) {
				this.#closed = true;
				return DONE;
			}
			const next = this.#pullReady();
			if (next === undefined) return undefined;
			this.#take(next);
		}
	}

	#pullReady(): IteratorResult<C> | undefined {
		try {
			return this.#source.ready?.();
		} catch (error) {
			this.#sourceDone = this.#closed = true;
			throw error;
		}
	}

	// One chunk's lines, or the final lines at the source's end. A translation that throws closes the source first.
	#take(next: IteratorResult<C>): void {
		this.#at = 0;
		if (next.done) {
			this.#sourceDone = true;
			this.#out = NONE;
			this.#out = this.#lines.finish();
			return;
		}
		try {
			this.#out = this.#lines.push(this.#toPiece(next.value));
		} catch (error) {
			this.#out = NONE;
			this.#sourceDone = this.#closed = true;
			this.#source.return?.()?.catch(() => undefined);
			throw error;
		}
	}

	next(): Promise<IteratorResult<T>> {
		try {
			const ready = this.ready();
			if (ready) return Promise.resolve(ready);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#source.next().then(this.#chunk, this.#broke);
	}

	#chunk = (next: IteratorResult<C>): IteratorResult<T> | Promise<IteratorResult<T>> => {
		if (this.#closed) return DONE;
		this.#take(next);
		return this.ready() ?? this.#source.next().then(this.#chunk, this.#broke);
	};

	#broke = (error: unknown): never => {
		this.#sourceDone = this.#closed = true;
		throw error;
	};

	async return(): Promise<IteratorResult<T>> {
		const open = !this.#sourceDone;
		this.#closed = this.#sourceDone = true;
		this.#out = NONE;
		if (open) await this.#source.return?.();
		return DONE;
	}
}

/** Drives a line translator over upstream chunks (see `TranslatedChunks`). */
export function translateChunks<C, T>(
	chunks: AsyncIterable<C>,
	toPiece: (chunk: C) => Piece,
	lines: LineTranslator<T>,
): AsyncIterableIterator<T> & ReadyIterator<T> {
	return new TranslatedChunks(chunks, toPiece, lines);
}
