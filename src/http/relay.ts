/**
 * Relaying an upstream's answer as it came: its status and body bytes untouched, with only the headers worth keeping;
 * and what a route asks of a relayed body while it runs (`BodyWatch`): to say how it ended, to cut a client that
 * stopped reading, and to end an SSE stream the upstream broke off in the client's protocol.
 */
import type { Outcome } from "../metrics/proxy-metrics.ts";

/** How a relayed body ended: a body cut short says whether the upstream went quiet or its connection broke. */
export type RelayEnd = { outcome: Exclude<Outcome, "failed"> } | { outcome: "failed"; kind: CutKind; message: string };

/** Why a relayed body was cut: it went quiet, or its connection broke. */
export type CutKind = "timeout" | "connect";

export type BodyWatch = {
	/** How long a chunk may wait for a client that takes nothing before the body is cut; unset, forever. */
	stallMs?: number;
	/** The last event of an SSE body cut short, in the client's protocol; unset, OpenAI's error event. */
	sseEnding?(message: string, kind: CutKind): string;
	/** Called once, when the body has ended for any reason. */
	onEnd(end: RelayEnd): void;
};

// Headers of the upstream's answer worth relaying; hop-by-hop and length headers are Bun's to set.
const RELAYED_HEADERS = ["content-type", "x-request-id", "openai-processing-ms", "retry-after"];

// The upstream's own request id (OpenAI's name first, then Anthropic's) is kept apart from the proxy's.
const UPSTREAM_ID = new Set(["x-request-id", "request-id"]);

/** The upstream's answer as the client gets it: status and body bytes untouched, with the headers worth keeping. */
export function relayed(
	upstream: Response,
	body = upstream.body,
	names: readonly string[] = RELAYED_HEADERS,
): Response {
	// A plain record: Bun builds the response's headers from it, where a Headers object would be built and then copied.
	const headers: Record<string, string> = {};
	const given = upstream.headers;
	for (const name of names) {
		const value = given.get(name);
		const as = UPSTREAM_ID.has(name) ? "x-upstream-request-id" : name;
		if (value && headers[as] === undefined) headers[as] = value;
	}
	return new Response(body, { status: upstream.status, headers });
}
