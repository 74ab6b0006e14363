/**
 * The proxy as a user starts it (`bun src/index.ts`, no BUN_CONFIG_MAX_HTTP_REQUESTS) keeps more than Bun fetch's
 * 256 upstream requests in flight at once. The upstream holds every request until all of them are open at once: with
 * a cap, the ones past it are not sent before others end, and the test runs into its timeout (shorter than the
 * proxy's default connect plus first-byte limit of 40 s, which would end the first ones) instead of passing.
 */
import { expect, test } from "bun:test";
import { nodePoolFetch } from "../../src/upstream/http-client.ts";

const ENTRY = `${import.meta.dir}/../../src/index.ts`;
const STREAMS = 300;

const sse = (events: unknown[]) =>
	new Response(events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join(""), {
		headers: { "content-type": "text/event-stream" },
	});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
	id: "c",
	object: "chat.completion.chunk",
	created: 0,
	model: "m",
	choices: [{ index: 0, delta, finish_reason: finish }],
});

/**
 * An upstream that answers no chat request before `STREAMS` of them are open at once. A request whose client gave
 * up (the proxy's first-byte limit) no longer counts: with a cap, requests past it only start when others end.
 */
function holdingUpstream() {
	let live = 0;
	const all = Promise.withResolvers<void>();
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		idleTimeout: 0,
		async fetch(req) {
			const path = new URL(req.url).pathname;
			if (path === "/v1/models") return Response.json({ object: "list", data: [{ id: "m", object: "model" }] });
			if (path !== "/v1/chat/completions") return new Response("no such path", { status: 404 });
			const body = (await req.json()) as { messages: { content: string }[] };
			live++;
			req.signal.addEventListener("abort", () => live--);
			if (live === STREAMS) all.resolve();
			await all.promise;
			const said = body.messages.at(-1)?.content;
			return sse([chunk({ role: "assistant" }), chunk({ content: `echo ${said}` }), chunk({}, "stop"), "[DONE]"]);
		},
	});
	return { server, allLive: all.promise };
}

/** The proxy as a subprocess on a port from the OS, known from its "listening" log line. */
async function startProxyProcess(upstreamUrl: string) {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
	delete env.BUN_CONFIG_MAX_HTTP_REQUESTS;
	delete env.MAX_UPSTREAM_CONNECTIONS;
	// An HTTP proxy in the environment sends upstream calls through Bun's fetch (see transport.ts): not this case.
	for (const name of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]) delete env[name];
	const proc = Bun.spawn(["bun", ENTRY], {
		env: {
			...env,
			HOST: "127.0.0.1",
			PORT: "0",
			OPENAI_BASE_URL: upstreamUrl,
			OPENAI_API_KEY: "sk-test",
			LOG_LEVEL: "info",
		},
		stdout: "pipe",
		stderr: "inherit",
	});
	const listening = Promise.withResolvers<number>();
	// The log is read to its end, so that a full pipe never blocks the proxy.
	void (async () => {
		let buffered = "";
		const decoder = new TextDecoder();
		for await (const bytes of proc.stdout) {
			buffered += decoder.decode(bytes, { stream: true });
			for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
				const line = JSON.parse(buffered.slice(0, end)) as { msg?: string; port?: number };
				buffered = buffered.slice(end + 1);
				if (line.msg === "ollama-proxy listening" && line.port) listening.resolve(line.port);
			}
		}
		listening.reject(new Error(`the proxy exited with ${await proc.exited} before it listened`));
	})();
	return { proc, port: await listening.promise };
}

test(`${STREAMS} streams are live upstream at once through the proxy as a user starts it`, async () => {
	const upstream = holdingUpstream();
	const proxy = await startProxyProcess(`http://127.0.0.1:${upstream.server.port}/v1`);
	try {
		// The test's own fetch has Bun's cap too: the clients go through the proxy's pool instead.
		const client = nodePoolFetch(STREAMS);
		const answers = Array.from({ length: STREAMS }, async (_, i) => {
			const res = await client(`http://127.0.0.1:${proxy.port}/api/chat`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ model: "m", messages: [{ role: "user", content: `n${i}` }] }),
			});
			const lines = (await res.text())
				.trim()
				.split("\n")
				.map((l) => JSON.parse(l) as { message: { content: string }; done: boolean });
			return { status: res.status, content: lines.map((l) => l.message.content).join(""), done: lines.at(-1)?.done };
		});
		// Resolves only once all of them are open upstream together; under a cap it never does.
		await upstream.allLive;
		const seen = await Promise.all(answers);
		expect(seen).toEqual(
			Array.from({ length: STREAMS }, (_, i) => ({ status: 200, content: `echo n${i}`, done: true })),
		);
	} finally {
		proxy.proc.kill("SIGTERM");
		await proxy.proc.exited;
		upstream.server.stop(true);
	}
}, 30_000);
