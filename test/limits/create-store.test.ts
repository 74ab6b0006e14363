/** The store the settings ask for, and what a Redis outage says in the log and on /metrics (never the password). */
import { describe, expect, test } from "bun:test";
import { loadSettings } from "../../src/config/settings.ts";
import { createLimitStore } from "../../src/limits/create-store.ts";
import { MemoryLimitStore } from "../../src/limits/memory-store.ts";
import { RedisLimitStore } from "../../src/limits/redis-store.ts";
import { createLogger } from "../../src/log.ts";

function logged() {
	const lines: Record<string, unknown>[] = [];
	const log = createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line)) });
	return { lines, log };
}

describe("createLimitStore", () => {
	test("without a Redis URL the counters live in this process", () => {
		const { log } = logged();
		expect(createLimitStore(loadSettings({ env: {} }), log, { redisFallback: () => {} })).toBeInstanceOf(
			MemoryLimitStore,
		);
	});

	test("Redis down: each check is counted, the outage logged once, the password never", async () => {
		const { lines, log } = logged();
		let fallbacks = 0;
		// Port 1 refuses at once: the first connection attempt fails and every admission decides locally.
		const url = "redis://:s3cret-passw0rd@127.0.0.1:1";
		const settings = loadSettings({ env: { REDIS_URL: url } });
		const store = createLimitStore(settings, log, { redisFallback: () => fallbacks++ });
		expect(store).toBeInstanceOf(RedisLimitStore);
		const admit = (requestId: string) =>
			store.admit({ keyName: "k", model: "m", limits: { concurrent: 5 }, requestId, reserveTokens: 1 });
		expect(await admit("a")).toEqual({ ok: true });
		expect(await admit("b")).toEqual({ ok: true });
		await store.settle({
			keyName: "k",
			model: "m",
			requestId: "a",
			reservedTokens: 1,
			promptTokens: 1,
			completionTokens: 0,
			error: false,
		});
		await store.close();
		expect(fallbacks).toBe(2);
		const warnings = lines.filter((l) => String(l.msg).startsWith("Redis does not answer"));
		expect(warnings).toHaveLength(1);
		expect(warnings[0]?.replicas).toBe(1);
		expect(JSON.stringify(lines)).not.toContain("s3cret-passw0rd");
	});
});
