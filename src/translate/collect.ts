/**
 * `stream: false`: the streamed objects folded into one, as Ollama does it — text, thinking and tool calls
 * concatenated, everything else from the final object.
 */
import type { ChatResponse, GenerateResponse } from "../schemas/ollama-responses.ts";

export async function collectChat(lines: AsyncIterable<ChatResponse>): Promise<ChatResponse | undefined> {
	let content = "";
	let thinking = "";
	const toolCalls: NonNullable<ChatResponse["message"]["tool_calls"]> = [];
	let last: ChatResponse | undefined;
	for await (const line of lines) {
		content += line.message.content;
		thinking += line.message.thinking ?? "";
		toolCalls.push(...(line.message.tool_calls ?? []));
		last = line;
	}
	if (!last) return undefined;
	const message: ChatResponse["message"] = { role: "assistant", content };
	if (thinking) message.thinking = thinking;
	if (toolCalls.length > 0) message.tool_calls = toolCalls;
	return { ...last, message };
}

export async function collectGenerate(lines: AsyncIterable<GenerateResponse>): Promise<GenerateResponse | undefined> {
	let response = "";
	let thinking = "";
	let last: GenerateResponse | undefined;
	for await (const line of lines) {
		response += line.response;
		thinking += line.thinking ?? "";
		last = line;
	}
	if (!last) return undefined;
	const { model, created_at, response: _final, thinking: _none, ...tail } = last;
	return {
		model,
		created_at,
		response,
		...(thinking && { thinking }),
		...tail,
	};
}
