import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { stable, startProxy, type TestProxy } from "../support/proxy.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;
let proxy: TestProxy;
let ollama: Ollama;

beforeAll(async () => {
	upstream = await startTestUpstream();
	proxy = await startProxy(upstream.url);
	ollama = new Ollama({ host: proxy.url });
});
afterAll(() => {
	proxy.stop();
	upstream.stop();
});

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");

describe("probes", () => {
	test("GET / says Ollama is running", async () => {
		const res = await fetch(`${proxy.url}/`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
		expect(await res.text()).toBe("Ollama is running");
	});

	test.each(["/", "/api/version", "/api/tags"])("HEAD %s is 200 with no body", async (path) => {
		const res = await fetch(proxy.url + path, { method: "HEAD" });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("");
	});

	test("GET /api/version is a plain X.Y.Z that Copilot accepts (>= 0.6.4)", async () => {
		const res = await fetch(`${proxy.url}/api/version`);
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(await res.text()).toBe('{"version":"0.33.0"}');
		expect((await ollama.version()).version).toBe("0.33.0");
	});

	test("GET /health names the proxy's version from package.json", async () => {
		const pkg = await Bun.file(`${import.meta.dir}/../../package.json`).json();
		expect(await (await fetch(`${proxy.url}/health`)).json()).toEqual({ status: "healthy", version: pkg.version });
	});

	test("unknown routes are 404 and wrong methods 405, both with a JSON error", async () => {
		const missing = await fetch(`${proxy.url}/nope`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ error: "404 page not found" });
		const wrong = await fetch(`${proxy.url}/api/chat`);
		expect(wrong.status).toBe(405);
		expect(await wrong.json()).toEqual({ error: "405 method not allowed" });
	});

	test("a sane x-request-id is echoed; an odd one is replaced", async () => {
		const echoed = await fetch(`${proxy.url}/api/version`, { headers: { "x-request-id": "abc-123" } });
		expect(echoed.headers.get("x-request-id")).toBe("abc-123");
		const replaced = await fetch(`${proxy.url}/api/version`, { headers: { "x-request-id": "<script>" } });
		expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
	});

	test("the OpenAPI spec lists every Ollama route, and /swagger serves the docs page", async () => {
		const spec = (await (await fetch(`${proxy.url}/swagger/json`)).json()) as {
			openapi: string;
			paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema?: unknown }> } }>>;
		};
		expect(spec.openapi).toBe("3.1.2");
		for (const path of [
			"/api/chat",
			"/api/generate",
			"/api/embed",
			"/api/embeddings",
			"/api/tags",
			"/api/show",
			"/api/pull",
		]) {
			expect(Object.keys(spec.paths)).toContain(path);
		}
		expect(spec.paths["/api/chat"]?.post?.requestBody.content["application/json"]?.schema).toMatchObject({
			type: "object",
			required: ["model"],
		});
		const page = await fetch(`${proxy.url}/swagger`);
		expect(page.status).toBe(200);
		expect(page.headers.get("content-type")).toContain("text/html");
	});
});

describe("GET /api/tags", () => {
	test("every upstream model under a tagged name, newest first, with a stable digest and full details", async () => {
		const res = await fetch(`${proxy.url}/api/tags`);
		expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(await res.json()).toEqual({
			models: [
				{
					name: "gpt-4o:latest",
					model: "gpt-4o:latest",
					modified_at: "2024-05-10T18:50:49Z",
					size: 0,
					digest: sha256("gpt-4o"),
					details: {
						parent_model: "",
						format: "",
						family: "gpt",
						families: ["gpt"],
						parameter_size: "",
						quantization_level: "",
						context_length: 128000,
					},
					capabilities: ["completion", "tools", "vision"],
				},
				{
					name: "text-embedding-3-small:latest",
					model: "text-embedding-3-small:latest",
					modified_at: "2024-01-22T18:43:17Z",
					size: 0,
					digest: sha256("text-embedding-3-small"),
					details: {
						parent_model: "",
						format: "",
						family: "text",
						families: ["text"],
						parameter_size: "",
						quantization_level: "",
						context_length: 8191,
						embedding_length: 1536,
					},
					capabilities: ["embedding"],
				},
				{
					name: "meta-llama/Llama-3.1-8B-Instruct:latest",
					model: "meta-llama/Llama-3.1-8B-Instruct:latest",
					modified_at: "2023-11-14T22:13:20Z",
					size: 0,
					digest: sha256("meta-llama/Llama-3.1-8B-Instruct"),
					details: {
						parent_model: "",
						format: "",
						family: "llama",
						families: ["llama"],
						parameter_size: "",
						quantization_level: "",
						context_length: 65536,
					},
					capabilities: ["completion", "tools"],
				},
			],
		});
	});

	test("the model list is cached: many calls, one upstream request", async () => {
		const before = upstream.countOf("/v1/models");
		await Promise.all([1, 2, 3].map(() => ollama.list()));
		expect(upstream.countOf("/v1/models") - before).toBeLessThanOrEqual(1);
	});
});

