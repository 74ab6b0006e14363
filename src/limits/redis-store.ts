/**
 * The limit store shared by every replica through Redis (or Valkey). One EVALSHA at admission checks every limit,
 * takes the lease and counts the request; one at settle charges the difference, counts usage and frees the lease.
 *
 * Redis trouble never reaches the caller: admission waits at most `admitDeadlineMs` (50 ms), then decides locally
 * with this replica's share of each limit (redis-fallback.ts). `onFallback` fires once per outage, `onFallbackCall`
 * on every call decided locally, `onRecovered` on the first answer after (a command, or the reconnect's PING).
 * A settle never holds the caller: it runs in the background under its own deadline, and one that fails waits in
 * a bounded backlog, replayed when Redis answers again (settles are idempotent, so a replay cannot charge twice).
 *
 * Time: by default the scripts read Redis TIME, so that replicas with skewed clocks share one clock;
 * `clock: "caller"` passes `now()` instead (tests; a fleet with synchronised clocks). Usage days always come from
 * `now()`: a skew only moves a request across midnight in the report.
 */
import { LocalFallback } from "./redis-fallback.ts";
import { USAGE_KEYS } from "./redis-keys.ts";
import { RedisLink } from "./redis-link.ts";
import { admitCall, type CallContext, renewCall, settleCall } from "./redis-script-args.ts";
import { ADMIT, RENEW, SETTLE } from "./redis-scripts.ts";
import { readUsage } from "./redis-usage.ts";
import { toRefusal } from "./refusal.ts";
import {
	type AdmitInput,
	type AdmitResult,
	DEFAULT_LEASE_TTL_MS,
	LIMIT_NAMES,
	type LimitStore,
	type SettleInput,
	type UsageQuery,
	type UsageRow,
} from "./types.ts";

export type RedisStoreOptions = {
	url: string;
	/** How many proxies share the limits; only used while Redis is unreachable. */
	replicas: number;
	now?: () => number;
	clock?: "redis" | "caller";
	admitDeadlineMs?: number;
	/** Settle, renew and the key registry; nobody waits on them. */
	backgroundDeadlineMs?: number;
	usageDeadlineMs?: number;
	leaseTtlMs?: number;
	settledTtlMs?: number;
	usageRetentionDays?: number;
	/** Settles kept for replay while Redis is down; the oldest are dropped beyond it. */
	backlogLimit?: number;
	reconnectMinMs?: number;
	reconnectMaxMs?: number;
	onFallback?: (error: unknown) => void;
	onFallbackCall?: () => void;
	onRecovered?: () => void;
	/** A background call that failed (its settle is kept for replay unless the backlog is full). */
	onBackgroundFailure?: (error: unknown) => void;
};

type Backlogged = SettleInput & { countRequest: boolean };

export class RedisLimitStore implements LimitStore {
	readonly renewIntervalMs: number;
	readonly #o: Required<
		Omit<RedisStoreOptions, "onFallback" | "onFallbackCall" | "onRecovered" | "onBackgroundFailure">
	> &
		RedisStoreOptions;
	readonly #link: RedisLink;
	readonly #fallback: LocalFallback;
	readonly #registered = new Set<string>();
	readonly #running = new Set<Promise<void>>();
	#backlog: Backlogged[] = [];

