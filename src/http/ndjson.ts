/**
 * NDJSON streaming as Ollama does it: one JSON object per line, each written as soon as it exists. A failure after
 * the first line is a last `{"error": "..."}` line (ollama-js throws it, ollama-python raises it), never a fake `done`.
 */
import { type StreamOptions, streamResponse } from "./stream-body.ts";

export type { StreamOutcome } from "./stream-body.ts";

export const NDJSON_TYPE = "application/x-ndjson";

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

const NDJSON = {
	contentType: NDJSON_TYPE,
	frame: line,
	errorFrame: (error: { message: string }) => line({ error: error.message }),
};

export function ndjsonResponse<T>(source: AsyncIterator<T>, options: StreamOptions<T>): Promise<Response> {
	return streamResponse(source, NDJSON, options);
}
