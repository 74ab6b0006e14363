/**
 * Request bodies are JSON whatever the content type says, as Ollama (gin `ShouldBindJSON`) reads them: `curl -d`
 * sends `application/x-www-form-urlencoded` and `fetch` with a string body sends `text/plain`.
 */
import { ProxyError } from "../errors.ts";

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
	const text = await request.text();
	if (text.length === 0) throw new ProxyError(400, "missing request body");
	// A chunked body has no content-length to check up front.
	if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ProxyError(400, `invalid JSON: ${(error as Error).message}`);
	}
}

export const tooLarge = (maxBytes: number) => new ProxyError(413, `request body is larger than ${maxBytes} bytes`);
