import { describe, expect, test } from "bun:test";
import type { Capability } from "../../src/schemas/ollama-responses.ts";
import type { UpstreamModel } from "../../src/schemas/upstream-models.ts";
import {
	capabilitiesOf,
	contextLengthOf,
	familyOf,
	type ModelFacts,
	modelDetails,
	modelFacts,
	showResponse,
	tagsEntry,
} from "../../src/translate/model-metadata.ts";

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

describe("capabilitiesOf: embedding models embed, every other model chats with tools", () => {
	test.each<{ id: string; capabilities: Capability[] }>([
		{ id: "text-embedding-3-small", capabilities: ["embedding"] },
		{ id: "nomic-embed-text", capabilities: ["embedding"] },
		{ id: "BAAI/BGE-Embedding", capabilities: ["embedding"] },
		{ id: "gpt-4o", capabilities: ["completion", "tools"] },
		{ id: "claude-3-opus", capabilities: ["completion", "tools"] },
	])("$id → $capabilities", ({ id, capabilities }) => {
		expect(capabilitiesOf(id)).toEqual(capabilities);
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
				capabilities: ["completion", "tools"],
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
				'"details":{"parent_model":"","format":"","family":"gpt","families":["gpt"],"parameter_size":"","quantization_level":""}}',
		},
		{
			facts: EMBEDDING,
			entry:
				'{"name":"text-embedding-3-small:latest","model":"text-embedding-3-small:latest",' +
				'"modified_at":"2024-01-25T18:30:15.25Z","size":0,' +
				'"digest":"31a7134a5bdc1c09eb1876abc2c66608b099a1db748c6fc9edfd94aeffa1d1bc",' +
				'"details":{"parent_model":"","format":"","family":"text","families":["text"],"parameter_size":"","quantization_level":""}}',
		},
	])("$facts.name", ({ facts, entry }) => {
		expect(JSON.stringify(tagsEntry(facts))).toBe(entry);
	});
});

describe("showResponse: the `/api/show` body", () => {
	const TEMPLATE = "{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}";

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
				},
				capabilities: ["embedding"],
				modified_at: "2024-01-25T18:30:15.25Z",
			},
		},
	])("$facts.name", ({ facts, body }) => {
		expect(JSON.stringify(showResponse(facts))).toBe(JSON.stringify(body));
	});

	test("`parameters` is Go's `%-30s %#v`, which Continue's regex reads back", () => {
		const match = /^(\S+)\s+((?:".*")|\S+)$/.exec(showResponse(GPT_4O).parameters);
		expect(match?.slice(1)).toEqual(["num_ctx", "128000"]);
		expect(showResponse(GPT_4O).parameters.indexOf("128000")).toBe(31);
	});
});
