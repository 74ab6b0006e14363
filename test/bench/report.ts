/**
 * The one table at the end, plus the notes that qualify its figures (rig-bound runs, errors, method), and the
 * writing of that table into docs/performance.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Product } from "./client.ts";

export type Row = {
	figure: string;
	/** The direct arm's own figure, where the row's figures are measured over it. */
	direct?: string;
	passthrough: string;
	proxy: string;
	binary?: string;
	/** Per product arm: its figure against the pass-through's, both from this run. */
	ratio: Partial<Record<Product, string>>;
	target: string;
	/** Per product arm; absent: an informational row, or no target for that arm. */
	met?: Partial<Record<Product, boolean>>;
};

export type Report = { rows: Row[]; notes: string[]; binary: boolean };

export const newReport = (binary: boolean): Report => ({ rows: [], notes: [], binary });

const verdict = (met: boolean | undefined) => (met === undefined ? "—" : met ? "met" : "NOT MET");

function cells(row: Row, binary: boolean): string[] {
	const head = [row.figure, row.direct ?? "", row.passthrough, row.proxy, row.ratio.proxy ?? ""];
	if (!binary) return [...head, row.target, verdict(row.met?.proxy)];
	const met = row.met ? `${verdict(row.met.proxy)} / ${verdict(row.met.binary)}` : "—";
	return [...head, row.binary ?? "", row.ratio.binary ?? "", row.target, met];
}

function headers(binary: boolean): string[] {
	const head = ["figure", "direct", "pass-through", "proxy (bun src/index.ts)", "ratio"];
	return binary
		? [...head, "binary (./ollama-proxy)", "ratio", "target", "met (source / binary)"]
		: [...head, "target", "met"];
}

/** A Markdown table, padded so that it also reads well in a terminal. */
export function formatTable(report: Report): string {
	const all = [headers(report.binary), ...report.rows.map((row) => cells(row, report.binary))];
	const widths = all[0]?.map((_, col) => Math.max(...all.map((line) => (line[col] ?? "").length))) ?? [];
	const line = (values: string[]) => `| ${values.map((value, col) => value.padEnd(widths[col] ?? 0)).join(" | ")} |`;
	// The rule as the formatter writes it (`| --- |`), so a table the bench wrote passes `biome ci` as it is.
	const rule = line(widths.map((width) => "-".repeat(width)));
	const [head, ...body] = all;
	return [line(head ?? []), rule, ...body.map(line)].join("\n");
}

/** `Targets met: 6 of 14`: every judged cell, source and binary each counted. */
export function targetsLine(report: Report): string {
	const judged = report.rows.flatMap((row) => Object.values(row.met ?? {}));
	return `Targets met: ${judged.filter(Boolean).length} of ${judged.length}`;
}

export function formatReport(report: Report): string {
	const notes = report.notes.map((note) => `- ${note}`).join("\n");
	return `${formatTable(report)}\n\n${targetsLine(report)}\n${notes ? `\nNotes:\n${notes}\n` : ""}`;
}

export const START_MARKER = "<!-- bench-results:start -->";
export const END_MARKER = "<!-- bench-results:end -->";

/** Replaces what lies between the markers with `block`; the rest of the document stays as it is. */
export function writeBetweenMarkers(path: string, block: string): void {
	const text = readFileSync(path, "utf8");
	const start = text.indexOf(START_MARKER);
	const end = text.indexOf(END_MARKER);
	if (start < 0 || end < start) throw new Error(`${path} lacks the ${START_MARKER} … ${END_MARKER} markers`);
	writeFileSync(path, `${text.slice(0, start + START_MARKER.length)}\n${block.trim()}\n${text.slice(end)}`);
}
