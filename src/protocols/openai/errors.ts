/**
 * Errors on `/v1/*` in OpenAI's nested shape, `{"error":{"message","type","param","code"}}`, which OpenAI SDKs parse
 * into their error classes.
 */
import type { ProxyError } from "../../core/proxy-error.ts";
import { jsonResponse } from "../../http/json-response.ts";

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
		{
			error: {
				message: error.message,
				// OpenAI's own rate-limit refusals name what was counted, and carry their code.
				type: error.limitType ?? openAIErrorType(error.status),
				param: null,
				code: error.limitType ? "rate_limit_exceeded" : null,
			},
		},
		error.status,
		error.headers,
	);
}
