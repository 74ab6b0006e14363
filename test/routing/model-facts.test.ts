import { describe, expect, test } from "bun:test";
import type { Capability } from "../../src/core/target.ts";
import { modelDetails, runningEntry, showResponse, tagsEntry } from "../../src/protocols/ollama/model-info.ts";
import {
	capabilitiesOf,
	contextLengthOf,
	embeddingLengthOf,
	familyOf,
	listedForChat,
	type ModelFacts,
	modelFacts,
} from "../../src/routing/model-facts.ts";
import type { UpstreamModel } from "../../src/upstream/upstream-models.ts";

const FALLBACK = 4096;

describe("familyOf: the leading letters of the base name stand in for the architecture", () => {
	test.each([
		{ id: "gpt-4o", family: "gpt" },
		{ id: "openai/gpt-4o", family: "gpt" },
		{ id: "Claude-3-Opus", family: "claude" },
		{ id: "meta-llama/Llama-3.1-8B-Instruct", family: "llama" },
		{ id: "o3-mini", family: "o" },
		{ id: "text-embedding-3-small", family: "text" },
		{ id: "4o", family: "unknown" },
		{ id: "org/", family: "unknown" },
	])("$id → $family", ({ id, family }) => {
		expect(familyOf(id)).toBe(family);
	});
});

describe("contextLengthOf: what the upstream publishes wins", () => {
	test.each([
		{ kind: "context_length (OpenRouter)", model: { id: "gpt-4o", context_length: 32_000 }, length: 32_000 },
		{ kind: "max_model_len (vLLM)", model: { id: "qwen", max_model_len: 8_192 }, length: 8_192 },
		{ kind: "context_window (Groq)", model: { id: "llama", context_window: 131_072 }, length: 131_072 },
		{ kind: "max_context_length (LM Studio)", model: { id: "phi", max_context_length: 4_000 }, length: 4_000 },
		{
			kind: "context_length before max_model_len",
			model: { id: "m", context_length: 1_000, max_model_len: 2_000 },
			length: 1_000,
		},
		{
			kind: "max_model_len before context_window",
			model: { id: "m", max_model_len: 2_000, context_window: 3_000, max_context_length: 4_000 },
			length: 2_000,
		},
		{
			kind: "context_window before max_context_length",
			model: { id: "m", context_window: 3_000, max_context_length: 4_000 },
			length: 3_000,
		},
	])("$kind", ({ model, length }) => {
		expect(contextLengthOf(model, FALLBACK)).toBe(length);
	});
});

describe("contextLengthOf: known hosted models when the upstream does not say", () => {
	test.each([
		{ id: "gpt-4.1", length: 1_047_576 },
		{ id: "gpt-4.1-mini", length: 1_047_576 },
		{ id: "gpt-5", length: 400_000 },
		{ id: "gpt-5-mini", length: 400_000 },
		{ id: "gpt-4o", length: 128_000 },
		{ id: "gpt-4o-mini", length: 128_000 },
		{ id: "gpt-4-turbo", length: 128_000 },
		{ id: "gpt-4.5-preview", length: 128_000 },
		{ id: "chatgpt-4o-latest", length: 128_000 },
		{ id: "gpt-4", length: 8_192 },
		{ id: "gpt-4-0613", length: 8_192 },
		{ id: "gpt-3.5-turbo", length: 16_385 },
		{ id: "o1", length: 200_000 },
		{ id: "o3-mini", length: 200_000 },
		{ id: "text-embedding-3-small", length: 8_191 },
		{ id: "anthropic/claude-3.5-sonnet", length: 200_000 },
		{ id: "google/gemini-2.0-flash", length: 1_048_576 },
		{ id: "deepseek-chat", length: 128_000 },
		{ id: "openai/GPT-4O", length: 128_000 },
	])("$id → $length", ({ id, length }) => {
		expect(contextLengthOf({ id }, FALLBACK)).toBe(length);
	});
});

describe("contextLengthOf: the configured fallback otherwise", () => {
	test.each([{ id: "mistral-large" }, { id: "gpt-4x" }, { id: "my-org/custom-o1" }, { id: "omni" }])(
		"$id",
		({ id }) => {
			expect(contextLengthOf({ id }, FALLBACK)).toBe(FALLBACK);
		},
	);
});

