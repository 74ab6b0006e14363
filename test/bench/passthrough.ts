/**
 * The floor for any Bun proxy: a bare `Bun.serve` that forwards method, path and body to the mock and returns the
 * mock's Response as-is, with no parsing or translation. What the real proxy adds beyond this arm is the cost of its
 * own code, not of a Bun hop.
 *
 * Env: PASSTHROUGH_PORT, UPSTREAM_ORIGIN (e.g. http://127.0.0.1:1234).
 */

const origin = process.env.UPSTREAM_ORIGIN;
if (!origin) throw new Error("UPSTREAM_ORIGIN is not set");

const server = Bun.serve({
	hostname: "127.0.0.1",
	port: Number(process.env.PASSTHROUGH_PORT ?? 0),
	// The same idle policy as the proxy, so that long streams are treated alike.
	idleTimeout: 255,
	async fetch(request, srv) {
		srv.timeout(request, 0);
		const path = request.url.slice(request.url.indexOf("/", 8));
		// Read whole, like the proxy does: a streamed request body would go upstream chunked and cost more.
		const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
		const contentType = request.headers.get("content-type");
		return fetch(origin + path, {
			method: request.method,
			headers: contentType ? { "content-type": contentType } : {},
			body,
			// A client that leaves must close the upstream stream too, or the mock keeps streaming into nothing.
			signal: request.signal,
		});
	},
});

process.stdout.write(`passthrough listening on ${server.port} -> ${origin}\n`);
