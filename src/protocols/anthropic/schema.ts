/**
 * Request bodies of Anthropic's Messages API (`POST /v1/messages`, `/v1/messages/count_tokens`), as Claude Code and
 * `@anthropic-ai/sdk` send them. Unknown keys are ignored (`metadata`, `context_management`, `cache_control`, betas),
 * as Ollama's Go decoder does. Checks that look inside blocks (`requestProblem`) run on the parsed request, so their
 * messages reach the client exactly as Ollama words them instead of behind a field path.
 */
import { z } from "zod";
import { requiredModel } from "../../core/model-field.ts";

const MAX_TOKENS = "max_tokens is required and must be positive";
const MESSAGES_REQUIRED = "messages is required";

const text = z.string().default("");

/**
 * A number Anthropic's API takes only within a range, refused here before any upstream call in words that give the
 * range and what came (an OpenAI-style upstream takes a temperature of 1e308, or answers a 400 of its own).
 */
function within(name: string, min: number, max = Number.POSITIVE_INFINITY) {
	const words =
		max === Number.POSITIVE_INFINITY ? `${name} must be ${min} or more` : `${name} must be between ${min} and ${max}`;
	const error = (issue: { input: unknown }) => `${words}, got ${issue.input}`;
	const atLeast = z.number().min(min, { error });
	return max === Number.POSITIVE_INFINITY ? atLeast : atLeast.max(max, { error });
}

export const TextBlock = z.looseObject({ type: z.literal("text"), text });

const ImageSource = z.looseObject({
	type: z.string().describe('"base64", "url" or "file" (not supported)'),
	media_type: z.string().nullish(),
	data: z.string().nullish(),
	url: z.string().nullish(),
});

export const ImageBlock = z.looseObject({ type: z.literal("image"), source: ImageSource.nullish() });
export type ImageBlock = z.infer<typeof ImageBlock>;

export const DocumentBlock = z.looseObject({
	type: z.literal("document"),
	source: z.looseObject({ type: z.string(), data: z.string().nullish() }).nullish(),
	title: z.string().nullish(),
});

export const ToolUseBlock = z.looseObject({
	type: z.literal(["tool_use", "server_tool_use"]),
	id: z.string().nullish(),
	name: z.string().nullish(),
	input: z.unknown().optional(),
});

/** What a tool result may hold: text and images; other blocks (search results, documents) are dropped. */
const ToolResultPart = z.union([
	TextBlock,
	ImageBlock,
	z.looseObject({ type: z.string().refine((type) => type !== "text" && type !== "image") }),
]);

export const ToolResultBlock = z.looseObject({
	type: z.literal("tool_result"),
	tool_use_id: z.string().nullish(),
	content: z.union([z.string(), z.array(ToolResultPart)]).nullish(),
	is_error: z.boolean().nullish(),
});

export const ThinkingBlock = z.looseObject({
	type: z.literal("thinking"),
	thinking: text,
	signature: z.string().nullish(),
});

/** A hosted web search's results, found only in history from a real Anthropic session. */
export const WebSearchResultBlock = z.looseObject({
	type: z.literal("web_search_tool_result"),
	tool_use_id: z.string().nullish(),
	content: z.unknown().optional(),
});

const KNOWN_BLOCKS = new Set([
	"text",
	"image",
	"document",
	"tool_use",
	"server_tool_use",
	"tool_result",
	"thinking",
	"web_search_tool_result",
]);

/** `redacted_thinking`, `search_result`, `tool_reference`, …: accepted and dropped. */
const OtherBlock = z.looseObject({ type: z.string().refine((type) => !KNOWN_BLOCKS.has(type)) });

export const KnownBlock = z.union([
	TextBlock,
	ImageBlock,
	DocumentBlock,
	ToolUseBlock,
	ToolResultBlock,
	ThinkingBlock,
	WebSearchResultBlock,
]);
export type KnownBlock = z.infer<typeof KnownBlock>;

export const ContentBlock = z.union([KnownBlock, OtherBlock]);
export type ContentBlock = z.infer<typeof ContentBlock>;

export const Message = z.looseObject({
	// Ollama lower-cases roles; Claude Code puts a `system` message inside `messages`.
	role: z
		.string({ error: "message role is required" })
		.transform((r) => r.toLowerCase())
		.pipe(
			z.enum(["user", "assistant", "system"], {
				error: (issue) => `invalid message role ${JSON.stringify(issue.input)}`,
			}),
		),
	content: z.union([z.string(), z.array(ContentBlock)], {
		error: "message content must be a string or an array of content blocks",
	}),
});
export type Message = z.infer<typeof Message>;

export const Tool = z.looseObject({
	type: z.string().nullish().describe('absent or "custom" for a client tool; typed server tools are refused'),
	name: z.string().nullish(),
	description: z.string().nullish(),
	input_schema: z.unknown().optional(),
});
export type Tool = z.infer<typeof Tool>;