describe("capabilitiesOf: embedding models embed, whatever else their name says", () => {
	test.each<{ id: string; capabilities: Capability[] }>([
		{ id: "text-embedding-3-small", capabilities: ["embedding"] },
		{ id: "nomic-embed-text", capabilities: ["embedding"] },
		{ id: "BAAI/BGE-Embedding", capabilities: ["embedding"] },
		{ id: "qwen3-embedding-8b", capabilities: ["embedding"] },
		{ id: "openai/text-embedding-3-large", capabilities: ["embedding"] },
	])("$id → $capabilities", ({ id, capabilities }) => {
		expect(capabilitiesOf({ id })).toEqual(capabilities);
	});
});

describe("capabilitiesOf: speech-to-text models take audio, Ollama's `audio` capability", () => {
	test.each([
		{ id: "whisper-1" },
		{ id: "gpt-4o-transcribe" },
		{ id: "gpt-4o-mini-transcribe" },
		{ id: "openai/Whisper-Large-v3" },
		{ id: "Systran/faster-whisper-large-v3" },
	])("$id → [audio]", ({ id }) => {
		expect(capabilitiesOf({ id })).toEqual(["audio"]);
	});
});

describe("capabilitiesOf: models that are not text models have no capabilities, so they are not listed", () => {
	test.each([
		{ id: "tts-1-hd" },
		{ id: "gpt-4o-mini-tts" },
		{ id: "dall-e-3" },
		{ id: "gpt-image-1" },
		{ id: "omni-moderation-latest" },
		{ id: "davinci-002" },
		{ id: "babbage-002" },
		{ id: "gpt-4o-realtime-preview" },
		{ id: "gpt-4o-audio-preview" },
		{ id: "sora-2" },
		{ id: "gpt-5-search-api" },
	])("$id → []", ({ id }) => {
		expect(capabilitiesOf({ id })).toEqual([]);
	});
});

describe("capabilitiesOf: known families by name when the upstream publishes nothing", () => {
	test.each<{ id: string; capabilities: Capability[] }>([
		{ id: "gpt-4o", capabilities: ["completion", "tools", "vision"] },
		{ id: "gpt-4o-mini", capabilities: ["completion", "tools", "vision"] },
		{ id: "gpt-4.1-nano", capabilities: ["completion", "tools", "vision"] },
		{ id: "chatgpt-4o-latest", capabilities: ["completion", "tools", "vision"] },
		{ id: "gpt-5", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "openai/gpt-5-mini", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "o1", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "o3", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "o3-mini", capabilities: ["completion", "tools", "thinking"] },
		{ id: "o1-mini", capabilities: ["completion", "tools", "thinking"] },
		{ id: "gpt-3.5-turbo", capabilities: ["completion", "tools"] },
		{ id: "gpt-3.5-turbo-instruct", capabilities: ["completion", "insert"] },
		{ id: "gpt-4-turbo", capabilities: ["completion", "tools"] },
		{ id: "claude-3-opus", capabilities: ["completion", "tools", "vision"] },
		{ id: "claude-3-7-sonnet", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "anthropic/claude-sonnet-4", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "claude-haiku-4-5", capabilities: ["completion", "tools", "vision"] },
		{ id: "gemini-2.5-pro", capabilities: ["completion", "tools", "vision", "thinking"] },
		{ id: "gemini-2.0-flash", capabilities: ["completion", "tools", "vision"] },
		{ id: "deepseek-r1", capabilities: ["completion", "thinking"] },
		{ id: "deepseek-r1-0528", capabilities: ["completion", "tools", "thinking"] },
		{ id: "deepseek-reasoner", capabilities: ["completion", "tools", "thinking"] },
		{ id: "deepseek-chat", capabilities: ["completion", "tools"] },
		{ id: "deepseek-coder-v2", capabilities: ["completion", "tools", "insert"] },
		{ id: "Qwen/Qwen3-8B", capabilities: ["completion", "tools", "thinking"] },
		{ id: "qwen2.5-coder:7b", capabilities: ["completion", "tools", "insert"] },
		{ id: "qwen2.5-vl-7b", capabilities: ["completion", "tools", "vision"] },
		{ id: "qwq-32b", capabilities: ["completion", "tools", "thinking"] },
		{ id: "qwq-32b-preview", capabilities: ["completion", "thinking"] },
		{ id: "gpt-oss-120b", capabilities: ["completion", "tools", "thinking"] },
		{ id: "magistral-medium", capabilities: ["completion", "tools", "thinking"] },
		{ id: "codestral-latest", capabilities: ["completion", "tools", "insert"] },
		{ id: "starcoder2-15b", capabilities: ["completion", "tools", "insert"] },
		{ id: "granite-code:8b", capabilities: ["completion", "tools", "insert"] },
		// IBM's own ids put the size between the family and `code`.
		{ id: "ibm-granite/granite-8b-code-instruct-4k", capabilities: ["completion", "tools", "insert"] },
		{ id: "llava-1.6", capabilities: ["completion", "tools", "vision"] },
		{ id: "pixtral-12b", capabilities: ["completion", "tools", "vision"] },
		{ id: "gemma-3-27b-it", capabilities: ["completion", "tools", "vision"] },
		{ id: "meta-llama/llama-4-scout", capabilities: ["completion", "tools", "vision"] },
		{ id: "meta-llama/Llama-3.1-8B-Instruct", capabilities: ["completion", "tools"] },
		{ id: "mistral-large", capabilities: ["completion", "tools"] },
	])("$id → $capabilities", ({ id, capabilities }) => {
		expect(capabilitiesOf({ id })).toEqual(capabilities);
	});
});

