/** The one table at the end, plus the notes that qualify its figures (rig-bound runs, errors, method). */

export type Row = {
	scenario: string;
	direct: string;
	passthrough: string;
	proxy: string;
	/** proxy − direct. */
	added: string;
	/** Latencies: proxy's added ÷ pass-through's added; rates, CPU and memory: proxy ÷ pass-through. */
	ratio: string;
	target: string;
	/** undefined: informational row without a target. */
	met?: boolean;
};

export type Report = { rows: Row[]; notes: string[] };

export const newReport = (): Report => ({ rows: [], notes: [] });

const HEADERS = ["scenario", "direct", "pass-through", "proxy", "added (proxy − direct)", "ratio vs pass-through"];

function cells(row: Row): string[] {
	const met = row.met === undefined ? "—" : row.met ? "met" : "NOT MET";
	return [row.scenario, row.direct, row.passthrough, row.proxy, row.added, row.ratio, row.target, met];
}

/** A Markdown table, padded so that it also reads well in a terminal. */
export function formatTable(rows: Row[]): string {
	const all = [[...HEADERS, "target", "met"], ...rows.map(cells)];
	const widths = all[0]?.map((_, col) => Math.max(...all.map((line) => (line[col] ?? "").length))) ?? [];
	const line = (values: string[]) => `| ${values.map((value, col) => value.padEnd(widths[col] ?? 0)).join(" | ")} |`;
	const rule = `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`;
	const [head, ...body] = all;
	return [line(head ?? []), rule, ...body.map(line)].join("\n");
}

export function formatReport(report: Report): string {
	const missed = report.rows.filter((row) => row.met === false).length;
	const judged = report.rows.filter((row) => row.met !== undefined).length;
	const notes = report.notes.map((note) => `- ${note}`).join("\n");
	return `${formatTable(report.rows)}\n\nTargets met: ${judged - missed}/${judged}\n${notes ? `\nNotes:\n${notes}\n` : ""}`;
}
