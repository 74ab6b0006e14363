/**
 * The secret sweep: with SECRETS_SWEEP_DIR set, every test proxy gets a recognisable upstream key, and every log
 * line it writes and every response body a test reads from it is appended to files in that directory, which
 * `test/reliability/secrets.test.ts` then searches for the key.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";

export const SWEEP_DIR = process.env.SECRETS_SWEEP_DIR;
export const SWEEP_UPSTREAM_KEY = "sk-sweep-upstream-3f9a7c21d4e8b6a0";

const file = (kind: string) => join(SWEEP_DIR as string, `${kind}-${process.pid}.txt`);

export function recordLogs(lines: readonly string[]) {
	if (SWEEP_DIR) appendFileSync(file("logs"), lines.join(""));
}

/** Wraps fetch so that every answer from one of the given proxy origins is copied to the sweep files. */
export function watchResponses(origin: string) {
	if (!SWEEP_DIR) return;
	const original = globalThis.fetch;
	const watching = (globalThis as { __sweepOrigins?: Set<string> }).__sweepOrigins ?? new Set<string>();
	(globalThis as { __sweepOrigins?: Set<string> }).__sweepOrigins = watching;
	watching.add(origin);
	if ((original as { __sweep?: boolean }).__sweep) return;
	const wrapped = async (input: string | URL | Request, init?: RequestInit) => {
		const response = await original(input, init);
		const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
		if ([...watching].some((o) => url.startsWith(o))) {
			const copy = response.clone();
			const headers = [...copy.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
			copy.text().then(
				(text) => appendFileSync(file("responses"), `${url}\n${headers}\n${text}\n`),
				() => undefined,
			);
		}
		return response;
	};
	Object.assign(wrapped, { __sweep: true, preconnect: original.preconnect });
	globalThis.fetch = wrapped as typeof fetch;
}
