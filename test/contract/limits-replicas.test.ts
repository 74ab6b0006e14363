/**
 * Limits across replicas: several proxy processes around one real redis-server share every counter, and without
 * Redis each applies the limits alone (the documented per-replica behaviour). Also what clients see when Redis dies
 * or stalls under load: nothing fails, the fallback is counted and logged once, and the limits are exact again when
 * it answers. The measurements that take a while (accuracy over a window, a dead replica's leases expiring) are in
 * test/reliability/limits-over-time.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { heldBehavior, replicaHelpers } from "../support/limit-replicas.ts";
import { startProxyProcess } from "../support/proxy-process.ts";
import { hasRedis, type RedisServer, startRedis } from "../support/redis-server.ts";
import { startTestUpstream, type TestUpstream } from "../support/upstream.ts";
import { until } from "../support/wait.ts";

let upstream: TestUpstream;
let redis: RedisServer | undefined;

beforeAll(async () => {
	upstream = await startTestUpstream({ behaviors: heldBehavior });
	if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
	upstream.stop();
	await redis?.stop();
});

const { headers, embed, burst, replicas, faultConfig, heldAdmitted, fallbacks, recoveredWithin5s } = replicaHelpers(
	() => upstream,
);

describe.skipIf(!hasRedis)("three replicas sharing one Redis", () => {
	test("an idle key's burst is admitted exactly once across the three, then refused", async () => {
		// The property proved: the requests_per_minute burst (12, all an idle key has) is shared, not 12 per replica.
		// The refill (one request per 5 s) does not come into it: the whole burst takes a fraction of that.
		const procs = await replicas(3, "{ requests_per_minute: 12 }", { REDIS_URL: redis?.url ?? "" });
		try {
			expect(
				await burst(
					procs.map((p) => p.url),
					12,
				),
			).toEqual({ admitted: 12, refused: 24 });
		} finally {
			await Promise.all(procs.map((p) => p.stop()));
		}
	});

	test("concurrent: 4 with 20 parallel streams over two replicas: exactly 4 reach the upstream", async () => {
		const procs = await replicas(2, "{ concurrent: 4 }", { REDIS_URL: redis?.url ?? "" });
		const before = upstream.countOf("/v1/chat/completions");
		const controllers = Array.from({ length: 20 }, () => new AbortController());
		try {
			const responses = await Promise.all(
				controllers.map((controller, i) =>
					fetch(`${procs[i % 2]?.url}/api/chat`, {
						method: "POST",
						headers,
						body: JSON.stringify({ model: "held", messages: [{ role: "user", content: "hi" }] }),
						signal: controller.signal,
					}),
				),
			);
			expect(responses.filter((r) => r.status === 200)).toHaveLength(4);
			const refused = responses.filter((r) => r.status === 429);
			expect(refused).toHaveLength(16);
			expect(refused[0]?.headers.get("retry-after")).toBe("1");
			expect(refused[0]?.headers.get("x-ratelimit-limit")).toBe("4");
			expect(upstream.countOf("/v1/chat/completions") - before).toBe(4);
			expect(upstream.state.open).toBe(4);
		} finally {
			for (const controller of controllers) controller.abort();
			expect(await until(() => upstream.state.open === 0)).toBe(true);
			await Promise.all(procs.map((p) => p.stop()));
		}
	});

	test("Redis killed under load: no request fails, the fallback is counted, logged once, and limits are exact when it is back", async () => {
		const server = redis as RedisServer;
		const proc = await startProxyProcess(faultConfig(), { REDIS_URL: server.url });
		try {
			const statuses: number[] = [];
			for (let i = 0; i < 10; i++) statuses.push(await embed(proc.url));
			await server.kill();
			for (let round = 0; round < 5; round++) {
				statuses.push(...(await Promise.all(Array.from({ length: 8 }, () => embed(proc.url)))));
			}
			expect(statuses.filter((s) => s !== 200).join(",")).toEqual("");
			expect(statuses).toHaveLength(50);
			await proc.log.line((l) => String(l.msg).startsWith("Redis does not answer"));
			expect(await fallbacks(proc.url)).toBe(40);
			await server.restart();
			expect(await recoveredWithin5s(proc)).toBe(true);
			// Exact again, and decided by Redis: all 8 slots (the fallback's share would be 4), no check decided alone.
			expect(await heldAdmitted(proc.url, 12)).toEqual({ admitted: 8, refused: 4, reachedUpstream: 8 });
			expect(await fallbacks(proc.url)).toBe(40);
		} finally {
			await proc.stop();
			const lines = await proc.log.all();
			expect(lines.filter((l) => String(l.msg).startsWith("Redis does not answer"))).toHaveLength(1);
		}
	});

	test("Redis paused (SIGSTOP) under load: no request fails, the fallback is counted, and limits are exact within 5 s of resuming", async () => {
		const server = await startRedis();
		const proc = await startProxyProcess(faultConfig(), { REDIS_URL: server.url });
		try {
			const statuses: number[] = [];
			for (let i = 0; i < 10; i++) statuses.push(await embed(proc.url));
			expect(await heldAdmitted(proc.url, 12)).toEqual({ admitted: 8, refused: 4, reachedUpstream: 8 });
			expect(await fallbacks(proc.url)).toBe(0);

			// Paused with a round in flight: those requests are decided by Redis or, past 50 ms, alone; all succeed.
			const inFlight = Promise.all(Array.from({ length: 8 }, () => embed(proc.url)));
			server.pause();
			statuses.push(...(await inFlight));
			await proc.log.line((l) => String(l.msg).startsWith("Redis does not answer"));
			const atPause = await fallbacks(proc.url);
			expect(atPause).toBeGreaterThanOrEqual(0);
			expect(atPause).toBeLessThanOrEqual(8);
			for (let round = 0; round < 5; round++) {
				statuses.push(...(await Promise.all(Array.from({ length: 8 }, () => embed(proc.url)))));
			}
			expect(await fallbacks(proc.url)).toBe(atPause + 40);
			// Decided alone, with this replica's share: ceil(8 / 2 replicas) = 4 slots.
			expect(await heldAdmitted(proc.url, 12)).toEqual({ admitted: 4, refused: 8, reachedUpstream: 4 });
			expect(await fallbacks(proc.url)).toBe(atPause + 52);
			expect(statuses.filter((s) => s !== 200).join(",")).toEqual("");
			expect(statuses).toHaveLength(58);

			server.resume();
			expect(await recoveredWithin5s(proc)).toBe(true);
			expect(await heldAdmitted(proc.url, 12)).toEqual({ admitted: 8, refused: 4, reachedUpstream: 8 });
			expect(await fallbacks(proc.url)).toBe(atPause + 52);
		} finally {
			await proc.stop();
			await server.stop();
			const lines = await proc.log.all();
			expect(lines.filter((l) => String(l.msg).startsWith("Redis does not answer"))).toHaveLength(1);
		}
	});
});

describe("three replicas without Redis", () => {
	test("each applies the limit alone: three replicas admit three times an idle key's burst", async () => {
		const procs = await replicas(3, "{ requests_per_minute: 12 }", {});
		try {
			expect(
				await burst(
					procs.map((p) => p.url),
					18,
				),
			).toEqual({ admitted: 36, refused: 18 });
		} finally {
			await Promise.all(procs.map((p) => p.stop()));
		}
	});
});

const ENTRY = `${import.meta.dir}/../../src/index.ts`;

/** `ollama-proxy usage` as a user runs it. */
async function usageCommand(args: string[], env: Record<string, string>) {
	const proc = Bun.spawn(["bun", ENTRY, "usage", ...args], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
		stdout: "pipe",
		stderr: "pipe",
	});
	const [code, stdout, stderr] = await Promise.all([
		proc.exited,
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
	]);
	return { code, stdout, stderr };
}

