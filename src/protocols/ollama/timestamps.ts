/**
 * Go's RFC3339Nano, which Ollama uses for `created_at` and `modified_at`: UTC with trailing fractional zeros
 * trimmed ("2025-10-26T17:21:21.196Z", "2024-05-13T00:00:00Z"). Strict parsers (Zed's serde, pydantic) accept both.
 */
let lastMs = Number.NaN;
let lastText = "";

export function rfc3339(date: Date): string {
	// Every streamed line carries one; within the same millisecond the text is the same.
	const ms = date.getTime();
	if (ms !== lastMs) {
		lastMs = ms;
		lastText = date.toISOString().replace(/\.?0+Z$/, "Z");
	}
	return lastText;
}
