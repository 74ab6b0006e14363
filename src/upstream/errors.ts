/**
 * openai SDK errors → the ProxyError a client sees. The mapping follows what Ollama clients can act on: a key the
 * upstream refuses is the operator's problem (502, never the key itself), an unknown model is Ollama's 404, a rate
 * limit keeps its 429 and `Retry-After`, a dead or failing upstream is a 502 and a silent one a 504.
 */
import {
	APIConnectionError,
	APIConnectionTimeoutError,
	APIError,
	APIUserAbortError,
	AuthenticationError,
	BadRequestError,
	NotFoundError,
	PermissionDeniedError,
	RateLimitError,
	UnprocessableEntityError,
} from "openai";
import { modelNotFound, ProxyError } from "../core/proxy-error.ts";
import { redact } from "../lib/redact.ts";

export type FailureContext = {
	/** The model as the client named it, for "model 'x' not found". */
	modelName?: string;
	/** Set when one of the proxy's own timers aborted the call: what the client is told. */
	timeout?: string;
	/** The secrets that must never reach a message. */
	secrets: readonly (string | undefined)[];
	/** What the operator should check when the upstream refuses the key. */
	keyHint: string;
};

// An upstream behind a misconfigured gateway answers with whole HTML pages; a client needs the gist, not the page.
const MAX_MESSAGE = 300;

/** The upstream's own words for an error: the body's `error.message`, else the SDK's summary, kept short. */
function upstreamMessage(error: APIError): string {
	const body = error.error as { message?: unknown } | undefined;
	const text = (typeof body?.message === "string" && body.message ? body.message : error.message)
		.replace(/\s+/g, " ")
		.trim();
	return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** What an error object inside a stream says it is, by its numeric code or its type/code names. */
function streamErrorCode(error: APIError): "rate_limit" | "overloaded" | undefined {
	const body = (error.error ?? {}) as { code?: unknown; type?: unknown };
	const names = `${body.type ?? ""} ${body.code ?? ""}`.toLowerCase();
	if (body.code === 429 || body.code === "429" || names.includes("rate_limit")) return "rate_limit";
	if (body.code === 503 || body.code === 529 || names.includes("overloaded")) return "overloaded";
	return undefined;
}

export function upstreamFailure(error: unknown, ctx: FailureContext): ProxyError {
	if (error instanceof ProxyError) return error;
	const clean = (text: string) => redact(text, ctx.secrets);
	if (ctx.timeout !== undefined) return new ProxyError(504, ctx.timeout, {}, "timeout");
	if (error instanceof APIUserAbortError) return new ProxyError(499, "request canceled");
	if (error instanceof APIConnectionTimeoutError)
		return new ProxyError(504, "upstream did not answer in time", {}, "timeout");
	if (error instanceof APIConnectionError) {
		const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
		return new ProxyError(502, clean(`upstream unreachable${cause}`), {}, "connect");
	}
	if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
		// The upstream's text may quote part of the key ("Incorrect API key provided: sk-ab***yz"): never relay it.
		return new ProxyError(
			502,
			`upstream rejected the proxy's API key (HTTP ${error.status}); ${ctx.keyHint}`,
			{},
			"auth",
		);
	}
	if (error instanceof NotFoundError) {
		// A 404 about the model is Ollama's "model not found"; any other 404 (a wrong base URL, an upstream without
		// /completions) is the operator's problem, and saying the model is missing would mislead the client.
		const body = error.error as { code?: unknown } | undefined;
		// Azure names the model's deployment (`DeploymentNotFound`): for it, the deployment is the model.
		const aboutModel =
			body?.code === "model_not_found" ||
			body?.code === "DeploymentNotFound" ||
			/model|deployment/i.test(upstreamMessage(error));
		if (ctx.modelName !== undefined && aboutModel) {
			const notFound = modelNotFound(ctx.modelName);
			return new ProxyError(notFound.status, notFound.message, {}, "not_found");
		}
		return new ProxyError(
			502,
			clean(`upstream has no such endpoint (HTTP 404): ${upstreamMessage(error)}`),
			{},
			"bad_request",
		);
	}
	if (error instanceof RateLimitError) {
		const retryAfter = error.headers.get("retry-after");
		return new ProxyError(
			429,
			clean(`upstream rate limit: ${upstreamMessage(error)}`),
			retryAfter ? { "retry-after": retryAfter } : {},
			"rate_limit",
		);
	}
	if (error instanceof BadRequestError || error instanceof UnprocessableEntityError) {
		return new ProxyError(400, clean(`upstream rejected the request: ${upstreamMessage(error)}`), {}, "bad_request");
	}
	if (error instanceof APIError) {
		// No status: an error object inside an answer that had already started. A rate limit or an overload there
		// (OpenRouter and LiteLLM report a provider's 429 this way) keeps its meaning: clients wait instead of retrying.
		if (!error.status) {
			const message = upstreamMessage(error);
			const code = streamErrorCode(error);
			if (code === "rate_limit") return new ProxyError(429, clean(`upstream rate limit: ${message}`), {}, "rate_limit");
			if (code === "overloaded") return new ProxyError(503, clean(`upstream overloaded: ${message}`), {}, "server");
			return new ProxyError(502, clean(`upstream error: ${message}`), {}, "stream");
		}
		return new ProxyError(502, clean(`upstream error (HTTP ${error.status}): ${upstreamMessage(error)}`), {}, "server");
	}
	if (error instanceof SyntaxError) return new ProxyError(502, "upstream sent a malformed stream", {}, "stream");
	// Whatever else fails while talking to the upstream is the transport: a reset socket, a body cut short.
	const detail = error instanceof Error ? error.message : String(error);
	return new ProxyError(502, clean(`upstream request failed: ${detail}`), {}, "connect");
}
