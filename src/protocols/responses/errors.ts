/**
 * Errors on `/v1/responses*` in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with Ollama's types
 * (`invalid_request_error`, `not_found_error`, else `api_error`) and `code` filled in: Codex decides by the code
 * whether to compact the conversation, wait, or give up.
 * The stream's own failure (`response.failed`) and incomplete mappings sit here too, one table each.
 */
import { isContextOverflow, type ProxyError } from "../../core/proxy-error.ts";
import { jsonResponse } from "../../http/json-response.ts";
import { sseFrames } from "../../http/sse.ts";
import { ParamError } from "./request.ts";

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
	// A refusal of one request field names it.
	const param = error instanceof ParamError ? error.param : null;
	return jsonResponse(
		{
			error: {
				message: error.message,
				type: errorType(error.status),
				param,
				code: errorCode(error),
			},
		},
		error.status,
		error.headers,
	);
}

/**
 * The last event of a relayed stream cut short, in the Responses API's words: a bare end would send Codex into its
 * retries without saying why.
 */
export function cutShortEvent(message: string): string {
	return sseFrames([{ event: "error", data: { type: "error", code: "server_error", message, param: null } }]);
}

// Why an answer ended unfinished, in the Responses API's words, by the upstream's finish reason.
// @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details
const INCOMPLETE: Record<string, string> = { length: "max_output_tokens", content_filter: "content_filter" };

/** `incomplete_details.reason` for an upstream finish reason, or undefined when the answer is complete. */
export function incompleteReasonOf(finishReason: string): string | undefined {
	return INCOMPLETE[finishReason];
}

/** Codex reads the code: context overflow makes it compact, a rate limit makes it wait, anything else is retried. */
export function failureOf(error: ProxyError): { code: string; message: string } {
	if (isContextOverflow(error)) return { code: "context_length_exceeded", message: error.message };
	if (error.status === 429 || error.kind === "rate_limit") {
		const wait = error.headers["retry-after"];
		// Codex parses the delay from "try again in <n>s".
		return {
			code: "rate_limit_exceeded",
			message: wait ? `${error.message} Please try again in ${wait}s.` : error.message,
		};
	}
	return { code: "server_error", message: error.message };
}
