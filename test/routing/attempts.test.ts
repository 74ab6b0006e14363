import { describe, expect, test } from "bun:test";
import pino from "pino";
import type { Retries } from "../../src/config/file.ts";
import { type FailureKind, ProxyError } from "../../src/core/proxy-error.ts";
import { retryAfterMs } from "../../src/lib/retry-after.ts";
import { type AttemptContext, firstSuccess, retryDelay } from "../../src/routing/attempts.ts";
import type { ModelRegistry, Route } from "../../src/routing/model-registry.ts";

const NOW = Date.parse("2025-01-01T00:00:00Z");

describe("retryAfterMs: seconds or an HTTP date, undefined when absent or unreadable", () => {
	test.each<{ kind: string; value: string | undefined; expected: number | undefined }>([
		{ kind: "absent", value: undefined, expected: undefined },
		{ kind: "empty", value: "", expected: undefined },
		{ kind: "whole seconds", value: "120", expected: 120_000 },
		{ kind: "zero seconds", value: "0", expected: 0 },
		{ kind: "fractional seconds", value: "1.5", expected: 1500 },
		{ kind: "negative seconds clamp to 0", value: "-5", expected: 0 },
		{ kind: "an HTTP date 30 s ahead", value: "Wed, 01 Jan 2025 00:00:30 GMT", expected: 30_000 },
		{ kind: "an HTTP date in the past clamps to 0", value: "Tue, 31 Dec 2024 23:59:00 GMT", expected: 0 },
		{ kind: "an HTTP date equal to now", value: "Wed, 01 Jan 2025 00:00:00 GMT", expected: 0 },
		{ kind: "garbage", value: "soon", expected: undefined },
		{ kind: "Infinity is not a number of seconds", value: "Infinity", expected: undefined },
	])("$kind: '$value' → $expected", ({ value, expected }) => {
		expect(retryAfterMs(value, NOW)).toBe(expected);
	});

	test("without an injected now, a date is measured from the clock (and a past one is 0)", () => {
		expect(retryAfterMs("Thu, 01 Jan 1970 00:00:00 GMT")).toBe(0);
	});
});

const rateLimited = (retryAfter?: string) =>
	new ProxyError(429, "slow down", retryAfter === undefined ? {} : { "retry-after": retryAfter }, "rate_limit");

describe("retryDelay: exponential backoff, a longer Retry-After wins, too long a wait is no retry", () => {
	const retries: Retries = { max: 5, backoff_ms: 100, max_wait_ms: 1000 };
	test.each<{ kind: string; attempt: number; retryAfter?: string; expected: number | undefined }>([
		{ kind: "first retry waits backoff_ms", attempt: 0, expected: 100 },
		{ kind: "second retry doubles", attempt: 1, expected: 200 },
		{ kind: "third retry doubles again", attempt: 2, expected: 400 },
		{ kind: "fourth retry", attempt: 3, expected: 800 },
		{ kind: "fifth retry would exceed max_wait_ms", attempt: 4, expected: undefined },
		{ kind: "Retry-After longer than backoff wins", attempt: 0, retryAfter: "0.5", expected: 500 },
		{ kind: "Retry-After shorter than backoff loses", attempt: 2, retryAfter: "0.1", expected: 400 },
		{ kind: "Retry-After exactly max_wait_ms is allowed", attempt: 0, retryAfter: "1", expected: 1000 },
		{ kind: "Retry-After over max_wait_ms", attempt: 0, retryAfter: "2", expected: undefined },
		{ kind: "unreadable Retry-After is ignored", attempt: 1, retryAfter: "later", expected: 200 },
	])("$kind", ({ attempt, retryAfter, expected }) => {
		expect(retryDelay(attempt, rateLimited(retryAfter), retries)).toBe(expected);
	});

	test("a server error without headers uses the backoff alone", () => {
		expect(retryDelay(0, new ProxyError(502, "bad gateway", {}, "server"), retries)).toBe(100);
	});
});

// --- firstSuccess -------------------------------------------------------------------------------------------------

const FAST: Retries = { max: 2, backoff_ms: 1, max_wait_ms: 1000 };

function route(name: string, upstream: string, fallbacks: string[] = []): Route {
	return {
		name,
		facts: {
			name,
			id: name,
			family: "",
			contextLength: 1,
			capabilities: ["completion"],
			modifiedAt: new Date(0),
		},
		upstream: { name: upstream },
		params: {},
		fallbacks,
	} as unknown as Route;
}

const failure = (kind: FailureKind, message = `${kind} failure`) => new ProxyError(502, message, {}, kind);

type Outcome = string | Error;

/** A call that answers each route from its own script, one outcome per attempt, and records the order of attempts. */
function scripted(scripts: Record<string, Outcome[]>) {
	const calls: string[] = [];
	const call = async (r: Route): Promise<string> => {
		calls.push(r.name);
		const next = scripts[r.name]?.shift();
		if (next === undefined) throw new Error(`no scripted outcome left for ${r.name}`);
		if (next instanceof Error) throw next;
		return next;
	};
	return { call, calls };
}

