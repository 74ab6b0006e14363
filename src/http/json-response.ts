/**
 * Ollama's wire conventions for whole bodies: `application/json; charset=utf-8`, no trailing newline, and errors as
 * a flat `{"error": "..."}` (ollama-js reads `.error` only when the content type says JSON).
 */
import type { ProxyError } from "../core/proxy-error.ts";

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

/** OpenAI's error type for a status, as Ollama's `/v1` middleware names them. */
function openAIErrorType(status: number): string {
	if (status === 400 || status === 413) return "invalid_request_error";
	if (status === 401) return "authentication_error";
	if (status === 403) return "permission_error";
	if (status === 404) return "not_found_error";
	if (status === 429) return "rate_limit_error";
	return "api_error";
}

/** Errors on `/v1/*` come in OpenAI's nested shape, which OpenAI SDKs parse into their error classes. */
export function openAIErrorResponse(error: ProxyError): Response {
	return jsonResponse(
		{ error: { message: error.message, type: openAIErrorType(error.status), param: null, code: null } },
		error.status,
		error.headers,
	);
}
