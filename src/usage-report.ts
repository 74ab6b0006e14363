/**
 * `ollama-proxy usage`: the rows of `GET /api/usage`, read straight from Redis, as a table. Only a shared store can
 * be read from outside: without Redis the counters live in each running proxy process, and the command says so
 * (exit 1) instead of printing an empty table. An unreachable Redis is an error too, never an empty report.
 */
import type { UsageFilters } from "./cli.ts";
import type { Settings } from "./config/settings.ts";
import { table } from "./lib/text-table.ts";
import { RedisLimitStore } from "./limits/redis-store.ts";
import type { UsageRow } from "./limits/types.ts";
import { engineQuery, UsageQuery, usageRow } from "./protocols/ollama/usage.ts";

export class ReportError extends Error {
	override readonly name = "ReportError";
}

const COLUMNS = [
	"key",
	"model",
	"day",
	"requests",
	"prompt_tokens",
	"completion_tokens",
	"errors",
	"refusals",
] as const;

/** Left-aligned columns two spaces apart, a header in capitals; "no usage" when there are no rows. */
export function usageTable(rows: readonly UsageRow[]): string {
	if (rows.length === 0) return "no usage in these days\n";
	return `${table(
		COLUMNS.map((c) => c.toUpperCase()),
		rows.map((r) => COLUMNS.map((c) => String(usageRow(r)[c]))),
	)}\n`;
}

export async function usageReport(settings: Settings, filters: UsageFilters, now = new Date()): Promise<string> {
	const { redisUrl, replicas } = settings.state;
	if (!redisUrl) {
		throw new ReportError(
			"usage needs Redis (state.redis_url or REDIS_URL): without it every proxy process counts on its own; ask each one's GET /api/usage",
		);
	}
	const parsed = UsageQuery.safeParse(filters);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new ReportError(`--${issue?.path.join(".")}: ${issue?.message}`);
	}
	const query = engineQuery(parsed.data, now);
	if (typeof query === "string") throw new ReportError(query);
	const store = new RedisLimitStore({ url: redisUrl, replicas });
	try {
		const up = await Promise.race([store.connected().then(() => true), Bun.sleep(5000).then(() => false)]);
		if (!up) throw new ReportError("cannot reach Redis within 5 s");
		return usageTable(await store.usage(query));
	} finally {
		await store.close();
	}
}
