/**
 * The fleet scenario: what choosing a replica costs, measured in process on the engine the proxy ships, and how a
 * proxy started as a user starts it (`--config` with three replicas, nothing else) spreads many streams over them.
 * The three replicas are the one mock under three path prefixes, so the mock's pace is every replica's pace.
 */
import { affinityKey } from "../../src/upstream/fleet/affinity-hash.ts";
import { createFleet } from "../../src/upstream/fleet/fleet.ts";
import type { FleetConfig } from "../../src/upstream/fleet/fleet-types.ts";
import { type StreamResult, streamOnce } from "./client.ts";
import { type BenchContext, configureMock } from "./context.ts";
import { startWithConfig } from "./procs.ts";
import { makeRow } from "./rows.ts";
import { num, percentile } from "./stats.ts";

const REPLICAS = ["r1", "r2", "r3"] as const;
const HEALTH = { eject_after: 3, eject_ms: 30_000, max_eject_ms: 300_000, probe_ms: 10_000 };

/** µs per request to lease a replica and release it, p50 and p99 of batches, on three replicas. */
async function pickCostUs(affinity: boolean): Promise<{ p50: number; p99: number }> {
	const config: FleetConfig = {
		replicas: REPLICAS.map((name) => ({ base_url: `http://127.0.0.1/${name}/v1`, weight: 1, priority: 0 })),
		balance: "least_outstanding",
		affinity: affinity ? "prefix" : "none",
		health: HEALTH,
		queue: { max_depth: 64, timeout_ms: 30_000 },
	};
	const fleet = createFleet(config);
	const eligible = [0, 1, 2];
	const keys = Array.from({ length: 64 }, (_, i) => affinityKey([`system ${i}`, "first user message"]));
	const batch = 1000;
	const perRequest: number[] = [];
	for (let round = 0; round < 200; round++) {
		const start = performance.now();
		for (let i = 0; i < batch; i++) {
			// The await is part of the cost: it is what the proxy pays per request too.
			const lease = await fleet.acquire(eligible, { affinity: keys[i & 63] });
			lease.release({ kind: "success" });
		}
		perRequest.push(((performance.now() - start) * 1000) / batch);
	}
	perRequest.splice(0, 20); // warm-up rounds
	return { p50: percentile(perRequest, 50), p99: percentile(perRequest, 99) };
}

function fleetYaml(mockOrigin: string): string {
	return [
		"upstreams:",
		"  - name: fleet",
		"    replicas:",
		...REPLICAS.map((name) => `      - base_url: ${mockOrigin}/${name}/v1`),
		"    balance: least_outstanding",
		"    affinity: none",
		"",
	].join("\n");
}

/** Requests each replica took, from the proxy's own metrics. */
async function sharesFrom(origin: string): Promise<number[]> {
	const text = await (await fetch(`${origin}/metrics`)).text();
	return REPLICAS.map((name) => {
		const line = new RegExp(
			`^ollama_proxy_replica_requests_total\\{[^}]*replica="[^"]*/${name}/v1"[^}]*outcome="success"[^}]*\\} (\\d+)$`,
			"m",
		);
		return Number(line.exec(text)?.[1] ?? 0);
	});
}

export async function fleet(ctx: BenchContext): Promise<void> {
	const { params } = ctx;
	const plain = await pickCostUs(false);
	const affine = await pickCostUs(true);
	const mockOrigin = ctx.origins.direct as string;
	const child = await startWithConfig("fleet-proxy", fleetYaml(mockOrigin));
	const tokens = params.streamSeconds * params.tokensPerSecond;
	await configureMock(ctx, { tokens, intervalMs: 1000 / params.tokensPerSecond, ttftMs: 0 });
	const n = params.streams;
	const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Say something." }] });
	const target = { arm: "proxy" as const, url: `${child.origin}/api/chat`, body };
	const started: Promise<StreamResult>[] = [];
	for (let i = 0; i < n; i++) {
		started.push(streamOnce(target, { expectTokens: tokens, timeoutMs: params.streamSeconds * 1000 + 30_000 }));
		if (i % 50 === 49) await Bun.sleep(params.rampMs / (n / 50));
	}
	const results = await Promise.all(started);
	const shares = await sharesFrom(child.origin);
	await child.stop();
	const total = shares.reduce((a, b) => a + b, 0);
	const pct = shares.map((s) => (100 * s) / Math.max(1, total));
	const spread = Math.max(...pct.map((p) => Math.abs(p - 100 / 3)));
	const ok = results.filter((r) => r.ok).length;
	const only = (value: string) => (arm: string) => (arm === "proxy" ? value : "—");
	ctx.report.rows.push(
		makeRow(ctx, "Fleet: choosing a replica (in process, 3 replicas), p50 / p99", {
			value: only(`${num(plain.p50, " µs", 2)} / ${num(plain.p99, " µs", 2)}`),
			ratio: () => "",
			target: "≤ 5 µs",
			met: (arm) => (arm === "proxy" ? plain.p50 <= 5 : undefined),
		}),
		makeRow(ctx, "Fleet: choosing a replica with prefix affinity, p50 / p99", {
			value: only(`${num(affine.p50, " µs", 2)} / ${num(affine.p99, " µs", 2)}`),
			ratio: () => "",
			target: "≤ 5 µs",
			met: (arm) => (arm === "proxy" ? affine.p50 <= 5 : undefined),
		}),
		makeRow(ctx, `Fleet: ${n} streams over 3 equal replicas, share of each`, {
			value: only(`${pct.map((p) => `${p.toFixed(1)} %`).join(" / ")} (${ok}/${n} complete)`),
			ratio: () => "",
			target: "each within 5 points of 33.3 %, all complete",
			met: (arm) => (arm === "proxy" ? spread <= 5 && ok === n : undefined),
		}),
	);
	ctx.report.notes.push(
		`fleet: bun src/index.ts --config (3 replicas of the mock under /r1, /r2, /r3, least_outstanding, affinity none); ${n} streams of ${tokens} tokens; shares from ollama_proxy_replica_requests_total`,
	);
}
