/**
 * What admission reserves for a request before anything is known of its answer: the prompt's estimate (bytes ÷ 4,
 * rounded up) plus its token limit capped at 4096, or 4096 when it sets none, as OpenAI counts it. The token limit
 * is read from whichever field the client's protocol puts it in.
 */

/** The most completion tokens a reservation counts, whatever the request allows. */
export const COMPLETION_CAP = 4096;

/** About four bytes of English text or JSON per token: enough to reserve, never what is charged when usage is known. */
export function promptEstimate(promptBytes: number): number {
	return Math.ceil(Math.max(0, promptBytes) / 4);
}

export function reserveTokens(promptBytes: number, maxTokens: number | undefined): number {
	const completion = maxTokens !== undefined && maxTokens > 0 ? Math.min(maxTokens, COMPLETION_CAP) : COMPLETION_CAP;
	return promptEstimate(promptBytes) + completion;
}

const positive = (value: unknown): number | undefined =>
	typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;

/**
 * The token limit a request body asks for: OpenAI's `max_completion_tokens` or `max_tokens`, the Responses API's
 * `max_output_tokens`, Anthropic's `max_tokens`, Ollama's `options.num_predict` (where -1 and -2 mean no limit).
 */
export function requestedMaxTokens(body: unknown): number | undefined {
	if (!body || typeof body !== "object") return undefined;
	const b = body as Record<string, unknown>;
	const options = b.options && typeof b.options === "object" ? (b.options as Record<string, unknown>) : {};
	return (
		positive(b.max_completion_tokens) ??
		positive(b.max_tokens) ??
		positive(b.max_output_tokens) ??
		positive(options.num_predict)
	);
}
