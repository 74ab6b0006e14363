/**
 * Replica URLs compared as an operator means them: `http://GPU-1:11434/` and `http://gpu-1:11434` are one replica.
 * Pure; for the config schema to refuse duplicates, and for the fleet to seed each replica's rendezvous hash so a
 * conversation keeps its replica across restarts and reorderings of the list.
 */

/**
 * The URL with its host lowercased and one trailing slash dropped. A parsable URL is also put in WHATWG form (scheme
 * lowercased, default port dropped), which only merges spellings of the same address; other text is compared as-is.
 */
export function normalisedUrl(url: string): string {
	const text = URL.canParse(url) ? new URL(url).href : url;
	return text.endsWith("/") ? text.slice(0, -1) : text;
}

/** Each normalised URL that occurs more than once, in order of its second occurrence; empty when all are distinct. */
export function duplicateUrls(urls: readonly string[]): string[] {
	const seen = new Set<string>();
	const duplicates: string[] = [];
	for (const url of urls) {
		const key = normalisedUrl(url);
		if (seen.has(key) && !duplicates.includes(key)) duplicates.push(key);
		seen.add(key);
	}
	return duplicates;
}

/**
 * A URL as logs, metrics and errors may show it: its origin and path, never the credentials or query a base URL may
 * carry (user:pass@host, ?key=…), and without a trailing slash.
 */
export function urlLabel(url: string): string {
	if (!URL.canParse(url)) return "(invalid URL)";
	const parsed = new URL(url);
	const label = `${parsed.origin}${parsed.pathname}`;
	return label.endsWith("/") ? label.slice(0, -1) : label;
}
