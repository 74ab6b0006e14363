/**
 * A lean OpenAI-compatible upstream for the benchmark, in its own process so its CPU is not charged to the proxy.
 * `GET /v1/models`; `POST /v1/chat/completions` streams SSE the way OpenAI does: a role chunk, N content chunks, a
 * finish chunk (`finish_reason: "stop"`), a usage chunk with `choices: []`, then `data: [DONE]`. A request with
 * `"stream": false` gets one `chat.completion` JSON answer with the N tokens in its message, as OpenAI answers it.
 *
 * Every content delta is `~t<µs since the epoch> `: the mock's send time travels in-band through the proxy (which
 * copies content as-is), so the client gets a one-way latency per chunk; the clock offset between the two processes
 * is the same for every arm and cancels in (arm − direct).
 *
 * Knobs: env MOCK_TOKENS, MOCK_INTERVAL_MS, MOCK_TTFT_MS (or --tokens= --interval-ms= --ttft-ms=), MOCK_PORT; the
 * runner switches them between scenarios with `POST /config` so the process is started once. `GET /stats` counts
 * streams; `POST /stats/reset` zeroes the totals.
 */

type Config = { tokens: number; intervalMs: number; ttftMs: number };

function knob(name: string, env: string, fallback: number): number {
	const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
	const raw = flag?.slice(name.length + 3) ?? process.env[env];
	const value = Number(raw);
	return raw !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

const config: Config = {
	tokens: knob("tokens", "MOCK_TOKENS", 10),
	intervalMs: knob("interval-ms", "MOCK_INTERVAL_MS", 0),
	ttftMs: knob("ttft-ms", "MOCK_TTFT_MS", 0),
};

const stats = { open: 0, peakOpen: 0, started: 0, completed: 0, aborted: 0 };

// Everything but the stamp is serialized once, at startup: the mock must stay far cheaper than what it measures.
const ID = `"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model"`;
const ROLE = `data: {${ID},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`;
const CONTENT_HEAD = `data: {${ID},"choices":[{"index":0,"delta":{"content":"~t`;
const CONTENT_TAIL = ` "},"finish_reason":null}]}\n\n`;
const FINISH = `data: {${ID},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
const usage = (tokens: number) =>
	`data: {${ID},"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":${tokens},"total_tokens":${tokens + 5}}}\n\n`;
const DONE = "data: [DONE]\n\n";
const MODELS = JSON.stringify({
	object: "list",
	data: [{ id: "bench-model", object: "model", created: 1700000000, owned_by: "bench" }],
});

const WHOLE_HEAD = `{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"`;
const wholeTail = (tokens: number) =>
	`"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":${tokens},"total_tokens":${tokens + 5}}}`;
const JSON_HEADERS = { "content-type": "application/json" };
const WHOLE_ANSWER = /"stream"\s*:\s*false/;

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const content = () => `${CONTENT_HEAD}${nowUs()}${CONTENT_TAIL}`;
const tail = (tokens: number) => `${FINISH}${usage(tokens)}${DONE}`;
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const encoder = new TextEncoder();

function opened() {
	stats.started++;
	stats.open++;
	if (stats.open > stats.peakOpen) stats.peakOpen = stats.open;
}

/** No pacing: the whole answer in one write, the cheapest thing a mock can do (throughput and c=1 latency). */
function instant({ tokens }: Config): Response {
	opened();
	let body = ROLE;
	for (let i = 0; i < tokens; i++) body += content();
	body += tail(tokens);
	stats.open--;
	stats.completed++;
	return new Response(body, { headers: SSE_HEADERS });
}

/** `stream: false`: the whole answer as one JSON body, with no pacing whatever the config says. */
function whole({ tokens }: Config): Response {
	opened();
	let body = WHOLE_HEAD;
	for (let i = 0; i < tokens; i++) body += `~t${nowUs()} `;
	body += wholeTail(tokens);
	stats.open--;
	stats.completed++;
	return new Response(body, { headers: JSON_HEADERS });
}

/** Paced: each chunk on its own timer, scheduled against the stream's start so that timer drift does not add up. */
function paced({ tokens, intervalMs, ttftMs }: Config, signal: AbortSignal): Response {
	opened();
	let timer: Timer | undefined;
	let finished = false;
	const finish = (aborted: boolean) => {
		if (finished) return;
		finished = true;
		clearTimeout(timer);
		stats.open--;
		if (aborted) stats.aborted++;
		else stats.completed++;
	};
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			const start = performance.now();
			let sent = 0;
			const tick = () => {
				if (finished) return;
				try {
					if (sent === tokens - 1 || tokens === 0) {
						controller.enqueue(encoder.encode(tokens === 0 ? tail(0) : content() + tail(tokens)));
						controller.close();
						finish(false);
						return;
					}
					controller.enqueue(encoder.encode(content()));
					sent++;
					timer = setTimeout(tick, Math.max(0, start + ttftMs + sent * intervalMs - performance.now()));
				} catch {
					// Enqueueing into a stream the client already left: that is an abort.
					finish(true);
				}
			};
			controller.enqueue(encoder.encode(ROLE));
			timer = setTimeout(tick, ttftMs);
		},
		cancel() {
			finish(true);
		},
	});
	// Bun cancels the body when the client disconnects; the signal is a second witness for the same event.
	signal.addEventListener("abort", () => finish(true), { once: true });
	return new Response(body, { headers: SSE_HEADERS });
}

const server = Bun.serve({
	hostname: "127.0.0.1",
	port: knob("port", "MOCK_PORT", 0),
	// Long paced streams must never be cut by the server's idle timer.
	idleTimeout: 255,
	async fetch(request, srv) {
		const path = request.url.slice(request.url.indexOf("/", 8));
		// A fleet's replicas are this one mock under several path prefixes (/r1/v1, /r2/v1, …).
		if (path.endsWith("/v1/chat/completions") && request.method === "POST") {
			// Read whole so that a keep-alive connection is clean for the next request; only `stream` matters.
			const asked = await request.text();
			const current = { ...config };
			if (WHOLE_ANSWER.test(asked)) return whole(current);
			if (current.intervalMs === 0 && current.ttftMs === 0) return instant(current);
			srv.timeout(request, 0);
			return paced(current, request.signal);
		}
		if (path.endsWith("/v1/models")) return new Response(MODELS, { headers: { "content-type": "application/json" } });
		if (path === "/stats") return Response.json(stats);
		if (path === "/stats/reset" && request.method === "POST") {
			Object.assign(stats, { peakOpen: stats.open, started: 0, completed: 0, aborted: 0 });
			return Response.json(stats);
		}
		if (path === "/config" && request.method === "POST") {
			const next = (await request.json()) as Partial<Config>;
			Object.assign(config, next);
			return Response.json(config);
		}
		if (path === "/health") return new Response("ok");
		return new Response("not found", { status: 404 });
	},
});

process.stdout.write(`mock-upstream listening on ${server.port} ${JSON.stringify(config)}\n`);
