/** The usage report's table and its refusals, without a process. */
import { describe, expect, test } from "bun:test";
import { loadSettings } from "../src/config/settings.ts";
import { usageReport, usageTable } from "../src/usage-report.ts";

const row = (key: string, requests: number) => ({
	day: "2025-03-10",
	key,
	model: "coder",
	requests,
	prompt_tokens: 12345,
	completion_tokens: 6,
	errors: 0,
	refusals: 1,
});

describe("usageTable", () => {
	test("columns as wide as their widest cell, two spaces apart", () => {
		expect(usageTable([row("alice", 120), row("bob", 3)])).toBe(
			[
				"KEY    MODEL  DAY         REQUESTS  PROMPT_TOKENS  COMPLETION_TOKENS  ERRORS  REFUSALS",
				"alice  coder  2025-03-10  120       12345          6                  0       1",
				"bob    coder  2025-03-10  3         12345          6                  0       1",
				"",
			].join("\n"),
		);
	});

	test("no rows", () => {
		expect(usageTable([])).toBe("no usage in these days\n");
	});
});

describe("usageReport refuses before it connects", () => {
	const withRedis = loadSettings({ env: { REDIS_URL: "redis://127.0.0.1:9" } });

	test.each([
		[{ from: "2025-3-1" }, "--from: must be a UTC day as YYYY-MM-DD"],
		[{ from: "2025-03-11", to: "2025-03-10" }, "from (2025-03-11) is after to (2025-03-10)"],
	])("%j", async (filters, message) => {
		expect(usageReport(withRedis, filters)).rejects.toThrow(message);
	});

	test("without Redis", async () => {
		expect(usageReport(loadSettings({ env: {} }), {})).rejects.toThrow("usage needs Redis");
	});
});
