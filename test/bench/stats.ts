/** Percentiles and number formatting for the benchmark. Samples are sorted copies; inputs are never mutated. */

export function percentile(values: ArrayLike<number>, p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = Float64Array.from(values).sort();
	// Nearest-rank: p99 of 100 samples is the 99th, not an interpolation with the maximum.
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] as number;
}

export const median = (values: ArrayLike<number>) => percentile(values, 50);

export function max(values: ArrayLike<number>): number {
	let top = Number.NEGATIVE_INFINITY;
	for (let i = 0; i < values.length; i++) if ((values[i] as number) > top) top = values[i] as number;
	return values.length ? top : Number.NaN;
}

/** Milliseconds with a precision that suits sub-millisecond figures. */
export function ms(value: number): string {
	if (!Number.isFinite(value)) return "n/a";
	const abs = Math.abs(value);
	return `${value.toFixed(abs < 1 ? 3 : abs < 100 ? 2 : 0)} ms`;
}

/** A difference: always signed, so that "+" and "−" read at a glance. */
export function signedMs(value: number): string {
	return Number.isFinite(value) && value >= 0 ? `+${ms(value)}` : ms(value);
}

export function num(value: number, unit = "", digits = 0): string {
	if (!Number.isFinite(value)) return "n/a";
	return `${value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit}`;
}

/** A size in KB as MB with one decimal. */
export const mb = (kb: number) => num(kb / 1024, " MB", 1);

/**
 * A product's added time against the pass-through's. When the pass-through added nothing measurable (its figure is
 * within noise of direct, or below it), that quotient means nothing: the two arms' whole figures are compared instead,
 * marked "(whole)".
 */
export function addedRatio(added: number, passAdded: number, whole?: { arm: number; pass: number }): string {
	if (passAdded > 0.01) return ratio(added / passAdded);
	if (whole && whole.pass > 0) return `${ratio(whole.arm / whole.pass)} (whole)`;
	return "n/a";
}

export function ratio(value: number): string {
	return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}
