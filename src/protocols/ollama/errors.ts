/**
 * Errors on Ollama's own routes: a flat `{"error": "..."}` as JSON (ollama-js reads `.error` only when the content
 * type says JSON).
 */
import type { ProxyError } from "../../core/proxy-error.ts";
import { jsonResponse } from "../../http/json-response.ts";

export function errorResponse(error: ProxyError): Response {
	return jsonResponse({ error: error.message }, error.status, error.headers);
}
