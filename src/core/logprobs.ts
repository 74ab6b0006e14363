/**
 * Token log-probabilities, OpenAI ⇄ Ollama. The chat API's `choices[].logprobs.content[]` maps one to one onto
 * Ollama's `logprobs[]`; the legacy completions API keeps parallel arrays, which are zipped into the same shape.
 * `bytes` and `top_logprobs` are left out when empty, as Go's `omitempty` does.
 */
import type { ChatCompletionTokenLogprob } from "openai/resources/chat/completions";
import type { CompletionChoice } from "openai/resources/completions";
import { z } from "zod";

const TokenLogprob = z.object({
	token: z.string(),
	logprob: z.number(),
	bytes: z.array(z.number().int()).optional(),
});

/** One token's log-probability with its alternatives: Ollama's shape, which the other protocols map from. */
export const Logprob = TokenLogprob.extend({ top_logprobs: z.array(TokenLogprob).optional() });
export type Logprob = z.infer<typeof Logprob>;

type TokenLogprob = { token: string; logprob: number; bytes?: number[] | null };

function token({ token, logprob, bytes }: TokenLogprob): Logprob {
	return { token, logprob, ...(bytes?.length && { bytes }) };
}

export function fromChatLogprobs(content: readonly ChatCompletionTokenLogprob[] | null | undefined): Logprob[] {
	return (content ?? []).map((entry) => {
		const top = (entry.top_logprobs ?? []).map(token);
		return { ...token(entry), ...(top.length > 0 && { top_logprobs: top }) };
	});
}

export function fromCompletionLogprobs(logprobs: CompletionChoice.Logprobs | null | undefined): Logprob[] {
	const tokens = logprobs?.tokens ?? [];
	return tokens.map((text, i) => {
		const top = Object.entries(logprobs?.top_logprobs?.[i] ?? {}).map(([t, logprob]) => ({ token: t, logprob }));
		return { token: text, logprob: logprobs?.token_logprobs?.[i] ?? 0, ...(top.length > 0 && { top_logprobs: top }) };
	});
}
