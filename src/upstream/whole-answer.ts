/**
 * Some OpenAI-compatible servers ignore `stream: true` and answer with one whole completion as JSON. Rather than
 * failing such an answer as a stream that never finished, it is read as a stream of exactly one chunk: a chat
 * choice's `message` becomes its `delta`; a text-completion choice already has the chunk's shape.
 */
type Choice = { index?: number; message?: unknown; finish_reason?: string | null; logprobs?: unknown };

export function wholeAnswerAsChunk(body: unknown): unknown {
	const choices = (body as { choices?: unknown } | null)?.choices;
	if (!Array.isArray(choices)) return body;
	return {
		...(body as object),
		choices: (choices as Choice[]).map((choice) =>
			choice.message === undefined
				? choice
				: {
						index: choice.index ?? 0,
						delta: choice.message,
						finish_reason: choice.finish_reason ?? null,
						logprobs: choice.logprobs ?? null,
					},
		),
	};
}
