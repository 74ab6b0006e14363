/** `/api/usage`'s query: days checked, today by default, `model` with or without `:latest`; rows in reply order. */
import { describe, expect, test } from "bun:test";
import { engineQuery, UsageQuery, usageRow } from "../../../src/protocols/ollama/usage.ts";

const NOW = new Date("2025-03-10T23:59:59Z");

describe("the usage query", () => {
	test("today, both ends, when nothing is asked", () => {
		expect(engineQuery({}, NOW)).toEqual({ from: "2025-03-10", to: "2025-03-10" });
	});

	test("every filter, the model without :latest", () => {
		expect(engineQuery({ from: "2025-03-01", to: "2025-03-02", key: "alice", model: "coder:latest" }, NOW)).toEqual({
			from: "2025-03-01",
			to: "2025-03-02",
			key: "alice",
			model: "coder",
		});
	});

	test("from after to is an error that says so", () => {
		expect(engineQuery({ from: "2025-03-11" }, NOW)).toBe("from (2025-03-11) is after to (2025-03-10)");
	});

	test.each(["2025-3-1", "2025-02-30", "2025-13-01", "yesterday", "2025-03-10T00:00:00Z"])("%p is not a day", (day) => {
		const parsed = UsageQuery.safeParse({ from: day });
		expect(parsed.success).toBe(false);
		expect(parsed.error?.issues[0]?.message).toBe("must be a UTC day as YYYY-MM-DD");
	});

	test("a row in the reply's field order", () => {
		const row = usageRow({
			day: "2025-03-10",
			key: "alice",
			model: "coder",
			requests: 1,
			prompt_tokens: 2,
			completion_tokens: 3,
			errors: 4,
			refusals: 5,
		});
		expect(Object.keys(row)).toEqual([
			"key",
			"model",
			"day",
			"requests",
			"prompt_tokens",
			"completion_tokens",
			"errors",
			"refusals",
		]);
	});
});
