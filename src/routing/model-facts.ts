/**
 * Everything the proxy knows about a model, derived from an upstream `/models` entry: its name, family, context
 * window and capabilities, published or known by name. Every protocol's model lists are rendered from these facts.
 */
import type { Capability } from "../core/target.ts";
import type { UpstreamModel } from "../upstream/upstream-models.ts";
import { ollamaName } from "./model-names.ts";

/** Everything the proxy knows about one model, in one place. */
export type ModelFacts = {
	/** The name clients see and send: `gpt-4o:latest`. */
	name: string;
	/** The id the upstream is asked for: `gpt-4o`. */
	id: string;
	family: string;
	contextLength: number;
	capabilities: Capability[];
	modifiedAt: Date;
};

// Published context windows of common hosted models, for upstreams (OpenAI itself) whose /models does not say.
const KNOWN_CONTEXT: ReadonlyArray<readonly [RegExp, number]> = [
	[/^gpt-4\.1/, 1_047_576],
	[/^gpt-5/, 400_000],
	[/^(gpt-4o|gpt-4-turbo|gpt-4\.5|chatgpt-4o)/, 128_000],
	[/^gpt-4(-|$)/, 8_192],
	[/^gpt-3\.5/, 16_385],
	[/^o\d/, 200_000],
	[/^text-embedding-/, 8_191],
	[/claude/, 200_000],
	[/gemini/, 1_048_576],
	[/deepseek/, 128_000],
];

const EMBEDDING_ID = /embed/i;
// Speech-to-text models: Ollama's `audio` capability (audio in), served on `/v1/audio/transcriptions` only.
const TRANSCRIPTION = /whisper|transcribe/;

// Model families known by name, for upstreams whose /models says nothing about what a model can do (OpenAI, vLLM,
// LM Studio). OpenRouter publishes the real answer, which wins (see `capabilitiesOf`).
const NOT_TEXT = /whisper|tts|dall-e|gpt-image|moderation|davinci|babbage|realtime|transcribe|audio|sora|search-api/;
const VISION =
	/gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|^o[13](?!-mini)|^o4|claude-3|claude-(sonnet|opus|haiku)-4|gemini|llava|pixtral|-vl\b|vision|gemma-3|llama-4|mistral-small-3|mistral-medium/;
const THINKING =
	/^o\d|gpt-5|deepseek-r1|deepseek-reasoner|qwq|qwen3|gpt-oss|magistral|reasoning|thinking|claude-3-7|claude-(sonnet|opus)-4|gemini-2\.5/;
const INSERT =
	/codestral|deepseek-coder|starcoder|codellama|codegemma|stable-code|qwen2\.5-coder|granite(-\d+(\.\d+)?b)?-code|gpt-3\.5-turbo-instruct/;
const NO_TOOLS = /gpt-3\.5-turbo-instruct|deepseek-r1(?!-0528)|qwq-32b-preview/;

const EMBEDDING_LENGTH: ReadonlyArray<readonly [RegExp, number]> = [
	[/^text-embedding-3-large/, 3072],
	[/^text-embedding-(3-small|ada-002)/, 1536],
	[/nomic-embed-text/, 768],
	[/mxbai-embed-large/, 1024],
];

/** The part of an id after its namespace: `openai/gpt-4o` → `gpt-4o`. */
function baseName(id: string): string {
	return id.slice(id.lastIndexOf("/") + 1);
}

/** Ollama's architecture name stands in for a family: the leading letters of the model's base name (`gpt-4o` → `gpt`). */
export function familyOf(id: string): string {
	return /^[a-z]+/.exec(baseName(id).toLowerCase())?.[0] ?? "unknown";
}

/** The context window: what the upstream published, else a known default for the name, else the configured fallback. */
export function contextLengthOf(model: UpstreamModel, fallback: number): number {
	const published = model.context_length ?? model.max_model_len ?? model.context_window ?? model.max_context_length;
	if (published !== undefined) return published;
	const base = baseName(model.id).toLowerCase();
	return KNOWN_CONTEXT.find(([pattern]) => pattern.test(base))?.[1] ?? fallback;
}

/**
 * What a model can do, in Ollama's vocabulary. Copilot lists a model in agent mode only with `tools`, and agents
 * switch tools off when the list lacks it, so the answer must be right both ways. A transcription model takes audio
 * only. An empty list means the model serves nothing the proxy speaks (speech out, images), and it is not listed.
 */
export function capabilitiesOf(model: UpstreamModel): Capability[] {
	const base = baseName(model.id).toLowerCase();
	if (EMBEDDING_ID.test(base)) return ["embedding"];
	if (TRANSCRIPTION.test(base)) return ["audio"];
	if (NOT_TEXT.test(base)) return [];
	const published = model.supported_parameters;
	const inputs = model.architecture?.input_modalities;
	const has = {
		tools: published ? published.includes("tools") : !NO_TOOLS.test(base),
		vision: inputs ? inputs.includes("image") : VISION.test(base),
		thinking: published
			? published.includes("reasoning") || published.includes("include_reasoning")
			: THINKING.test(base),
		insert: INSERT.test(base),
	};
	const capabilities: Capability[] = ["completion"];
	for (const name of ["tools", "vision", "thinking", "insert"] as const) if (has[name]) capabilities.push(name);
	return capabilities;
}

/**
 * Whether a model belongs in model lists (`/api/tags`, `/v1/models`). A transcription-only model is reachable by its
 * name on `/v1/audio/transcriptions` but left out of the lists: chat clients (Copilot, Zed) offer every listed model
 * in their pickers, where a speech model could only fail.
 */
export function listedForChat(facts: Pick<ModelFacts, "capabilities">): boolean {
	return !(facts.capabilities.length === 1 && facts.capabilities[0] === "audio");
}

/** The vector length of a known embedding model, for clients that size their index from it. */
export function embeddingLengthOf(id: string): number | undefined {
	const base = baseName(id).toLowerCase();
	return EMBEDDING_LENGTH.find(([pattern]) => pattern.test(base))?.[1];
}

/** Builds the facts for an upstream model. `firstSeen` stands in for `created` when the upstream omits it. */
export function modelFacts(
	model: UpstreamModel,
	options: { defaultContextLength: number; firstSeen: Date },
): ModelFacts {
	return {
		name: ollamaName(model.id),
		id: model.id,
		family: familyOf(model.id),
		contextLength: contextLengthOf(model, options.defaultContextLength),
		capabilities: capabilitiesOf(model),
		modifiedAt: model.created === undefined ? options.firstSeen : new Date(model.created * 1000),
	};
}
