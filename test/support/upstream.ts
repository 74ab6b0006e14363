/**
 * An OpenAI-compatible upstream for tests: a real HTTP server on loopback that lists models, streams chat
 * completions as SSE the way OpenAI does (content deltas, a finish chunk, a usage chunk with `choices: []`, then
 * `[DONE]`), answers embeddings, records every request it was sent, and can be told to fail in scripted ways.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

export type Recorded = { method: string; path: string; url?: string; headers: Headers; body: unknown };

/** How a scripted chat stream ends after its chunks. */
export type StreamEnd =
	| "done" // `data: [DONE]` then a clean close
	| "close" // a clean close with no `[DONE]`
	| "drop" // the body errors out: the connection is cut mid-stream
	| "hang"; // nothing more, ever (until the client goes away)

export type Reply =
	| {
			kind: "stream";
			/** Objects go out as `data:` events; strings and bytes go out exactly as given (for malformed or split input). */
			chunks: Array<Partial<ChatCompletionChunk> | string | Uint8Array>;
			end?: StreamEnd;
			gapMs?: number;
			/** Holds the stream before chunk number `at` (or before its end) until `open` settles. */
			gate?: { at: number; open: Promise<unknown> };
	  }
	/** Content chunks produced only as fast as the reader takes them, to observe back-pressure. */
	| { kind: "firehose"; chunkText: string; chunks: number }
	| { kind: "json"; status?: number; body: unknown; headers?: Record<string, string> }
	| { kind: "hang" }
	/** The reply, once the promise gives it: no headers until then, so a test decides when a request ends. */
	| { kind: "later"; reply: Promise<Reply> };

type Endpoint = "chat" | "completions" | "embeddings" | "models" | "responses" | "messages";

/** One streamed chunk with OpenAI's envelope around the given delta. */
export function chunk(
	delta: Record<string, unknown>,
	finishReason: string | null = null,
	extra: Partial<ChatCompletionChunk> = {},
): Partial<ChatCompletionChunk> {
	return {
		id: "chatcmpl-test",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "upstream-model",
		choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null } as ChatCompletionChunk["choices"][0]],
		...extra,
	};
}

export function usageChunk(promptTokens: number, completionTokens: number): Partial<ChatCompletionChunk> {
	return {
		id: "chatcmpl-test",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "upstream-model",
		choices: [],
		usage: {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
		},
	};
}

/** A complete streamed answer: the role chunk, one chunk per text piece, the finish chunk and the usage chunk. */
export function textStream(
	pieces: string[],
	finishReason = "stop",
	usage: [number, number] = [7, pieces.length],
): Reply {
	return {
		kind: "stream",
		chunks: [
			chunk({ role: "assistant", content: "" }),
			...pieces.map((content) => chunk({ content })),
			chunk({}, finishReason),
			usageChunk(...usage),
		],
	};
}

/** A whole (non-streamed) chat completion. */
export function chatJson(content: string, finishReason = "stop") {
	return {
		id: "chatcmpl-test",
		object: "chat.completion",
		created: 1_700_000_000,
		model: "upstream-model",
		choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason, logprobs: null }],
		usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
	};
}

/** A legacy `/completions` answer (used for fill-in-the-middle). */
export function completionJson(text: string, finishReason = "stop") {
	return {
		id: "cmpl-test",
		object: "text_completion",
		created: 1_700_000_000,
		model: "upstream-model",
		choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }],
		usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
	};
}

/** A streamed legacy `/completions` answer: one chunk per piece, a finish chunk, then a usage chunk. */
export function completionStream(pieces: string[], finishReason = "stop"): Reply {
	const envelope = { id: "cmpl-test", object: "text_completion", created: 1_700_000_000, model: "upstream-model" };
	return {
		kind: "stream",
		chunks: [
			...pieces.map((text) => ({ ...envelope, choices: [{ index: 0, text, finish_reason: null, logprobs: null }] })),
			{ ...envelope, choices: [{ index: 0, text: "", finish_reason: finishReason, logprobs: null }] },
			{
				...envelope,
				choices: [],
				usage: { prompt_tokens: 5, completion_tokens: pieces.length, total_tokens: 5 + pieces.length },
			},
		] as never,
	};
}

/** A whole Anthropic Messages answer, as a server that speaks the protocol itself sends it. */
export function anthropicMessage(model: string, text: string) {
	return {
		id: "msg_upstream",
		type: "message",
		role: "assistant",
		model,
		content: [{ type: "text", text }],
		stop_reason: "end_turn",
		stop_sequence: null,
		usage: { input_tokens: 5, output_tokens: 2 },
	};
}

