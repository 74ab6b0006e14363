/**
 * `POST /v1/responses` → one streaming chat-completions request. The Responses API is stateful at OpenAI; this server
 * keeps nothing, so every request must carry its whole conversation: fields that point at stored state are refused
 * with a 400 (never silently ignored, which would lose the conversation), the rest maps onto chat completions.
 * Split in two so that bad input is a 400 before the model is even resolved: `prepareResponses` (everything that
 * does not depend on the upstream) and `toChatParams` (the request for one resolved target).
 */
import type {
	ChatCompletionCreateParamsStreaming,
	ChatCompletionTool,
	ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import { reasoningParams, type Think } from "../../core/dialect.ts";
import { badRequest, ProxyError } from "../../core/proxy-error.ts";
import type { Target } from "../../core/target.ts";
import { tokenLimitKey } from "../../core/token-limit.ts";
import { type HistoryEntry, historyMessages, inputHistory } from "./input.ts";
import type { ResponsesRequest, ResponsesTool, ResponsesToolChoice } from "./schema.ts";
import { flatToolName, type ToolNames, type ToolOrigin } from "./tool-names.ts";

/** A 400 that names the request field it is about (OpenAI's `error.param`). */
export class ParamError extends ProxyError {
	constructor(
		message: string,
		readonly param: string,
		code?: string,
	) {
		super(400, message, {}, undefined, code);
	}
}

export type PreparedResponses = {
	history: HistoryEntry[];
	tools: ChatCompletionTool[];
	names: ToolNames;
	/** Hosted tool types (web_search, …) that were left out: no upstream here can run them. */
	dropped: string[];
	/** Call ids of results that answered no open call, kept as user text. */
	orphans: string[];
	toolChoice?: ChatCompletionToolChoiceOption;
	think: Think;
	responseFormat?: ChatCompletionCreateParamsStreaming["response_format"];
};

/** `reasoning.effort` → Ollama's `think`, exactly as Ollama maps it. */
function thinkOf(effort: string | null | undefined): Think {
	switch (effort) {
		case undefined:
		case null:
		case "":
			return undefined;
		case "none":
			return false;
		case "minimal":
			return "low";
		case "low":
		case "medium":
		case "high":
		case "max":
			return effort;
		case "xhigh":
		case "ultra":
			return "max";
		default:
			throw badRequest(
				`invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`,
			);
	}
}

type FunctionShape = { name?: string | null; description?: string | null; parameters?: unknown; strict?: unknown };

function chatTool(tool: FunctionShape, name: string): ChatCompletionTool {
	return {
		type: "function",
		function: {
			name,
			...(tool.description != null && { description: tool.description }),
			...(tool.parameters != null && { parameters: tool.parameters as Record<string, unknown> }),
			// Strict mode makes OpenAI reject schemas that are not fully closed; only a client that asked gets it.
			...(tool.strict === true && { strict: true }),
		},
	};
}

function toolsOf(tools: readonly ResponsesTool[]) {
	const out: ChatCompletionTool[] = [];
	const names = new Map<string, ToolOrigin>();
	const dropped: string[] = [];
	tools.forEach((tool, i) => {
		if (tool.type === "function") {
			if (!tool.name) throw badRequest(`tools[${i}]: function tool missing required 'name' field`);
			out.push(chatTool(tool, tool.name));
		} else if (tool.type === "namespace") {
			const namespace = tool.name;
			if (!namespace) throw badRequest(`tools[${i}]: namespace tool missing required 'name' field`);
			for (const member of tool.tools ?? []) {
				if (member.type !== "function" || !member.name) continue;
				const flat = flatToolName(namespace, member.name);
				names.set(flat, { namespace, name: member.name });
				out.push(chatTool(member as FunctionShape, flat));
			}
		} else {
			// web_search (which Codex always sends), file_search, code_interpreter, …: nothing here can run them, and
			// refusing would fail every Codex turn.
			dropped.push(tool.type);
		}
	});
	return { tools: out, names, dropped };
}

function toolChoiceOf(choice: ResponsesToolChoice): ChatCompletionToolChoiceOption | undefined {
	if (choice == null) return undefined;
	if (typeof choice === "string") return choice === "none" || choice === "required" ? choice : "auto";
	if (choice.type === "function" && choice.name) {
		const name = choice.namespace ? flatToolName(choice.namespace, choice.name) : choice.name;
		return { type: "function", function: { name } };
	}
	// A hosted tool, or `allowed_tools`: the nearest chat-completions choice is to let the model pick.
	return "auto";
}

function responseFormatOf(text: ResponsesRequest["text"]): PreparedResponses["responseFormat"] {
	const format = text?.format;
	if (format?.type === "json_object") return { type: "json_object" };
	if (format?.type === "json_schema") {
		return {
			type: "json_schema",
			json_schema: {
				name: format.name || "schema",
				...(format.schema != null && { schema: format.schema }),
				...(format.strict != null && { strict: format.strict }),
			},
		};
	}
	return undefined;
}

/**
 * Refuses what needs stored state: nothing is kept, and a relayed request must not reach an upstream that keeps its
 * own (it could not follow the conversation across a fallback).
 */
export function refuseStatefulFields(request: ResponsesRequest): void {
	if (request.previous_response_id) {
		throw new ParamError(
			"previous_response_id is not supported: send the full conversation in input",
			"previous_response_id",
			"previous_response_not_found",
		);
	}
	if (request.conversation != null) {
		throw new ParamError("conversation is not supported: send the full conversation in input", "conversation");
	}
	if (request.background) {
		throw new ParamError("background is not supported: responses are not stored, so stream or wait", "background");
	}
	if (request.prompt != null) {
		throw new ParamError("prompt is not supported: stored prompts are not kept, send instructions instead", "prompt");
	}
}

/** OpenAI's words for a number out of its range: `Invalid 'temperature': decimal above maximum value. …`. */
function refuseOutOfRange(value: number | null | undefined, param: string, min: number, max: number): void {
	if (value == null || (value >= min && value <= max)) return;
	const above = value > max;
	throw new ParamError(
		above
			? `Invalid '${param}': decimal above maximum value. Expected a value <= ${max}, but got ${value} instead.`
			: `Invalid '${param}': decimal below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
		param,
		above ? "decimal_above_max_value" : "decimal_below_min_value",
	);
}

/** A message item with an empty list of parts: it says nothing. Assistant turns may (servers write them in history). */
function isEmptyMessage(item: unknown): boolean {
	if (typeof item !== "object" || item === null) return false;
	const { type, role, content } = item as Record<string, unknown>;
	const message = type === "message" || (type == null && role != null);
	return message && role !== "assistant" && Array.isArray(content) && content.length === 0;
}

function emptyArray(param: string): ParamError {
	return new ParamError(
		`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
		param,
		"empty_array",
	);
}

/**
 * Refuses, in OpenAI's words and before any upstream call, what OpenAI's API refuses and an upstream would take or
 * choke on: no input, an empty one, a message with no content parts, a temperature or top_p out of range.
 */
export function refuseInvalidFields(request: ResponsesRequest): void {
	const { input } = request;
	if (input == null)
		throw new ParamError("Missing required parameter: 'input'.", "input", "missing_required_parameter");
	if (input === "") {
		throw new ParamError(
			"Invalid 'input': empty string. Expected a string with minimum length 1, but got an empty string instead.",
			"input",
			"empty_string",
		);
	}
	if (Array.isArray(input)) {
		if (input.length === 0) throw emptyArray("input");
		const empty = input.findIndex(isEmptyMessage);
		if (empty >= 0) throw emptyArray(`input[${empty}].content`);
	}
	refuseOutOfRange(request.temperature, "temperature", 0, 2);
	refuseOutOfRange(request.top_p, "top_p", 0, 1);
}

/** Refuses what needs stored state, then translates everything that does not depend on the upstream. */
export function prepareResponses(request: ResponsesRequest): PreparedResponses {
	refuseStatefulFields(request);
	const think = thinkOf(request.reasoning?.effort);
	const history = inputHistory(request.input, request.instructions);
	const { tools, names, dropped } = toolsOf(request.tools ?? []);
	return {
		history,
		tools,
		names,
		dropped,
		orphans: history.flatMap((entry) => (entry.orphanOf === undefined ? [] : [entry.orphanOf])),
		toolChoice: toolChoiceOf(request.tool_choice),
		think,
		responseFormat: responseFormatOf(request.text),
	};
}

/** The upstream request for one resolved target. */
export function toChatParams(
	request: ResponsesRequest,
	prepared: PreparedResponses,
	target: Target,
): ChatCompletionCreateParamsStreaming {
	const params: ChatCompletionCreateParamsStreaming = {
		model: target.id,
		messages: historyMessages(prepared.history, target.dialect),
		stream: true,
		stream_options: { include_usage: true },
	};
	// OpenAI rejects an empty tool list, and a tool choice or parallel_tool_calls without tools.
	if (prepared.tools.length > 0) {
		params.tools = prepared.tools;
		if (prepared.toolChoice) params.tool_choice = prepared.toolChoice;
		if (request.parallel_tool_calls != null) params.parallel_tool_calls = request.parallel_tool_calls;
	}
	if (request.max_output_tokens != null) params[tokenLimitKey("chat", target.id)] = request.max_output_tokens;
	// Absent stays absent: the upstream keeps the model's own default (Ollama forces 1.0).
	if (request.temperature != null) params.temperature = request.temperature;
	if (request.top_p != null) params.top_p = request.top_p;
	if (prepared.responseFormat) params.response_format = prepared.responseFormat;
	if (target.dialect === "openai") {
		// OpenAI's own parameters; other servers answer 400 to keys they do not know, or ignore them.
		const verbosity = request.text?.verbosity;
		if (verbosity === "low" || verbosity === "medium" || verbosity === "high") params.verbosity = verbosity;
		if (request.prompt_cache_key) params.prompt_cache_key = request.prompt_cache_key;
	}
	return { ...params, ...reasoningParams(prepared.think, target) };
}

// Ollama's estimate where nothing better is known: about four characters per token.
const CHARS_PER_TOKEN = 4;

/** A rough count of the prompt's tokens, for upstreams that report no usage and for `/v1/responses/input_tokens`. */
export function estimatePromptTokens(prepared: PreparedResponses): number {
	const messages = prepared.history.map((entry) => entry.message);
	const chars =
		JSON.stringify(messages).length + (prepared.tools.length > 0 ? JSON.stringify(prepared.tools).length : 0);
	return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN));
}
