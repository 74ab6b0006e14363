/**
 * OpenAI chat-completion chunks → the events an Ollama stream is made of: text and reasoning deltas as they arrive,
 * then one `done` event with the tool calls, the finish reason and the usage. OpenAI sends `finish_reason` first and
 * the usage chunk (`choices: []`) after it, so `done` waits for the upstream stream to end.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { ProxyError } from "../errors.ts";
import type { DoneReason, OutputToolCall } from "../schemas/ollama-responses.ts";
import type { TokenUsage } from "./metrics.ts";

export type UpstreamEvent =
	| { type: "delta"; content: string; thinking: string }
	| {
			type: "done";
			doneReason: DoneReason;
			toolCalls: OutputToolCall[];
			usage: TokenUsage;
	  };

type PartialCall = { id: string; name: string; arguments: string };

// Reasoning arrives as `reasoning_content` (DeepSeek, older vLLM) or `reasoning` (OpenRouter, newer vLLM, Ollama's /v1).
type ReasoningDelta = {
	reasoning_content?: string | null;
	reasoning?: string | null;
};

/** Ollama reports `length` when the token limit stopped the answer, and `stop` for every other reason (tool calls included). */
export function doneReasonFrom(finishReason: string): DoneReason {
	return finishReason === "length" ? "length" : "stop";
}

/** Parses accumulated argument text into the object Ollama clients require; invalid JSON is an error they can see. */
export function parseToolArguments(name: string, text: string): Record<string, unknown> {
	if (text.trim() === "") return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = undefined;
	}
	if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
		throw new ProxyError(502, `upstream returned invalid tool call arguments for "${name}"`);
	}
	return parsed as Record<string, unknown>;
}

function finishToolCalls(calls: Map<number, PartialCall>): OutputToolCall[] {
	return [...calls.entries()]
		.sort(([a], [b]) => a - b)
		.map(([, call], index) => ({
			id: call.id || `call_${index}`,
			function: {
				index,
				name: call.name,
				arguments: parseToolArguments(call.name, call.arguments),
			},
		}));
}

export async function* upstreamEvents(chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<UpstreamEvent> {
	const calls = new Map<number, PartialCall>();
	let finishReason: string | undefined;
	const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
	for await (const chunk of chunks) {
		if (chunk.usage) {
			usage.promptTokens = chunk.usage.prompt_tokens ?? 0;
			usage.completionTokens = chunk.usage.completion_tokens ?? 0;
		}
		// Usage-only chunks have `choices: []`.
		const choice = chunk.choices?.[0];
		if (!choice) continue;
		const delta = (choice.delta ?? {}) as NonNullable<typeof choice.delta> & ReasoningDelta;
		for (const call of delta.tool_calls ?? []) {
			const partial = calls.get(call.index) ?? {
				id: "",
				name: "",
				arguments: "",
			};
			// The id comes once; some servers repeat the whole name on every delta instead of sending it once.
			partial.id ||= call.id ?? "";
			const name = call.function?.name ?? "";
			partial.name = partial.name === name ? name : partial.name + name;
			partial.arguments += call.function?.arguments ?? "";
			calls.set(call.index, partial);
		}
		const content = delta.content ?? "";
		const thinking = delta.reasoning_content ?? delta.reasoning ?? "";
		if (content || thinking) yield { type: "delta", content, thinking };
		if (choice.finish_reason) finishReason = choice.finish_reason;
	}
	// A stream that ends without a finish reason was cut short: never report it as a complete answer.
	if (finishReason === undefined) throw new ProxyError(502, "upstream stream ended before the answer was complete");
	yield {
		type: "done",
		doneReason: doneReasonFrom(finishReason),
		toolCalls: finishToolCalls(calls),
		usage,
	};
}
