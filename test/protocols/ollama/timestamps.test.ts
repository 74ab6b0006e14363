import { describe, expect, test } from "bun:test";
import { rfc3339 } from "../../../src/protocols/ollama/timestamps.ts";

describe("rfc3339: Go's RFC3339Nano in UTC, trailing fractional zeros trimmed", () => {
	test.each([
		{ date: "2025-10-26T17:21:21.196Z", text: "2025-10-26T17:21:21.196Z" },
		{ date: "2025-10-26T17:21:21.190Z", text: "2025-10-26T17:21:21.19Z" },
		{ date: "2025-10-26T17:21:21.100Z", text: "2025-10-26T17:21:21.1Z" },
		{ date: "2024-05-13T00:00:00.050Z", text: "2024-05-13T00:00:00.05Z" },
		{ date: "2024-05-13T00:00:00.005Z", text: "2024-05-13T00:00:00.005Z" },
		{ date: "2024-05-13T00:00:00.000Z", text: "2024-05-13T00:00:00Z" },
		{ date: "2024-05-13T00:00:10.000Z", text: "2024-05-13T00:00:10Z" },
		{ date: "2024-05-13T10:20:30.000Z", text: "2024-05-13T10:20:30Z" },
		{ date: "2024-05-13T00:00:00.500Z", text: "2024-05-13T00:00:00.5Z" },
		{ date: "2025-05-04T17:37:44.706-07:00", text: "2025-05-05T00:37:44.706Z" },
		{ date: "1970-01-01T00:00:00Z", text: "1970-01-01T00:00:00Z" },
	])("$date → $text", ({ date, text }) => {
		expect(rfc3339(new Date(date))).toBe(text);
	});
});