function context(
	routes: Route[],
	options: { retries?: Record<string, Retries>; signal?: AbortSignal } = {},
): AttemptContext & { failures: Array<[string, FailureKind | undefined]>; resolved: string[] } {
	const byName = new Map(routes.map((r) => [r.name, r]));
	const failures: Array<[string, FailureKind | undefined]> = [];
	const resolved: string[] = [];
	const registry = {
		async resolve(name: string) {
			resolved.push(name);
			return byName.get(name);
		},
	} as unknown as ModelRegistry;
	return {
		registry,
		retriesOf: (upstream) => options.retries?.[upstream] ?? FAST,
		signal: options.signal ?? new AbortController().signal,
		log: pino({ level: "silent" }),
		onFailure: (r, error) => failures.push([r.name, error.kind]),
		failures,
		resolved,
	};
}

describe("firstSuccess: retries on the same upstream, then each fallback in turn", () => {
	test("success on the first try: one call, no failures, no fallback resolved", async () => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")]);
		const { call, calls } = scripted({ main: ["ok"] });
		expect(await firstSuccess(main, ctx, call)).toBe("ok");
		expect(calls).toEqual(["main"]);
		expect(ctx.failures).toEqual([]);
		expect(ctx.resolved).toEqual([]);
	});

	test.each<{ kind: FailureKind }>([
		{ kind: "server" },
		{ kind: "connect" },
		{ kind: "timeout" },
		{ kind: "rate_limit" },
	])("a transient $kind failure is retried and the retry's answer returned", async ({ kind }) => {
		const main = route("main", "a");
		const ctx = context([main]);
		const { call, calls } = scripted({ main: [failure(kind), "ok"] });
		expect(await firstSuccess(main, ctx, call)).toBe("ok");
		expect(calls).toEqual(["main", "main"]);
		expect(ctx.failures).toEqual([["main", kind]]);
	});

	test.each<{ kind: FailureKind }>([
		{ kind: "server" },
		{ kind: "connect" },
		{ kind: "timeout" },
		{ kind: "rate_limit" },
	])("a $kind failure on every try: retries.max retries, then the fallback", async ({ kind }) => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")]);
		const { call, calls } = scripted({ main: [failure(kind), failure(kind), failure(kind)], backup: ["from backup"] });
		expect(await firstSuccess(main, ctx, call)).toBe("from backup");
		expect(calls).toEqual(["main", "main", "main", "backup"]);
		expect(ctx.failures).toEqual([
			["main", kind],
			["main", kind],
			["main", kind],
		]);
		expect(ctx.resolved).toEqual(["backup"]);
	});

	test("each route uses its own upstream's retries", async () => {
		const main = route("main", "a", ["backup"]);
		const backup = route("backup", "b");
		const ctx = context([main, backup], {
			retries: { a: { ...FAST, max: 0 }, b: { ...FAST, max: 1 } },
		});
		const { call, calls } = scripted({ main: [failure("server")], backup: [failure("server"), "second try"] });
		expect(await firstSuccess(main, ctx, call)).toBe("second try");
		expect(calls).toEqual(["main", "backup", "backup"]);
	});

	test("fallbacks are tried in order until one answers", async () => {
		const main = route("main", "a", ["one", "two", "three"]);
		const ctx = context([main, route("one", "b"), route("two", "c"), route("three", "d")], {
			retries: { a: { ...FAST, max: 0 }, b: { ...FAST, max: 0 }, c: { ...FAST, max: 0 } },
		});
		const { call, calls } = scripted({ main: [failure("server")], one: [failure("timeout")], two: ["two answered"] });
		expect(await firstSuccess(main, ctx, call)).toBe("two answered");
		expect(calls).toEqual(["main", "one", "two"]);
		expect(ctx.resolved).toEqual(["one", "two"]);
	});

	test("every route failing transiently: the last error is thrown", async () => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")], { retries: { a: { ...FAST, max: 1 }, b: { ...FAST, max: 0 } } });
		const last = failure("connect", "backup unreachable");
		const { call, calls } = scripted({ main: [failure("server"), failure("server")], backup: [last] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(last);
		expect(calls).toEqual(["main", "main", "backup"]);
		expect(ctx.failures).toEqual([
			["main", "server"],
			["main", "server"],
			["backup", "connect"],
		]);
	});

	test("a Retry-After over max_wait_ms skips the remaining retries and goes to the fallback", async () => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")], { retries: { a: { max: 5, backoff_ms: 1, max_wait_ms: 50 } } });
		const { call, calls } = scripted({ main: [rateLimited("3600")], backup: ["ok"] });
		expect(await firstSuccess(main, ctx, call)).toBe("ok");
		expect(calls).toEqual(["main", "backup"]);
	});

	test.each<{ kind: FailureKind }>([
		{ kind: "bad_request" },
		{ kind: "auth" },
		{ kind: "not_found" },
		{ kind: "stream" },
	])("a non-transient $kind failure is thrown at once, without retry or fallback", async ({ kind }) => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")]);
		const error = failure(kind);
		const { call, calls } = scripted({ main: [error, "never"], backup: ["never"] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(error);
		expect(calls).toEqual(["main"]);
		expect(ctx.failures).toEqual([["main", kind]]);
		expect(ctx.resolved).toEqual([]);
	});

	test.each<{ kind: string; error: Error }>([
		{ kind: "a plain Error", error: new Error("boom") },
		{ kind: "a TypeError", error: new TypeError("bad") },
		{ kind: "a ProxyError without kind", error: new ProxyError(400, "bad input") },
	])("$kind is thrown at once and not counted as an upstream failure", async ({ error }) => {
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")]);
		const { call, calls } = scripted({ main: [error, "never"], backup: ["never"] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(error);
		expect(calls).toEqual(["main"]);
		expect(ctx.failures).toEqual([]);
		expect(ctx.resolved).toEqual([]);
	});

	test("a non-transient failure on a fallback is thrown without trying later fallbacks", async () => {
		const main = route("main", "a", ["one", "two"]);
		const ctx = context([main, route("one", "b"), route("two", "c")], { retries: { a: { ...FAST, max: 0 } } });
		const refused = failure("auth");
		const { call, calls } = scripted({ main: [failure("server")], one: [refused], two: ["never"] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(refused);
		expect(calls).toEqual(["main", "one"]);
	});

	test("unknown fallback names are skipped", async () => {
		const main = route("main", "a", ["missing", "also-missing", "backup"]);
		const ctx = context([main, route("backup", "b")], { retries: { a: { ...FAST, max: 0 } } });
		const { call, calls } = scripted({ main: [failure("server")], backup: ["ok"] });
		expect(await firstSuccess(main, ctx, call)).toBe("ok");
		expect(calls).toEqual(["main", "backup"]);
		expect(ctx.resolved).toEqual(["missing", "also-missing", "backup"]);
	});

	test("only unknown fallbacks: the main route's last error is thrown", async () => {
		const main = route("main", "a", ["missing"]);
		const ctx = context([main], { retries: { a: { ...FAST, max: 0 } } });
		const error = failure("timeout");
		const { call, calls } = scripted({ main: [error] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(error);
		expect(calls).toEqual(["main"]);
	});

	test("the same route is not tried twice, whether named again or reached under another name", async () => {
		const main = route("main", "a", ["main", "backup", "alias-of-backup", "backup"]);
		const backup = route("backup", "b");
		const ctx = context([main, backup], { retries: { a: { ...FAST, max: 0 }, b: { ...FAST, max: 0 } } });
		// A registry that resolves another name to the same route, as a case-insensitive lookup would.
		const resolve = ctx.registry.resolve;
		ctx.registry.resolve = async (name) => (name === "alias-of-backup" ? backup : resolve(name));
		const last = failure("server", "backup down");
		const { call, calls } = scripted({ main: [failure("server")], backup: [last] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(last);
		expect(calls).toEqual(["main", "backup"]);
	});

	test("a signal already aborted: a transient failure is thrown at once, without retry or fallback", async () => {
		const controller = new AbortController();
		controller.abort();
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")], { signal: controller.signal });
		const error = failure("server");
		const { call, calls } = scripted({ main: [error, "never"], backup: ["never"] });
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(error);
		expect(calls).toEqual(["main"]);
		expect(ctx.failures).toEqual([["main", "server"]]);
	});

	test("a signal aborted during the call stops retrying", async () => {
		const controller = new AbortController();
		const main = route("main", "a", ["backup"]);
		const ctx = context([main, route("backup", "b")], { signal: controller.signal });
		const error = failure("timeout");
		const calls: string[] = [];
		const call = async (r: Route) => {
			calls.push(r.name);
			controller.abort();
			throw error;
		};
		await expect(firstSuccess(main, ctx, call)).rejects.toBe(error);
		expect(calls).toEqual(["main"]);
	});

	test("an abort during the backoff wait ends the wait and the attempts, with no further call", async () => {
		const controller = new AbortController();
		const main = route("main", "a", ["backup"]);
		// A wait far longer than the test's timeout: only the abort can end it.
		const ctx = context([main, route("backup", "b")], {
			signal: controller.signal,
			retries: { a: { max: 3, backoff_ms: 600_000, max_wait_ms: 600_000 } },
		});
		const calls: string[] = [];
		const call = async (r: Route, signal = controller.signal) => {
			calls.push(r.name);
			if (signal.aborted) throw new Error("no call may be made once the client has gone");
			setTimeout(() => controller.abort(), 1);
			throw failure("rate_limit");
		};
		const error = await firstSuccess(main, ctx, (r) => call(r)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProxyError);
		expect((error as ProxyError).kind).toBe("rate_limit");
		expect(calls).toEqual(["main"]);
		expect(ctx.failures).toEqual([["main", "rate_limit"]]);
	});

	test("without onFailure, failures are retried just the same", async () => {
		const main = route("main", "a");
		const { onFailure: _ignored, ...ctx } = context([main]);
		const { call, calls } = scripted({ main: [failure("server"), "ok"] });
		expect(await firstSuccess(main, ctx, call)).toBe("ok");
		expect(calls).toEqual(["main", "main"]);
	});
});
