import { describe, expect, test } from "bun:test";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { imageDataUrl, withImages } from "../../src/core/images.ts";
import { ProxyError } from "../../src/core/proxy-error.ts";

/** The error a call throws, so its status and message can be asserted as a whole. */
function thrown(run: () => unknown): { name: string; status: number; message: string } {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ProxyError);
		const { name, status, message } = error as ProxyError;
		return { name, status, message };
	}
	throw new Error("expected the call to throw");
}

const PNG = "iVBORw0KGgoAAAANSUhEUg==";
const JPEG = "/9j/4AAQSkZJRgAB";
const GIF = "R0lGODlhAQABAIAA";
const WEBP = "UklGRiQAAABXRUJQVlA4IA==";
const RIFF_WAVE = "UklGRiQAAABXQVZFZm10IA==";
const TEXT = "aGVsbG8gd29ybGQh";

const INVALID_IMAGE = {
	name: "ProxyError",
	status: 400,
	message: "invalid image input: images must be base64-encoded",
};

describe("imageDataUrl: the MIME type is sniffed from the image's first bytes", () => {
	test.each([
		{ kind: "PNG (89 50 4E 47)", image: PNG, url: `data:image/png;base64,${PNG}` },
		{ kind: "JPEG (FF D8 FF)", image: JPEG, url: `data:image/jpeg;base64,${JPEG}` },
		{ kind: "GIF (GIF8)", image: GIF, url: `data:image/gif;base64,${GIF}` },
		{ kind: "WebP (RIFF....WEBP)", image: WEBP, url: `data:image/webp;base64,${WEBP}` },
		{ kind: "RIFF that is not WebP falls back to JPEG", image: RIFF_WAVE, url: `data:image/jpeg;base64,${RIFF_WAVE}` },
		{ kind: "unknown bytes fall back to JPEG", image: TEXT, url: `data:image/jpeg;base64,${TEXT}` },
		{ kind: "a truncated PNG signature is not PNG", image: "iVBO", url: "data:image/jpeg;base64,iVBO" },
	])("$kind", ({ image, url }) => {
		expect(imageDataUrl(image)).toBe(url);
	});
});

describe("imageDataUrl: lenient about how the base64 is written", () => {
	test.each([
		{
			kind: "line breaks and spaces are removed",
			image: "iVBORw0KGgo\nAAAANSUhE Ug==\r\n",
			url: `data:image/png;base64,${PNG}`,
		},
		{ kind: "missing padding (length % 4 = 2)", image: "iVBORw0KGg", url: "data:image/png;base64,iVBORw0KGg" },
		{ kind: "missing padding (length % 4 = 3)", image: "iVBORw0", url: "data:image/png;base64,iVBORw0" },
		{
			kind: "a data URI is passed on unchanged",
			image: `data:image/png;base64,${PNG}`,
			url: `data:image/png;base64,${PNG}`,
		},
		{
			kind: "a data URI keeps its own MIME type",
			image: `data:image/webp;base64,${PNG}`,
			url: `data:image/webp;base64,${PNG}`,
		},
	])("$kind", ({ image, url }) => {
		expect(imageDataUrl(image)).toBe(url);
	});
});

describe("imageDataUrl: input that is not base64 is a 400", () => {
	test.each([
		{ kind: "empty string", image: "" },
		{ kind: "only whitespace", image: " \n\t " },
		{ kind: "length % 4 = 1", image: "iVBOR" },
		{ kind: "characters outside the alphabet", image: "not base64!" },
		{ kind: "URL-safe alphabet", image: "ab-_" },
		{ kind: "padding in the middle", image: "ab=c" },
		{ kind: "three padding characters", image: "a===" },
		{ kind: "an http URL", image: "https://example.com/cat.png" },
	])("$kind", ({ image }) => {
		expect(thrown(() => imageDataUrl(image))).toEqual(INVALID_IMAGE);
	});
});

describe("imageDataUrl: base64 that decodes to no bytes at all is a 400", () => {
	test.each([
		{ kind: "padding only", image: "==" },
		{ kind: "a single character and padding", image: "a=" },
	])("$kind", ({ image }) => {
		expect(thrown(() => imageDataUrl(image))).toEqual(INVALID_IMAGE);
	});
});

describe("withImages: a turn without images keeps plain text content", () => {
	test.each([
		{ kind: "images absent", images: undefined },
		{ kind: "images null", images: null },
		{ kind: "images empty", images: [] },
	])("$kind", ({ images }) => {
		expect(withImages("Describe this", images)).toBe("Describe this");
	});
});

describe("withImages: a turn with images becomes text and image_url parts", () => {
	test.each<{ kind: string; text: string; images: string[]; parts: ChatCompletionContentPart[] }>([
		{
			kind: "text first, then each image in order",
			text: "Describe these",
			images: [PNG, JPEG],
			parts: [
				{ type: "text", text: "Describe these" },
				{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
				{ type: "image_url", image_url: { url: `data:image/jpeg;base64,${JPEG}` } },
			],
		},
		{
			kind: "no text part when the text is empty",
			text: "",
			images: [GIF],
			parts: [{ type: "image_url", image_url: { url: `data:image/gif;base64,${GIF}` } }],
		},
	])("$kind", ({ text, images, parts }) => {
		expect(withImages(text, images)).toEqual(parts);
	});

	test("a bad image in the list is a 400", () => {
		expect(thrown(() => withImages("Describe", [PNG, "not base64!"]))).toEqual(INVALID_IMAGE);
	});
});
