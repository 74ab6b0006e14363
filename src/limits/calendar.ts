/**
 * UTC periods for quotas and usage: day numbers since the epoch, month numbers (year × 12 + month), their next
 * boundaries, and `YYYY-MM-DD` day names. The Lua scripts carry their own copy of the month arithmetic.
 */

export const DAY_MS = 86_400_000;

export type Period = "day" | "month";

export function dayNumber(ms: number): number {
	return Math.floor(ms / DAY_MS);
}

export function monthNumber(ms: number): number {
	const date = new Date(ms);
	return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

export function periodNumber(period: Period, ms: number): number {
	return period === "day" ? dayNumber(ms) : monthNumber(ms);
}

/** The first millisecond of the next period. */
export function periodEnd(period: Period, ms: number): number {
	if (period === "day") return (dayNumber(ms) + 1) * DAY_MS;
	const date = new Date(ms);
	return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export function dayName(ms: number): string {
	return new Date(dayNumber(ms) * DAY_MS).toISOString().slice(0, 10);
}

/** The day number of a `YYYY-MM-DD` name; NaN when it is not one. */
export function dayNumberOf(name: string): number {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(name)) return Number.NaN;
	return dayNumber(Date.parse(`${name}T00:00:00Z`));
}
