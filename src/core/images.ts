/**
 * Ollama sends images as bare base64; OpenAI wants data URIs with the right MIME type, so the type is sniffed from
 * the first bytes as Ollama's own llama-server bridge does. Data URIs are tolerated as they come.
 */
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { badRequest } from "./proxy-error.ts";

const BASE64_DATA = /^[A-Za-z0-9+/]+$/;

// Magic numbers: PNG 89 50 4E 47, JPEG FF D8 FF, GIF "GIF8", WebP "RIFF" .... "WEBP".
function sniffMime(bytes: Uint8Array): string | undefined {
	const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
	if (bytes[0] === 0x89 && ascii(1, 4) === "PNG") return "image/png";
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
	if (ascii(0, 4) === "GIF8") return "image/gif";
	if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
	return undefined;
}

/** Turns one Ollama image into the URL of an OpenAI `image_url` part; bad base64 is a 400. */
export function imageDataUrl(image: string): string {
	if (image.startsWith("data:")) return image;
	const compact = image.replace(/\s+/g, "");
	const data = compact.replace(/=+$/, "");
	// No data, a length no encoder produces, stray characters, or more than two padding characters.
	if (!BASE64_DATA.test(data) || data.length % 4 === 1 || compact.length - data.length > 2) {
		throw badRequest("invalid image input: images must be base64-encoded");
	}
	const head = Buffer.from(compact.slice(0, 24), "base64");
	// Ollama falls back to JPEG for unknown bytes; the upstream decides whether it can read them.
	return `data:${sniffMime(head) ?? "image/jpeg"};base64,${compact}`;
}

/** A user turn's content: plain text, or text and image parts when the turn carries images. */
export function withImages(
	text: string,
	images: readonly string[] | null | undefined,
): string | ChatCompletionContentPart[] {
	if (!images?.length) return text;
	const parts: ChatCompletionContentPart[] = text ? [{ type: "text", text }] : [];
	for (const image of images) parts.push({ type: "image_url", image_url: { url: imageDataUrl(image) } });
	return parts;
}
