/**
 * Ollama `/api/chat` and `/api/generate` requests → one OpenAI streaming chat-completions request. The upstream is
 * always asked to stream, with usage, as Ollama's own llama-server bridge does; a `stream:false` client gets the
 * collected answer (`collect.ts`).
 */
import type {
	ChatCompletionCreateParamsStreaming,
	ChatCompletionMessageParam,
	ChatCompletionTool,
} from "openai/resources/chat/completions";
import { badRequest } from "../errors.ts";
import type { ChatRequest, GenerateRequest, Tool } from "../schemas/ollama-requests.ts";
import { withImages } from "./images.ts";
import { samplingParams } from "./options.ts";
import { toOpenAIMessages } from "./tool-history.ts";

type ResponseFormat = ChatCompletionCreateParamsStreaming["response_format"];

/** `format`: "json" → JSON mode; a schema → structured output with the schema intact; "" or null → none. */
export function responseFormat(format: ChatRequest["format"]): ResponseFormat {
	if (format === "json") return { type: "json_object" };
	if (format && typeof format === "object")
		return {
			type: "json_schema",
			json_schema: { name: "schema", schema: format },
		};
	return undefined;
}

function openAITools(tools: readonly Tool[]): ChatCompletionTool[] {
	return tools.map((tool) => ({
		type: "function",
		function: {
			name: tool.function.name,
			...(tool.function.description != null && {
				description: tool.function.description,
			}),
			...(tool.function.parameters != null && {
				parameters: tool.function.parameters,
			}),
		},
	}));
}

function baseParams(
	upstreamId: string,
	messages: ChatCompletionMessageParam[],
	request: ChatRequest | GenerateRequest,
): ChatCompletionCreateParamsStreaming {
	const format = responseFormat(request.format);
	return {
		model: upstreamId,
		messages,
		stream: true,
		stream_options: { include_usage: true },
		...samplingParams(request.options, upstreamId),
		...(format && { response_format: format }),
	};
}

export function chatToOpenAI(request: ChatRequest, upstreamId: string): ChatCompletionCreateParamsStreaming {
	const params = baseParams(upstreamId, toOpenAIMessages(request.messages ?? []), request);
	// Zed and ollama-python send `tools: []`; OpenAI rejects an empty array.
	if (request.tools?.length) params.tools = openAITools(request.tools);
	return params;
}

export function generateToOpenAI(request: GenerateRequest, upstreamId: string): ChatCompletionCreateParamsStreaming {
	if (request.suffix) throw badRequest(`${request.model} does not support insert`);
	if (request.raw && (request.system || request.template || request.context?.length)) {
		throw badRequest("raw mode does not support template, system, or context");
	}
	const messages: ChatCompletionMessageParam[] = [];
	if (request.system && !request.raw) messages.push({ role: "system", content: request.system });
	messages.push({
		role: "user",
		content: withImages(request.prompt ?? "", request.images),
	});
	return baseParams(upstreamId, messages, request);
}
