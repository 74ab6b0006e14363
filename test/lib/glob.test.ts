import { describe, expect, test } from "bun:test";
import { globMatcher } from "../../src/lib/glob.ts";

describe("globMatcher: * any run, ? one character, everything else literal, case-insensitive", () => {
	test.each<{ kind: string; patterns: string[]; name: string; matches: boolean }>([
		{ kind: "exact name", patterns: ["gpt-4o"], name: "gpt-4o", matches: true },
		{ kind: "exact name, other name", patterns: ["gpt-4o"], name: "gpt-4o-mini", matches: false },
		{ kind: "anchored at the start", patterns: ["4o"], name: "gpt-4o", matches: false },
		{ kind: "* alone matches anything", patterns: ["*"], name: "anything/at:all", matches: true },
		{ kind: "* alone matches the empty name", patterns: ["*"], name: "", matches: true },
		{ kind: "trailing * matches a suffix", patterns: ["gpt-4*"], name: "gpt-4o-mini", matches: true },
		{ kind: "trailing * matches nothing extra", patterns: ["gpt-4*"], name: "gpt-4", matches: true },
		{ kind: "leading *", patterns: ["*-mini"], name: "gpt-4o-mini", matches: true },
		{ kind: "leading *, wrong end", patterns: ["*-mini"], name: "gpt-4o-mini-2024", matches: false },
		{ kind: "* in the middle", patterns: ["gpt-*-mini"], name: "gpt-4.1-mini", matches: true },
		{ kind: "* crosses slashes", patterns: ["openai/*"], name: "openai/gpt-4o", matches: true },
		{ kind: "* crosses several slashes", patterns: ["openai/*"], name: "openai/a/b/c", matches: true },
		{ kind: "*/ prefix wildcard", patterns: ["*/llama*"], name: "meta-llama/llama-3", matches: true },
		{ kind: "? is one character", patterns: ["o?"], name: "o1", matches: true },
		{ kind: "? is not zero characters", patterns: ["o?"], name: "o", matches: false },
		{ kind: "? is not two characters", patterns: ["o?"], name: "o12", matches: false },
		{ kind: "? matches a slash", patterns: ["a?b"], name: "a/b", matches: true },
		{ kind: ". is literal", patterns: ["gpt-4.1"], name: "gpt-4.1", matches: true },
		{ kind: ". does not match any character", patterns: ["gpt-4.1"], name: "gpt-4x1", matches: false },
		{ kind: "+ is literal", patterns: ["a+b"], name: "a+b", matches: true },
		{ kind: "+ is not a repetition", patterns: ["a+b"], name: "aab", matches: false },
		{ kind: "+ is not a repetition (single a)", patterns: ["a+b"], name: "ab", matches: false },
		{ kind: "parentheses and pipe are literal", patterns: ["(a|b)"], name: "(a|b)", matches: true },
		{ kind: "pipe is not alternation", patterns: ["a|b"], name: "a", matches: false },
		{ kind: "brackets are literal", patterns: ["[ab]"], name: "[ab]", matches: true },
		{ kind: "brackets are not a class", patterns: ["[ab]"], name: "a", matches: false },
		{ kind: "braces are literal", patterns: ["a{2}"], name: "a{2}", matches: true },
		{ kind: "braces are not a count", patterns: ["a{2}"], name: "aa", matches: false },
		{ kind: "^ and $ are literal", patterns: ["^a$"], name: "^a$", matches: true },
		{ kind: "backslash is literal", patterns: ["a\\b"], name: "a\\b", matches: true },
		{ kind: "case-insensitive: upper pattern", patterns: ["GPT-4O"], name: "gpt-4o", matches: true },
		{ kind: "case-insensitive: upper name", patterns: ["gpt-*"], name: "GPT-4O", matches: true },
		{ kind: "any of several patterns: first", patterns: ["claude-*", "gpt-*"], name: "claude-3", matches: true },
		{ kind: "any of several patterns: second", patterns: ["claude-*", "gpt-*"], name: "gpt-4o", matches: true },
		{ kind: "none of several patterns", patterns: ["claude-*", "gpt-*"], name: "o3", matches: false },
		{ kind: "an empty pattern list matches nothing", patterns: [], name: "gpt-4o", matches: false },
		{ kind: "an empty pattern list does not match the empty name", patterns: [], name: "", matches: false },
	])("$kind: $patterns vs '$name' → $matches", ({ patterns, name, matches }) => {
		expect(globMatcher(patterns)(name)).toBe(matches);
	});

	test("the matcher is reusable: a compiled pattern holds no state between calls", () => {
		const match = globMatcher(["gpt-*"]);
		expect([match("gpt-4o"), match("gpt-4o"), match("o3"), match("gpt-5")]).toEqual([true, true, false, true]);
	});
});
