/**
 * The body of `POST /v1/responses` (OpenAI's Responses API), as Codex and the `openai` SDK send it. Loose on purpose:
 * unknown keys are ignored like Ollama (Go's encoding/json) ignores them, and input items and tools are checked one
 * by one in `input.ts` and `request.ts` beside this file, whose errors name the item (`input[2]: unknown input item type: "x"`).
 */
import { z } from "zod";
import { requiredModel } from "../../core/model-field.ts";

const kindOf = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

const input = z
	.union([z.string(), z.array(z.unknown())], {
		error: (issue) => `input must be a string or array: got ${kindOf(issue.input)}`,
	})
	.nullish()
	.describe(
		"A user message as a string, or input items: `message` (roles user, assistant, system, developer), " +
			"`function_call`, `function_call_output`, `reasoning`.",
	);

const tool = z
	.looseObject({
		type: z.string({ error: "tools need a type" }),
		name: z.string().nullish(),
		description: z.string().nullish(),
		parameters: z.record(z.string(), z.unknown()).nullish(),
		strict: z.boolean().nullish(),
		/** The member functions of a `namespace` tool. */
		tools: z.array(z.looseObject({ type: z.string().nullish(), name: z.string().nullish() })).nullish(),
	})
	.describe("`function` and `namespace` tools are offered to the model; hosted tools (web_search, …) are dropped.");
export type ResponsesTool = z.infer<typeof tool>;

const toolChoice = z
	.union([z.string(), z.looseObject({ type: z.string(), name: z.string().nullish(), namespace: z.string().nullish() })])
	.nullish();
export type ResponsesToolChoice = z.infer<typeof toolChoice>;

const format = z.looseObject({
	type: z.string(),
	name: z.string().nullish(),
	schema: z.record(z.string(), z.unknown()).nullish(),
	strict: z.boolean().nullish(),
	description: z.string().nullish(),
});

const unsupported = z.unknown().optional().describe("Not supported: this server keeps no responses.");

export const ResponsesRequest = z.looseObject({
	model: requiredModel,
	input,
	instructions: z.string().nullish(),
	tools: z.array(tool).nullish(),
	tool_choice: toolChoice,
	parallel_tool_calls: z.boolean().nullish(),
	max_output_tokens: z.number().int().positive("max_output_tokens must be positive").nullish(),
	max_tool_calls: z.number().int().nullish(),
	temperature: z.number().nullish(),
	top_p: z.number().nullish(),
	reasoning: z
		.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() })
		.nullish()
		.describe("`effort`: none, minimal, low, medium, high, xhigh, ultra or max; `summary` is echoed."),
	text: z.looseObject({ format: format.nullish(), verbosity: z.string().nullish() }).nullish(),
	stream: z.boolean().nullish(),
	truncation: z.string().nullish(),
	metadata: z.record(z.string(), z.unknown()).nullish(),
	safety_identifier: z.string().nullish(),
	prompt_cache_key: z.string().nullish(),
	store: z.boolean().nullish().describe("Ignored: nothing is stored."),
	previous_response_id: z.string().nullish().describe("Not supported: send the whole conversation in `input`."),
	conversation: unsupported,
	background: z.boolean().nullish().describe("Not supported: this server keeps no responses."),
	prompt: unsupported,
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;
