/**
 * Reads usage rows back from Redis: the key names from `usage:keys` (or the one asked for), each key's days from
 * its own index by score range, then one HGETALL per day × model. Several round trips, pipelined: this is a report,
 * not the request path.
 */
import { dayNumberOf } from "./calendar.ts";
import { keyLayout, parseUsageMember, USAGE_KEYS, usageKey } from "./redis-keys.ts";
import type { RedisLink } from "./redis-link.ts";
import type { UsageQuery, UsageRow } from "./types.ts";
import { emptyRow, sortUsage, usageMatches } from "./usage-table.ts";

const FIELDS = ["requests", "prompt_tokens", "completion_tokens", "errors", "refusals"] as const;

export async function readUsage(link: RedisLink, query: UsageQuery, deadlineMs: number): Promise<UsageRow[]> {
	const from = dayNumberOf(query.from);
	const to = dayNumberOf(query.to);
	if (Number.isNaN(from) || Number.isNaN(to) || from > to) return [];
	const names =
		query.key !== undefined ? [query.key] : ((await link.send("SMEMBERS", [USAGE_KEYS], deadlineMs)) as string[]);
	const perKey = await Promise.all(
		names.map(async (key) => {
			const members = (await link.send(
				"ZRANGEBYSCORE",
				[keyLayout(key).usageIndex, String(from), String(to)],
				deadlineMs,
			)) as string[];
			const wanted = members.map(parseUsageMember).filter((m) => usageMatches(query, { ...m, key }));
			return Promise.all(
				wanted.map(async ({ day, model }) => {
					const hash = (await link.send("HGETALL", [usageKey(key, model, day)], deadlineMs)) as Record<
						string,
						string
					> | null;
					const row = emptyRow(day, key, model);
					for (const field of FIELDS) row[field] = Number(hash?.[field] ?? 0);
					return row;
				}),
			);
		}),
	);
	// An index entry outlives its hash by at most a day of retention: drop the empty rows that leaves.
	return sortUsage(perKey.flat().filter((row) => FIELDS.some((f) => row[f] !== 0)));
}
