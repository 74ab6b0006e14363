/**
 * A stand-in for a real local Ollama, for the passthrough upstream: its `/api/tags` entries, an NDJSON `/api/chat`
 * and a few other native routes. It records every request so tests can check what went through unchanged.
 */
import type { Recorded } from "./upstream.ts";

export const LOCAL_TAGS_ENTRY = {
	name: "llama3.2:latest",
	model: "llama3.2:latest",
	modified_at: "2025-05-04T17:37:44.706015396-07:00",
	size: 2019393189,
	digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
	details: {
		parent_model: "",
		format: "gguf",
		family: "llama",
		families: ["llama"],
		parameter_size: "3.2B",
		quantization_level: "Q4_K_M",
	},
};

/** What the stand-in says it has loaded (`/api/ps`). */
export const LOCAL_PS_ENTRY = {
	name: "llama3.2:latest",
	model: "llama3.2:latest",
	size: 3_500_000_000,
	digest: LOCAL_TAGS_ENTRY.digest,
	details: LOCAL_TAGS_ENTRY.details,
	expires_at: "2025-05-04T17:42:44.706015396-07:00",
	size_vram: 3_500_000_000,
	context_length: 4096,
};

export const LOCAL_CHAT_BODY =
	'{"model":"llama3.2:latest","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":"local"},"done":false}\n' +
	'{"model":"llama3.2:latest","created_at":"2025-10-26T17:21:21.296249Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":5,"load_duration":1,"prompt_eval_count":3,"prompt_eval_duration":1,"eval_count":1,"eval_duration":2}\n';

export function startFakeOllama() {
	const requests: Recorded[] = [];
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		async fetch(request) {
			const { pathname } = new URL(request.url);
			const text = request.method === "GET" ? "" : await request.text();
			requests.push({
				method: request.method,
				path: pathname,
				headers: request.headers,
				body: text ? JSON.parse(text) : undefined,
			});
			switch (pathname) {
				case "/api/tags":
					return Response.json({ models: [LOCAL_TAGS_ENTRY] });
				case "/api/chat": {
					// `options.hang`: send the first line, then nothing, ever.
					const hang = (requests.at(-1)?.body as { options?: { hang?: boolean } } | undefined)?.options?.hang;
					if (hang) {
						const first = LOCAL_CHAT_BODY.slice(0, LOCAL_CHAT_BODY.indexOf("\n") + 1);
						const body = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(first)) });
						return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
					}
					return new Response(LOCAL_CHAT_BODY, { headers: { "content-type": "application/x-ndjson" } });
				}
				case "/api/ps":
					return Response.json({ models: [LOCAL_PS_ENTRY] });
				case "/api/show":
					return Response.json({ capabilities: ["completion"], model_info: { "general.architecture": "llama" } });
				default:
					return Response.json({ error: `no ${pathname} here` }, { status: 404 });
			}
		},
	});
	return {
		url: `http://127.0.0.1:${server.port}`,
		requests,
		stop: () => server.stop(true),
	};
}
