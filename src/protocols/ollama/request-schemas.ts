/**
 * Request bodies of the Ollama API, as `ollama/ollama` `api/types.go` accepts them.
 * These schemas are the one source of the request types (`z.infer`) and of the `/swagger` docs.
 * Unknown keys are ignored, as Go's encoding/json does; `null` means absent, as Zed and ollama-python send it.
 */
import { z } from "zod";
import { MAX_NAME, MODEL_REQUIRED, NAME_TOO_LONG, requiredModel } from "../../core/model-field.ts";
import { parseGoDuration } from "./keep-alive.ts";
import { plainChat, plainGenerate, withFastPath } from "./request-fast-path.ts";

const keepAlive = z
	.union([
		z.number(),
		z.string().refine((v) => parseGoDuration(v) !== undefined, {
			error: (issue) => `keep_alive: time: invalid duration ${JSON.stringify(issue.input)}`,
		}),
	])
	.nullish()
	.describe('Seconds, or a Go duration such as "5m". 0 asks for an unload.');

const int = z.number().int();

/** `options`: the keys a proxy can map or must tolerate. Unknown keys (mirostat, num_gpu, …) are ignored like Ollama does. */
export const OllamaOptions = z
	.looseObject({
		num_predict: int.nullish(),
		temperature: z.number().nullish(),
		top_p: z.number().nullish(),
		top_k: int.nullish(),
		min_p: z.number().nullish(),
		typical_p: z.number().nullish(),
		seed: int.nullish(),
		stop: z
			.union([z.array(z.string()), z.string().transform((s) => [s])])
			.nullish()
			.describe("Stop sequences; a single string is accepted too."),
		repeat_penalty: z.number().nullish(),
		repeat_last_n: int.nullish(),
		presence_penalty: z.number().nullish(),
		frequency_penalty: z.number().nullish(),
		num_ctx: int.nullish(),
	})
	.nullish();
export type OllamaOptions = z.infer<typeof OllamaOptions>;

const THINK_ERROR = (value: unknown) =>
	`invalid think value: ${JSON.stringify(value)} (must be "high", "medium", "low", "max", true, or false)`;

const think = z
	.union([z.boolean(), z.enum(["low", "medium", "high", "max"])], {
		error: (issue) => THINK_ERROR(issue.input),
	})
	.nullish();

/** A boolean switch whose wrong type names the field and the value sent, as the `think` error does. */
const flag = (name: string) =>
	z
		.boolean({ error: (issue) => `invalid ${name} value: ${JSON.stringify(issue.input)} (must be true or false)` })
		.nullish();

const FORMAT_ERROR = (value: unknown) =>
	`invalid format: ${JSON.stringify(value)}; expected "json" or a valid JSON Schema object`;

const format = z
	.union([z.literal(["json", ""]), z.record(z.string(), z.unknown())], {
		error: (issue) => FORMAT_ERROR(issue.input),
	})
	.nullish()
	.describe('"json" or a JSON Schema object');

const topLogprobs = z
	.number()
	.int()
	.min(0, "top_logprobs must be between 0 and 20")
	.max(20, "top_logprobs must be between 0 and 20")
	.nullish();

const images = z.array(z.string()).nullish().describe("Base64-encoded images, without a data: prefix");

export const ToolCall = z.looseObject({
	id: z.string().nullish(),
	function: z.looseObject({
		index: int.nullish(),
		name: z.string(),
		arguments: z.record(z.string(), z.unknown()).default({}),
	}),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const Tool = z.looseObject({
	type: z.string().default("function"),
	function: z.looseObject({
		name: z.string(),
		description: z.string().nullish(),
		parameters: z.record(z.string(), z.unknown()).nullish(),
	}),
});
export type Tool = z.infer<typeof Tool>;

const ROLES = ["system", "user", "assistant", "tool", "developer"] as const;

export const ChatMessage = z.looseObject({
	// Ollama lower-cases roles on input (`Message.UnmarshalJSON`).
	role: z
		.string({ error: "message role is required" })
		.transform((r) => r.toLowerCase())
		.pipe(
			z.enum(ROLES, {
				error: (issue) => `invalid message role ${JSON.stringify(issue.input)}`,
			}),
		),
	content: z
		.string({ error: "message content must be a string" })
		.nullish()
		.transform((c) => c ?? ""),
	thinking: z.string().nullish(),
	images,
	tool_calls: z.array(ToolCall).nullish(),
	tool_name: z.string().nullish(),
	tool_call_id: z.string().nullish(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

const common = {
	stream: z.boolean().nullish().describe("Defaults to true: the answer streams as NDJSON."),
	format,
	keep_alive: keepAlive,
	options: OllamaOptions,
	think,
	logprobs: z.boolean().nullish(),
	top_logprobs: topLogprobs,
	// Ollama's context-overflow switches (default true). The upstream has its own policy, so nothing maps them.
	truncate: flag("truncate").describe("Accepted; the upstream decides what happens past the context window."),
	shift: flag("shift").describe("Accepted; the upstream decides what happens past the context window."),
};

// Plain bodies skip the parse: see request-fast-path.ts.
export const ChatRequest = withFastPath(
	z.looseObject({
		model: requiredModel,
		messages: z.array(ChatMessage).nullish(),
		tools: z.array(Tool).nullish(),
		...common,
	}),
	plainChat,
);
export type ChatRequest = z.infer<typeof ChatRequest>;

export const GenerateRequest = withFastPath(
	z.looseObject({
		// An empty model is a 404 `model '' not found` on /api/generate, not a 400 (ollama/ollama routes_generate_test.go).
		model: z.string({ error: MODEL_REQUIRED }).max(MAX_NAME, NAME_TOO_LONG),
		prompt: z.string().nullish(),
		suffix: z.string().nullish(),
		system: z.string().nullish(),
		template: z.string().nullish(),
		context: z.array(int).nullish(),
		raw: z.boolean().nullish(),
		images,
		...common,
	}),
	plainGenerate,
);
export type GenerateRequest = z.infer<typeof GenerateRequest>;

export const EmbedRequest = z.looseObject({
	model: requiredModel,
	input: z.unknown().describe("A string or an array of strings"),
	truncate: flag("truncate"),
	dimensions: int.positive().nullish(),
	keep_alive: keepAlive,
	options: OllamaOptions,
});
export type EmbedRequest = z.infer<typeof EmbedRequest>;

export const EmbeddingsRequest = z.looseObject({
	model: requiredModel,
	prompt: z.string().nullish(),
	keep_alive: keepAlive,
	options: OllamaOptions,
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

/** Show, pull and the management routes take `model`, or `name` as older clients (ollama-js pull, Continue) send it. */
export const ModelRef = z.looseObject({
	model: z.string().max(MAX_NAME, NAME_TOO_LONG).nullish(),
	name: z.string().max(MAX_NAME, NAME_TOO_LONG).nullish(),
	verbose: z.boolean().nullish(),
	stream: z.boolean().nullish(),
	insecure: z.boolean().nullish(),
});
export type ModelRef = z.infer<typeof ModelRef>;
