/**
 * Ollama chat history → OpenAI messages. OpenAI is strict where Ollama clients are loose: every assistant tool call
 * needs an id, its arguments must be a JSON string, and every `tool` message must name the call it answers.
 * ollama-python drops call ids from history, LangChain sends tool results with neither id nor name, and LlamaIndex
 * drops the assistant's calls altogether, so the ids are repaired here.
 */
import type {
	ChatCompletionMessageFunctionToolCall,
	ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { withImages } from "../../core/images.ts";
import type { ChatMessage } from "./request-schemas.ts";

type PendingCall = { id: string; name: string };

/** A stable id for a call the client sent without one, so the same history always maps to the same request. */
export function syntheticCallId(messageIndex: number, callIndex: number): string {
	return `call_m${messageIndex}c${callIndex}`;
}

/** Picks the call a tool result answers: its own id, else the earliest open call of the same name, else the earliest open call. */
function takeAnsweredCall(pending: PendingCall[], message: ChatMessage): PendingCall | undefined {
	const byId = message.tool_call_id ? pending.findIndex((c) => c.id === message.tool_call_id) : -1;
	const byName = byId < 0 && message.tool_name ? pending.findIndex((c) => c.name === message.tool_name) : -1;
	const at = byId >= 0 ? byId : byName >= 0 ? byName : pending.length > 0 ? 0 : -1;
	return at < 0 ? undefined : pending.splice(at, 1)[0];
}

export function toOpenAIMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
	const out: ChatCompletionMessageParam[] = [];
	let pending: PendingCall[] = [];
	messages.forEach((message, messageIndex) => {
		switch (message.role) {
			case "system":
			case "developer":
				out.push({ role: message.role, content: message.content });
				return;
			case "user":
				out.push({
					role: "user",
					content: withImages(message.content, message.images),
				});
				return;
			case "assistant": {
				const calls: ChatCompletionMessageFunctionToolCall[] = (message.tool_calls ?? []).map((call, callIndex) => ({
					id: call.id || syntheticCallId(messageIndex, callIndex),
					type: "function",
					function: {
						name: call.function.name,
						arguments: JSON.stringify(call.function.arguments),
					},
				}));
				pending = calls.map((c) => ({ id: c.id, name: c.function.name }));
				out.push(
					calls.length > 0
						? {
								role: "assistant",
								content: message.content || null,
								tool_calls: calls,
							}
						: { role: "assistant", content: message.content },
				);
				return;
			}
			case "tool": {
				const call = takeAnsweredCall(pending, message);
				if (call) {
					out.push({
						role: "tool",
						tool_call_id: call.id,
						content: message.content,
					});
				} else {
					// A result with no call before it (LlamaIndex drops the calls) would be a 400 upstream; keep it as text.
					const label = message.tool_name ? `Result of tool ${message.tool_name}` : "Tool result";
					out.push({ role: "user", content: `${label}:\n${message.content}` });
				}
				return;
			}
		}
	});
	return out;
}
