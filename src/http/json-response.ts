/**
 * Whole JSON bodies as Ollama writes them, which every protocol here shares: `application/json; charset=utf-8` and
 * no trailing newline.
 */

export const JSON_TYPE = "application/json; charset=utf-8";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { "content-type": JSON_TYPE, ...headers },
	});
}
