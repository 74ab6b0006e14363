/**
 * Ollama `/api/chat` and `/api/generate` requests → one OpenAI request: chat completions, or legacy completions for
 * fill-in-the-middle. A streaming client's request streams, with usage, as Ollama's own llama-server bridge does; a
 * `stream:false` client's asks for the whole answer, which is one JSON parse instead of SSE to fold (an upstream that
 * streams anyway is still folded, `collect.ts`).
 */
import type {
	ChatCompletionCreateParams,
	ChatCompletionMessageParam,
	ChatCompletionTool,
} from "openai/resources/chat/completions";
import type { CompletionCreateParams } from "openai/resources/completions";
import { extraSamplingParams, reasoningParams } from "../../core/dialect.ts";
import { withImages } from "../../core/images.ts";
import { badRequest } from "../../core/proxy-error.ts";
import type { Target } from "../../core/target.ts";
import { toOpenAIMessages } from "./chat-history.ts";
import { samplingParams } from "./options.ts";
import type { ChatRequest, GenerateRequest, Tool } from "./request-schemas.ts";

type ResponseFormat = ChatCompletionCreateParams["response_format"];

/** `format`: "json" → JSON mode; a schema → structured output with the schema intact; "" or null → none. */
export function responseFormat(format: ChatRequest["format"]): ResponseFormat {
	if (format === "json") return { type: "json_object" };
	if (format && typeof format === "object") {
		return { type: "json_schema", json_schema: { name: "schema", schema: format } };
	}
	return undefined;
}

function openAITools(tools: readonly Tool[]): ChatCompletionTool[] {
	return tools.map((tool) => ({
		type: "function",
		function: {
			name: tool.function.name,
			...(tool.function.description != null && { description: tool.function.description }),
			...(tool.function.parameters != null && { parameters: tool.function.parameters }),
		},
	}));
}

/** `logprobs` and `top_logprobs` (0–20, checked by the schema) keep their names on the chat API. */
function logprobParams(request: ChatRequest | GenerateRequest) {
	if (!request.logprobs) return {};
	return { logprobs: true, ...(request.top_logprobs && { top_logprobs: request.top_logprobs }) };
}

/** Streamed with usage (a stream has none unless asked), or whole: `stream_options` is refused without a stream. */
const STREAMED = { stream: true, stream_options: { include_usage: true } } as const;
const WHOLE = { stream: false } as const;
const streaming = (stream: boolean) => (stream ? STREAMED : WHOLE);

function baseParams(
	target: Target,
	messages: ChatCompletionMessageParam[],
	request: ChatRequest | GenerateRequest,
	stream: boolean,
): ChatCompletionCreateParams {
	const format = responseFormat(request.format);
	return {
		model: target.id,
		messages,
		...streaming(stream),
		...samplingParams(request.options, target.id),
		...extraSamplingParams(request.options, target.dialect),
		...(format && { response_format: format }),
		...logprobParams(request),
		...reasoningParams(request.think, target),
	};
}

/** `stream` is whether the client streams: the upstream is asked the same way. */
export function chatToOpenAI(request: ChatRequest, target: Target, stream: boolean): ChatCompletionCreateParams {
	const params = baseParams(target, toOpenAIMessages(request.messages ?? []), request, stream);
	// Zed and ollama-python send `tools: []`; OpenAI rejects an empty array.
	if (request.tools?.length) params.tools = openAITools(request.tools);
	return params;
}

export function generateToOpenAI(
	request: GenerateRequest,
	target: Target,
	stream: boolean,
): ChatCompletionCreateParams {
	if (request.raw && (request.system || request.template || request.context?.length)) {
		throw badRequest("raw mode does not support template, system, or context");
	}
	const messages: ChatCompletionMessageParam[] = [];
	if (request.system && !request.raw) messages.push({ role: "system", content: request.system });
	messages.push({ role: "user", content: withImages(request.prompt ?? "", request.images) });
	return baseParams(target, messages, request, stream);
}

/**
 * `/api/generate` with a `suffix` → a fill-in-the-middle request on the legacy completions API, which takes the
 * prompt and the suffix as they are. Only models that can insert take it (Ollama answers 400 otherwise).
 */
export function fillInMiddleToOpenAI(
	request: GenerateRequest,
	target: Target,
	stream: boolean,
): CompletionCreateParams {
	if (!target.capabilities.includes("insert")) throw badRequest(`${request.model} does not support insert`);
	// The completions API knows only `max_tokens`, whatever the chat API wants for the same model.
	const { max_completion_tokens, ...sampling } = samplingParams(request.options, target.id);
	return {
		model: target.id,
		prompt: request.prompt ?? "",
		suffix: request.suffix ?? "",
		...streaming(stream),
		...sampling,
		...(max_completion_tokens != null && { max_tokens: max_completion_tokens }),
		...extraSamplingParams(request.options, target.dialect),
		...(request.logprobs && { logprobs: request.top_logprobs || 1 }),
	};
}
