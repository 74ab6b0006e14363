/**
 * Usage per key name × model × UTC day, in process: the memory store's own table, and the filter and order that
 * the Redis store's query shares with it.
 */
import { dayName, dayNumber } from "./calendar.ts";
import type { UsageQuery, UsageRow } from "./types.ts";

export type UsageCounts = Partial<Omit<UsageRow, "day" | "key" | "model">>;

export function emptyRow(day: string, key: string, model: string): UsageRow {
	return { day, key, model, requests: 0, prompt_tokens: 0, completion_tokens: 0, errors: 0, refusals: 0 };
}

export function usageMatches(query: UsageQuery, row: Pick<UsageRow, "day" | "key" | "model">): boolean {
	return (
		row.day >= query.from &&
		row.day <= query.to &&
		(query.key === undefined || row.key === query.key) &&
		(query.model === undefined || row.model === query.model)
	);
}

/** By day, then key, then model: the order a report reads in. */
export function sortUsage(rows: UsageRow[]): UsageRow[] {
	const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
	return rows.sort((a, b) => cmp(a.day, b.day) || cmp(a.key, b.key) || cmp(a.model, b.model));
}

export class UsageTable {
	readonly #rows = new Map<string, UsageRow>();
	// Formatting a date costs more than the whole limit check: name each day once.
	#day = Number.NaN;
	#dayName = "";

	dayOf(ms: number): string {
		const day = dayNumber(ms);
		if (day !== this.#day) {
			this.#day = day;
			this.#dayName = dayName(ms);
		}
		return this.#dayName;
	}

	/** Adds the counts; a row is made only for a count that is not zero, as the Redis scripts do. */
	add(now: number, key: string, model: string, counts: UsageCounts): void {
		let any = false;
		for (const field in counts) if (counts[field as keyof UsageCounts]) any = true;
		if (!any) return;
		const day = this.dayOf(now);
		const id = `${day}\n${key}\n${model}`;
		let row = this.#rows.get(id);
		if (!row) {
			row = emptyRow(day, key, model);
			this.#rows.set(id, row);
		}
		for (const field in counts) {
			const name = field as keyof UsageCounts;
			row[name] += counts[name] ?? 0;
		}
	}

	query(query: UsageQuery): UsageRow[] {
		const rows: UsageRow[] = [];
		for (const row of this.#rows.values()) if (usageMatches(query, row)) rows.push({ ...row });
		return sortUsage(rows);
	}
}