describe("ollama-proxy usage", () => {
	test.skipIf(!hasRedis)("prints every replica's usage from Redis as a table", async () => {
		const server = await startRedis();
		const [proc] = await replicas(1, "{}", { REDIS_URL: server.url });
		if (!proc) throw new Error("no proxy");
		try {
			expect([await embed(proc.url), await embed(proc.url)]).toEqual([200, 200]);
			const day = new Date().toISOString().slice(0, 10);
			const table = async () =>
				(await usageCommand(["--config", proc.path, "--key", "team"], { REDIS_URL: server.url })).stdout;
			// Settles reach Redis in the background, after the answer: wait for them, not for a time.
			expect(await until(async () => (await table()).includes("  2  "))).toBe(true);
			expect(await table()).toBe(
				[
					"KEY   MODEL                   DAY         REQUESTS  PROMPT_TOKENS  COMPLETION_TOKENS  ERRORS  REFUSALS",
					`team  text-embedding-3-small  ${day}  2         6              0                  0       0`,
					"",
				].join("\n"),
			);
			const other = await usageCommand(["--config", proc.path, "--key", "nobody"], { REDIS_URL: server.url });
			expect(other).toEqual({ code: 0, stdout: "no usage in these days\n", stderr: "" });
			const bad = await usageCommand(["--config", proc.path, "--from", "2025-02-30"], { REDIS_URL: server.url });
			expect(bad).toEqual({ code: 1, stdout: "", stderr: "ollama-proxy: --from: must be a UTC day as YYYY-MM-DD\n" });
		} finally {
			await proc.stop();
			await server.stop();
		}
	});

	test("without Redis it says there is no shared store to read", async () => {
		const [proc] = await replicas(1, "{}", {});
		if (!proc) throw new Error("no proxy");
		await proc.stop();
		expect(await usageCommand(["--config", proc.path], {})).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"ollama-proxy: usage needs Redis (state.redis_url or REDIS_URL): without it every proxy process counts on its own; ask each one's GET /api/usage\n",
		});
	});
});
