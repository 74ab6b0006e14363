/**
 * An Anthropic Messages request → one streaming chat-completions request for the resolved upstream model. Whatever
 * the client asked, the upstream streams with usage; a non-streaming client gets the folded answer.
 */
import type {
	ChatCompletionCreateParamsStreaming,
	ChatCompletionMessageParam,
	ChatCompletionTool,
	ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import { extraSamplingParams, reasoningParams, type Think } from "../../core/dialect.ts";
import type { Target } from "../../core/target.ts";
import { tokenLimitKey } from "../../core/token-limit.ts";
import { toChatMessages } from "./messages.ts";
import type { MessagesRequest, Tool, ToolChoice } from "./schema.ts";
import { inputBytes } from "./token-estimate.ts";

// Claude Code's per-request attribution line: its hash changes every request, so keeping it would make each prompt
// differ from the first bytes on and defeat the upstream's prefix cache (llama.cpp and vllm-mlx strip it too).
const BILLING_HEADER = "x-anthropic-billing-header:";

const EFFORTS = new Set(["low", "medium", "high", "max"]);

/**
 * Ollama's `think` for a Messages request: `thinking.type` "enabled" or "disabled" decides; otherwise (absent or
 * "adaptive") `output_config.effort` does, lower-cased and trimmed, with `xhigh` read as `high`.
 */
export function thinkOf(request: Pick<MessagesRequest, "thinking" | "output_config">): Think {
	const type = request.thinking?.type;
	if (type === "enabled") return true;
	if (type === "disabled") return false;
	const effort = request.output_config?.effort?.trim().toLowerCase();
	const level = effort === "xhigh" ? "high" : effort;
	return level && EFFORTS.has(level) ? (level as Think) : undefined;
}

/**
 * The system prompt: a string as is, or its text blocks joined by newlines, less Claude Code's billing line unless
 * kept (it changes on every request, so the upstream's prompt cache never matches past it).
 */
export function systemPrompt(system: MessagesRequest["system"], keepBillingHeader = false): string {
	if (typeof system === "string") return system;
	return (system ?? [])
		.filter((b) => b.type === "text" && (keepBillingHeader || !(b.text ?? "").startsWith(BILLING_HEADER)))
		.map((b) => b.text ?? "")
		.join("\n");
}

function functionTools(tools: readonly Tool[]): ChatCompletionTool[] {
	// Only name, description and schema go on: `cache_control`, `defer_loading`, `input_examples`, `strict` stay behind.
	return tools.map((tool) => ({
		type: "function",
		function: {
			name: tool.name as string,
			...(tool.description != null && { description: tool.description }),
			parameters: tool.input_schema as Record<string, unknown>,
		},
	}));
}

export function toolChoiceOf(choice: ToolChoice): ChatCompletionToolChoiceOption {
	switch (choice.type) {
		case "any":
			return "required";
		case "tool":
			return { type: "function", function: { name: choice.name as string } };
		default:
			return choice.type;
	}
}

/**
 * `max_tokens` within the model's context when its length is known: Claude Code asks 32000 by default, and vLLM
 * refuses a request whose prompt plus `max_tokens` exceeds `max_model_len`. The prompt is counted at 3 bytes a token
 * (code and JSON schemas tokenize denser than prose), so the clamp errs towards fitting. A prompt that by this count
 * already fills the context is left to the upstream, whose overflow error tells the client to compact.
 */
export function clampedMaxTokens(requested: number, inputBytesCount: number, contextLength?: number): number {
	if (!contextLength) return requested;
	const room = contextLength - Math.ceil(inputBytesCount / 3);
	return room > 0 ? Math.min(requested, room) : requested;
}

export type ContextFacts = {
	/** The model's context window, only when the upstream published it or the model is known by name. */
	contextLength?: number;
	/** `agents.keep_billing_header`. */
	keepBillingHeader?: boolean;
};

export function toChatParams(
	request: MessagesRequest,
	target: Target,
	context: ContextFacts = {},
): ChatCompletionCreateParamsStreaming {
	const messages: ChatCompletionMessageParam[] = [];
	const system = systemPrompt(request.system, context.keepBillingHeader);
	if (system) messages.push({ role: "system", content: system });
	messages.push(...toChatMessages(request.messages, target.dialect));

	const params: ChatCompletionCreateParamsStreaming = {
		model: target.id,
		messages,
		stream: true,
		stream_options: { include_usage: true },
		[tokenLimitKey("chat", target.id)]: clampedMaxTokens(
			request.max_tokens,
			inputBytes(request),
			context.contextLength,
		),
		...reasoningParams(thinkOf(request), target),
		...extraSamplingParams({ top_k: request.top_k }, target.dialect),
	};
	if (request.temperature != null) params.temperature = request.temperature;
	if (request.top_p != null) params.top_p = request.top_p;
	if (request.stop_sequences?.length) {
		// OpenAI takes at most 4 stop sequences and refuses more; the others take Anthropic's whole list.
		params.stop = target.dialect === "openai" ? request.stop_sequences.slice(0, 4) : request.stop_sequences;
	}
	// OpenAI refuses an empty tool list, and a tool choice or parallel switch without tools.
	if (request.tools?.length) {
		params.tools = functionTools(request.tools);
		if (request.tool_choice) {
			params.tool_choice = toolChoiceOf(request.tool_choice);
			if (request.tool_choice.disable_parallel_tool_use) params.parallel_tool_calls = false;
		}
	}
	return params;
}