describe("capabilitiesOf: what OpenRouter publishes wins over the name", () => {
	test.each<{ kind: string; model: UpstreamModel; capabilities: Capability[] }>([
		{
			kind: "supported_parameters with tools and reasoning",
			model: { id: "mistralai/mistral-large", supported_parameters: ["tools", "reasoning", "temperature"] },
			capabilities: ["completion", "tools", "thinking"],
		},
		{
			kind: "include_reasoning is thinking too",
			model: { id: "some/model", supported_parameters: ["include_reasoning"] },
			capabilities: ["completion", "thinking"],
		},
		{
			kind: "supported_parameters without tools: no tools, even for a name that has them",
			model: { id: "openai/gpt-4o", supported_parameters: ["temperature", "top_p"] },
			capabilities: ["completion", "vision"],
		},
		{
			kind: "supported_parameters without reasoning: no thinking, even for a thinking name",
			model: { id: "deepseek/deepseek-r1-0528", supported_parameters: ["tools"] },
			capabilities: ["completion", "tools"],
		},
		{
			kind: "an empty supported_parameters list publishes nothing the model can do",
			model: { id: "openai/o3", supported_parameters: [] },
			capabilities: ["completion", "vision"],
		},
		{
			kind: "input_modalities with image is vision",
			model: { id: "mistralai/mistral-large", architecture: { input_modalities: ["text", "image"] } },
			capabilities: ["completion", "tools", "vision"],
		},
		{
			kind: "input_modalities without image: no vision, even for a vision name",
			model: { id: "openai/gpt-4o", architecture: { input_modalities: ["text"] } },
			capabilities: ["completion", "tools"],
		},
		{
			kind: "an architecture without input_modalities falls back to the name",
			model: { id: "openai/gpt-4o", architecture: {} },
			capabilities: ["completion", "tools", "vision"],
		},
		{
			kind: "both published",
			model: {
				id: "qwen/qwen3-vl-235b",
				supported_parameters: ["tools", "reasoning"],
				architecture: { input_modalities: ["image", "text"] },
			},
			capabilities: ["completion", "tools", "vision", "thinking"],
		},
		{
			kind: "insert still comes from the name",
			model: {
				id: "mistralai/codestral-2508",
				supported_parameters: ["tools"],
				architecture: { input_modalities: ["text"] },
			},
			capabilities: ["completion", "tools", "insert"],
		},
		{
			kind: "an embedding model stays an embedding model",
			model: { id: "openai/text-embedding-3-small", supported_parameters: ["tools"] },
			capabilities: ["embedding"],
		},
		{
			kind: "a transcription model stays a transcription model",
			model: { id: "openai/whisper-1", supported_parameters: ["tools"], architecture: { input_modalities: ["audio"] } },
			capabilities: ["audio"],
		},
	])("$kind", ({ model, capabilities }) => {
		expect(capabilitiesOf(model)).toEqual(capabilities);
	});
});

