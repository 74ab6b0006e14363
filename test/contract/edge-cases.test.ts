/** Edge cases found in review: each test pins one behaviour that was once wrong. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOllama } from "../support/fake-ollama.ts";
import { startProxy, startProxyWithConfig, type TestProxy } from "../support/proxy.ts";
import { chatJson, chunk, completionJson, startTestUpstream, type TestUpstream } from "../support/upstream.ts";

let upstream: TestUpstream;

beforeAll(async () => {
	upstream = await startTestUpstream();
});
afterAll(() => upstream.stop());

async function withProxy(yaml: string, run: (proxy: TestProxy) => Promise<void>, env: Record<string, string> = {}) {
	const proxy = await startProxyWithConfig(yaml, env);
	try {
		await run(proxy);
	} finally {
		proxy.stop();
	}
}

const hello = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };

describe("limits", () => {
	test("a non-streamed relay may take longer than connect_ms: its headers come with the whole answer", async () => {
		const slow = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			async fetch(request) {
				if (new URL(request.url).pathname.endsWith("/models")) return Response.json({ data: [{ id: "gpt-4o" }] });
				await Bun.sleep(300);
				return Response.json(chatJson("late"));
			},
		});
		try {
			await withProxy(
				`upstreams:\n  - name: s\n    base_url: http://127.0.0.1:${slow.port}/v1\n    timeouts: { connect_ms: 200, first_byte_ms: 1000 }\n    retries: { max: 0 }\n`,
				async (proxy) => {
					const res = await proxy.post("/v1/chat/completions", { model: "gpt-4o", messages: [] });
					expect(res.status).toBe(200);
					expect(
						((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
					).toBe("late");
				},
			);
		} finally {
			slow.stop(true);
		}
	});

	test("an upstream whose model list never answers is asked once, not on every request", async () => {
		let asked = 0;
		const dead = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: async () => {
				asked++;
				await Bun.sleep(5_000);
				return new Response("late");
			},
		});
		try {
			await withProxy(
				`upstreams:\n  - name: good\n    base_url: ${upstream.url}\n  - name: dead\n    base_url: http://127.0.0.1:${dead.port}/v1\n    timeouts: { connect_ms: 100, first_byte_ms: 100 }\n`,
				async (proxy) => {
					for (let i = 0; i < 5; i++)
						expect((await proxy.post("/api/chat", { ...hello, stream: false })).status).toBe(200);
					expect(asked).toBe(1);
				},
			);
		} finally {
			dead.stop(true);
		}
	});
});

describe("when the only upstream cannot list its models", () => {
	test("names pass through within its filters, and never become metrics labels", async () => {
		const listless = await startTestUpstream();
		const proxy = await startProxy(listless.url, { UPSTREAM_RETRIES: "0" });
		try {
			for (let i = 0; i < 3; i++)
				listless.enqueue("models", { kind: "json", status: 404, body: { error: { message: "no list" } } });
			const res = await proxy.post("/api/chat", { ...hello, model: "made-up-1", stream: false });
			expect(res.status).toBe(200);
			expect(listless.lastBody().model).toBe("made-up-1");
			const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
			expect(metrics).toContain('model="passthrough"');
			expect(metrics).not.toContain("made-up-1");
		} finally {
			proxy.stop();
			listless.stop();
		}
	});
});

describe("upstream requests", () => {
	test("an Authorization header set in the configuration is sent, not dropped for want of an api_key", async () => {
		await withProxy(
			`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n    headers: { Authorization: "Basic Z2F0ZTp3YXk=", X-Team: blue }\n`,
			async (proxy) => {
				await (await proxy.post("/api/chat", { ...hello, stream: false })).text();
				const sent = upstream.requests.findLast((r) => r.path === "/v1/chat/completions");
				expect(sent?.headers.get("authorization")).toBe("Basic Z2F0ZTp3YXk=");
				expect(sent?.headers.get("x-team")).toBe("blue");
			},
		);
	});

	test("a 404 that is not about the model is not reported as a missing model", async () => {
		await withProxy(
			`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n    retries: { max: 0 }\n`,
			async (proxy) => {
				upstream.enqueue("chat", {
					kind: "json",
					status: 404,
					body: { error: { message: "Not Found: /v1/chat/completions" } },
				});
				const res = await proxy.post("/api/chat", hello);
				expect(res.status).toBe(502);
				expect(await res.json()).toEqual({
					error: "upstream has no such endpoint (HTTP 404): Not Found: /v1/chat/completions",
				});
			},
		);
	});
});

describe("client input", () => {
	test("a model path with broken percent-encoding is a 404, not a crash", async () => {
		await withProxy(`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n`, async (proxy) => {
			const res = await fetch(`${proxy.url}/v1/models/%E0%A4%A`);
			expect(res.status).toBe(404);
		});
	});

	test("DELETE /api/delete without a body gets the clear refusal", async () => {
		await withProxy(`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n`, async (proxy) => {
			const res = await fetch(`${proxy.url}/api/delete`, { method: "DELETE" });
			expect(res.status).toBe(400);
			expect(((await res.json()) as { error: string }).error).toStartWith("deleting a model is not supported");
		});
	});

	test("a CORS preflight gets the headers it asks for, such as the OpenAI SDK's own", async () => {
		await withProxy(
			`upstreams:\n  - name: g\n    base_url: ${upstream.url}\ncors:\n  origins: ["http://app.test"]\n`,
			async (proxy) => {
				const res = await fetch(`${proxy.url}/v1/chat/completions`, {
					method: "OPTIONS",
					headers: {
						origin: "http://app.test",
						"access-control-request-method": "POST",
						"access-control-request-headers": "content-type, x-stainless-os, openai-beta",
					},
				});
				expect(res.status).toBe(204);
				expect(res.headers.get("access-control-allow-headers")).toBe("content-type, x-stainless-os, openai-beta");
			},
		);
	});
});

describe("inbound keys and fallbacks", () => {
	test("a fallback the key may not use is skipped", async () => {
		const failing = await startTestUpstream({
			models: [{ id: "cheap-a", object: "model", created: 1, owned_by: "x" }],
			behaviors: { "cheap-a": () => ({ kind: "json", status: 503, body: { error: { message: "down" } } }) },
		});
		try {
			await withProxy(
				`upstreams:\n  - name: cheap\n    base_url: ${failing.url}\n    retries: { max: 0 }\n  - name: big\n    base_url: ${upstream.url}\n    include: ["gpt-4o"]\nmodels:\n  - name: cheap-a\n    fallbacks: [gpt-4o]\nkeys:\n  - key: "cheap-only-key-0123456789"\n    models: ["cheap-*"]\n`,
				async (proxy) => {
					const before = upstream.countOf("/v1/chat/completions");
					const res = await proxy.post(
						"/api/chat",
						{ ...hello, model: "cheap-a", stream: false },
						{ headers: { authorization: "Bearer cheap-only-key-0123456789" } },
					);
					expect(res.status).toBe(502);
					expect(upstream.countOf("/v1/chat/completions")).toBe(before);
				},
			);
		} finally {
			failing.stop();
		}
	});
});

describe("an upstream that ignores stream: true", () => {
	test("its whole JSON answer is read as a one-chunk stream, for chat and for fill-in-the-middle", async () => {
		const coder = await startTestUpstream({
			models: [{ id: "qwen2.5-coder-7b", object: "model", created: 1, owned_by: "x" }],
		});
		const proxy = await startProxy(coder.url, { UPSTREAM_RETRIES: "0" });
		try {
			coder.enqueue("chat", { kind: "json", body: chatJson("whole answer") });
			const lines = (await (await proxy.post("/api/chat", { ...hello, model: "qwen2.5-coder-7b" })).text())
				.trim()
				.split("\n")
				.map((l) => JSON.parse(l));
			expect(lines.map((l) => l.message.content)).toEqual(["whole answer", ""]);
			expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 7, eval_count: 2 });

			coder.enqueue("completions", { kind: "json", body: completionJson("middle") });
			const fim = (await (
				await proxy.post("/api/generate", { model: "qwen2.5-coder-7b", prompt: "a", suffix: "b", stream: false })
			).json()) as { response: string; done: boolean };
			expect(fim).toMatchObject({ response: "middle", done: true });
		} finally {
			proxy.stop();
			coder.stop();
		}
	});
});

describe("a real Ollama upstream with a key", () => {
	test("its native API gets the key as a bearer token too", async () => {
		const local = startFakeOllama();
		try {
			await withProxy(
				`upstreams:\n  - name: local\n    kind: ollama\n    base_url: ${local.url}\n    api_key: ollama-key-0123456789\n`,
				async (proxy) => {
					await (
						await proxy.post("/api/chat", { model: "llama3.2", messages: [{ role: "user", content: "hi" }] })
					).text();
					expect(local.requests.map((r) => [r.path, r.headers.get("authorization")])).toEqual([
						["/api/tags", "Bearer ollama-key-0123456789"],
						["/api/chat", "Bearer ollama-key-0123456789"],
					]);
				},
			);
		} finally {
			local.stop();
		}
	});
});

describe("relayed answers that go quiet", () => {
	test("a /v1 stream ends with an SSE error event after idle_ms, which the OpenAI SDK raises", async () => {
		await withProxy(
			`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n    timeouts: { idle_ms: 200 }\n    retries: { max: 0 }\n`,
			async (proxy) => {
				upstream.enqueue("chat", { kind: "stream", chunks: [chunk({ content: "par" })], end: "hang" });
				const text = await (
					await proxy.post("/v1/chat/completions", { model: "gpt-4o", messages: [], stream: true })
				).text();
				expect(
					text.endsWith(
						'data: {"error":{"message":"upstream went quiet for 200 ms","type":"api_error","param":null,"code":null}}\n\n',
					),
				).toBe(true);
				expect(text).toContain('"par"');
			},
		);
	});

	test("a real Ollama's NDJSON stream ends with an error line after idle_ms", async () => {
		const local = startFakeOllama();
		try {
			await withProxy(
				`upstreams:\n  - name: local\n    kind: ollama\n    base_url: ${local.url}\n    timeouts: { idle_ms: 200 }\n`,
				async (proxy) => {
					const body = { model: "llama3.2", messages: [{ role: "user", content: "hi" }], options: { hang: true } };
					const lines = (await (await proxy.post("/api/chat", body)).text())
						.trim()
						.split("\n")
						.map((l) => JSON.parse(l));
					expect(lines).toEqual([
						expect.objectContaining({ message: { role: "assistant", content: "local" }, done: false }),
						{ error: "upstream went quiet for 200 ms" },
					]);
				},
			);
		} finally {
			local.stop();
		}
	});
});

describe("failures found in the last review", () => {
	test("Azure's DeploymentNotFound is Ollama's model-not-found", async () => {
		await withProxy(
			`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n    retries: { max: 0 }\n`,
			async (proxy) => {
				upstream.enqueue("chat", {
					kind: "json",
					status: 404,
					body: {
						error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." },
					},
				});
				const res = await proxy.post("/api/chat", hello);
				expect(res.status).toBe(404);
				expect(await res.json()).toEqual({ error: "model 'gpt-4o' not found" });
			},
		);
	});

	test("a whole answer with several tool calls without ids keeps them apart", async () => {
		await withProxy(`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n`, async (proxy) => {
			const call = (a: number) => ({ type: "function", function: { name: "get", arguments: JSON.stringify({ a }) } });
			const whole = chatJson("");
			whole.choices[0] = {
				...whole.choices[0],
				message: { role: "assistant", content: "", tool_calls: [call(1), call(2)] },
			} as never;
			upstream.enqueue("chat", { kind: "json", body: whole });
			const reply = (await (await proxy.post("/api/chat", { ...hello, stream: false })).json()) as {
				message: { tool_calls: { function: { arguments: unknown } }[] };
			};
			expect(reply.message.tool_calls.map((c) => c.function.arguments)).toEqual([{ a: 1 }, { a: 2 }]);
		});
	});

	test("an error in the first event is an upstream failure before the first byte: a real status, counted", async () => {
		await withProxy(`upstreams:\n  - name: g\n    base_url: ${upstream.url}\n`, async (proxy) => {
			upstream.enqueue("chat", { kind: "stream", chunks: ['data: {"error":{"message":"nope"}}\n\n'] });
			const res = await proxy.post("/api/chat", hello);
			expect(res.status).toBe(502);
			expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
			expect(await res.json()).toEqual({ error: "upstream error: nope" });
			const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
			expect(metrics).toContain('ollama_proxy_upstream_errors_total{upstream="g",kind="stream"} 1');
		});
	});
});
