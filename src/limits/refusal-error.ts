/**
 * A limit's refusal as the error a client gets: 429 with `Retry-After` (whole seconds, ≥ 1), `X-RateLimit-Limit`
 * (the refusing limit's configured value), `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` (seconds until it is
 * fully available), and a message naming the limit and when it resets. It names nothing but the caller's own limit.
 */
import { ProxyError } from "../core/proxy-error.ts";
import type { LimitName, Refusal } from "./types.ts";

/** What each limit counts, in OpenAI's error `type`. */
const COUNTS: Record<LimitName, "requests" | "tokens"> = {
	requests_per_minute: "requests",
	concurrent: "requests",
	tokens_per_minute: "tokens",
	tokens_per_day: "tokens",
	tokens_per_month: "tokens",
};

export function refusalError(refusal: Refusal): ProxyError {
	const { limit, limitValue, retryAfterSeconds, resetSeconds } = refusal;
	const message =
		`rate limit exceeded: ${limit} (${limitValue}) reached for this API key; ` +
		`try again in ${retryAfterSeconds}s, fully reset in ${resetSeconds}s`;
	const headers = {
		"retry-after": String(retryAfterSeconds),
		"x-ratelimit-limit": String(limitValue),
		"x-ratelimit-remaining": "0",
		"x-ratelimit-reset": String(resetSeconds),
	};
	return new ProxyError(429, message, headers, undefined, "rate_limit_exceeded", COUNTS[limit]);
}
