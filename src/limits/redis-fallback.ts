/**
 * What the Redis store does on its own while Redis does not answer, and what it must remember to do that well:
 * where each request in flight was admitted (Redis or this fallback), and the quota counters Redis last reported.
 *
 * An outage starts at the first call decided locally (`onFallback`, once) and ends when Redis answers again
 * (`onRecovered`); each outage gets a fresh memory store holding this replica's share of every limit
 * (fallback-limits.ts), started used up, with the slots of this replica's requests still running on Redis leases
 * already taken, so that an outage cannot hand out more than the limit.
 */
import { dayNumber, monthNumber } from "./calendar.ts";
import { FALLBACK_QUOTA_RETRY_S, fallbackLimits, type QuotaSnapshot } from "./fallback-limits.ts";
import { MemoryLimitStore } from "./memory-store.ts";
import type { AdmitInput, AdmitResult, SettleInput } from "./types.ts";

export type FallbackOptions = {
	replicas: number;
	now: () => number;
	leaseTtlMs: number;
	onFallback?: (error: unknown) => void;
	onFallbackCall?: () => void;
	onRecovered?: () => void;
};

/** `local` is the fallback store that admitted the request, if one did. */
type InFlight = { keyName: string; local?: MemoryLimitStore };

export class LocalFallback {
	readonly #o: FallbackOptions;
	readonly #inFlight = new Map<string, InFlight>();
	readonly #quotas = new Map<string, QuotaSnapshot>();
	/** The store of the current outage; undefined while Redis answers. */
	#local: MemoryLimitStore | undefined;
	#seeded = new Set<string>();

	constructor(options: FallbackOptions) {
		this.#o = options;
	}

	/** The current outage's store, if Redis is out. */
	get active(): MemoryLimitStore | undefined {
		return this.#local;
	}

	/** Redis admitted the request; `dayUsed`/`monthUsed` are its quota counters after it, or < 0 when none. */
	admittedByRedis(keyName: string, requestId: string, now: number, dayUsed: number, monthUsed: number): void {
		this.#inFlight.set(requestId, { keyName });
		this.#quotas.set(keyName, {
			day: dayUsed >= 0 ? { period: dayNumber(now), used: dayUsed } : undefined,
			month: monthUsed >= 0 ? { period: monthNumber(now), used: monthUsed } : undefined,
		});
	}

	admit(input: AdmitInput, now: number, error: unknown): AdmitResult {
		this.#o.onFallbackCall?.();
		if (!this.#local) {
			const { now, leaseTtlMs } = this.#o;
			this.#local = new MemoryLimitStore({ now, leaseTtlMs, startExhausted: true });
			this.#seeded = new Set();
			this.#o.onFallback?.(error);
		}
		const local = this.#local;
		if (!this.#seeded.has(input.keyName)) {
			for (const [id, entry] of this.#inFlight) if (entry.keyName === input.keyName) local.holdLease(entry.keyName, id);
			this.#seeded.add(input.keyName);
		}
		const shared = fallbackLimits(input.limits, this.#o.replicas, this.#quotas.get(input.keyName), now);
		const result = local.admitNow({ ...input, limits: shared });
		if (result.ok) {
			this.#inFlight.set(input.requestId, { keyName: input.keyName, local });
			return result;
		}
		const { refusal } = result;
		const quota = refusal.limit === "tokens_per_day" || refusal.limit === "tokens_per_month";
		// Clients are told the configured limit, and a quota refused by a share may be open again once Redis is.
		const retryAfterSeconds = quota
			? Math.min(refusal.retryAfterSeconds, FALLBACK_QUOTA_RETRY_S)
			: refusal.retryAfterSeconds;
		const limitValue = input.limits[refusal.limit] ?? refusal.limitValue;
		return { ok: false, refusal: { ...refusal, limitValue, retryAfterSeconds } };
	}

	/**
	 * The request ended: settles it where it was admitted locally and forgets it. Returns whether the fallback
	 * admitted it, in which case Redis never counted the request and must be told of it in full.
	 */
	finish(input: SettleInput): boolean {
		const entry = this.#inFlight.get(input.requestId);
		this.#inFlight.delete(input.requestId);
		if (entry?.local) entry.local.settleNow(input);
		else this.#local?.releaseLease(input.keyName, input.requestId);
		return entry?.local !== undefined;
	}

	/** Renews a local lease; returns whether the request lives only here (Redis has no lease to renew). */
	async renew(keyName: string, requestId: string): Promise<boolean> {
		const local = this.#inFlight.get(requestId)?.local;
		await (local ?? this.#local)?.renew(keyName, requestId);
		return local !== undefined;
	}

	/** Redis answered: the outage, if there was one, is over and its store retired. */
	recovered(): void {
		if (!this.#local) return;
		this.#local = undefined;
		this.#o.onRecovered?.();
	}
}
