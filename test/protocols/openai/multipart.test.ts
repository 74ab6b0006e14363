import { describe, expect, test } from "bun:test";
import { boundaryOf, fieldValue, parseMultipart, withFieldValue } from "../../../src/protocols/openai/multipart.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

/** A body as curl and the openai SDK write one: a model field, a file, a language field. */
const UPLOAD =
	"--XyZ\r\n" +
	'Content-Disposition: form-data; name="model"\r\n' +
	"\r\n" +
	"stt\r\n" +
	"--XyZ\r\n" +
	'Content-Disposition: form-data; name="file"; filename="hello.wav"\r\n' +
	"Content-Type: audio/wav\r\n" +
	"\r\n" +
	"RIFF\r\n--not-the-boundary\r\n\r\n" +
	"--XyZ\r\n" +
	'content-disposition: form-data; name="language"\r\n' +
	"\r\n" +
	"en\r\n" +
	"--XyZ--\r\n";

describe("boundaryOf: only multipart/form-data has one", () => {
	test.each([
		{ type: "multipart/form-data; boundary=XyZ", boundary: "XyZ" },
		{ type: 'Multipart/Form-Data; charset=utf-8; boundary="a b:c"', boundary: "a b:c" },
		{ type: "multipart/form-data;boundary=----WebKitFormBoundary7MA4", boundary: "----WebKitFormBoundary7MA4" },
		{ type: "multipart/form-data", boundary: undefined },
		{ type: "multipart/mixed; boundary=XyZ", boundary: undefined },
		{ type: "multipart/form-datax; boundary=XyZ", boundary: undefined },
		{ type: "application/json", boundary: undefined },
		{ type: "", boundary: undefined },
	])("$type → $boundary", ({ type, boundary }) => {
		expect(boundaryOf(type)).toBe(boundary);
	});
});

describe("parseMultipart: the parts, or undefined for a body that is not well formed", () => {
	test("every part with its name, its kind and where its content is", () => {
		const body = bytes(UPLOAD);
		const parts = parseMultipart(body, "XyZ");
		expect(parts?.map((p) => ({ name: p.name, file: p.file, content: text(body.subarray(p.start, p.end)) }))).toEqual([
			{ name: "model", file: false, content: "stt" },
			// A line that only looks like a boundary belongs to the content.
			{ name: "file", file: true, content: "RIFF\r\n--not-the-boundary\r\n" },
			{ name: "language", file: false, content: "en" },
		]);
	});

	test.each([
		{
			kind: "a preamble before the first boundary",
			body: `ignored preamble\r\n${UPLOAD}`,
			names: ["model", "file", "language"],
		},
		{ kind: "an epilogue after the last", body: `${UPLOAD}epilogue`, names: ["model", "file", "language"] },
		{ kind: "no part at all", body: "--XyZ--\r\n", names: [] },
		{
			kind: "an RFC 5987 file name",
			body: "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''h%C3%A9.wav\r\n\r\nx\r\n--XyZ--",
			names: ["file"],
		},
	] as { kind: string; body: string; names: string[] }[])("$kind", ({ body, names }) => {
		expect(parseMultipart(bytes(body), "XyZ")?.map((p) => p.name)).toEqual(names);
	});

	test.each([
		{ kind: "no boundary anywhere", body: "model=stt" },
		{ kind: "another boundary", body: UPLOAD.replaceAll("XyZ", "AbC") },
		{ kind: "an empty body", body: "" },
		{ kind: "a boundary line that never ends", body: "--XyZ" },
		{ kind: "headers that never end", body: '--XyZ\r\nContent-Disposition: form-data; name="model"\r\n' },
		{ kind: "a part without Content-Disposition", body: "--XyZ\r\nContent-Type: text/plain\r\n\r\nstt\r\n--XyZ--" },
		{ kind: "a part without headers", body: "--XyZ\r\n\r\nstt\r\n--XyZ--" },
		{
			kind: "a disposition without a name",
			body: '--XyZ\r\nContent-Disposition: form-data; filename="a"\r\n\r\nx\r\n--XyZ--',
		},
		{ kind: "a part that never ends", body: '--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\nstt' },
	])("$kind → undefined", ({ body }) => {
		expect(parseMultipart(bytes(body), "XyZ")).toBeUndefined();
	});
});

describe("fieldValue: a text field's value", () => {
	const body = bytes(UPLOAD);
	const parts = parseMultipart(body, "XyZ") ?? [];
	test.each([
		{ name: "model", value: "stt" },
		{ name: "language", value: "en" },
		// A file is not a text field, even under the name asked for.
		{ name: "file", value: undefined },
		{ name: "prompt", value: undefined },
	])("$name → $value", ({ name, value }) => {
		expect(fieldValue(body, parts, name)).toBe(value);
	});
});

describe("withFieldValue: one field changed, every other byte kept", () => {
	test("the model replaced, the file's bytes and declared type untouched", () => {
		const body = bytes(UPLOAD);
		const changed = withFieldValue(body, parseMultipart(body, "XyZ") ?? [], "model", "whisper-1");
		expect(text(changed)).toBe(UPLOAD.replace("\r\n\r\nstt\r\n", "\r\n\r\nwhisper-1\r\n"));
	});

	test("every text field of that name, and never a file", () => {
		const body = bytes(
			'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\na\r\n' +
				'--B\r\nContent-Disposition: form-data; name="model"; filename="model"\r\n\r\nfile\r\n' +
				'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nb\r\n--B--',
		);
		const changed = withFieldValue(body, parseMultipart(body, "B") ?? [], "model", "é");
		expect(text(changed)).toBe(
			'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\né\r\n' +
				'--B\r\nContent-Disposition: form-data; name="model"; filename="model"\r\n\r\nfile\r\n' +
				'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\né\r\n--B--',
		);
	});

	test("no such field: the body as it was", () => {
		const body = bytes(UPLOAD);
		expect(text(withFieldValue(body, parseMultipart(body, "XyZ") ?? [], "prompt", "x"))).toBe(UPLOAD);
	});

	test("binary content survives byte for byte", () => {
		const head = bytes('--B\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n');
		const audio = new Uint8Array([0, 255, 13, 10, 45, 45, 128]);
		const tail = bytes('\r\n--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nm\r\n--B--');
		const body = new Uint8Array([...head, ...audio, ...tail]);
		const changed = withFieldValue(body, parseMultipart(body, "B") ?? [], "model", "id");
		expect([...changed]).toEqual([...head, ...audio, ...tail.subarray(0, -8), ...bytes("id\r\n--B--")]);
	});
});
