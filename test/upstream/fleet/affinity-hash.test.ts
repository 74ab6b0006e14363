import { describe, expect, test } from "bun:test";
import { affinityKey, mix32, rendezvousScore } from "../../../src/upstream/fleet/affinity-hash.ts";
import { tally } from "./fleet-harness.ts";

/** Textbook FNV-1a over bytes: the reference for ASCII input, where code units and UTF-8 bytes agree. */
function fnv1aBytes(text: string): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	return hash;
}

describe("affinityKey", () => {
	test.each([
		[[], 0x811c9dc5],
		[[""], 0x811c9dc5],
		[["a"], 0xe40c292c],
		[["foobar"], 0xbf9cf968],
	])("published FNV-1a vector %j", (parts, expected) => {
		expect(affinityKey(parts)).toBe(expected);
	});

	test.each([[["system prompt", "first question"]], [["", "only user"]], [["a", "", "b"]]])(
		"parts are joined by a NUL unit: %j",
		(parts) => {
			expect(affinityKey(parts)).toBe(fnv1aBytes(parts.join("\0")));
		},
	);

	test("the boundary between parts matters", () => {
		expect(affinityKey(["ab", "c"])).not.toBe(affinityKey(["a", "bc"]));
	});

	test("non-ASCII text hashes its UTF-16 code units", () => {
		expect(affinityKey(["é"])).toBe(Math.imul(0x811c9dc5 ^ 0xe9, 0x01000193) >>> 0);
	});
});

describe("mix32", () => {
	test.each([
		[0, 0],
		[1, 0x514e28b7],
		[0xdeadbeef, 0x0de5c6a9],
	])("murmur3 fmix32(%i) = %i", (input, expected) => {
		expect(mix32(input)).toBe(expected);
	});
});

describe("rendezvousScore", () => {
	const seeds = [affinityKey(["http://a"]), affinityKey(["http://b"]), affinityKey(["http://c"])];
	const winner = (key: number, weights: readonly number[], present: readonly number[]) => {
		let best = -1;
		let bestScore = -1;
		for (const i of present) {
			const score = rendezvousScore(key, seeds[i] as number, weights[i] as number);
			if (score > bestScore) [best, bestScore] = [i, score];
		}
		return best;
	};
	const keys = Array.from({ length: 20_000 }, (_, i) => affinityKey([`conversation ${i}`]));

	test("is positive and finite for extreme hashes", () => {
		for (const key of [0, 0xffffffff, seeds[0] as number]) {
			const score = rendezvousScore(key, seeds[0] as number, 1);
			expect(score > 0 && Number.isFinite(score)).toBe(true);
		}
	});

	test.each([
		[
			[1, 1, 1],
			[33.3, 33.3, 33.3],
		],
		[
			[2, 1, 1],
			[50, 25, 25],
		],
		[
			[3, 2, 1],
			[50, 33.3, 16.7],
		],
	])("weights %j win shares near %j percent", (weights, expected) => {
		const counts = tally(
			keys.map((key) => winner(key, weights, [0, 1, 2])),
			3,
		);
		const off = counts.map((count, i) => Math.abs((count / keys.length) * 100 - (expected[i] as number)));
		expect(Math.max(...off)).toBeLessThan(1.5);
	});

	test("a replica leaving moves only the keys it won", () => {
		let moved = 0;
		for (const key of keys) {
			const before = winner(key, [1, 1, 1], [0, 1, 2]);
			const after = winner(key, [1, 1, 1], [0, 1]);
			if (before !== 2) expect(after).toBe(before);
			else moved++;
		}
		expect(moved).toBeGreaterThan(6000);
	});
});