	constructor(options: RedisStoreOptions) {
		this.#o = {
			now: Date.now,
			clock: "redis",
			admitDeadlineMs: 50,
			backgroundDeadlineMs: 1000,
			usageDeadlineMs: 5000,
			leaseTtlMs: DEFAULT_LEASE_TTL_MS,
			settledTtlMs: 86_400_000,
			usageRetentionDays: 400,
			backlogLimit: 10_000,
			reconnectMinMs: 250,
			reconnectMaxMs: 1000,
			...options,
		};
		this.renewIntervalMs = Math.floor(this.#o.leaseTtlMs / 3);
		this.#fallback = new LocalFallback(this.#o);
		this.#link = new RedisLink({
			url: this.#o.url,
			retryMinMs: this.#o.reconnectMinMs,
			retryMaxMs: this.#o.reconnectMaxMs,
			onUp: () => this.#answered(),
		});
	}

	/** Settles once the connection is up: for startup checks and tests. */
	connected(): Promise<void> {
		return this.#link.whenUp();
	}

	async admit(input: AdmitInput): Promise<AdmitResult> {
		const now = this.#o.now();
		this.#register(input.keyName);
		let reply: number[];
		try {
			const { keys, args } = admitCall(input, this.#context(now));
			reply = (await this.#link.run(ADMIT, keys, args, this.#o.admitDeadlineMs)) as number[];
		} catch (error) {
			return this.#fallback.admit(input, now, error);
		}
		this.#answered();
		const [admitted = 0, a = -1, b = -1, c = 0] = reply;
		if (admitted === 1) {
			this.#fallback.admittedByRedis(input.keyName, input.requestId, now, a, b);
			return { ok: true };
		}
		const limit = LIMIT_NAMES[a - 1] ?? "requests_per_minute";
		const limitValue = input.limits[limit] ?? 0;
		return { ok: false, refusal: toRefusal({ limit, limitValue, retryMs: b, resetMs: c }) };
	}

	async settle(input: SettleInput): Promise<void> {
		// Admitted locally: Redis is told what was really spent, and of the request it never counted.
		const countRequest = this.#fallback.finish(input);
		this.#background(
			this.#settleInRedis({ ...input, countRequest, reservedTokens: countRequest ? 0 : input.reservedTokens }),
		);
	}

	async renew(keyName: string, requestId: string): Promise<void> {
		if (await this.#fallback.renew(keyName, requestId)) return;
		try {
			const { keys, args } = renewCall(keyName, requestId, this.#context(this.#o.now()));
			await this.#link.run(RENEW, keys, args, this.#o.backgroundDeadlineMs);
		} catch (error) {
			this.#o.onBackgroundFailure?.(error);
		}
	}

	/** During an outage, only what this replica decided on its own since it began. */
	async usage(query: UsageQuery): Promise<UsageRow[]> {
		try {
			return await readUsage(this.#link, query, this.#o.usageDeadlineMs);
		} catch {
			return this.#fallback.active?.usage(query) ?? [];
		}
	}

	/** Waits for the settles and renewals running in the background. */
	async flush(): Promise<void> {
		while (this.#running.size > 0) await Promise.all(this.#running);
	}

	/** Settles still in the backlog, waiting for Redis. */
	get backlogSize(): number {
		return this.#backlog.length;
	}

	async close(): Promise<void> {
		await this.flush();
		this.#link.close();
	}

	#context(now: number): CallContext {
		const { clock, leaseTtlMs, settledTtlMs, usageRetentionDays } = this.#o;
		return { time: clock === "caller" ? now : undefined, now, leaseTtlMs, settledTtlMs, usageRetentionDays };
	}

	/** Redis answered: an outage, if there was one, is over, and its fallback store is retired. */
	#answered(): void {
		if (this.#backlog.length > 0) this.#replayBacklog();
		this.#fallback.recovered();
	}

	async #settleInRedis(input: Backlogged): Promise<void> {
		try {
			const { keys, args } = settleCall(input, this.#context(this.#o.now()));
			await this.#link.run(SETTLE, keys, args, this.#o.backgroundDeadlineMs);
			this.#answered();
		} catch (error) {
			this.#o.onBackgroundFailure?.(error);
			this.#backlog.push(input);
			if (this.#backlog.length > this.#o.backlogLimit) this.#backlog.shift();
		}
	}

	#replayBacklog(): void {
		const backlog = this.#backlog;
		this.#backlog = [];
		for (const input of backlog) this.#background(this.#settleInRedis(input));
	}

	/** Adds the key name to the global registry once per process: a separate command, so scripts stay one-slot. */
	#register(keyName: string): void {
		if (this.#registered.has(keyName)) return;
		this.#registered.add(keyName);
		const added = this.#link.send("SADD", [USAGE_KEYS, keyName], this.#o.backgroundDeadlineMs);
		this.#background(
			added.then(
				() => {},
				() => {
					this.#registered.delete(keyName);
				},
			),
		);
	}

	#background(task: Promise<void>): void {
		this.#running.add(task);
		task.finally(() => this.#running.delete(task));
	}
}
