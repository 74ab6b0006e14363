/**
 * The name of the token limit in an OpenAI request, which depends on the model: every protocol's translation and
 * the parameter overrides write the limit under this key.
 */

// OpenAI's reasoning models (o-series, gpt-5 family) reject `max_tokens` and want `max_completion_tokens`.
const NEEDS_MAX_COMPLETION_TOKENS = /^(o\d|gpt-5)/;

export function usesMaxCompletionTokens(upstreamId: string): boolean {
	return NEEDS_MAX_COMPLETION_TOKENS.test(upstreamId.slice(upstreamId.lastIndexOf("/") + 1).toLowerCase());
}

/** The token-limit key an OpenAI request uses for a model: the completions API knows only `max_tokens`. */
export function tokenLimitKey(api: "chat" | "completions", upstreamId: string): "max_tokens" | "max_completion_tokens" {
	return api === "chat" && usesMaxCompletionTokens(upstreamId) ? "max_completion_tokens" : "max_tokens";
}
