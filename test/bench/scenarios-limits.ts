/**
 * The limits scenario: what a limit check adds to a request, timed in process on the store the proxy builds (memory,
 * and Redis on loopback), and what limits with Redis cost a proxy started as a user starts it: the throughput of
 * `--config` with a key whose limits are all set (none reached) and `state.redis_url`, against the same key without
 * limits or state, in the same run.
 */
import { measureCheckCost } from "../limits/check-cost.ts";
import { hasRedis, type RedisServer, startRedis } from "../support/redis-server.ts";
import { targetFor } from "./client.ts";
import { type BenchContext, configureMock, watchCpu } from "./context.ts";
import { type ConfiguredProxy, killWithChildren, loadAverage, startWithConfig } from "./procs.ts";
import { makeRow } from "./rows.ts";
import { closedLoopRounds } from "./scenarios-load.ts";
import { median, ms, num, percentile, ratio } from "./stats.ts";

const KEY = "bench-key-0123456789abcdef";
const LIMITS_YAML = [
	"requests_per_minute: 1000000000",
	"tokens_per_minute: 1000000000000",
	"concurrent: 1000000",
	"tokens_per_day: 1000000000000000",
	"tokens_per_month: 1000000000000000",
];

/** The mock as the one upstream, and the bench's key; with `redisUrl`, every limit set on the key and Redis as state. */
export function limitsYaml(mockOrigin: string, redisUrl?: string): string {
	return [
		"upstreams:",
		"  - name: mock",
		`    base_url: ${mockOrigin}/v1`,
		"keys:",
		`  - key: ${KEY}`,
		"    name: bench",
		...(redisUrl
			? ["    limits:", ...LIMITS_YAML.map((line) => `      ${line}`), "state:", `  redis_url: ${redisUrl}`]
			: []),
		"",
	].join("\n");
}

const us = (ns: number[], p: number) => percentile(ns, p) / 1000;

async function withRedis<T>(use: (redis: RedisServer) => Promise<T>): Promise<T> {
	const redis = await startRedis();
	const forget = killWithChildren(() => process.kill(redis.pid, "SIGKILL"));
	try {
		return await use(redis);
	} finally {
		await redis.stop();
		forget();
	}
}

