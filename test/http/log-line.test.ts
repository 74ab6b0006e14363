import { describe, expect, test } from "bun:test";
import { type LineLevel, writeLine } from "../../src/http/log-line.ts";
import { createLogger } from "../../src/log.ts";

/** The request log's logger as requestLog makes it, writing into `out`. */
function logger(out: string[], level = "info", bindings: Record<string, unknown> = {}) {
	return createLogger(level, { write: (line: string) => void out.push(line) }).child(bindings, { redact: [] });
}

const TIME = /^(\{"level":\d+,"time":)\d+,/;
const timeless = (line: string | undefined) => {
	expect(line).toMatch(TIME);
	return (line as string).replace(TIME, "$1T,");
};

const FIELDS: Record<string, unknown>[] = [
	{
		reqId: "3f0c1a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
		method: "POST",
		path: "/api/chat",
		model: "gpt-4o:latest",
		status: 200,
		outcome: "complete",
		firstTokenMs: 12.5,
		promptTokens: 7,
		evalTokens: 3,
		durationMs: 0.42,
	},
	{
		reqId: "client.id_1",
		method: "GET",
		path: '/a "quoted" \\ path\twith\ncontrols\u0001',
		key: "ключ-😀",
		status: 502,
		outcome: "failed",
		errorKind: "connect",
		replica: "http://10.0.0.1:8000/v1",
		aborted: false,
		error: "x".repeat(150),
		skipped: undefined,
		durationMs: 1500,
	},
	{ lone: "\ud800 and \udfff", nan: Number.NaN, inf: Number.POSITIVE_INFINITY, negZero: -0, big: 1e21, yes: true },
];

describe("writeLine", () => {
	test.each(
		FIELDS.flatMap((fields) => (["info", "warn", "error"] as LineLevel[]).map((level) => [level, fields] as const)),
	)("%s: the same bytes as pino", (level, fields) => {
		const ours: string[] = [];
		const pinos: string[] = [];
		writeLine(logger(ours), level, fields);
		logger(pinos)[level](fields);
		expect(ours).toHaveLength(1);
		expect(timeless(ours[0])).toBe(timeless(pinos[0]));
	});

	test("the logger's bindings come before the fields, as pino puts them", () => {
		const ours: string[] = [];
		const pinos: string[] = [];
		writeLine(logger(ours, "info", { component: "requests" }), "info", { status: 200 });
		logger(pinos, "info", { component: "requests" }).info({ status: 200 });
		expect(timeless(ours[0])).toBe('{"level":30,"time":T,"component":"requests","status":200}\n');
		expect(timeless(ours[0])).toBe(timeless(pinos[0]));
	});

	test("a level the logger leaves out writes nothing", () => {
		const out: string[] = [];
		writeLine(logger(out, "warn"), "info", { status: 200 });
		writeLine(logger(out, "error"), "warn", { status: 404 });
		writeLine(logger(out, "silent"), "error", { status: 500 });
		expect(out).toEqual([]);
	});
});
