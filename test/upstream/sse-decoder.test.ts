import { describe, expect, test } from "bun:test";
import { sseDecoder } from "../../src/upstream/sse-decoder.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` cut at the given byte offsets and returns every event's data. */
function decode(text: string, cuts: number[] = []): string[] {
	const all = bytes(text);
	const decoder = sseDecoder();
	const events: string[] = [];
	let from = 0;
	for (const cut of [...cuts, all.length]) {
		events.push(...decoder.push(all.slice(from, cut)));
		from = cut;
	}
	return [...events, ...decoder.end()];
}

describe("sseDecoder", () => {
	test.each([
		["one event", 'data: {"a":1}\n\n', ['{"a":1}']],
		["two events and [DONE]", "data: a\n\ndata: b\n\ndata: [DONE]\n\n", ["a", "b", "[DONE]"]],
		["no space after the colon", "data:x\n\n", ["x"]],
		["CRLF line ends", "data: a\r\n\r\ndata: b\r\n\r\n", ["a", "b"]],
		["comments and other fields are skipped", ": ping\n\nevent: message\nid: 7\nretry: 10\ndata: a\n\n", ["a"]],
		["data lines of one event are joined", "data: a\ndata: b\n\n", ["a\nb"]],
		["a last event without its blank line", "data: tail", ["tail"]],
		["nothing at all", "", []],
		["blank lines only", "\n\n\n", []],
		["empty data lines, with and without the space", "data:\n\ndata: \r\n\r\n", ["", ""]],
		["a field that only starts like data is skipped", "datum: a\ndata b\ndata: c\n\n", ["c"]],
	])("%s", (_, text, events) => {
		expect(decode(text)).toEqual(events);
	});

	test("a cut at every byte gives the same events, multi-byte characters included", () => {
		const text = 'data: {"t":"héllo € 😀"}\r\n\r\n: ping\n\ndata: b\n\n';
		const whole = decode(text);
		expect(whole).toEqual(['{"t":"héllo € 😀"}', "b"]);
		const length = bytes(text).length;
		for (let cut = 1; cut < length; cut++) expect(decode(text, [cut])).toEqual(whole);
		expect(
			decode(
				text,
				Array.from({ length: length - 1 }, (_, i) => i + 1),
			),
		).toEqual(whole);
	});
});
