/**
 * Reply shapes of the Ollama API. Key order matters to clients that compare bytes, so translation code builds
 * these objects in the order listed here (Go struct order in `api/types.go`).
 */
import { z } from "zod";
import { Logprob } from "../../core/logprobs.ts";
import { Capability } from "../../core/target.ts";
import { ToolCall } from "./request-schemas.ts";

export const Metrics = z.object({
	total_duration: z.number().int(),
	load_duration: z.number().int(),
	prompt_eval_count: z.number().int(),
	prompt_eval_duration: z.number().int(),
	eval_count: z.number().int(),
	eval_duration: z.number().int(),
});
export type Metrics = z.infer<typeof Metrics>;

export const DoneReason = z.enum(["stop", "length", "load", "unload"]);
export type DoneReason = z.infer<typeof DoneReason>;

const OutputToolCall = ToolCall.extend({
	id: z.string(),
	function: z.object({
		index: z.number().int(),
		name: z.string(),
		arguments: z.record(z.string(), z.unknown()),
	}),
});
export type OutputToolCall = z.infer<typeof OutputToolCall>;

export const ChatResponse = z.object({
	model: z.string(),
	created_at: z.string(),
	message: z.object({
		role: z.literal("assistant"),
		content: z.string(),
		thinking: z.string().optional(),
		tool_calls: z.array(OutputToolCall).optional(),
	}),
	done: z.boolean(),
	done_reason: DoneReason.optional(),
	logprobs: z.array(Logprob).optional(),
	...Metrics.partial().shape,
});
export type ChatResponse = z.infer<typeof ChatResponse>;

export const GenerateResponse = z.object({
	model: z.string(),
	created_at: z.string(),
	response: z.string(),
	thinking: z.string().optional(),
	done: z.boolean(),
	done_reason: DoneReason.optional(),
	context: z.array(z.number().int()).optional(),
	logprobs: z.array(Logprob).optional(),
	...Metrics.partial().shape,
});
export type GenerateResponse = z.infer<typeof GenerateResponse>;

export const ModelDetails = z.object({
	parent_model: z.string(),
	format: z.string(),
	family: z.string(),
	families: z.array(z.string()),
	parameter_size: z.string(),
	quantization_level: z.string(),
	// Since Ollama v0.33 on `/api/tags`, so that clients need no `/api/show` per model.
	context_length: z.number().int().optional(),
	embedding_length: z.number().int().optional(),
});
export type ModelDetails = z.infer<typeof ModelDetails>;

export const TagsModel = z.object({
	name: z.string(),
	model: z.string(),
	modified_at: z.string(),
	size: z.number().int(),
	digest: z.string(),
	details: ModelDetails,
	capabilities: z.array(Capability).optional(),
});
export type TagsModel = z.infer<typeof TagsModel>;

export const TagsResponse = z.object({ models: z.array(TagsModel) });

export const ShowResponse = z.object({
	modelfile: z.string(),
	parameters: z.string(),
	template: z.string(),
	// Sent by a real Ollama (relayed); the proxy's own models have none of these.
	renderer: z.string().optional(),
	parser: z.string().optional(),
	details: ModelDetails,
	remote_model: z.string().optional(),
	remote_host: z.string().optional(),
	// Always present, even empty: ollama-python requires the key, and some integrations crash without it.
	model_info: z.record(z.string(), z.union([z.string(), z.number()])),
	capabilities: z.array(Capability),
	modified_at: z.string(),
	requires: z.string().optional(),
});
export type ShowResponse = z.infer<typeof ShowResponse>;

export const PsResponse = z.object({ models: z.array(z.unknown()) });

export const EmbedResponse = z.object({
	model: z.string(),
	embeddings: z.array(z.array(z.number())),
	total_duration: z.number().int().optional(),
	load_duration: z.number().int().optional(),
	prompt_eval_count: z.number().int().optional(),
});
export type EmbedResponse = z.infer<typeof EmbedResponse>;

export const EmbeddingsResponse = z.object({ embedding: z.array(z.number()) });

export const StatusResponse = z.object({ status: z.string() });

/** `/api/status`: whether Ollama's cloud models are reachable through this server, and who decided. */
export const CloudStatusResponse = z.object({ cloud: z.object({ disabled: z.boolean(), source: z.string() }) });

export const ErrorResponse = z.object({ error: z.string() });

export const VersionResponse = z.object({ version: z.string() });

export const HealthResponse = z.object({
	status: z.literal("healthy"),
	version: z.string(),
});
