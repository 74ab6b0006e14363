/**
 * Where the limits live in Redis. Every key of one key name carries the hash tag `{<key name>}`, so that all the
 * keys a script touches share one Cluster slot. The name is URI-encoded inside the tag: a `{` or `}` in it would
 * otherwise end the tag early.
 *
 *   {k}:rpm                     hash  at, debt, per          GCRA state (gcra.ts)
 *   {k}:tpm                     hash  at, level, cap         token bucket (token-bucket.ts)
 *   {k}:tpd / {k}:tpmo          hash  period, used           day / month quota (quota.ts)
 *   {k}:leases                  zset  request id → expiry ms concurrency
 *   {k}:op:<request id>         string                       settled marker, for idempotent settles
 *   {k}:usage:<model>:<day>     hash  requests, prompt_tokens, completion_tokens, errors, refusals
 *   {k}:usage:index             zset  "<day>:<model>" → day number, to list a key's usage without SCAN
 *   usage:keys                  set   key names with usage: the one untagged key, written outside the scripts
 */

/** The only key outside every hash tag. Scripts never touch it, so they stay single-slot. */
export const USAGE_KEYS = "usage:keys";

export function tagOf(keyName: string): string {
	return `{${encodeURIComponent(keyName)}}`;
}

export type KeyLayout = {
	rate: string;
	bucket: string;
	day: string;
	month: string;
	leases: string;
	usageIndex: string;
};

export function keyLayout(keyName: string): KeyLayout {
	const tag = tagOf(keyName);
	return {
		rate: `${tag}:rpm`,
		bucket: `${tag}:tpm`,
		day: `${tag}:tpd`,
		month: `${tag}:tpmo`,
		leases: `${tag}:leases`,
		usageIndex: `${tag}:usage:index`,
	};
}

export function settledKey(keyName: string, requestId: string): string {
	return `${tagOf(keyName)}:op:${requestId}`;
}

export function usageKey(keyName: string, model: string, day: string): string {
	return `${tagOf(keyName)}:usage:${model}:${day}`;
}

/** A usage index member: the day has a fixed width, so a model name holding ":" still parses. */
export function usageMember(day: string, model: string): string {
	return `${day}:${model}`;
}

export function parseUsageMember(member: string): { day: string; model: string } {
	return { day: member.slice(0, 10), model: member.slice(11) };
}
