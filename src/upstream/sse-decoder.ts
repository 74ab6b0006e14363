/**
 * Server-sent events, decoded incrementally from the upstream's bytes: the `data` of each event, in order. A chunk
 * may end anywhere, inside a line or inside a UTF-8 character; comments (`: ping`) and the other fields (`event`,
 * `id`, `retry`) are skipped; several `data` lines of one event are joined with a newline, as the SSE spec says.
 */
export function sseDecoder() {
	const text = new TextDecoder();
	let buffer = "";
	let data: string[] = [];

	function drain(): string[] {
		const events: string[] = [];
		let start = 0;
		for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n", start)) {
			let line = buffer.slice(start, end);
			start = end + 1;
			if (line.endsWith("\r")) line = line.slice(0, -1);
			if (line === "") {
				if (data.length > 0) events.push(data.join("\n"));
				data = [];
			} else if (line.startsWith("data:")) {
				data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
			}
		}
		buffer = buffer.slice(start);
		return events;
	}

	return {
		/** The events completed by these bytes. */
		push(bytes: Uint8Array): string[] {
			buffer += text.decode(bytes, { stream: true });
			return drain();
		},
		/** The event left open when the stream ends without a blank line after it. */
		end(): string[] {
			buffer += `${text.decode()}\n\n`;
			return drain();
		},
	};
}
