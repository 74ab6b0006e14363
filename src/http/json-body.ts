/**
 * Request bodies are JSON whatever the content type says, as Ollama (gin `ShouldBindJSON`) reads them: `curl -d`
 * sends `application/x-www-form-urlencoded` and `fetch` with a string body sends `text/plain`.
 * Compressed bodies are read too: Codex sends `Content-Encoding: zstd` to servers it believes are OpenAI, and Ollama
 * accepts it (`ollama: middleware/openai.go`); gzip is the other encoding HTTP clients commonly send.
 */
import { gunzipSync, zstdDecompressSync } from "node:zlib";
import { ProxyError } from "../core/proxy-error.ts";

// Ollama's cap on a decompressed body. The output is bounded while decompressing, so a small bomb cannot fill memory.
export const MAX_DECOMPRESSED_BYTES = 20 * 1024 * 1024;

const DECOMPRESSORS: Record<string, (bytes: Uint8Array, options: { maxOutputLength: number }) => Buffer> = {
	zstd: zstdDecompressSync,
	gzip: gunzipSync,
	"x-gzip": gunzipSync,
};

async function bodyText(request: Request): Promise<string> {
	const encoding = request.headers.get("content-encoding")?.trim().toLowerCase();
	if (!encoding || encoding === "identity") return request.text();
	const decompress = DECOMPRESSORS[encoding];
	if (!decompress) throw new ProxyError(415, `unsupported content encoding: ${encoding}`);
	const bytes = new Uint8Array(await request.arrayBuffer());
	let plain: Buffer;
	try {
		plain = decompress(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
	} catch {
		throw new ProxyError(400, `failed to decompress ${encoding === "x-gzip" ? "gzip" : encoding} body`);
	}
	return new TextDecoder().decode(plain);
}

/** `measured.bodyBytes` is given the body's size in bytes (decompressed), for the limits' estimate of its prompt. */
export async function readJsonBody(
	request: Request,
	maxBytes: number,
	measured?: { bodyBytes?: number },
): Promise<unknown> {
	const text = await bodyText(request);
	if (text.length === 0) throw new ProxyError(400, "missing request body");
	const bytes = Buffer.byteLength(text);
	// A chunked body has no content-length to check up front.
	if (bytes > maxBytes) throw tooLarge(maxBytes);
	if (measured) measured.bodyBytes = bytes;
	if (nestingDepth(text, MAX_DEPTH) > MAX_DEPTH)
		throw new ProxyError(400, `request body is nested more than ${MAX_DEPTH} levels deep`);
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ProxyError(400, `invalid JSON: ${(error as Error).message}`);
	}
}

// Deep enough for any real JSON Schema in `format` or `tools`; a body nested deeper is an attack on the parsers and
// validators after this one, whose recursion (and error reporting) would otherwise run out of stack.
const MAX_DEPTH = 100;

/** How deeply brackets nest in a JSON text, ignoring those inside strings; stops counting past `limit`. */
export function nestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 92 /* \ */) i++;
			else if (c === 34 /* " */) inString = false;
		} else if (c === 34) inString = true;
		else if (c === 91 /* [ */ || c === 123 /* { */) {
			depth++;
			if (depth > deepest) {
				deepest = depth;
				if (deepest > limit) return deepest;
			}
		} else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
	}
	return deepest;
}

export const tooLarge = (maxBytes: number) => new ProxyError(413, `request body is larger than ${maxBytes} bytes`);