/** From the proxy's own metrics: requests its limits admitted, and checks it decided without Redis. */
async function countersOf(proxy: ConfiguredProxy): Promise<{ admitted: number; fallbacks: number }> {
	const response = await fetch(`${proxy.origin}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
	const text = await response.text();
	const sum = (name: string) =>
		[...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
	return { admitted: sum("ollama_proxy_key_requests_total"), fallbacks: sum("ollama_proxy_redis_fallbacks_total") };
}

type Throughput = { rps: number; p99Ms: number; hopPct: number; errors: number };

async function throughputs(ctx: BenchContext, redis: RedisServer) {
	const mockOrigin = ctx.origins.direct as string;
	const proxies: ConfiguredProxy[] = [];
	try {
		const limited = await startWithConfig("limits-proxy", limitsYaml(mockOrigin, redis.url), "/health");
		proxies.push(limited);
		const open = await startWithConfig("no-limits-proxy", limitsYaml(mockOrigin), "/health");
		proxies.push(open);
		const tokens = 10;
		await configureMock(ctx, { tokens, intervalMs: 0, ttftMs: 0 });
		const arm = <K extends string>(name: K, proxy: ConfiguredProxy) => ({
			name,
			target: { ...targetFor("proxy", { proxy: proxy.origin }, false), headers: { authorization: `Bearer ${KEY}` } },
			pid: proxy.proc.pid,
		});
		const stopRedisCpu = await watchCpu(ctx, { pid: redis.pid });
		const c = ctx.params.throughputConcurrency;
		const figures = await closedLoopRounds(
			ctx,
			[arm("limits", limited), arm("none", open)],
			`limits: throughput c=${c}`,
			tokens,
		);
		// Over both arms' windows: Redis is idle while the arm without limits runs.
		const redisPct = (await stopRedisCpu()).hopPct;
		const of = (name: "limits" | "none"): Throughput => ({
			rps: median(figures[name].rps),
			p99Ms: median(figures[name].p99),
			hopPct: median(figures[name].hopPct),
			errors: figures[name].errors,
		});
		return { limits: of("limits"), none: of("none"), redisPct, ...(await countersOf(limited)) };
	} finally {
		for (const proxy of proxies) await proxy.stop();
	}
}

export async function limits(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const loadBefore = loadAverage();
	const memory = await measureCheckCost(undefined, params.memoryChecks, params.memoryChecks / 10);
	const measured = hasRedis
		? await withRedis(async (redis) => ({
				cost: await measureCheckCost(redis.url, params.redisChecks, params.redisChecks / 10),
				load: await throughputs(ctx, redis),
			}))
		: undefined;
	const redis = measured?.cost;
	const load = measured?.load;
	const only = (value: string) => (arm: string) => (arm === "proxy" ? value : "—");
	const judged = (met: boolean | undefined) => (arm: string) => (arm === "proxy" ? met : undefined);
	const notMeasured = "not measured (no redis-server on PATH)";
	const memP50 = us(memory.checkNs, 50);
	const redisP50 = redis && us(redis.checkNs, 50);
	const redisP99 = redis && us(redis.checkNs, 99);
	const redisOk = redis && redis.fallbacks === 0;
	const share = load && load.limits.rps / load.none.rps;
	const loadOk = load && load.fallbacks === 0 && load.admitted > 0;
	const c = params.throughputConcurrency;
	ctx.report.rows.push(
		makeRow(ctx, "Limit check in memory (admit + settle, in process), p50 / p99", {
			value: only(`${num(memP50, " µs", 2)} / ${num(us(memory.checkNs, 99), " µs", 2)}`),
			ratio: () => "",
			target: "≤ 5 µs p50",
			met: judged(memP50 <= 5),
		}),
		makeRow(ctx, "Limit check with Redis on loopback (admit + settle, in process), p50 / p99", {
			value: only(
				redisP50 !== undefined && redisP99 !== undefined
					? `${ms(redisP50 / 1000)} / ${ms(redisP99 / 1000)}`
					: notMeasured,
			),
			ratio: () => "",
			target: "≤ 0.3 ms p50, ≤ 1 ms p99",
			met: judged(
				redisOk && redisP50 !== undefined && redisP99 !== undefined ? redisP50 <= 300 && redisP99 <= 1000 : undefined,
			),
		}),
		makeRow(ctx, `Throughput c=${c}, non-stream, limits with Redis vs the same key without limits`, {
			value: only(
				load
					? `${ratio(share ?? Number.NaN)} (${num(load.limits.rps, " req/s")} vs ${num(load.none.rps, " req/s")}; p99 ${ms(load.limits.p99Ms)} vs ${ms(load.none.p99Ms)})`
					: notMeasured,
			),
			ratio: () => "",
			target: "≥ 0.8× without limits",
			met: judged(share !== undefined && loadOk ? share >= 0.8 : undefined),
		}),
	);
	const notes = [
		`limits: in process, the store createLimitStore builds, a key with every limit set and none reached, 100 key names; admit + settle is what a request waits for (await admit, then settle as LimitTicket calls it); ${num(memory.checkNs.length)} memory checks${redis ? `, ${num(redis.checkNs.length)} Redis checks one at a time` : ""} after a tenth as warm-up`,
	];
	if (redis) {
		notes.push(
			`limits: Redis admit alone p50 ${num(us(redis.admitNs, 50), " µs", 1)}, p99 ${num(us(redis.admitNs, 99), " µs", 1)}; the settle's background EVALSHA (off the request's path) p50 ${num(us(redis.settleNs, 50), " µs", 1)}, p99 ${num(us(redis.settleNs, 99), " µs", 1)}`,
		);
		if (redis.fallbacks) notes.push(`limits: ${redis.fallbacks} Redis checks fell back to memory: not judged`);
	}
	if (load) {
		notes.push(
			`limits: bun src/index.ts --config with the key (Authorization: Bearer) and state.redis_url, against the same config without limits or state; hop CPU (% of its core) ${load.limits.hopPct.toFixed(0)} % with limits, ${load.none.hopPct.toFixed(0)} % without; redis-server (on CPU 1 with the load side) ${load.redisPct.toFixed(0)} % of a core over both arms' runs`,
		);
		notes.push(
			`limits: the proxy with limits admitted ${num(load.admitted)} requests by its limits and decided ${load.fallbacks} without Redis (its /metrics)${loadOk ? "" : ": not judged"}`,
		);
		const errors = load.limits.errors + load.none.errors;
		if (errors) notes.push(`limits: ${load.limits.errors} failed requests with limits, ${load.none.errors} without`);
	} else {
		notes.push("limits: redis-server is not on PATH: the Redis check and the throughput with limits were not measured");
	}
	notes.push(`limits: load average (1 min) ${loadBefore} before the scenario, ${loadAverage()} after`);
	ctx.report.notes.push(...notes);
}
