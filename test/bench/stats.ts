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

/** proxy ÷ pass-through of two added amounts: meaningless unless the pass-through added something. */
export const addedRatio = (proxy: number, pass: number) => ratio(pass > 0 ? proxy / pass : Number.NaN);

export function ratio(value: number): string {
	return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}
