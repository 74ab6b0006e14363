/**
 * Ids for messages, responses, items and tool calls. Both agents key their history on them, so they must never
 * repeat: random, 128 bits unless a protocol's own ids are shorter (OpenAI's Responses ids carry 96).
 */
export function randomId(prefix: string, bytes = 16): string {
	return prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}
