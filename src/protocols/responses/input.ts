/**
 * Responses API input items → chat-completions messages. The texts of the 400s are Ollama's (`input[2]: unknown
 * input item type: "x"`), so clients see the same errors from both. Where Ollama loses history, this does not:
 * function-call arguments go upstream verbatim (one bad JSON from a model must not wedge the conversation, and
 * byte-identical history keeps the upstream's prefix cache), and reasoning items come back as the next assistant
 * message's reasoning, in whatever field the upstream reads (see `historyMessages`).
 */
import type {
	ChatCompletionAssistantMessageParam,
	ChatCompletionContentPart,
	ChatCompletionContentPartImage,
	ChatCompletionMessageFunctionToolCall,
	ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { type Dialect, reasoningField } from "../../core/dialect.ts";
import { badRequest } from "../../core/proxy-error.ts";
import { INTERRUPTED_RESULT, orphanResultText } from "../../core/tool-history.ts";
import { flatToolName } from "./tool-names.ts";

/** A chat message plus the reasoning that preceded it, placed in the upstream's own field later. */
export type HistoryEntry = {
	message: ChatCompletionMessageParam;
	reasoning?: string;
	/** The call id of an orphan result this user message stands for (see `orphanResultText`). */
	orphanOf?: string;
};

type Item = Record<string, unknown>;
type Content = { text: string; images: ChatCompletionContentPartImage[] };

const isObject = (value: unknown): value is Item =>
	typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

function image(part: Item, where: string): ChatCompletionContentPartImage {
	const url = str(part.image_url) ?? "";
	// The upstream fetches http(s) URLs itself; a file id would need OpenAI's file store.
	if (!/^(data:|https?:\/\/)/i.test(url)) {
		throw badRequest(
			part.file_id
				? `${where}: image file_id is not supported, please send image_url as a data or http(s) URL`
				: `${where}: input_image needs an image_url with a data or http(s) URL`,
		);
	}
	const detail = str(part.detail);
	return {
		type: "image_url",
		image_url: { url, ...((detail === "auto" || detail === "low" || detail === "high") && { detail }) },
	};
}

/** Text and image parts; text parts are concatenated as Ollama does. */
function contentOf(value: unknown, where: string, partsName: "content" | "output"): Content {
	if (value == null) return { text: "", images: [] };
	if (typeof value === "string") return { text: value, images: [] };
	if (!Array.isArray(value)) throw badRequest(`${where}: ${partsName} must be a string or array`);
	const content: Content = { text: "", images: [] };
	value.forEach((part, j) => {
		const at = `${where}: ${partsName}[${j}]`;
		const type = isObject(part) ? str(part.type) : undefined;
		switch (type) {
			case "input_text":
			case "output_text":
				content.text += str((part as Item).text) ?? "";
				return;
			case "refusal":
				content.text += str((part as Item).refusal) ?? "";
				return;
			case "input_image":
				content.images.push(image(part as Item, at));
				return;
			case "input_file":
				throw badRequest("file inputs are not currently supported");
			default:
				throw badRequest(`${at}: unknown content type: ${type ?? ""}`);
		}
	});
	return content;
}

/** Reasoning as Ollama round-trips it: `encrypted_content` holds the plain text; else the content, else the summary. */
function reasoningText(item: Item): string {
	const encrypted = str(item.encrypted_content);
	if (encrypted) return encrypted;
	const texts = (value: unknown) =>
		(Array.isArray(value) ? value : []).map((part) => (isObject(part) ? (str(part.text) ?? "") : "")).join("\n");
	return texts(item.content) || texts(item.summary);
}

const ROLES: Record<string, "user" | "assistant" | "system"> = {
	user: "user",
	assistant: "assistant",
	system: "system",
	// Every upstream knows `system`; many open-model chat templates do not know `developer`.
	developer: "system",
};

export function inputHistory(input: string | readonly unknown[] | null | undefined, instructions?: string | null) {
	const out: HistoryEntry[] = [];
	if (instructions) out.push({ message: { role: "system", content: instructions } });
	if (typeof input === "string") {
		if (input) out.push({ message: { role: "user", content: input } });
		return out;
	}

	let pendingReasoning: string | undefined;
	// The assistant message whose calls are waiting for results, the ids still unanswered, and images of the results.
	let current: HistoryEntry | undefined;
	let unanswered: string[] = [];
	let resultImages: ChatCompletionContentPart[] = [];

	const last = () => out[out.length - 1];
	const takeReasoning = (entry: HistoryEntry) => {
		if (pendingReasoning === undefined) return;
		entry.reasoning = entry.reasoning === undefined ? pendingReasoning : `${entry.reasoning}\n${pendingReasoning}`;
		pendingReasoning = undefined;
	};
	/** Ends a run of tool results: unanswered calls get a result, then the results' images follow as a user turn. */
	const closeToolRun = () => {
		for (const id of unanswered) out.push({ message: { role: "tool", tool_call_id: id, content: INTERRUPTED_RESULT } });
		if (resultImages.length > 0) out.push({ message: { role: "user", content: resultImages } });
		current = undefined;
		unanswered = [];
		resultImages = [];
	};
	/** One message; images ride on a user turn, and follow any other role as a user turn of their own. */
	const pushMessage = (role: "user" | "assistant" | "system", content: Content): HistoryEntry => {
		const parts: ChatCompletionContentPart[] = content.text ? [{ type: "text", text: content.text }] : [];
		const onUser = role === "user" && content.images.length > 0;
		const entry = { message: { role, content: onUser ? [...parts, ...content.images] : content.text } } as HistoryEntry;
		out.push(entry);
		if (!onUser && content.images.length > 0) out.push({ message: { role: "user", content: content.images } });
		return entry;
	};

	(input ?? []).forEach((raw, i) => {
		const where = `input[${i}]`;
		if (!isObject(raw)) throw badRequest(`${where}: input item must be an object`);
		const type = str(raw.type) || (raw.role != null ? "message" : "");
		switch (type) {
			case "message": {
				const role = ROLES[str(raw.role) ?? ""];
				if (!role) throw badRequest(`${where}: unknown message role: ${JSON.stringify(raw.role ?? "")}`);
				const content = contentOf(raw.content, where, "content");
				if (role === "assistant" && current && unanswered.length > 0) {
					// Codex replays commentary between a call and its result: it belongs to the calling message.
					const message = current.message as ChatCompletionAssistantMessageParam;
					message.content = `${message.content ?? ""}${content.text}` || null;
					takeReasoning(current);
					return;
				}
				closeToolRun();
				const entry = pushMessage(role, content);
				if (role === "assistant") takeReasoning(entry);
				return;
			}
			case "function_call": {
				const name = str(raw.name);
				if (!name) throw badRequest(`${where}: function_call missing required 'name' field`);
				const namespace = str(raw.namespace);
				const args = raw.arguments;
				const call: ChatCompletionMessageFunctionToolCall = {
					id: str(raw.call_id) || str(raw.id) || `call_i${i}`,
					type: "function",
					function: {
						name: namespace ? flatToolName(namespace, name) : name,
						arguments: typeof args === "string" ? args : args == null ? "{}" : JSON.stringify(args),
					},
				};
				const previous = last();
				if (previous?.message.role === "assistant") {
					const message = previous.message as ChatCompletionAssistantMessageParam;
					message.tool_calls = [...(message.tool_calls ?? []), call];
					current = previous;
				} else {
					closeToolRun();
					current = { message: { role: "assistant", content: null, tool_calls: [call] } };
					out.push(current);
				}
				takeReasoning(current);
				unanswered.push(call.id);
				return;
			}
			case "function_call_output": {
				const id = str(raw.call_id) ?? "";
				const content = contentOf(raw.output, where, "output");
				const at = unanswered.indexOf(id);
				if (at < 0) {
					// A result for no open call would be a 400 upstream; the model still gets to read it.
					closeToolRun();
					pushMessage("user", { ...content, text: orphanResultText(id, content.text) }).orphanOf = id;
					return;
				}
				unanswered.splice(at, 1);
				out.push({ message: { role: "tool", tool_call_id: id, content: content.text } });
				if (content.images.length > 0) {
					resultImages.push({ type: "text", text: `Images from tool result ${id}:` }, ...content.images);
				}
				return;
			}
			case "reasoning": {
				const text = reasoningText(raw);
				if (text) pendingReasoning = pendingReasoning === undefined ? text : `${pendingReasoning}\n${text}`;
				return;
			}
			// Ollama ignores them too: the search ran elsewhere and its results are in the following messages.
			case "web_search_call":
				return;
			case "":
				throw badRequest(`${where}: input item missing required 'type' field`);
			default:
				throw badRequest(`${where}: unknown input item type: ${JSON.stringify(type)}`);
		}
	});
	closeToolRun();
	// Trailing reasoning (a turn cut after thinking) becomes an assistant message with only reasoning, as in Ollama.
	if (pendingReasoning !== undefined) {
		const entry: HistoryEntry = { message: { role: "assistant", content: "" } };
		takeReasoning(entry);
		out.push(entry);
	}
	return out;
}

/** The history as the upstream's dialect takes it: reasoning in its field, or dropped where it has none. */
export function historyMessages(history: readonly HistoryEntry[], dialect: Dialect): ChatCompletionMessageParam[] {
	const field = reasoningField(dialect);
	const out: ChatCompletionMessageParam[] = [];
	for (const { message, reasoning } of history) {
		if (reasoning === undefined) out.push(message);
		else if (field) out.push({ ...message, [field]: reasoning } as ChatCompletionMessageParam);
		// An assistant message that held only reasoning says nothing without it.
		else if (message.role !== "assistant" || message.content || message.tool_calls?.length) out.push(message);
	}
	return out;
}
