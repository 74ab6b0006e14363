import { describe, expect, test } from "bun:test";
import type { TokenUsage } from "../../../src/core/upstream-chunks.ts";
import { metricsFrom, type Timings } from "../../../src/protocols/ollama/metrics.ts";

describe("metricsFrom: the six metrics, in Ollama's key order, durations in whole nanoseconds ≥ 1", () => {
	test.each<{ kind: string; timings: Timings; usage: TokenUsage; metrics: string }>([
		{
			kind: "spans between the readings; counts from usage",
			timings: { requestStart: 1_000, upstreamStart: 2_500, firstToken: 10_000, end: 50_000 },
			usage: { promptTokens: 26, completionTokens: 282 },
			metrics:
				'{"total_duration":49000,"load_duration":1500,"prompt_eval_count":26,"prompt_eval_duration":7500,"eval_count":282,"eval_duration":40000}',
		},
		{
			kind: "realistic nanosecond readings",
			timings: {
				requestStart: 5_000_000_000,
				upstreamStart: 5_001_334_875,
				firstToken: 5_343_880_875,
				end: 9_883_583_458,
			},
			usage: { promptTokens: 26, completionTokens: 282 },
			metrics:
				'{"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4539702583}',
		},
		{
			kind: "equal readings take the 1 ns floor",
			timings: { requestStart: 7, upstreamStart: 7, firstToken: 7, end: 7 },
			usage: { promptTokens: 0, completionTokens: 0 },
			metrics:
				'{"total_duration":1,"load_duration":1,"prompt_eval_count":0,"prompt_eval_duration":1,"eval_count":0,"eval_duration":1}',
		},
		{
			kind: "readings going backwards take the 1 ns floor",
			timings: { requestStart: 100, upstreamStart: 50, firstToken: 40, end: 30 },
			usage: { promptTokens: 1, completionTokens: 2 },
			metrics:
				'{"total_duration":1,"load_duration":1,"prompt_eval_count":1,"prompt_eval_duration":1,"eval_count":2,"eval_duration":1}',
		},
		{
			kind: "fractional readings are rounded to integers",
			timings: { requestStart: 0, upstreamStart: 1.4, firstToken: 3.6, end: 10.5 },
			usage: { promptTokens: 3, completionTokens: 4 },
			metrics:
				'{"total_duration":11,"load_duration":1,"prompt_eval_count":3,"prompt_eval_duration":2,"eval_count":4,"eval_duration":7}',
		},
	])("$kind", ({ timings, usage, metrics }) => {
		expect(JSON.stringify(metricsFrom(timings, usage))).toBe(metrics);
	});
});
