/**
 * CORS for browser clients, off unless origins are configured (like Ollama without OLLAMA_ORIGINS). An allowed
 * origin is echoed back; preflight requests are answered here, before authentication, as browsers send them
 * without credentials.
 */
import { Elysia } from "elysia";
import { globMatcher } from "../lib/glob.ts";
import { pathOf, type RequestLog, requestIdHeaders } from "./request-context.ts";

// Anthropic's browser SDK sends its version, beta and direct-access headers on every call (Ollama's list lacks them).
const ALLOWED_HEADERS =
	"Authorization, Content-Type, User-Agent, Accept, X-Requested-With, X-Api-Key, X-Request-Id, Anthropic-Version, Anthropic-Beta, Anthropic-Dangerous-Direct-Browser-Access";
const ALLOWED_METHODS = "GET, HEAD, POST, DELETE, OPTIONS";

export function cors(config: { origins: string[] } | undefined, requests: RequestLog) {
	const plugin = new Elysia({ name: "cors" });
	if (!config) return plugin;
	const allowed = globMatcher(config.origins);
	return plugin.onRequest(({ request, set }) => {
		const origin = request.headers.get("origin");
		if (!origin || !allowed(origin)) return;
		const headers = {
			"access-control-allow-origin": origin,
			vary: "Origin",
			// A browser client reads only what is exposed: its request id, and when a refusal lets it come back.
			"access-control-expose-headers":
				"x-request-id, request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset",
		};
		// The id comes first, as it always did: Elysia merges `set.headers` into the answer in this order (and rebuilds the
		// answer for it, which a browser's request pays).
		Object.assign(set.headers, requestIdHeaders(requests.recordOf(request).id, pathOf(request.url)), headers);
		if (request.method === "OPTIONS") {
			return new Response(null, {
				status: 204,
				headers: {
					...headers,
					"access-control-allow-methods": ALLOWED_METHODS,
					// The OpenAI SDK sends its own x-stainless-* headers; Ollama allows whatever an allowed origin asks for.
					"access-control-allow-headers": request.headers.get("access-control-request-headers") ?? ALLOWED_HEADERS,
					"access-control-max-age": "600",
				},
			});
		}
	});
}