describe("embeddingLengthOf: the vector length of known embedding models", () => {
	test.each<{ id: string; length: number | undefined }>([
		{ id: "text-embedding-3-large", length: 3072 },
		{ id: "text-embedding-3-small", length: 1536 },
		{ id: "text-embedding-ada-002", length: 1536 },
		{ id: "openai/text-embedding-3-small", length: 1536 },
		{ id: "nomic-embed-text:v1.5", length: 768 },
		{ id: "mxbai-embed-large", length: 1024 },
		{ id: "Text-Embedding-3-Large", length: 3072 },
		{ id: "BAAI/bge-m3", length: undefined },
		{ id: "gpt-4o", length: undefined },
	])("$id → $length", ({ id, length }) => {
		expect(embeddingLengthOf(id)).toBe(length);
	});
});

const FIRST_SEEN = new Date("2025-01-02T03:04:05.678Z");

describe("modelFacts: everything about one upstream model", () => {
	test.each<{ kind: string; model: UpstreamModel; facts: ModelFacts }>([
		{
			kind: "an OpenAI model with `created`",
			model: { id: "gpt-4o", created: 1_715_558_400, owned_by: "system" },
			facts: {
				name: "gpt-4o:latest",
				id: "gpt-4o",
				family: "gpt",
				contextLength: 128_000,
				capabilities: ["completion", "tools", "vision"],
				modifiedAt: new Date("2024-05-13T00:00:00Z"),
			},
		},
		{
			kind: "a model without `created` takes the first-seen time",
			model: { id: "org/custom-model", max_model_len: 32_768 },
			facts: {
				name: "org/custom-model:latest",
				id: "org/custom-model",
				family: "custom",
				contextLength: 32_768,
				capabilities: ["completion", "tools"],
				modifiedAt: FIRST_SEEN,
			},
		},
		{
			kind: "an embedding model with an unknown length takes the default",
			model: { id: "nomic-embed-text:v1.5" },
			facts: {
				name: "nomic-embed-text:v1.5",
				id: "nomic-embed-text:v1.5",
				family: "nomic",
				contextLength: FALLBACK,
				capabilities: ["embedding"],
				modifiedAt: FIRST_SEEN,
			},
		},
		{
			kind: "OpenRouter's published capabilities",
			model: {
				id: "deepseek/deepseek-r1",
				created: 1_737_381_095,
				context_length: 163_840,
				supported_parameters: ["reasoning", "include_reasoning", "tools"],
				architecture: { input_modalities: ["text"] },
			},
			facts: {
				name: "deepseek/deepseek-r1:latest",
				id: "deepseek/deepseek-r1",
				family: "deepseek",
				contextLength: 163_840,
				capabilities: ["completion", "tools", "thinking"],
				modifiedAt: new Date(1_737_381_095_000),
			},
		},
		{
			kind: "a transcription model takes audio",
			model: { id: "whisper-1", created: 1_677_532_384 },
			facts: {
				name: "whisper-1:latest",
				id: "whisper-1",
				family: "whisper",
				contextLength: FALLBACK,
				capabilities: ["audio"],
				modifiedAt: new Date(1_677_532_384_000),
			},
		},
	])("$kind", ({ model, facts }) => {
		expect(modelFacts(model, { defaultContextLength: FALLBACK, firstSeen: FIRST_SEEN })).toEqual(facts);
	});
});

const GPT_4O: ModelFacts = {
	name: "gpt-4o:latest",
	id: "gpt-4o",
	family: "gpt",
	contextLength: 128_000,
	capabilities: ["completion", "tools"],
	modifiedAt: new Date("2024-05-13T00:00:00.000Z"),
};

const EMBEDDING: ModelFacts = {
	name: "text-embedding-3-small:latest",
	id: "text-embedding-3-small",
	family: "text",
	contextLength: 8_191,
	capabilities: ["embedding"],
	modifiedAt: new Date("2024-01-25T18:30:15.250Z"),
};

describe("modelDetails: the `details` object, every key present", () => {
	test.each([
		{
			facts: GPT_4O,
			details:
				'{"parent_model":"","format":"","family":"gpt","families":["gpt"],"parameter_size":"","quantization_level":""}',
		},
		{
			facts: EMBEDDING,
			details:
				'{"parent_model":"","format":"","family":"text","families":["text"],"parameter_size":"","quantization_level":""}',
		},
	])("$facts.name", ({ facts, details }) => {
		expect(JSON.stringify(modelDetails(facts))).toBe(details);
	});
});

