/**
 * Errors on `/v1/responses*` in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with Ollama's types
 * (`invalid_request_error`, `not_found_error`, else `api_error`) and `code` filled in: Codex decides by the code
 * whether to compact the conversation, wait, or give up.
 */
import { isContextOverflow, type ProxyError } from "../../core/proxy-error.ts";
import { jsonResponse } from "../../http/json-response.ts";

function errorType(status: number): string {
	if (status === 400 || status === 413) return "invalid_request_error";
	if (status === 404) return "not_found_error";
	return "api_error";
}

const MODEL_NOT_FOUND = /^model '.*' not found$/s;

function errorCode(error: ProxyError): string | null {
	if (error.code) return error.code;
	if (error.status === 404 && (error.kind === "not_found" || MODEL_NOT_FOUND.test(error.message))) {
		return "model_not_found";
	}
	if (isContextOverflow(error)) return "context_length_exceeded";
	if (error.status === 401) return "invalid_api_key";
	if (error.status === 429) return "rate_limit_exceeded";
	if (error.kind === "auth") return "upstream_auth_failed";
	return null;
}

export function responsesErrorResponse(error: ProxyError): Response {
	// A refusal of one request field names it (see ParamError in src/translate/responses-request.ts).
	const param = (error as { param?: unknown }).param;
	return jsonResponse(
		{
			error: {
				message: error.message,
				type: errorType(error.status),
				param: typeof param === "string" ? param : null,
				code: errorCode(error),
			},
		},
		error.status,
		error.headers,
	);
}
