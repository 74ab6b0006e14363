/**
 * Just enough of multipart/form-data (RFC 7578) to relay an upload with one text field changed: the parts are found,
 * a field is read, and the body is rebuilt around a new value for it. Every other byte stays as the client sent it:
 * parsing into a FormData and encoding it again would not do that (Bun replaces a file's declared content type with
 * one guessed from its file name).
 */

export type Part = {
	/** The `name` of its Content-Disposition. */
	name: string;
	/** Whether it carries a file (a `filename`), rather than a text value. */
	file: boolean;
	/** Where its content starts and ends in the body (end exclusive). */
	start: number;
	end: number;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The boundary of a multipart/form-data content type, or undefined for any other type. */
export function boundaryOf(contentType: string): string | undefined {
	if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
	const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
	return match?.[1] ?? match?.[2];
}

const CRLF = encoder.encode("\r\n");
const HEADER_END = encoder.encode("\r\n\r\n");

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function indexOf(body: Uint8Array, needle: Uint8Array, from: number): number {
	return bufferOf(body).indexOf(needle, from);
}

/** The part's `name` and whether it is a file, from its header block. */
function disposition(headers: string): { name: string; file: boolean } | undefined {
	const line = /^content-disposition:\s*form-data\s*;([^\r\n]*)$/im.exec(headers)?.[1];
	if (line === undefined) return undefined;
	const name = /(?:^|;)\s*name="([^"]*)"/i.exec(line)?.[1];
	if (name === undefined) return undefined;
	return { name, file: /(?:^|;)\s*filename\*?=/i.test(line) };
}

/** The parts of a body, or undefined when it is not well-formed multipart with this boundary. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] | undefined {
	const dashes = encoder.encode(`--${boundary}`);
	const delimiter = encoder.encode(`\r\n--${boundary}`);
	// A preamble before the first boundary is allowed, and ignored. `first` is where the CRLF before the first
	// boundary is (or would be, for a body that starts with it).
	const first = bufferOf(body.subarray(0, dashes.length)).equals(dashes) ? -CRLF.length : indexOf(body, delimiter, 0);
	if (first === -1) return undefined;
	let at = first + CRLF.length;
	const parts: Part[] = [];
	for (;;) {
		const after = at + dashes.length;
		if (body[after] === 45 && body[after + 1] === 45) return parts; // "--": the closing boundary
		const lineEnd = indexOf(body, CRLF, after);
		if (lineEnd < 0) return undefined;
		const headersEnd = indexOf(body, HEADER_END, lineEnd);
		if (headersEnd < 0) return undefined;
		const found = disposition(decoder.decode(body.subarray(lineEnd + CRLF.length, headersEnd)));
		if (!found) return undefined;
		const start = headersEnd + HEADER_END.length;
		const end = indexOf(body, delimiter, start);
		if (end < 0) return undefined;
		parts.push({ ...found, start, end });
		at = end + CRLF.length;
	}
}

/** The value of the first text field of that name, or undefined. */
export function fieldValue(body: Uint8Array, parts: readonly Part[], name: string): string | undefined {
	const part = parts.find((p) => p.name === name && !p.file);
	return part && decoder.decode(body.subarray(part.start, part.end));
}

/** The body with every text field of that name set to `value`, all other bytes unchanged. */
export function withFieldValue(body: Uint8Array, parts: readonly Part[], name: string, value: string): Uint8Array {
	const chunks: Uint8Array[] = [];
	let copied = 0;
	for (const part of parts) {
		if (part.name !== name || part.file) continue;
		chunks.push(body.subarray(copied, part.start), encoder.encode(value));
		copied = part.end;
	}
	chunks.push(body.subarray(copied));
	return Buffer.concat(chunks);
}
