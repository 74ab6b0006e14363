/**
 * Retries and fallbacks, both before the first byte only: a failed call that sent the client nothing is tried
 * again on the same upstream (with exponential backoff, or the 429's Retry-After when it is longer), then on each
 * of the model's fallbacks in turn. Once an answer has started, a failure is the client's to see.
 */
import type { Logger } from "pino";
import type { Retries } from "../config/file.ts";
import { ProxyError, TRANSIENT } from "../core/proxy-error.ts";
import { retryAfterMs } from "../lib/retry-after.ts";
import type { ModelRegistry, Route } from "./model-registry.ts";

/** How long to wait before retry number `attempt` (0-based), or undefined when waiting would take too long. */
export function retryDelay(attempt: number, error: ProxyError, retries: Retries): number | undefined {
	const backoff = retries.backoff_ms * 2 ** attempt;
	const asked = retryAfterMs(error.headers["retry-after"]);
	const wait = Math.max(backoff, asked ?? 0);
	return wait <= retries.max_wait_ms ? wait : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});
}

export type AttemptContext = {
	registry: ModelRegistry;
	retriesOf(upstream: string): Retries;
	signal: AbortSignal;
	log: Logger;
	/** Told of every failed attempt, for the upstream-error metric. */
	onFailure?(route: Route, error: ProxyError): void;
	/** Whether the caller may use a model: a fallback the caller's key may not use is skipped. */
	allows?(model: string): boolean;
	/** Whether a retry on this route can go at once (a fleet has a replica this request has not tried). */
	retryAtOnce?(route: Route): boolean;
};

/** Calls `call` on the route, retrying and falling back as configured, and returns the first success. */
export async function firstSuccess<T>(
	route: Route,
	ctx: AttemptContext,
	call: (route: Route) => Promise<T>,
): Promise<T> {
	let lastError: unknown;
	const tried = new Set<string>();
	const chain: (Route | string)[] = [route, ...route.fallbacks];
	for (const link of chain) {
		const current = typeof link === "string" ? await ctx.registry.resolve(link) : link;
		if (!current || tried.has(current.name)) {
			if (!current) ctx.log.warn({ model: route.name, fallback: link }, "fallback model not found; skipped");
			continue;
		}
		if (current !== route && ctx.allows && !ctx.allows(current.name)) {
			ctx.log.warn({ model: route.name, fallback: current.name }, "fallback not allowed for this key; skipped");
			continue;
		}
		tried.add(current.name);
		const retries = ctx.retriesOf(current.upstream.name);
		for (let attempt = 0; ; attempt++) {
			try {
				return await call(current);
			} catch (error) {
				if (!(error instanceof ProxyError) || !error.kind) throw error;
				ctx.onFailure?.(current, error);
				if (!TRANSIENT.has(error.kind) || ctx.signal.aborted) throw error;
				lastError = error;
				const wait =
					attempt >= retries.max ? undefined : ctx.retryAtOnce?.(current) ? 0 : retryDelay(attempt, error, retries);
				if (wait === undefined) break;
				ctx.log.info(
					{ model: current.name, upstream: current.upstream.name, attempt: attempt + 1, waitMs: wait },
					"retrying",
				);
				if (wait > 0) await sleep(wait, ctx.signal);
				// The client left while we waited: there is nobody to answer.
				if (ctx.signal.aborted) throw error;
			}
		}
		ctx.log.warn({ model: current.name, upstream: current.upstream.name, err: lastError }, "upstream failed");
	}
	throw lastError;
}
