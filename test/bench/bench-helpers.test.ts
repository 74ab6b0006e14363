/**
 * The bench's pure parts: its command line, how it finds the first token a client's parser sees, its ratios, its
 * table and the rewrite of the docs between their markers. The bench itself (timing) is never run by `bun test`.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFileConfig } from "../../src/config/settings.ts";
import { FirstContent } from "./client.ts";
import { backWithin, per1000, plusTarget, timesTarget, withinPlus, withinTimes } from "./judge.ts";
import { parseOptions, SCENARIOS } from "./params.ts";
import {
	END_MARKER,
	formatTable,
	newReport,
	type Row,
	START_MARKER,
	targetsLine,
	writeBetweenMarkers,
} from "./report.ts";
import { limitsYaml } from "./scenarios-limits.ts";
import { addedRatio, mb } from "./stats.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseOptions", () => {
	test("a plain run measures every scenario with the source arm only and writes nothing", () => {
		const options = parseOptions([], {});
		expect(options).toMatchObject({ scenarios: [...SCENARIOS], binary: false, write: false });
		expect(options.params.quick).toBe(false);
	});

	test("--write implies the binary arm", () => {
		expect(parseOptions(["--write"], {})).toMatchObject({ binary: true, write: true });
	});

	test("--write refuses a quick or a partial run, whose figures would replace a full run's", () => {
		expect(() => parseOptions(["--quick", "--write"], {})).toThrow("--write needs a full run of every scenario");
		expect(() => parseOptions(["--write"], { BENCH_QUICK: "1" })).toThrow("--write needs a full run");
		expect(() => parseOptions(["--only=ttft", "--write"], {})).toThrow("--write needs a full run");
	});

	test("--only keeps the run order of the scenarios and names an unknown one", () => {
		expect(parseOptions(["--only=aborts,nonstream"], {}).scenarios).toEqual(["nonstream", "aborts"]);
		expect(() => parseOptions(["--only=ttft,warp"], {})).toThrow("unknown scenario warp");
		expect(() => parseOptions(["--fast"], {})).toThrow("unknown argument --fast");
	});
});

describe("FirstContent", () => {
	test("Ollama NDJSON: a line with empty content is not a token; a line split over reads counts when it completes", () => {
		const watcher = new FirstContent(true);
		expect(watcher.feed(bytes('{"message":{"role":"assistant","content":""},"done":false}\n'))).toBe(false);
		expect(watcher.feed(bytes('{"message":{"role":"assistant","content":"Hel'))).toBe(false);
		expect(watcher.feed(bytes('lo"},"done":false}\n'))).toBe(true);
		expect(watcher.found).toBe(true);
		expect(watcher.feed(bytes('{"message":{"content":"again"}}\n'))).toBe(false);
	});

	test("OpenAI SSE: the role chunk and [DONE] are not tokens; the first delta with content is", () => {
		const watcher = new FirstContent(false);
		const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n';
		expect(watcher.feed(bytes(role))).toBe(false);
		expect(watcher.feed(bytes('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'))).toBe(true);
		const done = new FirstContent(false);
		expect(done.feed(bytes("data: [DONE]\n\n"))).toBe(false);
	});

	test("a multi-byte character split between reads is decoded whole", () => {
		const watcher = new FirstContent(true);
		const line = bytes('{"message":{"content":"é"}}\n');
		const cut = line.indexOf(0xc3) + 1;
		expect(watcher.feed(line.slice(0, cut))).toBe(false);
		expect(watcher.feed(line.slice(cut))).toBe(true);
	});
});

describe("addedRatio", () => {
	test("added time over the pass-through's added time", () => {
		expect(addedRatio(0.6, 0.2)).toBe("3.00×");
	});

	test("when the pass-through added nothing measurable, the whole figures are compared and marked", () => {
		expect(addedRatio(4, -2, { arm: 12, pass: 6 })).toBe("2.00× (whole)");
		expect(addedRatio(4, 0)).toBe("n/a");
	});
});

describe("issue 17's targets", () => {
	test("paced TTFT and each later chunk: the pass-through's added time plus a margin, the bound in the target", () => {
		expect(withinPlus(0.8, 0.5, 0.3)).toBe(true);
		expect(withinPlus(0.81, 0.5, 0.3)).toBe(false);
		expect(withinPlus(0.25, -0.1, 0.2)).toBe(false);
		expect(plusTarget(0.518, 0.3)).toBe("≤ pass-through + 0.3 ms (≤ +0.818 ms)");
		expect(plusTarget(-0.1, 0.2)).toBe("≤ pass-through + 0.2 ms (≤ +0.100 ms)");
	});

	test("stream:false c=1 p50: a multiple of the pass-through's added time, the bound in the target", () => {
		expect(withinTimes(0.224, 0.112, 2)).toBe(true);
		expect(withinTimes(0.247, 0.112, 2)).toBe(false);
		expect(withinTimes(0.01, -0.02, 2)).toBe(false);
		expect(timesTarget(0.112, 2)).toBe("≤ 2× pass-through's added (≤ +0.224 ms)");
	});

	test("CPU per 1000 tokens, and a heap back within a share of its start", () => {
		expect(per1000(380, 2400)).toBeCloseTo(158.333, 3);
		expect(per1000(60, 2400)).toBe(25);
		expect(backWithin(12_000_000, 12_600_000, 0.05)).toBe(true);
		expect(backWithin(12_000_000, 12_600_001, 0.05)).toBe(false);
		expect(backWithin(12_000_000, 11_000_000, 0.05)).toBe(true);
	});

	test("a figure that was not measured meets no target", () => {
		expect(withinPlus(Number.NaN, 0.5, 0.3)).toBe(false);
		expect(withinTimes(0.1, Number.NaN, 2)).toBe(false);
		expect(backWithin(Number.NaN, 1, 0.05)).toBe(false);
		expect(plusTarget(Number.NaN, 0.3)).toBe("≤ pass-through + 0.3 ms (≤ n/a)");
	});

	test("sizes in KB read as MB with one decimal", () => {
		expect(mb(51_200)).toBe("50.0 MB");
		expect(mb(12_902.4)).toBe("12.6 MB");
	});
});

const row = (met: Row["met"]): Row => ({
	figure: "Idle RSS",
	passthrough: "34.0 MB",
	proxy: "60.0 MB",
	binary: "44.0 MB",
	ratio: { proxy: "1.76×", binary: "1.29×" },
	target: "≤ 45 MB (binary)",
	...(met && { met }),
});

describe("report", () => {
	test("every judged cell counts, source and binary each, informational rows none", () => {
		const report = newReport(true);
		report.rows.push(row({ binary: true }), row({ proxy: false, binary: true }), row(undefined));
		expect(targetsLine(report)).toBe("Targets met: 2 of 3");
	});

	test("with the binary arm the table has its figure and ratio columns and one verdict per arm", () => {
		const report = newReport(true);
		report.rows.push(row({ binary: true }));
		const [head, rule, body] = formatTable(report).split("\n");
		expect(head?.split("|").map((cell) => cell.trim())).toEqual([
			"",
			"figure",
			"direct",
			"pass-through",
			"proxy (bun src/index.ts)",
			"ratio",
			"binary (./ollama-proxy)",
			"ratio",
			"target",
			"met (source / binary)",
			"",
		]);
		// As biome formats a Markdown table: the rule as wide as the header, a space on each side of its dashes.
		expect(rule).toMatch(/^\| -+( \| -+)* \|$/);
		expect(rule?.length).toBe(head?.length);
		expect(body?.split("|").map((cell) => cell.trim())).toEqual([
			"",
			"Idle RSS",
			"",
			"34.0 MB",
			"60.0 MB",
			"1.76×",
			"44.0 MB",
			"1.29×",
			"≤ 45 MB (binary)",
			"— / met",
			"",
		]);
	});

	test("without the binary arm there are no binary columns", () => {
		const report = newReport(false);
		report.rows.push(row({ proxy: false }));
		expect(formatTable(report)).not.toContain("binary (./ollama-proxy)");
		expect(formatTable(report).split("\n")[2]).toContain("| NOT MET |");
	});
});

describe("writeBetweenMarkers", () => {
	test("replaces only what lies between the markers", async () => {
		const dir = await mkdtemp(join(tmpdir(), "bench-doc-"));
		try {
			const path = join(dir, "performance.md");
			await writeFile(path, `# Title\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nProse after.\n`);
			writeBetweenMarkers(path, "new table\n");
			expect(await readFile(path, "utf8")).toBe(
				`# Title\n\n${START_MARKER}\nnew table\n${END_MARKER}\n\nProse after.\n`,
			);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	test("a document without the markers is an error, not a silent append", async () => {
		const dir = await mkdtemp(join(tmpdir(), "bench-doc-"));
		try {
			const path = join(dir, "performance.md");
			await writeFile(path, "# Title\n");
			expect(() => writeBetweenMarkers(path, "table")).toThrow("lacks the");
			expect(await readFile(path, "utf8")).toBe("# Title\n");
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe("limitsYaml", () => {
	test("with Redis: a config the proxy accepts, its one key with every limit set and Redis as state", () => {
		const config = parseFileConfig(limitsYaml("http://127.0.0.1:1", "redis://127.0.0.1:2"), {}, "bench");
		expect(config.upstreams.map((u) => u.base_url)).toEqual(["http://127.0.0.1:1/v1"]);
		expect(config.keys?.length).toBe(1);
		expect(Object.keys(config.keys?.[0]?.limits ?? {}).sort()).toEqual(
			["concurrent", "requests_per_minute", "tokens_per_day", "tokens_per_minute", "tokens_per_month"].sort(),
		);
		expect(config.state?.redis_url).toBe("redis://127.0.0.1:2");
	});

	test("without Redis: the same key, no limits and no state", () => {
		const config = parseFileConfig(limitsYaml("http://127.0.0.1:1"), {}, "bench");
		expect(config.keys?.[0]?.key).toBe(
			parseFileConfig(limitsYaml("http://127.0.0.1:1", "redis://x"), {}, "b").keys?.[0]?.key,
		);
		expect(config.keys?.[0]?.limits).toBeUndefined();
		expect(config.state).toBeUndefined();
		expect(config.limits ?? {}).toEqual({});
	});
});
