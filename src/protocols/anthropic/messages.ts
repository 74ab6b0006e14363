/**
 * Anthropic messages → chat-completions messages. One Anthropic message can become several chat messages: a user
 * turn's tool results become `tool` messages first (in block order), then one `user` message with the rest; images
 * a tool returned ride in an extra `user` message, since a `tool` message cannot carry them. Chat completions
 * rejects a call without a result and a result without its call: a call the history never answers gets a placeholder
 * result, and a result that answers no open call (an orphan) becomes user text naming the call, as on `/v1/responses`.
 */
import type {
	ChatCompletionContentPart,
	ChatCompletionContentPartImage,
	ChatCompletionMessageFunctionToolCall,
	ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { type Dialect, reasoningField } from "../../core/dialect.ts";
import { imageDataUrl } from "../../core/images.ts";
import { INTERRUPTED_RESULT, orphanResultText } from "../../core/tool-history.ts";
import type { ContentBlock, ImageBlock, KnownBlock, Message } from "./schema.ts";

/** The block schema whose `type` admits T (`tool_use` and `server_tool_use` share one). */
type BlockOf<B, T> = B extends { type: infer U } ? (T extends U ? B : never) : never;
type Block<T extends KnownBlock["type"]> = BlockOf<KnownBlock, T>;

function imagePart(block: ImageBlock): ChatCompletionContentPartImage {
	const source = block.source as NonNullable<ImageBlock["source"]>;
	// The schema lets only base64 with data and url with a url through; without a media type the bytes tell it.
	const data = source.data as string;
	const url =
		source.type === "url"
			? (source.url as string)
			: source.media_type
				? `data:${source.media_type};base64,${data}`
				: imageDataUrl(data);
	return { type: "image_url", image_url: { url } };
}

function documentText(block: Block<"document">): string {
	if (block.source?.type === "text") return block.source.data ?? "";
	// PDFs and files have no chat-completions form every upstream reads: the model learns one was there.
	return `[document omitted: ${block.title ?? "untitled"}]`;
}

const blocksOf = (content: Message["content"]): ContentBlock[] =>
	typeof content === "string" ? [{ type: "text", text: content }] : content;

/** Text blocks joined as Ollama does, with no separator. */
function textOf(blocks: readonly ContentBlock[]): string {
	return blocks.map((b) => ((b as KnownBlock).type === "text" ? (b as Block<"text">).text : "")).join("");
}

/** A user turn's own content: text only is a string, anything with images is parts (adjacent text merged). */
function userContent(blocks: readonly KnownBlock[]): string | ChatCompletionContentPart[] | undefined {
	const parts: ChatCompletionContentPart[] = [];
	const addText = (text: string) => {
		const last = parts.at(-1);
		if (last?.type === "text") last.text += text;
		else parts.push({ type: "text", text });
	};
	for (const block of blocks) {
		if (block.type === "text") addText(block.text);
		else if (block.type === "document") addText(documentText(block));
		else if (block.type === "image") parts.push(imagePart(block));
	}
	if (parts.length === 0) return undefined;
	return parts.every((p) => p.type === "text") ? parts.map((p) => (p as { text: string }).text).join("") : parts;
}

function resultText(content: Block<"tool_result">["content"]): string {
	if (typeof content === "string") return content;
	return (content ?? [])
		.filter((p) => p.type === "text")
		.map((p) => (p as Block<"text">).text)
		.join("\n");
}

function resultImages(content: Block<"tool_result">["content"]): ChatCompletionContentPartImage[] {
	if (!Array.isArray(content)) return [];
	return content.filter((p) => p.type === "image").map((p) => imagePart(p as ImageBlock));
}

/** An orphan result as a user turn: its text named by its call, its images after it. */
function orphanTurn(result: Block<"tool_result">): ChatCompletionMessageParam {
	const text = orphanResultText(result.tool_use_id as string, resultText(result.content));
	const images = resultImages(result.content);
	return { role: "user", content: images.length > 0 ? [{ type: "text", text }, ...images] : text };
}

type SearchResult = { title?: string; url?: string };

/** A hosted search's results as the text Ollama gives the model: one `- title: url` line each. */
function searchResultText(content: unknown): string {
	if (!Array.isArray(content)) {
		return `web search error: ${(content as { error_code?: string } | null)?.error_code ?? "unknown"}`;
	}
	return (content as SearchResult[]).map((r) => `- ${r.title ?? ""}: ${r.url ?? ""}`).join("\n");
}

function toolCall(block: Block<"tool_use">): ChatCompletionMessageFunctionToolCall {
	// `JSON.stringify` keeps the client's key order, so each turn renders the same prefix and the upstream's cache holds.
	return {
		id: block.id as string,
		type: "function",
		function: { name: block.name as string, arguments: JSON.stringify(block.input ?? {}) },
	};
}

/**
 * Consecutive assistant turns as one: Anthropic's API merges them, and parallel calls split over two turns must
 * share one chat message for their results to follow it.
 */
function mergedAssistantTurns(messages: readonly Message[]): Message[] {
	const out: Message[] = [];
	for (const message of messages) {
		const last = out.at(-1);
		if (last?.role === "assistant" && message.role === "assistant") {
			out[out.length - 1] = { ...last, content: [...blocksOf(last.content), ...blocksOf(message.content)] };
		} else {
			out.push(message);
		}
	}
	return out;
}

export function toChatMessages(
	messages: readonly Message[],
	dialect: Dialect,
	/** Told the call id of each orphan result, for the route's debug line. */
	onOrphan?: (callId: string) => void,
): ChatCompletionMessageParam[] {
	const out: ChatCompletionMessageParam[] = [];
	/** Calls of the last assistant turn that no result has answered yet, in call order. */
	let pending: string[] = [];
	/** System turns that arrived while calls were open: chat completions wants the results right after the calls. */
	let held: ChatCompletionMessageParam[] = [];
	const answered = (id: string) => {
		pending = pending.filter((p) => p !== id);
	};
	const answerTheRest = () => {
		for (const id of pending) out.push({ role: "tool", tool_call_id: id, content: INTERRUPTED_RESULT });
		pending = [];
		out.push(...held);
		held = [];
	};
	const field = reasoningField(dialect);

	for (const message of mergedAssistantTurns(messages)) {
		const blocks = blocksOf(message.content) as KnownBlock[];
		if (message.role === "system") {
			const system: ChatCompletionMessageParam = { role: "system", content: textOf(blocks) };
			if (pending.length > 0) held.push(system);
			else out.push(system);
		} else if (message.role === "user") {
			const results = blocks.filter((b): b is Block<"tool_result"> => b.type === "tool_result");
			const images: ChatCompletionContentPart[] = [];
			const orphans: Block<"tool_result">[] = [];
			for (const result of results) {
				const id = result.tool_use_id as string;
				if (!pending.includes(id)) {
					orphans.push(result);
					continue;
				}
				out.push({ role: "tool", tool_call_id: id, content: resultText(result.content) });
				answered(id);
				const shots = resultImages(result.content);
				if (shots.length > 0) images.push({ type: "text", text: `Images from tool result ${id}:` }, ...shots);
			}
			const content = userContent(blocks);
			const followed = images.length > 0 || orphans.length > 0 || content !== undefined || results.length === 0;
			// A turn of results only may leave calls open for the next turn's results (results split over two turns).
			if (pending.length === 0 || followed) answerTheRest();
			if (images.length > 0) out.push({ role: "user", content: images });
			for (const orphan of orphans) {
				onOrphan?.(orphan.tool_use_id as string);
				out.push(orphanTurn(orphan));
			}
			if (content !== undefined || results.length === 0) out.push({ role: "user", content: content ?? "" });
		} else {
			answerTheRest();
			const calls = blocks
				.filter((b): b is Block<"tool_use"> => b.type === "tool_use" || b.type === "server_tool_use")
				.map(toolCall);
			const text = textOf(blocks);
			const thinking = blocks
				.filter((b): b is Block<"thinking"> => b.type === "thinking")
				.map((b) => b.thinking)
				.join("\n");
			out.push({
				role: "assistant",
				content: calls.length > 0 && !text ? null : text,
				...(calls.length > 0 && { tool_calls: calls }),
				...(field && thinking && { [field]: thinking }),
			});
			pending = calls.map((c) => c.id);
			for (const block of blocks) {
				if (block.type !== "web_search_tool_result") continue;
				const id = block.tool_use_id as string;
				out.push({ role: "tool", tool_call_id: id, content: searchResultText(block.content) });
				answered(id);
			}
		}
	}
	answerTheRest();
	return out;
}

/** The call ids of a history's orphan results, in order: what `toChatMessages` keeps as user text. */
export function orphanResults(messages: readonly Message[]): string[] {
	const ids: string[] = [];
	toChatMessages(messages, "openai", (id) => ids.push(id));
	return ids;
}