/** Server-sent events in the given order, each named by its `type` (the Anthropic and Responses framing). */
export function namedEvents(events: Record<string, unknown>[]): string {
	return events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

/** A streamed Anthropic Messages answer of one text block. */
export function anthropicSse(model: string, text: string): string {
	const { content: _, ...message } = anthropicMessage(model, text);
	return namedEvents([
		{
			type: "message_start",
			message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 0 } },
		},
		{ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
		{ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
		{ type: "content_block_stop", index: 0 },
		{ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } },
		{ type: "message_stop" },
	]);
}

/** A whole Responses answer with one message item. */
export function responsesObject(model: string, text: string) {
	return {
		id: "resp_upstream",
		object: "response",
		created_at: 1_700_000_000,
		status: "completed",
		model,
		output: [
			{
				type: "message",
				id: "msg_upstream",
				status: "completed",
				role: "assistant",
				content: [{ type: "output_text", text, annotations: [] }],
			},
		],
		usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 },
	};
}

/** A streamed Responses answer: created, the message item with its one text part and delta, completed. */
export function responsesSse(model: string, text: string): string {
	const done = responsesObject(model, text);
	const item = done.output[0] as (typeof done.output)[0];
	const part = item.content[0] as (typeof item.content)[0];
	const at = { item_id: item.id, output_index: 0, content_index: 0 };
	return namedEvents(
		[
			{ type: "response.created", response: { ...done, status: "in_progress", output: [], usage: null } },
			{ type: "response.output_item.added", output_index: 0, item: { ...item, status: "in_progress", content: [] } },
			{ type: "response.content_part.added", ...at, part: { ...part, text: "" } },
			{ type: "response.output_text.delta", ...at, delta: text },
			{ type: "response.output_text.done", ...at, text },
			{ type: "response.content_part.done", ...at, part },
			{ type: "response.output_item.done", output_index: 0, item },
			{ type: "response.completed", response: done },
		].map((event, sequence_number) => ({ ...event, sequence_number })),
	);
}

export const DEFAULT_MODELS = [
	{ id: "gpt-4o", object: "model", created: 1_715_367_049, owned_by: "system" },
	{ id: "text-embedding-3-small", object: "model", created: 1_705_948_997, owned_by: "system" },
	{
		id: "meta-llama/Llama-3.1-8B-Instruct",
		object: "model",
		created: 1_700_000_000,
		owned_by: "vllm",
		max_model_len: 65_536,
	},
];

/** A deterministic, deliberately non-normalised vector per input text. */
export function fakeVector(text: string): number[] {
	return [text.length, 1, 2, 2];
}

export type UpstreamOptions = {
	models?: unknown[];
	/** Requests must carry this bearer key, or get a 401 that quotes what they sent (as OpenAI does). */
	apiKey?: string;
	/**
	 * Replies chosen by the requested model id, for concurrent tests where a shared queue cannot be used. The request
	 * body is passed so a reply can depend on the conversation (an agent's tool loop, next to its side requests).
	 */
	behaviors?: Record<string, (body: Record<string, unknown>) => Reply>;
	/** false: no `/audio/transcriptions` here, a 404 as from a server without speech-to-text. */
	transcriptions?: boolean;
	/** The loopback port to listen on (one a stopped upstream left free, to bring it back); default: one the OS picks. */
	port?: number;
};

