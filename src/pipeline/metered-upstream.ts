/**
 * An upstream seen through one request's limit ticket: every answer it gives passes by the ticket on its way, so
 * that the request is charged what the upstream reported or sent. Chunks are read for their usage and counted when
 * they carry content; a relayed body's bytes are scanned for usage (limits/usage-scan.ts) and its end, cut or
 * cancel is told to the ticket, which holds the concurrency lease until then. Nothing is changed on the way.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Completion } from "openai/resources/completions";
import type { ReadyIterator } from "../core/upstream-chunks.ts";
import { UsageScan } from "../limits/usage-scan.ts";
import type { Upstream } from "../upstream/upstream.ts";
import type { LimitTicket } from "./limit-ticket.ts";

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

function noteUsage(ticket: LimitTicket, usage: Usage): void {
	if (typeof usage?.prompt_tokens === "number") ticket.figures.reportedPrompt = usage.prompt_tokens;
	if (typeof usage?.completion_tokens === "number") ticket.figures.reportedCompletion = usage.completion_tokens;
}

function chatHasContent(chunk: ChatCompletionChunk): boolean {
	const delta = chunk.choices?.[0]?.delta as Record<string, unknown> | undefined;
	if (!delta) return false;
	const text = (value: unknown) => typeof value === "string" && value !== "";
	return (
		text(delta.content) ||
		text(delta.reasoning_content) ||
		text(delta.reasoning) ||
		(Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
	);
}

const completionHasContent = (chunk: Completion) => (chunk.choices?.[0]?.text ?? "") !== "";

function seeChat(ticket: LimitTicket, chunk: ChatCompletionChunk): void {
	noteUsage(ticket, chunk.usage);
	if (chatHasContent(chunk)) ticket.figures.deltas++;
}

function seeCompletion(ticket: LimitTicket, chunk: Completion): void {
	noteUsage(ticket, chunk.usage);
	if (completionHasContent(chunk)) ticket.figures.deltas++;
}

/**
 * The same chunks, each seen first. Written as a bare iterator, not a generator: a generator's `return()` waits
 * for a pending `next()`, and a client leaving a quiet stream must reach the upstream at once. Each `next()` adds
 * one reaction to the source's promise, not an async function of its own; what the source holds already (`ready`)
 * is seen and handed on without one.
 */
class Observed<T> implements AsyncIterableIterator<T> {
	readonly #it: ReadyIterator<T>;
	readonly #ticket: LimitTicket;
	readonly #see: (ticket: LimitTicket, item: T) => void;

	constructor(source: AsyncIterable<T>, ticket: LimitTicket, see: (ticket: LimitTicket, item: T) => void) {
		this.#it = source[Symbol.asyncIterator]();
		this.#ticket = ticket;
		this.#see = see;
	}

	[Symbol.asyncIterator](): this {
		return this;
	}

	#seen = (result: IteratorResult<T>): IteratorResult<T> => {
		if (!result.done) this.#see(this.#ticket, result.value);
		return result;
	};

	#broke = (error: unknown): never => {
		this.#ticket.cut();
		throw error;
	};

	next(): Promise<IteratorResult<T>> {
		try {
			return this.#it.next().then(this.#seen, this.#broke);
		} catch (error) {
			return Promise.reject(this.#broke(error));
		}
	}

	ready(): IteratorResult<T> | undefined {
		if (!this.#it.ready) return undefined;
		let result: IteratorResult<T> | undefined;
		try {
			result = this.#it.ready();
		} catch (error) {
			this.#broke(error);
		}
		return result && this.#seen(result);
	}

	return(value?: unknown): Promise<IteratorResult<T>> {
		return this.#it.return ? this.#it.return(value) : Promise.resolve({ done: true as const, value: value as T });
	}
}

const observed = <T>(source: AsyncIterable<T>, ticket: LimitTicket, see: (ticket: LimitTicket, item: T) => void) =>
	new Observed(source, ticket, see);

/** The same response, its body read through a usage scan; the ticket hears when it ends. */
export function meteredResponse(response: Response, ticket: LimitTicket): Response {
	const source = response.body;
	if (!source) return response;
	const scan = new UsageScan();
	const reader = source.getReader();
	let open = true;
	ticket.bodyOpened();
	const close = (end: "complete" | "cut" | "aborted") => {
		if (!open) return;
		open = false;
		ticket.bodyClosed(scan, end);
	};
	const body = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const part = await reader.read();
					if (part.done) {
						close("complete");
						controller.close();
						return;
					}
					scan.push(part.value);
					controller.enqueue(part.value);
				} catch (error) {
					close("cut");
					controller.error(error);
				}
			},
			cancel(reason) {
				close("aborted");
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
	return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function meteredUpstream(upstream: Upstream, ticket: LimitTicket): Upstream {
	const metered: Upstream = {
		...upstream,
		chat: async (params, scope) => observed(await upstream.chat(params, scope), ticket, seeChat),
		complete: async (params, scope) => observed(await upstream.complete(params, scope), ticket, seeCompletion),
		embed: async (params, scope) => {
			const answer = await upstream.embed(params, scope);
			noteUsage(ticket, { completion_tokens: 0, ...answer.usage });
			return answer;
		},
		forward: async (path, body, scope) => meteredResponse(await upstream.forward(path, body, scope), ticket),
		transcribe: async (upload, scope) => meteredResponse(await upstream.transcribe(upload, scope), ticket),
	};
	const native = upstream.native;
	if (native) metered.native = async (path, body, scope) => meteredResponse(await native(path, body, scope), ticket);
	return metered;
}
