/**
 * Some OpenAI-compatible servers ignore `stream: true` and answer with one whole completion as JSON. Rather than
 * failing such an answer as a stream that never finished, it is read as a stream of exactly one chunk: a chat
 * choice's `message` becomes its `delta`; a text-completion choice already has the chunk's shape.
 */
type Choice = {
	index?: number;
	message?: { tool_calls?: unknown } & Record<string, unknown>;
	finish_reason?: string | null;
	logprobs?: unknown;
};

/** A whole message's tool calls carry no `index`; a delta's must, or calls without ids would run together. */
function indexed(message: NonNullable<Choice["message"]>) {
	if (!Array.isArray(message.tool_calls)) return message;
	return {
		...message,
		tool_calls: message.tool_calls.map((call: Record<string, unknown>, index: number) => ({ index, ...call })),
	};
}

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
						delta: indexed(choice.message),
						finish_reason: choice.finish_reason ?? null,
						logprobs: choice.logprobs ?? null,
					},
		),
	};
}
