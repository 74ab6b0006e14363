/**
 * The vocabulary of the limits engine: a key's configured limits, what admission and settlement take, what a
 * refusal says, and the store contract that the memory and the Redis stores both fulfil. Plain types, so that the
 * config layer can write zod schemas whose `z.infer` matches `KeyLimits`.
 */

/** A key's limits, with the YAML field names. Every field is optional: absent means unlimited. Values are ≥ 1. */
export type KeyLimits = {
	requests_per_minute?: number;
	/** Prompt plus completion tokens. */
	tokens_per_minute?: number;
	/** Requests in flight, streams included, until their last byte. */
	concurrent?: number;
	/** Quota reset at 00:00 UTC. */
	tokens_per_day?: number;
	/** Quota reset on the 1st of the month, 00:00 UTC. */
	tokens_per_month?: number;
};

export type LimitName = keyof KeyLimits;

/** The order in which limits are checked; a tie on retry time reports the earliest one. */
export const LIMIT_NAMES: readonly LimitName[] = [
	"requests_per_minute",
	"tokens_per_minute",
	"concurrent",
	"tokens_per_day",
	"tokens_per_month",
];

export type Refusal = {
	limit: LimitName;
	/** The configured value of that limit (never a fallback share of it). */
	limitValue: number;
	/** Whole seconds, ≥ 1: when a retry can be admitted by this limit. */
	retryAfterSeconds: number;
	/** Whole seconds, ≥ 0: until this limit is fully available again. */
	resetSeconds: number;
};

export type AdmitResult = { ok: true } | { ok: false; refusal: Refusal };

export type AdmitInput = {
	keyName: string;
	model: string;
	limits: KeyLimits;
	/** Unique per client request; retries and fallbacks of that request reuse it. */
	requestId: string;
	/** The caller's estimate: prompt bytes ÷ 4 + min(max tokens, 4096), or 4096. */
	reserveTokens: number;
};

export type SettleInput = {
	keyName: string;
	model: string;
	requestId: string;
	/** What admission reserved for this request, so that the difference can be charged or given back. */
	reservedTokens: number;
	promptTokens: number;
	completionTokens: number;
	error: boolean;
	/**
	 * The caller settles this id exactly once (a request's own ticket): the memory store need not remember it for a
	 * repeat, which would otherwise keep one entry per request for a day. Redis keeps its own marker either way.
	 */
	once?: boolean;
};

/** Days are UTC `YYYY-MM-DD`, both ends inclusive. */
export type UsageQuery = { from: string; to: string; key?: string; model?: string };

export type UsageRow = {
	day: string;
	key: string;
	model: string;
	/** Admitted requests. */
	requests: number;
	prompt_tokens: number;
	completion_tokens: number;
	errors: number;
	refusals: number;
};

/**
 * Both stores: admission checks every configured limit and applies nothing unless all admit; settle is idempotent
 * per request id and releases the concurrency lease; renew extends a running request's lease. No method throws
 * because a backing service failed.
 */
export interface LimitStore {
	admit(input: AdmitInput): Promise<AdmitResult>;
	settle(input: SettleInput): Promise<void>;
	renew(keyName: string, requestId: string): Promise<void>;
	usage(query: UsageQuery): Promise<UsageRow[]>;
	/** How often a caller should renew the lease of a request still streaming. */
	readonly renewIntervalMs: number;
	close(): Promise<void>;
}

/** 30 s: a crashed process's lease is gone well within a minute; callers renew every 10 s. */
export const DEFAULT_LEASE_TTL_MS = 30_000;
