/**
 * The in-process limit store: the same semantics as the Redis store for one process, and the Redis store's local
 * fallback. Admission checks every configured limit, then applies all or nothing. Time is injected (`now`, ms) so
 * that tests are exact. The check is synchronous underneath (`admitNow`), so it costs a few map lookups.
 */

import type { Period } from "./calendar.ts";
import { type RateState, rateAdmit, rateExhausted } from "./gcra.ts";
import { type QuotaState, quotaAt, quotaCharge, quotaCheck } from "./quota.ts";
import { type Blocked, CONCURRENT_WAIT_MS, longestWait, toRefusal } from "./refusal.ts";
import { type BucketState, bucketAt, bucketCheck, bucketEmpty, bucketFull, bucketTake } from "./token-bucket.ts";
import {
	type AdmitInput,
	type AdmitResult,
	DEFAULT_LEASE_TTL_MS,
	type LimitStore,
	type SettleInput,
	type UsageQuery,
	type UsageRow,
} from "./types.ts";
import { UsageTable } from "./usage-table.ts";

export type MemoryStoreOptions = {
	now?: () => number;
	leaseTtlMs?: number;
	/** How long a settled request id is remembered, so that a repeated settle charges nothing. */
	settledTtlMs?: number;
	/**
	 * A key first seen starts with its minute limits used up instead of a full bucket: the Redis fallback does not
	 * know what the other replicas spent, and must not hand out a fresh allowance on top of it.
	 */
	startExhausted?: boolean;
};

type KeyState = {
	rate?: RateState;
	bucket?: BucketState;
	day?: QuotaState;
	month?: QuotaState;
	/** request id → lease expiry (ms). */
	leases: Map<string, number>;
};

const QUOTAS = [
	["tokens_per_day", "day", "day"],
	["tokens_per_month", "month", "month"],
] as const satisfies readonly (readonly ["tokens_per_day" | "tokens_per_month", Period, "day" | "month"])[];

export class MemoryLimitStore implements LimitStore {
	readonly renewIntervalMs: number;
	readonly #now: () => number;
	readonly #leaseTtlMs: number;
	readonly #settledTtlMs: number;
	readonly #startExhausted: boolean;
	readonly #keys = new Map<string, KeyState>();
	/** request id → when to forget it; insertion order is expiry order, so pruning stops at the first live one. */
	readonly #settled = new Map<string, number>();
	readonly #usage = new UsageTable();

	constructor(options: MemoryStoreOptions = {}) {
		this.#now = options.now ?? Date.now;
		this.#leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
		this.renewIntervalMs = Math.floor(this.#leaseTtlMs / 3);
		this.#settledTtlMs = options.settledTtlMs ?? 86_400_000;
		this.#startExhausted = options.startExhausted ?? false;
	}

	async admit(input: AdmitInput): Promise<AdmitResult> {
		return this.admitNow(input);
	}

	admitNow({ keyName, model, limits, requestId, reserveTokens }: AdmitInput): AdmitResult {
		const now = this.#now();
		const state = this.#state(keyName);
		const blocked: Blocked[] = [];

		const rpm = limits.requests_per_minute;
		let rate: RateState | undefined;
		if (rpm !== undefined) {
			// The fallback's used-up start is a starting point, not a charge: it is kept even if this request is refused.
			if (!state.rate && this.#startExhausted) state.rate = rateExhausted(now, rpm);
			const decision = rateAdmit(state.rate, now, rpm);
			if (decision.ok) rate = decision.next;
			else blocked.push({ limit: "requests_per_minute", limitValue: rpm, ...decision });
		}

		const tpm = limits.tokens_per_minute;
		let bucket: BucketState | undefined;
		if (tpm !== undefined) {
			if (!state.bucket && this.#startExhausted) state.bucket = bucketEmpty(now, tpm);
			bucket = state.bucket ? bucketAt(state.bucket, now, tpm) : bucketFull(now, tpm);
			const decision = bucketCheck(bucket);
			if (!decision.ok) blocked.push({ limit: "tokens_per_minute", limitValue: tpm, ...decision });
		}

		const concurrent = limits.concurrent;
		if (concurrent !== undefined) {
			for (const [id, expiry] of state.leases) if (expiry <= now) state.leases.delete(id);
			if (state.leases.size >= concurrent && !state.leases.has(requestId)) {
				const wait = CONCURRENT_WAIT_MS;
				blocked.push({ limit: "concurrent", limitValue: concurrent, retryMs: wait, resetMs: wait });
			}
		}

		for (const [limit, period, field] of QUOTAS) {
			const quota = limits[limit];
			if (quota === undefined) continue;
			const decision = quotaCheck(quotaAt(state[field], period, now), quota, period, now);
			if (!decision.ok) blocked.push({ limit, limitValue: quota, ...decision });
		}

		const worst = longestWait(blocked);
		if (worst) {
			this.#usage.add(now, keyName, model, { refusals: 1 });
			return { ok: false, refusal: toRefusal(worst) };
		}

		// Every limit admitted: only now is anything charged.
		if (rate) state.rate = rate;
		if (bucket) state.bucket = bucketTake(bucket, reserveTokens);
		if (concurrent !== undefined) state.leases.set(requestId, now + this.#leaseTtlMs);
		for (const [limit, period, field] of QUOTAS) {
			if (limits[limit] !== undefined) state[field] = quotaCharge(state[field], period, now, reserveTokens);
		}
		this.#usage.add(now, keyName, model, { requests: 1 });
		return { ok: true };
	}

	async settle(input: SettleInput): Promise<void> {
		this.settleNow(input);
	}

	settleNow({
		keyName,
		model,
		requestId,
		reservedTokens,
		promptTokens,
		completionTokens,
		error,
		once,
	}: SettleInput): void {
		const now = this.#now();
		if (!once) {
			this.#forgetSettled(now);
			if (this.#settled.has(requestId)) return;
			this.#settled.set(requestId, now + this.#settledTtlMs);
		}

		const state = this.#state(keyName);
		state.leases.delete(requestId);
		const delta = promptTokens + completionTokens - reservedTokens;
		if (state.bucket) state.bucket = bucketTake(bucketAt(state.bucket, now), delta);
		for (const [, period, field] of QUOTAS) {
			if (state[field]) state[field] = quotaCharge(state[field], period, now, delta);
		}
		this.#usage.add(now, keyName, model, {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			errors: error ? 1 : 0,
		});
	}

	async renew(keyName: string, requestId: string): Promise<void> {
		const leases = this.#keys.get(keyName)?.leases;
		if (leases?.has(requestId)) leases.set(requestId, this.#now() + this.#leaseTtlMs);
	}

	/** Counts a request admitted elsewhere (by Redis, before an outage) against this store's concurrency. */
	holdLease(keyName: string, requestId: string): void {
		this.#state(keyName).leases.set(requestId, this.#now() + this.#leaseTtlMs);
	}

	releaseLease(keyName: string, requestId: string): void {
		this.#keys.get(keyName)?.leases.delete(requestId);
	}

	async usage(query: UsageQuery): Promise<UsageRow[]> {
		return this.#usage.query(query);
	}

	async close(): Promise<void> {}

	#state(keyName: string): KeyState {
		let state = this.#keys.get(keyName);
		if (!state) {
			state = { leases: new Map() };
			this.#keys.set(keyName, state);
		}
		return state;
	}

	#forgetSettled(now: number): void {
		for (const [id, expiry] of this.#settled) {
			if (expiry > now) return;
			this.#settled.delete(id);
		}
	}
}
