/**
 * Globs over model names and ids, as the configuration file writes them: `*` is any run of characters (slashes
 * included, so `openai/*` covers every OpenAI model), `?` one character, matched case-insensitively like Ollama's
 * model lookup.
 */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
	const compiled = patterns.map((pattern) => {
		const source = pattern
			.replace(/[.+^${}()|[\]\\]/g, "\\$&")
			.replaceAll("*", ".*")
			.replaceAll("?", ".");
		return new RegExp(`^${source}$`, "i");
	});
	return (name) => compiled.some((re) => re.test(name));
}

/** Whether a name is a glob rather than one exact name: a `models[]` entry named so is a pattern alias. */
export function isGlob(name: string): boolean {
	return name.includes("*") || name.includes("?");
}
