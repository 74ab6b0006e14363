/** Just enough Markdown reading for the docs-drift test: sections, tables, code blocks, links and anchors. */

/** The lines under a heading (any level) up to the next heading of the same or a higher level, fences respected. */
export function section(markdown: string, heading: string): string {
	const lines = markdown.split("\n");
	let fenced = false;
	let start = -1;
	let level = 0;
	for (const [i, line] of lines.entries()) {
		if (line.startsWith("```")) fenced = !fenced;
		const match = fenced ? null : /^(#+) (.*)$/.exec(line);
		if (!match?.[1] || match[2] === undefined) continue;
		if (start >= 0 && match[1].length <= level) return lines.slice(start, i).join("\n");
		if (start < 0 && match[2].trim() === heading) {
			start = i + 1;
			level = match[1].length;
		}
	}
	if (start < 0) throw new Error(`no heading '${heading}'`);
	return lines.slice(start).join("\n");
}

/** The rows of every table in a piece of Markdown, as trimmed cells, without the header and separator rows. */
export function tableRows(markdown: string): string[][] {
	const rows: string[][] = [];
	const lines = markdown.split("\n");
	for (const [i, line] of lines.entries()) {
		if (!line.startsWith("|")) continue;
		const isSeparator = (l: string | undefined) => l !== undefined && /^\|[\s|:-]+\|$/.test(l.trim());
		if (isSeparator(line) || isSeparator(lines[i + 1])) continue;
		rows.push(
			line
				.trim()
				.slice(1, -1)
				.split("|")
				.map((cell) => cell.trim()),
		);
	}
	return rows;
}

/** The text of every fenced code block with one of the given info strings (`sh`, `text`, ...). */
export function codeBlocks(markdown: string, ...languages: string[]): string[] {
	const blocks: string[] = [];
	let fenced = false;
	let current: string[] | undefined;
	for (const line of markdown.split("\n")) {
		if (line.startsWith("```")) {
			if (fenced && current) blocks.push(current.join("\n"));
			current = !fenced && languages.includes(line.slice(3).trim()) ? [] : undefined;
			fenced = !fenced;
		} else current?.push(line);
	}
	return blocks;
}

/** The `code spans` of a piece of Markdown. */
export function codeSpans(markdown: string): string[] {
	return [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, "")
		.replace(/\s/g, "-");
}

/** The anchors of every heading outside code fences. */
export function anchors(markdown: string): Set<string> {
	const found = new Set<string>();
	let fenced = false;
	for (const line of markdown.split("\n")) {
		if (line.startsWith("```")) fenced = !fenced;
		const match = fenced ? null : /^#+ (.*)$/.exec(line);
		if (match?.[1]) found.add(anchorOf(match[1]));
	}
	return found;
}

/** The targets of inline links outside code fences: `[text](target)`. */
export function linkTargets(markdown: string): string[] {
	let fenced = false;
	const targets: string[] = [];
	for (const line of markdown.split("\n")) {
		if (line.startsWith("```")) fenced = !fenced;
		if (!fenced) for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) targets.push(m[1] ?? "");
	}
	return targets;
}
