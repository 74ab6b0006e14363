/** Starts the real app on a loopback port in front of a test upstream, with its logs captured in memory. */
import { createApp } from "../../src/app.ts";
import { systemClock } from "../../src/clock.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { requestLog } from "../../src/http/request-context.ts";
import { createLogger } from "../../src/log.ts";
import { dialectOf } from "../../src/translate/dialect.ts";
import { modelCatalog } from "../../src/upstream/model-catalog.ts";
import { openAIUpstream } from "../../src/upstream/openai-upstream.ts";

export async function startProxy(upstreamUrl: string, env: Record<string, string> = {}) {
	const config: Config = loadConfig({ OPENAI_BASE_URL: upstreamUrl, PORT: "0", LOG_LEVEL: "debug", ...env });
	const logs: string[] = [];
	const log = createLogger(config.LOG_LEVEL, { write: (line: string) => void logs.push(line) });
	const upstream = openAIUpstream({
		baseURL: config.OPENAI_BASE_URL,
		apiKey: config.OPENAI_API_KEY,
		firstByteTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
	});
	const catalog = modelCatalog(upstream, {
		ttlMs: config.MODELS_CACHE_TTL_MS,
		dialect: config.UPSTREAM_DIALECT ?? dialectOf(config.OPENAI_BASE_URL),
		defaultContextLength: config.DEFAULT_CONTEXT_LENGTH,
		log,
	});
	const app = createApp({ config, upstream, catalog, log, clock: systemClock, requests: requestLog(log) });
	app.listen({ hostname: "127.0.0.1", port: 0 });
	const url = `http://127.0.0.1:${app.server?.port}`;
	return {
		url,
		logs,
		/** Parsed log lines. */
		logLines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>),
		post: (path: string, body: unknown, init: RequestInit = {}) =>
			fetch(url + path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), ...init }),
		stop: () => app.stop(true),
	};
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
