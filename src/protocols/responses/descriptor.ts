/** OpenAI's Responses API as the pipeline and the app see it: its paths, its error shape, and how it is relayed. */
import type { ProtocolDescriptor, RelayRules } from "../../pipeline/protocol.ts";
import { cutShortEvent, responsesErrorResponse } from "./errors.ts";

/**
 * The input without its reasoning items, or undefined when it has none. OpenAI refuses reasoning whose
 * `encrypted_content` it did not write (a turn an Ollama-style server answered); without them the turn still holds.
 */
export function withoutReasoningItems(input: unknown): unknown[] | undefined {
	if (!Array.isArray(input)) return undefined;
	const kept = input.filter((item) => (item as { type?: unknown } | null)?.type !== "reasoning");
	return kept.length < input.length ? kept : undefined;
}

export const responsesRelay: RelayRules = {
	protocol: "responses",
	path: "/responses",
	fields: { maxTokens: "max_output_tokens", reasoningEffort: ["reasoning", "effort"] },
	cutShortEvent,
	retryBody(error, body) {
		if (error.code !== "invalid_encrypted_content") return undefined;
		const input = withoutReasoningItems(body.input);
		return input ? { ...body, input } : undefined;
	},
};

export const responsesProtocol: ProtocolDescriptor = {
	owns: (pathname) => pathname === "/v1/responses" || pathname.startsWith("/v1/responses/"),
	errorResponse: responsesErrorResponse,
	relay: responsesRelay,
};
