/**
 * An entry of an OpenAI-compatible `GET /models` list. OpenAI sends only `id`, `created` and `owned_by`; other
 * servers add what they know about the model, under names of their own.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive().optional().catch(undefined);

export const UpstreamModel = z.looseObject({
	id: z.string().min(1),
	created: z.number().optional().catch(undefined),
	owned_by: z.string().optional().catch(undefined),
	/** OpenRouter, Together, DeepSeek-compatible servers. */
	context_length: positiveInt,
	/** vLLM. */
	max_model_len: positiveInt,
	/** Groq and others. */
	context_window: positiveInt,
	/** LM Studio. */
	max_context_length: positiveInt,
	/** OpenRouter: which request parameters the model takes (`tools`, `reasoning`, …). */
	supported_parameters: z.array(z.string()).optional().catch(undefined),
	/** OpenRouter: `input_modalities` such as `["text", "image"]`. */
	architecture: z
		.looseObject({ input_modalities: z.array(z.string()).optional().catch(undefined) })
		.optional()
		.catch(undefined),
});
export type UpstreamModel = z.infer<typeof UpstreamModel>;

export const UpstreamModelList = z.looseObject({
	data: z.array(z.unknown()).catch([]),
});