describe("POST /api/show", () => {
	const gpt4o = {
		modelfile:
			'# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM gpt-4o:latest\n\nFROM gpt-4o:latest\nTEMPLATE """{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}"""\nPARAMETER num_ctx 128000\n',
		parameters: "num_ctx                        128000",
		template: "{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}",
		details: {
			parent_model: "",
			format: "",
			family: "gpt",
			families: ["gpt"],
			parameter_size: "",
			quantization_level: "",
		},
		model_info: { "general.architecture": "gpt", "general.basename": "gpt-4o", "gpt.context_length": 128000 },
		capabilities: ["completion", "tools", "vision"],
		modified_at: "2024-05-10T18:50:49Z",
	};

	test.each([{ model: "gpt-4o" }, { name: "gpt-4o" }, { model: "GPT-4o:latest" }])(
		"%j → the model's facts",
		async (body) => {
			const res = await proxy.post("/api/show", body);
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual(gpt4o);
		},
	);

	test("the context length an upstream publishes wins (vLLM max_model_len)", async () => {
		const show = await ollama.show({ model: "meta-llama/Llama-3.1-8B-Instruct" });
		expect(show.model_info).toEqual({
			"general.architecture": "llama",
			"general.basename": "meta-llama/Llama-3.1-8B-Instruct",
			"llama.context_length": 65536,
		} as never);
		expect(show.parameters).toBe("num_ctx                        65536");
	});

	test("embedding models say so, with their vector length", async () => {
		const show = await ollama.show({ model: "text-embedding-3-small" });
		expect(show.capabilities).toEqual(["embedding"]);
		expect(show.model_info).toEqual({
			"general.architecture": "text",
			"general.basename": "text-embedding-3-small",
			"text.context_length": 8191,
			"text.embedding_length": 1536,
		} as never);
	});

	test("no model is 400, an unknown one 404 with the normalised name", async () => {
		const none = await proxy.post("/api/show", {});
		expect(none.status).toBe(400);
		expect(await none.json()).toEqual({ error: "model is required" });
		const unknown = await proxy.post("/api/show", { model: "no-such-model" });
		expect(unknown.status).toBe(404);
		expect(unknown.headers.get("content-type")).toBe("application/json; charset=utf-8");
		expect(await unknown.json()).toEqual({ error: "model 'no-such-model:latest' not found" });
	});
});

describe("GET /api/ps", () => {
	test("no model is ever loaded in the proxy", async () => {
		expect(await (await fetch(`${proxy.url}/api/ps`)).json()).toEqual({ models: [] });
		expect((await ollama.ps()).models).toEqual([]);
	});
});

describe("POST /api/pull", () => {
	test("a served model: progress lines ending in success (ollama client sends `name`)", async () => {
		const res = await proxy.post("/api/pull", { name: "gpt-4o" });
		expect(res.headers.get("content-type")).toBe("application/x-ndjson");
		expect(await res.text()).toBe(
			'{"status":"pulling manifest"}\n{"status":"verifying sha256 digest"}\n{"status":"writing manifest"}\n{"status":"success"}\n',
		);
		const statuses: string[] = [];
		for await (const part of await ollama.pull({ model: "gpt-4o", stream: true })) statuses.push(part.status);
		expect(statuses.at(-1)).toBe("success");
		expect(await ollama.pull({ model: "gpt-4o" })).toEqual({ status: "success" } as never);
	});

	test("a model the upstream does not serve is a 404", async () => {
		const res = await proxy.post("/api/pull", { model: "llama9" });
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual({ error: "model 'llama9:latest' not found" });
	});
});

describe("model management this proxy cannot do", () => {
	test.each([
		["POST", "/api/push", "pushing a model"],
		["POST", "/api/create", "creating a model"],
		["POST", "/api/copy", "copying a model"],
		["DELETE", "/api/delete", "deleting a model"],
		["POST", "/api/blobs/sha256:abc", "uploading blobs"],
	])("%s %s → 400 with a clear error", async (method, path, what) => {
		const res = await fetch(proxy.url + path, { method, body: '{"model":"x"}' });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: `${what} is not supported: ollama-proxy serves models from a remote OpenAI-compatible API and stores none`,
		});
	});
});

test("timestamps are stable RFC3339 strings", () => {
	expect(stable('{"created_at":"2024-01-01T00:00:00.5Z"}')).toBe('{"created_at":"T"}');
});
