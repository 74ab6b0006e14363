/**
 * Upstream events → the NDJSON objects of `/api/chat` and `/api/generate`. Keys are written in Ollama's order;
 * `message.role` and `message.content` (or `response`) are on every object, `thinking` and `logprobs` only when
 * there are some, and the six metrics only on the final `done: true` object, since LangChain sums counts over
 * every chunk.
 */
import type { ChatResponse, GenerateResponse } from "../schemas/ollama-responses.ts";
import type { Clock } from "./clock.ts";
import { metricsFrom } from "./metrics.ts";
import { rfc3339 } from "./timestamps.ts";
import { type Piece, upstreamEvents } from "./upstream-events.ts";

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

async function* timedEvents(pieces: AsyncIterable<Piece>, ctx: StreamContext) {
	let firstToken: number | undefined;
	for await (const event of upstreamEvents(pieces, { hideThinking: ctx.hideThinking })) {
		if (event.type === "delta") {
			firstToken ??= ctx.clock.nowNs();
			yield event;
		} else {
			const end = ctx.clock.nowNs();
			const timings = {
				requestStart: ctx.requestStart,
				upstreamStart: ctx.upstreamStart,
				firstToken: firstToken ?? end,
				end,
			};
			yield { ...event, metrics: metricsFrom(timings, event.usage) };
		}
	}
}

export async function* chatStream(pieces: AsyncIterable<Piece>, ctx: StreamContext): AsyncGenerator<ChatResponse> {
	const head = () => ({ model: ctx.model, created_at: rfc3339(ctx.clock.wallTime()) });
	for await (const event of timedEvents(pieces, ctx)) {
		if (event.type === "delta") {
			const message: ChatResponse["message"] = { role: "assistant", content: event.content };
			if (event.thinking) message.thinking = event.thinking;
			yield { ...head(), message, done: false, ...(event.logprobs.length > 0 && { logprobs: event.logprobs }) };
			continue;
		}
		// Tool calls go out whole, in their own chunk before the final one, as Ollama's template path sends them.
		if (event.toolCalls.length > 0) {
			yield {
				...head(),
				message: { role: "assistant", content: "", tool_calls: event.toolCalls },
				done: false,
			};
		}
		yield {
			...head(),
			message: { role: "assistant", content: "" },
			done: true,
			done_reason: event.doneReason,
			...event.metrics,
		};
	}
}

export async function* generateStream(
	pieces: AsyncIterable<Piece>,
	ctx: StreamContext,
): AsyncGenerator<GenerateResponse> {
	const head = () => ({ model: ctx.model, created_at: rfc3339(ctx.clock.wallTime()) });
	for await (const event of timedEvents(pieces, ctx)) {
		if (event.type === "delta") {
			yield {
				...head(),
				response: event.content,
				...(event.thinking && { thinking: event.thinking }),
				done: false,
				...(event.logprobs.length > 0 && { logprobs: event.logprobs }),
			};
			continue;
		}
		// A proxy has no token ids to give back; an empty `context` keeps clients that require the array working.
		yield {
			...head(),
			response: "",
			done: true,
			done_reason: event.doneReason,
			context: [],
			...event.metrics,
		};
	}
}
