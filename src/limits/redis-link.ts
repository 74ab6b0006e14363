/**
 * One Redis connection that never makes its caller wait past a deadline and never stays dead.
 *
 * Every command races its own deadline: Bun's client can leave a promise unsettled after a reconnect
 * (oven-sh/bun#34374), and its offline queue (off here) would hold commands for seconds. A failed or late command
 * marks the link down: the client is closed and dropped, and a background loop tries a new client + PING every
 * 250 ms, backing off to 1 s, until one answers. Bun's own reconnect is off: after its retries it stays dead
 * without telling anyone, so this loop is the only way back. While down, commands fail at once.
 */
import { RedisClient } from "bun";
import type { LuaScript } from "./redis-scripts.ts";

export type RedisLinkOptions = {
	url: string;
	/** Deadline of one connection attempt and of its PING. */
	connectTimeoutMs?: number;
	retryMinMs?: number;
	retryMaxMs?: number;
	onDown?: (error: Error) => void;
	onUp?: () => void;
};

export class RedisUnavailable extends Error {
	override name = "RedisUnavailable";
}

/** Resolves or rejects like `promise`, or rejects once `ms` have passed; the loser's rejection is swallowed. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	promise.catch(() => {});
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new RedisUnavailable(`${what}: no answer within ${ms} ms`)), Math.max(0, ms));
	});
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class RedisLink {
	readonly #options: Required<Omit<RedisLinkOptions, "onDown" | "onUp">> & Pick<RedisLinkOptions, "onDown" | "onUp">;
	#client: RedisClient | undefined;
	#state: "connecting" | "up" | "down" | "closed" = "connecting";
	/** The reconnect loop: settles once the link is up, or closed. */
	#loop: Promise<void>;
	/** Settles after the first connection attempt, whatever its outcome: commands sent at startup wait for it. */
	readonly #firstAttempt: Promise<void>;
	#firstAttemptDone: () => void = () => {};
	#wake: (() => void) | undefined;

	constructor(options: RedisLinkOptions) {
		this.#options = { connectTimeoutMs: 1000, retryMinMs: 250, retryMaxMs: 1000, ...options };
		this.#firstAttempt = new Promise((resolve) => {
			this.#firstAttemptDone = resolve;
		});
		this.#loop = this.#reconnect();
	}

	/** Settles once the link is up (or closed). */
	whenUp(): Promise<void> {
		return this.#loop;
	}

	/** Runs one command within `deadlineMs`, or throws. A failure other than an error reply marks the link down. */
	async send(command: string, args: string[], deadlineMs: number): Promise<unknown> {
		const start = performance.now();
		if (this.#state === "connecting") await withDeadline(this.#firstAttempt, deadlineMs, "connect");
		const client = this.#client;
		if (this.#state !== "up" || !client) throw new RedisUnavailable("Redis is down");
		const left = deadlineMs - (performance.now() - start);
		// A slow first connection used the time up: that says nothing about the connection now open.
		if (left <= 0) throw new RedisUnavailable("no time left after connecting");
		try {
			return await withDeadline(client.send(command, args), left, command);
		} catch (error) {
			if (!isErrorReply(error)) this.#fail(client, error);
			throw error;
		}
	}

	/** EVALSHA, or EVAL (which also caches the script) when the server does not know it, as after a restart. */
	async run(script: LuaScript, keys: string[], args: string[], deadlineMs: number): Promise<unknown> {
		const start = performance.now();
		const argv = [String(keys.length), ...keys, ...args];
		try {
			return await this.send("EVALSHA", [script.sha, ...argv], deadlineMs);
		} catch (error) {
			if (!isErrorReply(error) || !String((error as Error).message).startsWith("NOSCRIPT")) throw error;
			return this.send("EVAL", [script.source, ...argv], deadlineMs - (performance.now() - start));
		}
	}

	close(): void {
		this.#state = "closed";
		this.#firstAttemptDone();
		this.#client?.close();
		this.#client = undefined;
		this.#wake?.();
	}

	#fail(client: RedisClient, error: unknown): void {
		// Only the first failure of a client counts: the commands in flight with it fail too.
		if (client !== this.#client || this.#state !== "up") return;
		this.#client = undefined;
		client.close();
		this.#state = "down";
		this.#options.onDown?.(error instanceof Error ? error : new Error(String(error)));
		this.#loop = this.#reconnect();
	}

	async #reconnect(): Promise<void> {
		const { url, connectTimeoutMs, retryMinMs, retryMaxMs } = this.#options;
		for (let pause = retryMinMs; (this.#state as string) !== "closed"; pause = Math.min(pause * 2, retryMaxMs)) {
			const client = new RedisClient(url, {
				connectionTimeout: connectTimeoutMs,
				autoReconnect: false,
				maxRetries: 0,
				enableOfflineQueue: false,
				enableAutoPipelining: true,
			});
			try {
				await withDeadline(client.connect(), connectTimeoutMs, "connect");
				await withDeadline(client.send("PING", []), connectTimeoutMs, "PING");
			} catch {
				client.close();
				if (this.#state === "connecting") this.#state = "down";
				this.#firstAttemptDone();
				await this.#pause(pause);
				continue;
			}
			if ((this.#state as string) === "closed") {
				client.close();
				return;
			}
			client.onclose = (error) => this.#fail(client, error);
			this.#client = client;
			this.#state = "up";
			this.#firstAttemptDone();
			this.#options.onUp?.();
			return;
		}
	}

	/** A pause that close() cuts short and that does not keep the process alive. */
	#pause(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.#wake = undefined;
				resolve();
			}, ms);
			timer.unref();
			this.#wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
	}
}

function isErrorReply(error: unknown): boolean {
	return (error as { code?: string } | null)?.code === "ERR_REDIS_SERVER_ERROR";
}
