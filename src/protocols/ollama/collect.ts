/**
 * `stream: false`: the streamed objects folded into one, as Ollama does it — text, thinking, tool calls and
 * log-probabilities concatenated, everything else from the final object.
 */

import type { Logprob } from "../../core/logprobs.ts";
import type { ChatResponse, GenerateResponse } from "./response-schemas.ts";

export async function collectChat(lines: AsyncIterable<ChatResponse>): Promise<ChatResponse | undefined> {
	let content = "";
	let thinking = "";
	const toolCalls: NonNullable<ChatResponse["message"]["tool_calls"]> = [];
	const logprobs: Logprob[] = [];
	let last: ChatResponse | undefined;
	for await (const line of lines) {
		content += line.message.content;
		thinking += line.message.thinking ?? "";
		toolCalls.push(...(line.message.tool_calls ?? []));
		logprobs.push(...(line.logprobs ?? []));
		last = line;
	}
	if (!last) return undefined;
	const message: ChatResponse["message"] = { role: "assistant", content };
	if (thinking) message.thinking = thinking;
	if (toolCalls.length > 0) message.tool_calls = toolCalls;
	const { model, created_at, done, done_reason, logprobs: _final, message: _message, ...metrics } = last;
	return { model, created_at, message, done, done_reason, ...(logprobs.length > 0 && { logprobs }), ...metrics };
}

export async function collectGenerate(lines: AsyncIterable<GenerateResponse>): Promise<GenerateResponse | undefined> {
	let response = "";
	let thinking = "";
	const logprobs: Logprob[] = [];
	let last: GenerateResponse | undefined;
	for await (const line of lines) {
		response += line.response;
		thinking += line.thinking ?? "";
		logprobs.push(...(line.logprobs ?? []));
		last = line;
	}
	if (!last) return undefined;
	const {
		model,
		created_at,
		response: _final,
		thinking: _none,
		logprobs: _lp,
		done,
		done_reason,
		context,
		...metrics
	} = last;
	return {
		model,
		created_at,
		response,
		...(thinking && { thinking }),
		done,
		done_reason,
		context,
		...metrics,
		// Last, as in Go's GenerateResponse (after the metrics), unlike ChatResponse.
		...(logprobs.length > 0 && { logprobs }),
	};
}
