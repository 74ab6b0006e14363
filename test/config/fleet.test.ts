/** The fleet keys of an upstream entry: each mistake refused with a message that names the key at fault. */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/env.ts";
import { fleetOf } from "../../src/config/fleet.ts";
import { parseFileConfig } from "../../src/config/settings.ts";

const entry = (lines: string) => `upstreams:\n  - name: gpus\n${lines}`;
const refusal = (text: string) => {
	try {
		parseFileConfig(text, {}, "c.yaml");
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return (error as Error).message;
	}
	throw new Error("the configuration was accepted");
};

describe("replicas: refused with a message naming the key", () => {
	test.each([
		[
			"base_url next to replicas",
			"    base_url: http://a:1/v1\n    replicas:\n      - base_url: http://b:1/v1\n",
			"upstreams.0.replicas: replicas replaces base_url: give one or the other",
		],
		["neither base_url nor replicas", "    kind: openai\n", "upstreams.0.base_url: base_url or replicas is required"],
		["an empty list", "    replicas: []\n", "upstreams.0.replicas: replicas must list at least one replica"],
		[
			"weight 0",
			"    replicas:\n      - base_url: http://b:1/v1\n        weight: 0\n",
			"upstreams.0.replicas.0.weight: weight must be above 0",
		],
		[
			"a negative weight",
			"    replicas:\n      - base_url: http://a:1/v1\n      - base_url: http://b:1/v1\n        weight: -0.5\n",
			"upstreams.0.replicas.1.weight: weight must be above 0",
		],
		[
			"max_concurrency 0 on a replica",
			"    replicas:\n      - base_url: http://b:1/v1\n        max_concurrency: 0\n",
			"upstreams.0.replicas.0.max_concurrency: max_concurrency is at least 1",
		],
		[
			"max_concurrency 0 for the whole entry",
			"    max_concurrency: 0\n    replicas:\n      - base_url: http://b:1/v1\n",
			"upstreams.0.max_concurrency: max_concurrency is at least 1",
		],
		[
			"the same URL twice, host case and a trailing slash aside",
			"    replicas:\n      - base_url: http://GPU-1:11434/v1\n      - base_url: http://b:1/v1\n      - base_url: http://gpu-1:11434/v1/\n",
			"upstreams.0.replicas.2.base_url: the same replica as replicas[0] (http://gpu-1:11434/v1)",
		],
		[
			"the same URL twice with credentials, which the message leaves out",
			"    replicas:\n      - base_url: http://u:s3cret@gpu:1/v1\n      - base_url: http://u:s3cret@GPU:1/v1/\n",
			"upstreams.0.replicas.1.base_url: the same replica as replicas[0] (http://gpu:1/v1)",
		],
		[
			"a replica without base_url",
			"    replicas:\n      - weight: 2\n",
			"upstreams.0.replicas.0.base_url: Invalid input: expected string, received undefined",
		],
		[
			"a misspelt replica key",
			"    replicas:\n      - base_url: http://b:1/v1\n        wieght: 2\n",
			'upstreams.0.replicas.0: Unrecognized key: "wieght"',
		],
	])("%s", (_, lines, message) => {
		expect(refusal(entry(lines))).toBe(`invalid configuration file c.yaml: ${message}`);
	});
});

describe("accepted fleets get every default", () => {
	test("replicas with their own weights; max_concurrency of the entry is the default of those that set none", () => {
		const file = parseFileConfig(
			entry(
				"    max_concurrency: 4\n    replicas:\n      - base_url: http://a:1/v1\n        weight: 2\n      - base_url: http://b:1/v1\n        priority: 1\n        max_concurrency: 1\n",
			),
			{},
			"c.yaml",
		);
		expect(fleetOf(file.upstreams[0] as Parameters<typeof fleetOf>[0])).toEqual({
			replicas: [
				{ base_url: "http://a:1/v1", weight: 2, priority: 0, max_concurrency: 4 },
				{ base_url: "http://b:1/v1", weight: 1, priority: 1, max_concurrency: 1 },
			],
			balance: "least_outstanding",
			affinity: "prefix",
			health: { eject_after: 3, eject_ms: 30_000, max_eject_ms: 300_000, probe_ms: 10_000 },
			queue: { max_depth: 64, timeout_ms: 30_000 },
		});
	});
});
