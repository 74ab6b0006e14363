/**
 * System messages joined into one leading message, for upstreams whose chat templates refuse a system message
 * anywhere but first (Qwen's raises "System message must be at the beginning"). Agents send more than one: Claude
 * Code puts its environment block after the prompt, Codex sends two developer messages before it.
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

type Message = ChatCompletionMessageParam;

const textOf = (content: Extract<Message, { role: "system" }>["content"]): string =>
	typeof content === "string" ? content : content.map((part) => part.text).join("");

/** One leading system message with every system text in order, blank-line separated; the rest in order. */
export function mergeSystemMessages(messages: readonly Message[]): Message[] {
	const texts: string[] = [];
	const rest: Message[] = [];
	for (const message of messages) {
		if (message.role === "system") texts.push(textOf(message.content));
		else rest.push(message);
	}
	if (texts.length === 0) return [...messages];
	return [{ role: "system", content: texts.filter((t) => t !== "").join("\n\n") }, ...rest];
}
