/** Starts the real app on a loopback port in front of test upstreams, with its logs captured in memory. */
import { createApp } from "../../src/app.ts";
import { loadSettings, type Settings, type SettingsSource } from "../../src/config/settings.ts";
import { createLogger } from "../../src/log.ts";
import { buildDeps } from "../../src/server.ts";
import { recordLogs, SWEEP_DIR, SWEEP_UPSTREAM_KEY, watchResponses } from "./secret-sweep.ts";

async function start(source: SettingsSource, overrides: Partial<Settings> = {}) {
	const settings = { ...loadSettings(source), host: "127.0.0.1", port: 0, ...overrides };
	const logs: string[] = [];
	const log = createLogger(settings.logLevel, { write: (line: string) => void logs.push(line) });
	const deps = buildDeps(settings, log);
	const app = createApp(deps);
	app.listen({ hostname: "127.0.0.1", port: 0 });
	const url = `http://127.0.0.1:${app.server?.port}`;
	watchResponses(url);
	return {
		url,
		logs,
		deps,
		/** Parsed log lines. */
		logLines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>),
		post: (path: string, body: unknown, init: RequestInit = {}) =>
			fetch(url + path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), ...init }),
		stop: async () => {
			recordLogs(logs);
			await app.stop(true);
			await deps.limits.store.close();
		},
	};
}

/** In a secret sweep every proxy holds the recognisable key unless the test chose its own. */
const sweepKey = (env: Record<string, string>) =>
	SWEEP_DIR && !env.OPENAI_API_KEY ? { OPENAI_API_KEY: SWEEP_UPSTREAM_KEY } : {};

/** The env-only setup: one upstream from OPENAI_BASE_URL. */
export function startProxy(upstreamUrl: string, env: Record<string, string> = {}, overrides: Partial<Settings> = {}) {
	return start({ env: { OPENAI_BASE_URL: upstreamUrl, ...sweepKey(env), ...env } }, overrides);
}

/** A setup from a configuration file's text. */
export function startProxyWithConfig(yaml: string, env: Record<string, string> = {}) {
	return start({ env, flags: { config: "test-config.yaml" }, readFile: () => yaml });
}

export type TestProxy = Awaited<ReturnType<typeof startProxy>>;

/** The NDJSON lines of a streamed body, parsed; asserts the framing (every line ends in \n, none is blank). */
export function ndjsonLines(text: string): Record<string, unknown>[] {
	if (!text.endsWith("\n")) throw new Error(`NDJSON body does not end with a newline: ${JSON.stringify(text)}`);
	const lines = text.slice(0, -1).split("\n");
	if (lines.some((l) => l.trim() === "")) throw new Error(`NDJSON body has a blank line: ${JSON.stringify(text)}`);
	return lines.map((l) => JSON.parse(l));
}

const CREATED_AT = /"created_at":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"/g;
const DURATION = /"(total|load|prompt_eval|eval)_duration":(\d+)/g;

/**
 * Replaces the values that differ on every run (timestamps, measured durations) with fixed ones, after checking
 * that each is well formed (RFC3339 UTC, an integer ≥ 1), so the rest of the body can be compared byte for byte.
 */
export function stable(text: string): string {
	return text
		.replace(CREATED_AT, (_, iso: string) => {
			if (Number.isNaN(Date.parse(iso))) throw new Error(`bad created_at ${iso}`);
			return '"created_at":"T"';
		})
		.replace(DURATION, (_, key: string, value: string) => {
			if (Number(value) < 1) throw new Error(`${key}_duration is ${value}`);
			return `"${key}_duration":1`;
		});
}
