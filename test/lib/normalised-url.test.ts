import { describe, expect, test } from "bun:test";
import { duplicateUrls, normalisedUrl } from "../../src/lib/normalised-url.ts";

describe("normalisedUrl", () => {
	test.each([
		["http://GPU-1.Example:11434/", "http://gpu-1.example:11434"],
		["http://gpu-1.example:11434", "http://gpu-1.example:11434"],
		["https://Cloud.Example/v1/", "https://cloud.example/v1"],
		["https://cloud.example/V1", "https://cloud.example/V1"],
		["HTTP://host:80/v1", "http://host/v1"],
		["http://host/v1//", "http://host/v1/"],
		["not a url/", "not a url"],
		["not a url", "not a url"],
	])("%s → %s", (url, expected) => {
		expect(normalisedUrl(url)).toBe(expected);
	});
});

describe("duplicateUrls", () => {
	test.each([
		[[], []],
		[["http://a:1", "http://b:1"], []],
		[["http://A:1/", "http://b:1", "http://a:1"], ["http://a:1"]],
		[
			["http://a/v1", "http://a/v1/", "http://A/v1", "http://b", "http://B/"],
			["http://a/v1", "http://b"],
		],
		[["http://a/v1", "http://a/V1"], []],
	])("%j → %j", (urls, expected) => {
		expect(duplicateUrls(urls)).toEqual(expected);
	});
});
