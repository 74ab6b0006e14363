import { expect, test } from "bun:test";
import { pathOf } from "../../src/http/request-context.ts";

test.each([
	["http://127.0.0.1:11434/api/chat", "/api/chat"],
	["http://h/api/tags?x=1&y=2", "/api/tags"],
	["http://h/", "/"],
	["http://h", "/"],
	["http://h/v1/models/a%2Fb?q", "/v1/models/a%2Fb"],
])("%s → %s", (url, path) => {
	expect(pathOf(url)).toBe(path);
	expect(pathOf(url)).toBe(new URL(url).pathname);
});
