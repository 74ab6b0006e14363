/**
 * What the shared pipeline and the app know of a client protocol: one descriptor each, read instead of matching
 * paths or protocol names. Each protocol's folder exports its own.
 */
import type { AgentProtocol } from "../config/file.ts";
import type { ProxyError } from "../core/proxy-error.ts";
import type { CutKind } from "../http/relay.ts";
import type { OpenAIPath } from "../upstream/upstream.ts";

/** How a request in an agent protocol is relayed to an upstream that speaks the protocol itself. */
export type RelayRules = {
	/** The name an upstream lists under `protocols:` when it speaks this one. */
	protocol: AgentProtocol;
	/** The upstream path the body is relayed to. */
	path: OpenAIPath;
	/** Where the protocol puts the token limit and, if it has one, the reasoning effort. */
	fields: { maxTokens: string; reasoningEffort?: readonly [string, string] };
	/** The last SSE event of a relayed stream cut short, in the protocol's words. */
	cutShortEvent(message: string, kind: CutKind, requestId: string): string;
	/** A body worth sending once more after this refusal (the upstream refused part of what it did not write), if any. */
	retryBody?(error: ProxyError, body: Record<string, unknown>): Record<string, unknown> | undefined;
};

export type ProtocolDescriptor = {
	/** Whether a request path belongs to the protocol: its errors are then written in the protocol's shape. */
	owns(pathname: string): boolean;
	errorResponse(error: ProxyError, requestId: string): Response;
	relay?: RelayRules;
};
