import { describe, expect, test } from "bun:test";
import { isUnloadRequest, parseGoDuration } from "../../../src/protocols/ollama/keep-alive.ts";

describe("parseGoDuration: Go duration strings in nanoseconds", () => {
	test.each([
		{ text: "0", ns: 0 },
		{ text: "+0", ns: 0 },
		{ text: "0s", ns: 0 },
		{ text: "10ns", ns: 10 },
		{ text: "3us", ns: 3_000 },
		{ text: "3µs", ns: 3_000 },
		{ text: "300ms", ns: 300_000_000 },
		{ text: "2s", ns: 2_000_000_000 },
		{ text: "+2s", ns: 2_000_000_000 },
		{ text: "5m", ns: 300_000_000_000 },
		{ text: "1h", ns: 3_600_000_000_000 },
		{ text: "1h30m", ns: 5_400_000_000_000 },
		{ text: "2h45m30.5s", ns: 9_930_500_000_000 },
		{ text: "1m30s500ms", ns: 90_500_000_000 },
		{ text: "1.5h", ns: 5_400_000_000_000 },
		{ text: ".5s", ns: 500_000_000 },
		{ text: "1.s", ns: 1_000_000_000 },
		{ text: "05m", ns: 300_000_000_000 },
		{ text: "-1m", ns: -60_000_000_000 },
		{ text: "-1h30m", ns: -5_400_000_000_000 },
	])("$text → $ns ns", ({ text, ns }) => {
		expect(parseGoDuration(text)).toBe(ns);
	});

	test("Go's Greek-mu spelling of microseconds (U+03BC) is a unit too", () => {
		expect(parseGoDuration("3\u03bcs")).toBe(3_000);
	});
});

describe("parseGoDuration: strings Go's time.ParseDuration rejects are undefined", () => {
	test.each([
		{ kind: "empty", text: "" },
		{ kind: "days are not a Go unit", text: "1d" },
		{ kind: "unit-less number", text: "10" },
		{ kind: "unit-less fraction", text: "1.5" },
		{ kind: "unit without number", text: "m" },
		{ kind: "a sign alone", text: "-" },
		{ kind: "a dot without digits", text: ".s" },
		{ kind: "upper-case unit", text: "5M" },
		{ kind: "space between number and unit", text: "5 m" },
		{ kind: "leading space", text: " 5m" },
		{ kind: "sign inside", text: "1h-30m" },
		{ kind: "words", text: "five minutes" },
		{ kind: "zero with a leading zero and no unit", text: "00" },
		{ kind: "a trailing unit-less zero", text: "5m0" },
		{ kind: "a unit-less zero after a unit", text: "1h0" },
	])("$kind: $text", ({ text }) => {
		expect(parseGoDuration(text)).toBeUndefined();
	});
});

describe("isUnloadRequest: only a zero keep_alive asks for an unload", () => {
	test.each([
		{ keepAlive: undefined, unload: false },
		{ keepAlive: null, unload: false },
		{ keepAlive: 0, unload: true },
		{ keepAlive: -0, unload: true },
		{ keepAlive: 300, unload: false },
		{ keepAlive: 0.5, unload: false },
		{ keepAlive: -1, unload: false },
		{ keepAlive: "0", unload: true },
		{ keepAlive: "0s", unload: true },
		{ keepAlive: "-0s", unload: true },
		{ keepAlive: "0m0s", unload: true },
		{ keepAlive: "0ms", unload: true },
		{ keepAlive: "5m", unload: false },
		{ keepAlive: "-1m", unload: false },
		{ keepAlive: "1ns", unload: false },
		{ keepAlive: "1d", unload: false },
		{ keepAlive: "", unload: false },
	])("keep_alive $keepAlive → unload $unload", ({ keepAlive, unload }) => {
		expect(isUnloadRequest(keepAlive)).toBe(unload);
	});
});
