/**
 * `GET /api/usage`: its query and reply shapes, and the query as the limits engine takes it. Days are UTC
 * `YYYY-MM-DD`, both ends inclusive, today by default; `model` matches with or without `:latest`, as usage counts
 * the client's name without it. Rows come one per key × model × day, keys named by their configured name only.
 */
import { z } from "zod";
import { usageModelName } from "../../limits/key-limits.ts";
import type { UsageQuery as EngineQuery, UsageRow as EngineRow } from "../../limits/types.ts";

const isDay = (text: string) => {
	const parsed = new Date(`${text}T00:00:00Z`);
	return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text);
};
const Day = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a UTC day as YYYY-MM-DD")
	.refine(isDay, "must be a UTC day as YYYY-MM-DD");

export const UsageQuery = z.object({
	from: Day.optional().describe("First UTC day, YYYY-MM-DD (default today)."),
	to: Day.optional().describe("Last UTC day, YYYY-MM-DD, included (default today)."),
	key: z.string().min(1).optional().describe("Only this key name."),
	model: z.string().min(1).optional().describe("Only this model, with or without :latest."),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageRow = z.object({
	key: z.string(),
	model: z.string().describe("The name the client asked for, without :latest; a fallback counts under it."),
	day: z.string(),
	requests: z.number().int().describe("Admitted requests, failed ones included."),
	prompt_tokens: z.number().int(),
	completion_tokens: z.number().int(),
	errors: z.number().int().describe("Admitted requests answered with an error status or cut by the upstream."),
	refusals: z.number().int().describe("Requests refused with a 429 by a limit."),
});
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageResponse = z.object({ usage: z.array(UsageRow) });

/** The engine's query for a checked request query; an error message when `from` comes after `to`. */
export function engineQuery(query: UsageQuery, now: Date): EngineQuery | string {
	const today = now.toISOString().slice(0, 10);
	const from = query.from ?? today;
	const to = query.to ?? today;
	if (from > to) return `from (${from}) is after to (${to})`;
	return {
		from,
		to,
		...(query.key !== undefined && { key: query.key }),
		...(query.model !== undefined && { model: usageModelName(query.model) }),
	};
}

/** A row in the reply's field order. */
export function usageRow(row: EngineRow): UsageRow {
	const { key, model, day, requests, prompt_tokens, completion_tokens, errors, refusals } = row;
	return { key, model, day, requests, prompt_tokens, completion_tokens, errors, refusals };
}
