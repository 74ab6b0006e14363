import { describe, expect, test } from "bun:test";
import { orphanResultText } from "../../src/core/tool-history.ts";

describe("orphanResultText: one wording for both agent routes", () => {
	test.each([
		["c1", "late", "Result of call c1:\nlate"],
		["", "", "Result of call :\n"],
	])("%p, %p", (id, text, expected) => {
		expect(orphanResultText(id, text)).toBe(expected);
	});
});