export const ToolChoice = z.looseObject({
	type: z.enum(["auto", "any", "tool", "none"], {
		error: (issue) => `invalid tool_choice type ${JSON.stringify(issue.input)}`,
	}),
	name: z.string().nullish(),
	disable_parallel_tool_use: z.boolean().nullish(),
});
export type ToolChoice = z.infer<typeof ToolChoice>;

const SystemBlock = z.looseObject({ type: z.string(), text: z.string().nullish() });

const fields = {
	model: requiredModel,
	max_tokens: z.number({ error: MAX_TOKENS }).int(MAX_TOKENS).positive(MAX_TOKENS),
	messages: z.array(Message, { error: MESSAGES_REQUIRED }).min(1, MESSAGES_REQUIRED),
	system: z.union([z.string(), z.array(SystemBlock)]).nullish(),
	stream: z.boolean().nullish().describe("Defaults to false: one JSON message. True streams SSE events."),
	temperature: within("temperature", 0, 1).nullish(),
	top_p: within("top_p", 0, 1).nullish(),
	top_k: within("top_k", 0).int().nullish().describe("Sent only to upstreams that take it (not OpenAI itself)"),
	stop_sequences: z.array(z.string()).nullish(),
	tools: z.array(Tool).nullish(),
	tool_choice: ToolChoice.nullish(),
	thinking: z
		.looseObject({ type: z.string(), budget_tokens: z.number().nullish(), display: z.string().nullish() })
		.nullish()
		.describe('"enabled", "adaptive" or "disabled"; mapped to the upstream\'s reasoning switch'),
	output_config: z.looseObject({ effort: z.string().nullish() }).nullish(),
	mcp_servers: z.unknown().optional(),
};

type Fields = z.infer<z.ZodObject<typeof fields>>;
type Checked = Pick<Fields, "messages" | "tools" | "tool_choice" | "mcp_servers">;

/** The first block or tool the proxy cannot take, in Ollama's words where Ollama has them; the routes answer it with a 400. */
export function requestProblem(request: Checked): string | undefined {
	if (Array.isArray(request.mcp_servers) && request.mcp_servers.length > 0) {
		return "mcp_servers is not supported by this server";
	}
	for (const tool of request.tools ?? []) {
		if (tool.type != null && tool.type !== "custom") return `tool type '${tool.type}' is not supported by this server`;
		if (!tool.name) return "tool name is required";
		const schema = tool.input_schema;
		if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
			return `invalid input_schema for tool "${tool.name}": expected a JSON Schema object`;
		}
	}
	if (request.tool_choice?.type === "tool" && !request.tool_choice.name) return "tool_choice of type tool needs a name";
	for (const [i, message] of request.messages.entries()) {
		// Anthropic refuses it too; an assistant turn may be empty, as the proxy's own empty answers are.
		if (message.role !== "assistant" && message.content.length === 0) return `messages.${i}: content must not be empty`;
		if (typeof message.content === "string") continue;
		for (const block of message.content as KnownBlock[]) {
			const problem = blockProblem(block);
			if (problem) return problem;
		}
	}
	return undefined;
}

function blockProblem(block: KnownBlock): string | undefined {
	switch (block.type) {
		case "tool_use":
		case "server_tool_use":
			if (!block.id) return `${block.type} block missing required 'id' field`;
			if (!block.name) return `${block.type} block missing required 'name' field`;
			return undefined;
		case "tool_result":
			if (!block.tool_use_id) return "tool_result block missing required 'tool_use_id' field";
			return Array.isArray(block.content) ? firstImageProblem(block.content) : undefined;
		case "web_search_tool_result":
			return block.tool_use_id ? undefined : "web_search_tool_result block missing required 'tool_use_id' field";
		case "image":
			return imageProblem(block);
		default:
			return undefined;
	}
}

function firstImageProblem(parts: ReadonlyArray<{ type: string }>): string | undefined {
	for (const part of parts) {
		const problem = part.type === "image" ? imageProblem(part as ImageBlock) : undefined;
		if (problem) return problem;
	}
	return undefined;
}

function imageProblem(block: ImageBlock): string | undefined {
	if (!block.source) return "image block missing required 'source' field";
	const { type, data, url } = block.source;
	if (type === "base64") return data ? undefined : "image source of type base64 needs data";
	if (type === "url") return url ? undefined : "image source of type url needs a url";
	return `invalid image source type: ${type}. Only base64 and url images are supported.`;
}

export const MessagesRequest = z.looseObject(fields);
export type MessagesRequest = z.infer<typeof MessagesRequest>;

const { max_tokens: _unused, ...countFields } = fields;

/** `count_tokens` takes the same body without `max_tokens`. */
export const CountTokensRequest = z.looseObject(countFields);
export type CountTokensRequest = z.infer<typeof CountTokensRequest>;