export async function startTestUpstream(options: UpstreamOptions = {}) {
	const queues: Record<Endpoint, Reply[]> = {
		chat: [],
		completions: [],
		embeddings: [],
		models: [],
		responses: [],
		messages: [],
	};
	const requests: Recorded[] = [];
	const state = { models: options.models ?? DEFAULT_MODELS, aborted: 0, open: 0, produced: 0 };
	const encoder = new TextEncoder();

	function sse(reply: Extract<Reply, { kind: "stream" }>, signal: AbortSignal): Response {
		state.open++;
		let closed = false;
		const finish = () => {
			if (!closed) {
				closed = true;
				state.open--;
			}
		};
		signal.addEventListener("abort", () => {
			state.aborted++;
			finish();
		});
		const body = new ReadableStream<Uint8Array>({
			async start(controller) {
				for (const [index, item] of reply.chunks.entries()) {
					if (reply.gate?.at === index) await reply.gate.open;
					if (reply.gapMs) await Bun.sleep(reply.gapMs);
					if (signal.aborted) return;
					controller.enqueue(
						item instanceof Uint8Array
							? item
							: encoder.encode(typeof item === "string" ? item : `data: ${JSON.stringify(item)}\n\n`),
					);
				}
				if (reply.gate !== undefined && reply.gate.at >= reply.chunks.length) {
					await reply.gate.open;
					if (signal.aborted) return;
				}
				const end = reply.end ?? "done";
				if (end === "hang") return;
				if (end === "drop") {
					// Let what was sent reach the client first, so the cut lands mid-stream rather than before the headers.
					await Bun.sleep(30);
					finish();
					// An AbortError cuts the connection without Bun printing it as a server error.
					controller.error(new DOMException("connection dropped by the test upstream", "AbortError"));
					return;
				}
				if (end === "done") controller.enqueue(encoder.encode("data: [DONE]\n\n"));
				finish();
				controller.close();
			},
		});
		return new Response(body, { headers: { "content-type": "text/event-stream" } });
	}

	function firehose(reply: Extract<Reply, { kind: "firehose" }>): Response {
		let sent = 0;
		const event = encoder.encode(`data: ${JSON.stringify(chunk({ content: reply.chunkText }))}\n\n`);
		const last = encoder.encode(`data: ${JSON.stringify(chunk({}, "stop"))}\n\ndata: [DONE]\n\n`);
		const body = new ReadableStream<Uint8Array>(
			{
				pull(controller) {
					if (sent === reply.chunks) {
						controller.enqueue(last);
						controller.close();
						return;
					}
					sent++;
					state.produced += event.length;
					controller.enqueue(event);
				},
				// The proxy went away before the end.
				cancel() {
					state.aborted++;
				},
			},
			{ highWaterMark: 0 },
		);
		return new Response(body, { headers: { "content-type": "text/event-stream" } });
	}

	function answer(reply: Reply, signal: AbortSignal): Response | Promise<Response> {
		if (reply.kind === "stream") return sse(reply, signal);
		if (reply.kind === "firehose") return firehose(reply);
		if (reply.kind === "later") return reply.reply.then((later) => answer(later, signal));
		if (reply.kind === "hang") {
			return new Promise((resolve) =>
				signal.addEventListener("abort", () => {
					state.aborted++;
					resolve(new Response(null, { status: 499 }));
				}),
			);
		}
		return new Response(JSON.stringify(reply.body), {
			status: reply.status ?? 200,
			headers: { "content-type": "application/json", ...reply.headers },
		});
	}

	/**
	 * OpenAI's speech-to-text: a multipart body, recorded as its fields (files as name, declared type and base64
	 * bytes), answered with a text that names what was heard, as JSON or (`response_format=text`) as plain text.
	 */
	async function transcription(request: Request, url: URL, pathname: string): Promise<Response> {
		const raw = Buffer.from(await request.arrayBuffer());
		// Bun's parser guesses a file's type from its name: the type the sender declared is read from the part's headers.
		const declaredType = (key: string) =>
			new RegExp(`name="${key}"; filename="[^"]*"\r\nContent-Type: ([^\r\n]+)`, "i").exec(raw.toString("latin1"))?.[1];
		let form: FormData;
		try {
			const type = request.headers.get("content-type") ?? "";
			form = (await new Response(raw, { headers: { "content-type": type } }).formData()) as unknown as FormData;
		} catch {
			return Response.json(
				{ error: { message: "invalid multipart body", type: "invalid_request_error" } },
				{ status: 400 },
			);
		}
		const fields: Record<string, unknown> = {};
		for (const [key, value] of form.entries()) {
			const file = value as unknown as File;
			fields[key] =
				typeof value === "string"
					? value
					: {
							name: file.name,
							type: declaredType(key),
							base64: Buffer.from(await file.arrayBuffer()).toString("base64"),
						};
		}
		requests.push({
			method: request.method,
			path: pathname,
			url: url.pathname + url.search,
			headers: request.headers,
			body: fields,
		});
		const file = form.get("file");
		if (!(file instanceof File)) {
			return Response.json(
				{ error: { message: "Missing required parameter: 'file'.", type: "invalid_request_error" } },
				{ status: 400 },
			);
		}
		const text = `heard ${file.size} bytes of ${file.name}`;
		if (form.get("response_format") === "text")
			return new Response(`${text}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
		return Response.json({ text });
	}

	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: options.port ?? 0,
		idleTimeout: 0,
		async fetch(request) {
			const url = new URL(request.url);
			// Azure OpenAI puts the deployment in the path: /openai/deployments/<name>/chat/completions?api-version=…
			const pathname = url.pathname.replace(/^\/openai\/deployments\/[^/]+/, "/v1").replace(/^\/openai\//, "/v1/");
			if (pathname === "/v1/audio/transcriptions" && options.transcriptions !== false)
				return transcription(request, url, pathname);
			const text = request.method === "GET" ? "" : await request.text();
			let body: unknown = text;
			try {
				body = text ? JSON.parse(text) : undefined;
			} catch {}
			requests.push({
				method: request.method,
				path: pathname,
				url: url.pathname + url.search,
				headers: request.headers,
				body,
			});
			if (options.apiKey && request.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
				return Response.json(
					{
						error: {
							message: `Incorrect API key provided: ${request.headers.get("authorization")}`,
							type: "invalid_request_error",
						},
					},
					{ status: 401 },
				);
			}
			const endpoint: Endpoint | undefined =
				pathname === "/v1/chat/completions"
					? "chat"
					: pathname === "/v1/completions"
						? "completions"
						: pathname === "/v1/embeddings"
							? "embeddings"
							: pathname === "/v1/models"
								? "models"
								: pathname === "/v1/responses"
									? "responses"
									: pathname === "/v1/messages"
										? "messages"
										: undefined;
			if (!endpoint) return Response.json({ error: { message: "not found" } }, { status: 404 });
			const scripted =
				queues[endpoint].shift() ??
				options.behaviors?.[(body as { model?: string })?.model ?? ""]?.(body as Record<string, unknown>);
			if (scripted) return answer(scripted, request.signal);
			if (endpoint === "models") return Response.json({ object: "list", data: state.models });
			// Like OpenAI, a body of the wrong shape is a 400, never a crash.
			const invalid = (message: string) =>
				Response.json({ error: { message, type: "invalid_request_error" } }, { status: 400 });
			if (endpoint === "embeddings") {
				const request = body as { input: string | string[]; model: string; encoding_format?: string };
				const input = typeof request?.input === "string" ? [request.input] : request?.input;
				if (!Array.isArray(input) || !input.every((i) => typeof i === "string")) return invalid("invalid input");
				// The openai SDK asks for base64 unless told otherwise, and decodes it itself.
				const encode = (vector: number[]) =>
					request.encoding_format === "base64"
						? Buffer.from(new Float32Array(vector).buffer).toString("base64")
						: vector;
				return Response.json({
					object: "list",
					model: request.model,
					data: input.map((text, index) => ({ object: "embedding", index, embedding: encode(fakeVector(text)) })),
					usage: { prompt_tokens: input.length * 3, total_tokens: input.length * 3 },
				});
			}
			const streamed = (body as { stream?: boolean } | undefined)?.stream === true;
			// An upstream that speaks the agent protocols itself: the model id it was asked for, answering "Hello world".
			const model = String((body as { model?: unknown } | undefined)?.model);
			if (endpoint === "messages") {
				return streamed
					? answer({ kind: "stream", chunks: [anthropicSse(model, "Hello world")], end: "close" }, request.signal)
					: Response.json(anthropicMessage(model, "Hello world"));
			}
			if (endpoint === "responses") {
				return streamed
					? answer({ kind: "stream", chunks: [responsesSse(model, "Hello world")], end: "close" }, request.signal)
					: Response.json(responsesObject(model, "Hello world"));
			}
			if (endpoint === "completions") {
				return streamed
					? answer(completionStream(["Hello", " world"]), request.signal)
					: Response.json(completionJson("Hello world"));
			}
			return streamed
				? answer(textStream(["Hello", " world"]), request.signal)
				: Response.json(chatJson("Hello world"));
		},
	});

	return {
		url: `http://127.0.0.1:${server.port}/v1`,
		port: server.port as number,
		requests,
		state,
		/** Queues replies for the next requests to an endpoint; unscripted requests get the default answer. */
		enqueue(endpoint: Endpoint, ...replies: Reply[]) {
			queues[endpoint].push(...replies);
		},
		/** The body of the last request sent to an endpoint path, e.g. `/v1/chat/completions`. */
		lastBody(path = "/v1/chat/completions"): Record<string, unknown> {
			const found = requests.findLast((r) => r.path === path);
			if (!found) throw new Error(`no request to ${path}`);
			return found.body as Record<string, unknown>;
		},
		countOf(path: string) {
			return requests.filter((r) => r.path === path).length;
		},
		reset() {
			requests.length = 0;
			for (const queue of Object.values(queues)) queue.length = 0;
		},
		stop: () => server.stop(true),
	};
}

export type TestUpstream = Awaited<ReturnType<typeof startTestUpstream>>;

/** The upstream chat requests recorded, as bodies. */
export const chatBodies = (upstream: TestUpstream) =>
	upstream.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.body as Record<string, unknown>);
