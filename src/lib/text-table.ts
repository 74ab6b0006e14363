/** Plain-text tables for the command line (`validate`, `usage`). */

/** Rows under their titles in fixed-width columns, two spaces apart, no trailing blanks. */
export function table(titles: readonly string[], rows: readonly (readonly string[])[]): string {
	const widths = titles.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => cell.padEnd(widths[i] as number))
			.join("  ")
			.trimEnd();
	return [line(titles), ...rows.map(line)].join("\n");
}
