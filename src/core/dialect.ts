/**
 * What an upstream accepts beyond OpenAI's own parameters. OpenAI answers 400 to parameters it does not know, so
 * llama.cpp-style sampling options and thinking switches are only sent to upstreams that take them.
 */
import type { Target } from "./target.ts";

export const DIALECTS = ["openai", "openrouter", "vllm", "llamacpp"] as const;
export type Dialect = (typeof DIALECTS)[number];

export const SYSTEM_MESSAGES = ["in_place", "merged"] as const;
export type SystemMessages = (typeof SYSTEM_MESSAGES)[number];

/**
 * Where an upstream takes system messages by default. OpenAI's API takes them anywhere; the chat templates of
 * self-hosted models (Qwen, Mistral, Gemma) often raise on any but a leading one, and agents send more: Claude Code
 * a second one after the prompt, Codex two leading ones.
 */
export function systemMessagesOf(dialect: Dialect): SystemMessages {
	return dialect === "vllm" || dialect === "llamacpp" ? "merged" : "in_place";
}

/** The dialect a base URL implies: OpenRouter by its host, everything else strict OpenAI unless configured. */
export function dialectOf(baseURL: string): Dialect {
	const host = new URL(baseURL).hostname;
	return host === "openrouter.ai" || host.endsWith(".openrouter.ai") ? "openrouter" : "openai";
}

/** The client's thinking switch, as every protocol here reduces it: on, off, or an effort level. */
export type Think = boolean | "low" | "medium" | "high" | "max" | null | undefined;

/** The sampling options some dialects take under their own names (Ollama's `options` spelling). */
export type SamplingOptions =
	| {
			top_k?: number | null;
			min_p?: number | null;
			typical_p?: number | null;
			repeat_penalty?: number | null;
			repeat_last_n?: number | null;
	  }
	| null
	| undefined;

/** OpenAI's effort scale has no `max`; its `high` is the nearest. */
const effort = (think: Think) => (think === "max" ? "high" : typeof think === "string" ? think : undefined);

/**
 * The thinking switch in the upstream's terms. Only models that think get one: a reasoning parameter sent to a
 * model without reasoning is a 400 on OpenAI.
 */
export function reasoningParams(think: Think, target: Target): Record<string, unknown> {
	if (think == null || !target.capabilities.includes("thinking")) return {};
	const level = effort(think);
	switch (target.dialect) {
		case "openai":
			// `think: true` keeps the model's default effort; `false` cannot switch an OpenAI reasoning model off.
			return level ? { reasoning_effort: level } : {};
		case "openrouter":
			return { reasoning: think === false ? { enabled: false } : level ? { effort: level } : { enabled: true } };
		case "vllm":
		case "llamacpp":
			// Qwen3-style chat templates switch thinking with `enable_thinking`; gpt-oss reads `reasoning_effort`.
			return {
				chat_template_kwargs: { enable_thinking: think !== false },
				...(level && { reasoning_effort: level }),
			};
	}
}

/** Sampling options that llama.cpp, vLLM and OpenRouter accept under their own names. */
export function extraSamplingParams(options: SamplingOptions, dialect: Dialect): Record<string, unknown> {
	if (!options || dialect === "openai") return {};
	const out: Record<string, unknown> = {};
	const put = (key: string, value: number | null | undefined) => {
		if (value != null) out[key] = value;
	};
	put("top_k", options.top_k);
	put("min_p", options.min_p);
	if (dialect === "llamacpp") {
		put("typical_p", options.typical_p);
		put("repeat_penalty", options.repeat_penalty);
		put("repeat_last_n", options.repeat_last_n);
	} else {
		put("repetition_penalty", options.repeat_penalty);
	}
	return out;
}

/** Where an upstream reads an assistant message's reasoning in history; OpenAI itself takes none back. */
export function reasoningField(dialect: Dialect): "reasoning_content" | "reasoning" | undefined {
	if (dialect === "openrouter") return "reasoning";
	if (dialect === "openai") return undefined;
	return "reasoning_content";
}

const REASONING_KEYS = ["reasoning_effort", "reasoning", "chat_template_kwargs"] as const;
const NAMES_REASONING = /reasoning|enable_thinking|chat_template_kwargs|thinking/i;

/**
 * The request without its thinking switch, when an upstream refused it by name (a model that was guessed to think
 * and does not): agents ask for thinking on every turn, and Ollama itself drops it silently for such models.
 * Undefined when the refusal is about something else or there was no switch to drop.
 */
export function withoutReasoningParams<T extends object>(params: T, refusal: string): T | undefined {
	if (!NAMES_REASONING.test(refusal)) return undefined;
	const kept = { ...params } as Record<string, unknown>;
	let dropped = false;
	for (const key of REASONING_KEYS) {
		if (key in kept) {
			delete kept[key];
			dropped = true;
		}
	}
	return dropped ? (kept as T) : undefined;
}
