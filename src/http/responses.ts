/**
 * Ollama's wire conventions for whole bodies: `application/json; charset=utf-8`, no trailing newline, and errors as
 * a flat `{"error": "..."}` (ollama-js reads `.error` only when the content type says JSON).
 */
import type { ProxyError } from "../errors.ts";

export const JSON_TYPE = "application/json; charset=utf-8";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { "content-type": JSON_TYPE, ...headers },
	});
}

export function errorResponse(error: ProxyError): Response {
	return jsonResponse({ error: error.message }, error.status, error.headers);
}
