/**
 * Every failure, whatever raised it, becomes one ProxyError here, which the path's protocol then writes in its own
 * shape: Elysia's parse and validation errors, unknown routes and methods, ProxyErrors, and anything unexpected
 * (logged, answered as a bare 500).
 */
import type { Logger } from "pino";
import { ProxyError } from "../core/proxy-error.ts";

type ValidationIssue = { path?: string; message?: string; summary?: string };

/** zod's own messages do not name the field; Ollama's own messages ("model is required", "invalid format: …") start with it. */
function validationMessage(issues: readonly ValidationIssue[]): string {
	const issue = issues[0];
	const message = issue?.message ?? issue?.summary ?? "invalid request";
	const field = (issue?.path ?? "").replace(/^\//, "").replaceAll("/", ".");
	const leaf = field.split(".").at(-1) ?? "";
	if (!field || message.startsWith(leaf) || message.startsWith(`invalid ${leaf}`)) return message;
	return `${field}: ${message}`;
}

export type ErrorSource = {
	code: unknown;
	error: unknown;
	/** The allowed methods when the path exists under another method. */
	methodsFor(pathname: string): string[];
	pathname: string;
};

export function toProxyError(source: ErrorSource, log: Logger): ProxyError {
	const { code, error } = source;
	if (error instanceof ProxyError) return error;
	if (code === "PARSE") {
		const cause = (error as { cause?: unknown }).cause;
		if (cause instanceof ProxyError) return cause;
		return new ProxyError(400, `invalid JSON: ${cause instanceof Error ? cause.message : "unreadable body"}`);
	}
	if (code === "VALIDATION") {
		return new ProxyError(400, validationMessage((error as { all?: ValidationIssue[] }).all ?? []));
	}
	if (code === "NOT_FOUND") {
		return source.methodsFor(source.pathname).length > 0
			? new ProxyError(405, "405 method not allowed")
			: new ProxyError(404, "404 page not found");
	}
	log.error({ err: error }, "unhandled error");
	return new ProxyError(500, "internal error");
}
