/**
 * The one error type that reaches a client. Everything that can fail (bad input, an upstream refusal, a timeout) is
 * turned into a ProxyError with the status and the message the client should see; the protocol that owns the path
 * writes it out in its own shape (its descriptor's `errorResponse`).
 */
/** Why an upstream call failed, for retries, fallbacks and the upstream-error metric. */
export type FailureKind =
	| "connect"
	| "timeout"
	| "rate_limit"
	| "server"
	| "auth"
	| "not_found"
	| "bad_request"
	| "stream"
	/** Every replica of a fleet was busy and the request could not wait: Ollama's own 503. */
	| "busy";

/** Failures worth another try, on the same upstream or on a fallback: nothing reached the client yet. */
export const TRANSIENT: ReadonlySet<FailureKind> = new Set(["connect", "timeout", "rate_limit", "server"]);

export class ProxyError extends Error {
	override readonly name = "ProxyError";
	constructor(
		readonly status: number,
		message: string,
		/** Headers the client needs to act on the error, such as `retry-after` on a 429. */
		readonly headers: Record<string, string> = {},
		/** Set on upstream failures. */
		readonly kind?: FailureKind,
		/** A machine-readable code for protocols that carry one (OpenAI's `error.code`), when the status alone is too coarse. */
		readonly code?: string,
		/**
		 * Set only on the proxy's own limit refusals: what the refusing limit counts. OpenAI names it in `error.type`
		 * ("requests" or "tokens"); a 429 relayed from an upstream leaves it unset and keeps its usual shape.
		 */
		readonly limitType?: "requests" | "tokens",
	) {
		super(message);
	}
}

/**
 * What failed, for the request's log line: the upstream's failure kind when the upstream failed, else `request` for a
 * request the proxy refused (4xx) or `internal` for the proxy's own fault (5xx).
 */
export function failureKind(status: number, kind?: FailureKind): FailureKind | "request" | "internal" {
	return kind ?? (status >= 500 ? "internal" : "request");
}

export const badRequest = (message: string) => new ProxyError(400, message);
export const modelNotFound = (name: string) => new ProxyError(404, `model '${name}' not found`);

// vLLM: "This model's maximum context length is 32768 tokens…"; OpenAI: code context_length_exceeded; llama.cpp:
// "the request exceeds the available context size"; others say "prompt is too long" or "too many tokens".
const CONTEXT_OVERFLOW = /context[_ ]length|context size|context window|prompt is too long|too many tokens/i;

/** An upstream refusal because the conversation no longer fits: agents compact on it instead of retrying. */
export function isContextOverflow(error: ProxyError): boolean {
	const fromUpstream = error.kind === "bad_request" || error.kind === "stream";
	return error.code === "context_length_exceeded" || (fromUpstream && CONTEXT_OVERFLOW.test(error.message));
}
