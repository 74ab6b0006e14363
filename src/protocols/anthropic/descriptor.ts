/** Anthropic Messages as the pipeline and the app see it: its paths, its error shape, and how it is relayed. */
import type { ProtocolDescriptor, RelayRules } from "../../pipeline/protocol.ts";
import { anthropicErrorResponse, cutShortEvent } from "./errors.ts";

export const anthropicRelay: RelayRules = {
	protocol: "messages",
	path: "/messages",
	fields: { maxTokens: "max_tokens" },
	cutShortEvent,
};

export const anthropicProtocol: ProtocolDescriptor = {
	owns: (pathname) => pathname === "/v1/messages" || pathname.startsWith("/v1/messages/"),
	errorResponse: anthropicErrorResponse,
	relay: anthropicRelay,
};
