/**
 * Ollama's input-token estimate for an Anthropic request (`EstimateInputTokens`): the UTF-8 length of the system
 * prompt, every role, text, thinking, tool call and tool result, and every tool's name, description and schema,
 * divided by 4, at least 1. Images are not counted. No tokenizer runs: it is only what `message_start` reports
 * before the upstream's real count arrives, what `count_tokens` answers, and the input side of the `max_tokens` clamp.
 */
import type { ContentBlock, CountTokensRequest, KnownBlock } from "./schema.ts";

type Estimated = Pick<CountTokensRequest, "system" | "messages" | "tools">;

/** UTF-8 bytes, as Go's `len` counts a string. */
export const bytes = (text: string | null | undefined) => (text ? Buffer.byteLength(text) : 0);
const jsonBytes = (value: unknown) =>
	typeof value === "string" ? bytes(value) : value == null ? 0 : bytes(JSON.stringify(value));

function blockBytes(block: ContentBlock): number {
	const known = block as KnownBlock;
	switch (known.type) {
		case "text":
			return bytes(known.text);
		case "thinking":
			return bytes(known.thinking);
		case "tool_use":
		case "server_tool_use":
			return bytes(known.name) + jsonBytes(known.input);
		case "tool_result":
		case "web_search_tool_result":
			return jsonBytes(known.content);
		case "document":
			return known.source?.type === "text" ? bytes(known.source.data) : 0;
		default:
			return 0;
	}
}

/** The bytes the estimate is made of, for callers that want a more cautious rate than 4 per token. */
export function inputBytes(request: Estimated): number {
	let total = 0;
	const { system } = request;
	if (typeof system === "string") total += bytes(system);
	else for (const block of system ?? []) total += bytes(block.text);
	for (const message of request.messages) {
		total += bytes(message.role);
		if (typeof message.content === "string") total += bytes(message.content);
		else for (const block of message.content) total += blockBytes(block);
	}
	for (const tool of request.tools ?? []) {
		total += bytes(tool.name) + bytes(tool.description) + jsonBytes(tool.input_schema);
	}
	return total;
}

/** 4 bytes a token, at least 1; also the output estimate when an upstream reports no usage. */
export function tokensOfBytes(count: number): number {
	return Math.max(1, Math.floor(count / 4));
}

export function estimateInputTokens(request: Estimated): number {
	return tokensOfBytes(inputBytes(request));
}
