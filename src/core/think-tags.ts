/**
 * Some upstreams put a reasoning model's thoughts inside the content as `<think>…</think>` (DeepSeek-R1 and Qwen3
 * served without a reasoning parser). Ollama clients expect them in `thinking`, so a leading think block is split off,
 * across chunk boundaries: a tag may arrive in pieces. Only a block at the very start counts, so an answer that talks
 * about `<think>` tags is left alone.
 */
const OPEN = "<think>";
const CLOSE = "</think>";

export type Split = { content: string; thinking: string };

/** The length of the longest suffix of `text` that is a proper prefix of `tag` (a tag still arriving). */
function partialTagAtEnd(text: string, tag: string): number {
	for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
		if (text.endsWith(tag.slice(0, n))) return n;
	}
	return 0;
}

export function thinkTagSplitter() {
	let state: "start" | "thinking" | "after-think" | "content" = "start";
	let pending = "";

	function push(text: string): Split {
		pending += text;
		if (state === "start") {
			const trimmed = pending.trimStart();
			if (trimmed === "" || (OPEN.startsWith(trimmed) && trimmed !== OPEN)) return { content: "", thinking: "" };
			if (!trimmed.startsWith(OPEN)) {
				state = "content";
				const content = pending;
				pending = "";
				return { content, thinking: "" };
			}
			state = "thinking";
			pending = trimmed.slice(OPEN.length);
		}
		if (state === "thinking") {
			const end = pending.indexOf(CLOSE);
			if (end < 0) {
				const keep = partialTagAtEnd(pending, CLOSE);
				const thinking = pending.slice(0, pending.length - keep);
				pending = pending.slice(pending.length - keep);
				return { content: "", thinking };
			}
			const thinking = pending.slice(0, end);
			pending = pending.slice(end + CLOSE.length);
			state = "after-think";
			return { thinking, content: push("").content };
		}
		if (state === "after-think") {
			// The blank lines between the think block and the answer belong to neither.
			pending = pending.trimStart();
			if (pending === "") return { content: "", thinking: "" };
			state = "content";
		}
		const content = pending;
		pending = "";
		return { content, thinking: "" };
	}

	/** What is still held back when the stream ends: an unterminated think block is thinking, anything else content. */
	function flush(): Split {
		const rest = pending;
		pending = "";
		return state === "thinking"
			? { content: "", thinking: rest }
			: { content: state === "after-think" ? "" : rest, thinking: "" };
	}

	return { push, flush };
}