describe("tagsEntry: one `/api/tags` model, keys in Ollama's order", () => {
	test.each([
		{
			facts: GPT_4O,
			entry:
				'{"name":"gpt-4o:latest","model":"gpt-4o:latest","modified_at":"2024-05-13T00:00:00Z","size":0,' +
				'"digest":"a2a69af70d1b9be70f1abf8218492c5e65aea34285462bd65757cd6f44a7c10e",' +
				'"details":{"parent_model":"","format":"","family":"gpt","families":["gpt"],"parameter_size":"","quantization_level":"",' +
				'"context_length":128000},"capabilities":["completion","tools"]}',
		},
		{
			facts: EMBEDDING,
			entry:
				'{"name":"text-embedding-3-small:latest","model":"text-embedding-3-small:latest",' +
				'"modified_at":"2024-01-25T18:30:15.25Z","size":0,' +
				'"digest":"31a7134a5bdc1c09eb1876abc2c66608b099a1db748c6fc9edfd94aeffa1d1bc",' +
				'"details":{"parent_model":"","format":"","family":"text","families":["text"],"parameter_size":"","quantization_level":"",' +
				'"context_length":8191,"embedding_length":1536},"capabilities":["embedding"]}',
		},
	])("$facts.name", ({ facts, entry }) => {
		expect(JSON.stringify(tagsEntry(facts))).toBe(entry);
	});
});

describe("listedForChat: a transcription-only model is reachable by name but not listed", () => {
	test.each([
		{ capabilities: ["completion", "tools"], listed: true },
		{ capabilities: ["embedding"], listed: true },
		{ capabilities: ["completion", "audio"], listed: true },
		// A configured alias without capabilities was listed before transcription models had one: it stays listed.
		{ capabilities: [], listed: true },
		{ capabilities: ["audio"], listed: false },
	] as { capabilities: Capability[]; listed: boolean }[])("$capabilities → $listed", ({ capabilities, listed }) => {
		expect(listedForChat({ capabilities })).toBe(listed);
	});
});

const CODESTRAL: ModelFacts = {
	name: "codestral-latest:latest",
	id: "codestral-latest",
	family: "codestral",
	contextLength: 256_000,
	capabilities: ["completion", "tools", "insert"],
	modifiedAt: new Date("2025-07-30T00:00:00.000Z"),
};

const BGE: ModelFacts = {
	name: "BAAI/bge-m3:latest",
	id: "BAAI/bge-m3",
	family: "bge",
	contextLength: 8_192,
	capabilities: ["embedding"],
	modifiedAt: new Date("2025-07-30T00:00:00.000Z"),
};

