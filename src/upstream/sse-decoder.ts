/**
 * Server-sent events, decoded incrementally from the upstream's bytes: the `data` of each event, in order. A chunk
 * may end anywhere, inside a line or inside a UTF-8 character; comments (`: ping`) and the other fields (`event`,
 * `id`, `retry`) are skipped; several `data` lines of one event are joined with a newline, as the SSE spec says.
 */
const CR = 13;
const SPACE = 32;
const STREAMING = { stream: true };

export function sseDecoder() {
	const text = new TextDecoder();
	let buffer = "";
	// The event's data so far, its lines joined with "\n"; null before its first `data` line.
	let data: string | null = null;

	function drain(): string[] {
		const events: string[] = [];
		let start = 0;
		for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n", start)) {
			// A line ends in "\n" or "\r\n"; the "\r" is not part of it.
			const stop = end > start && buffer.charCodeAt(end - 1) === CR ? end - 1 : end;
			if (stop === start) {
				if (data !== null) events.push(data);
				data = null;
			} else if (buffer.startsWith("data:", start)) {
				const value = buffer.slice(buffer.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, stop);
				data = data === null ? value : `${data}\n${value}`;
			}
			start = end + 1;
		}
		buffer = start === buffer.length ? "" : buffer.slice(start);
		return events;
	}

	return {
		/** The events completed by these bytes. */
		push(bytes: Uint8Array): string[] {
			buffer += text.decode(bytes, STREAMING);
			return drain();
		},
		/** The event left open when the stream ends without a blank line after it. */
		end(): string[] {
			buffer += `${text.decode()}\n\n`;
			return drain();
		},
	};
}
