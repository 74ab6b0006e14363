/**
 * Errors on `/v1/messages*` in Anthropic's shape, `{"type":"error","error":{"type","message"},"request_id"}`, which
 * `@anthropic-ai/sdk` turns into its error classes. The same body is the mid-stream `error` event.
 */
import { isContextOverflow, ProxyError } from "../../core/proxy-error.ts";
import { jsonResponse } from "../../http/json-response.ts";
import type { CutKind } from "../../http/relay.ts";
import { sseFrames } from "../../http/sse.ts";

/** Anthropic's error type for a failure, by status as Ollama's `anthropic.NewError` names them, plus the proxy's own. */
export function anthropicErrorType(error: ProxyError): string {
	// Claude Code compacts on an invalid request that says the prompt is too long, wherever the stream was.
	if (isContextOverflow(error)) return "invalid_request_error";
	switch (error.status) {
		case 400:
			return "invalid_request_error";
		case 401:
			return "authentication_error";
		case 403:
			return "permission_error";
		case 404:
			return "not_found_error";
		case 413:
			return "request_too_large";
		case 429:
			return "rate_limit_error";
		case 503:
		case 529:
			return "overloaded_error";
		case 504:
			return "timeout_error";
	}
	if (error.status >= 500) return /overloaded/i.test(error.message) ? "overloaded_error" : "api_error";
	return "invalid_request_error";
}

const MAXIMUM = /maximum context length is (\d+)/i;
// vLLM and OpenAI name the prompt's share ("8000 in the messages"), else the whole count ("your request has 40000").
const PROMPT_SHARE = /(\d+) (?:tokens )?in the messages/i;
const PROMPT_TOTAL = /(?:resulted in|request has|requested) (\d+)/i;

/**
 * An upstream's context-overflow text in Anthropic's words, `prompt is too long: <n> tokens > <max> maximum`, which
 * Claude Code recognises and answers by compacting; with the numbers when the upstream gave them.
 */
export function anthropicErrorMessage(error: ProxyError): string {
	if (!isContextOverflow(error)) return error.message;
	const maximum = MAXIMUM.exec(error.message)?.[1];
	const tokens = (PROMPT_SHARE.exec(error.message) ?? PROMPT_TOTAL.exec(error.message))?.[1];
	if (maximum && tokens) return `prompt is too long: ${tokens} tokens > ${maximum} maximum`;
	return `prompt is too long: ${error.message}`;
}

export function anthropicErrorBody(error: ProxyError, requestId: string): Record<string, unknown> {
	return {
		type: "error",
		error: { type: anthropicErrorType(error), message: anthropicErrorMessage(error) },
		request_id: requestId,
	};
}

export function anthropicErrorResponse(error: ProxyError, requestId: string): Response {
	const headers: Record<string, string> = { ...error.headers, "request-id": requestId };
	// Retrying cannot help when the proxy's own key was refused, or the client's inbound key was (Claude Code retries a
	// bare 401 for minutes); the Stainless SDKs and Claude Code honour this header.
	if (error.kind === "auth" || error.status === 401) headers["x-should-retry"] = "false";
	return jsonResponse(anthropicErrorBody(error, requestId), error.status, headers);
}

/**
 * The last event of a relayed stream cut short (the upstream went quiet or its connection broke): the SDK raises an
 * `error` event, where a bare end would leave Claude Code waiting for `message_stop`.
 */
export function cutShortEvent(message: string, kind: CutKind, requestId: string): string {
	const error =
		kind === "timeout" ? new ProxyError(504, message, {}, "timeout") : new ProxyError(502, message, {}, "stream");
	return sseFrames([{ event: "error", data: anthropicErrorBody(error, requestId) }]);
}