describe("showResponse: the `/api/show` body", () => {
	const TEMPLATE = "{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}";
	// Continue offers fill-in-the-middle only for a template that mentions `.Suffix`.
	const INSERT_TEMPLATE =
		"{{ if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ else }}" +
		"{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}{{ end }}";

	test.each([
		{
			facts: GPT_4O,
			body: {
				modelfile:
					'# Modelfile generated by "ollama show"\n' +
					"# To build a new Modelfile based on this, replace FROM with:\n" +
					"# FROM gpt-4o:latest\n" +
					"\n" +
					"FROM gpt-4o:latest\n" +
					`TEMPLATE """${TEMPLATE}"""\n` +
					"PARAMETER num_ctx 128000\n",
				parameters: "num_ctx                        128000",
				template: TEMPLATE,
				details: {
					parent_model: "",
					format: "",
					family: "gpt",
					families: ["gpt"],
					parameter_size: "",
					quantization_level: "",
				},
				model_info: {
					"general.architecture": "gpt",
					"general.basename": "gpt-4o",
					"gpt.context_length": 128_000,
				},
				capabilities: ["completion", "tools"],
				modified_at: "2024-05-13T00:00:00Z",
			},
		},
		{
			facts: EMBEDDING,
			body: {
				modelfile:
					'# Modelfile generated by "ollama show"\n' +
					"# To build a new Modelfile based on this, replace FROM with:\n" +
					"# FROM text-embedding-3-small:latest\n" +
					"\n" +
					"FROM text-embedding-3-small:latest\n" +
					`TEMPLATE """${TEMPLATE}"""\n` +
					"PARAMETER num_ctx 8191\n",
				parameters: "num_ctx                        8191",
				template: TEMPLATE,
				details: {
					parent_model: "",
					format: "",
					family: "text",
					families: ["text"],
					parameter_size: "",
					quantization_level: "",
				},
				model_info: {
					"general.architecture": "text",
					"general.basename": "text-embedding-3-small",
					"text.context_length": 8_191,
					"text.embedding_length": 1_536,
				},
				capabilities: ["embedding"],
				modified_at: "2024-01-25T18:30:15.25Z",
			},
		},
		{
			facts: CODESTRAL,
			body: {
				modelfile:
					'# Modelfile generated by "ollama show"\n' +
					"# To build a new Modelfile based on this, replace FROM with:\n" +
					"# FROM codestral-latest:latest\n" +
					"\n" +
					"FROM codestral-latest:latest\n" +
					`TEMPLATE """${INSERT_TEMPLATE}"""\n` +
					"PARAMETER num_ctx 256000\n",
				parameters: "num_ctx                        256000",
				template: INSERT_TEMPLATE,
				details: {
					parent_model: "",
					format: "",
					family: "codestral",
					families: ["codestral"],
					parameter_size: "",
					quantization_level: "",
				},
				model_info: {
					"general.architecture": "codestral",
					"general.basename": "codestral-latest",
					"codestral.context_length": 256_000,
				},
				capabilities: ["completion", "tools", "insert"],
				modified_at: "2025-07-30T00:00:00Z",
			},
		},
		{
			facts: BGE,
			body: {
				modelfile:
					'# Modelfile generated by "ollama show"\n' +
					"# To build a new Modelfile based on this, replace FROM with:\n" +
					"# FROM BAAI/bge-m3:latest\n" +
					"\n" +
					"FROM BAAI/bge-m3:latest\n" +
					`TEMPLATE """${TEMPLATE}"""\n` +
					"PARAMETER num_ctx 8192\n",
				parameters: "num_ctx                        8192",
				template: TEMPLATE,
				details: {
					parent_model: "",
					format: "",
					family: "bge",
					families: ["bge"],
					parameter_size: "",
					quantization_level: "",
				},
				model_info: {
					"general.architecture": "bge",
					"general.basename": "BAAI/bge-m3",
					"bge.context_length": 8_192,
				},
				capabilities: ["embedding"],
				modified_at: "2025-07-30T00:00:00Z",
			},
		},
	])("$facts.name", ({ facts, body }) => {
		expect(JSON.stringify(showResponse(facts))).toBe(JSON.stringify(body));
	});

	test.each([
		{ facts: GPT_4O, suffix: false },
		{ facts: EMBEDDING, suffix: false },
		{ facts: CODESTRAL, suffix: true },
	])("$facts.name: the template mentions .Suffix only for a model that can insert: $suffix", ({ facts, suffix }) => {
		expect(showResponse(facts).template.includes("{{ .Suffix }}")).toBe(suffix);
	});

	test("`parameters` is Go's `%-30s %#v`, which Continue's regex reads back", () => {
		const match = /^(\S+)\s+((?:".*")|\S+)$/.exec(showResponse(GPT_4O).parameters);
		expect(match?.slice(1)).toEqual(["num_ctx", "128000"]);
		expect(showResponse(GPT_4O).parameters.indexOf("128000")).toBe(31);
	});
});

describe("runningEntry: a real Ollama's /api/ps entry under its upstream's prefix", () => {
	test.each<[string, Record<string, unknown> & { name: string }, string, Record<string, unknown>]>([
		[
			"no prefix: as it came",
			{ name: "llama3.2:latest", model: "llama3.2:latest", size: 1 },
			"",
			{ name: "llama3.2:latest", model: "llama3.2:latest", size: 1 },
		],
		[
			"a prefix on name and model",
			{ name: "qwen3:8b", model: "qwen3:8b" },
			"gpu/",
			{ name: "gpu/qwen3:8b", model: "gpu/qwen3:8b" },
		],
		["an untagged name gets :latest", { name: "phi4" }, "", { name: "phi4:latest" }],
		["a model field that is not a name is left", { name: "phi4", model: 7 }, "", { name: "phi4:latest", model: 7 }],
	])("%s", (_, entry, prefix, expected) => {
		expect(runningEntry(entry, prefix)).toEqual(expected);
	});
});
