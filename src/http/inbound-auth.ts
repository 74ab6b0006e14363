/**
 * Optional inbound API keys. A key comes as `Authorization: Bearer <key>` or, for clients that cannot set a bearer
 * token, `x-api-key: <key>`; it is compared in constant time, and each key may be limited to some models. Probes
 * (`/`, `/health`, `/health/ready`) and the docs stay open. A missing or wrong key is a 401 in the caller's dialect.
 */
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { ProxyError } from "../core/proxy-error.ts";
import { globMatcher } from "../lib/glob.ts";
import { pathOf, type RequestLog } from "./request-context.ts";

// Probes stay open; /metrics does not, since it names models and upstreams (Prometheus can send a bearer key).
const OPEN_PATHS = new Set(["/", "/health", "/health/ready"]);
const isOpen = (pathname: string) =>
	OPEN_PATHS.has(pathname) || pathname === "/swagger" || pathname.startsWith("/swagger/");

/** What this layer needs of a configured key; the configuration file's entries have this shape. */
export type InboundKey = { key: string; name?: string; models: readonly string[]; admin?: boolean };

/** A key's name in logs, limits, usage and metrics: its own, else `key-<position from 1>`, never its text. */
export const keyNameOf = (key: { name?: string | undefined }, index: number) => key.name ?? `key-${index + 1}`;

type Key = { digest: Buffer; name: string; allows: (model: string) => boolean; admin: boolean };

const digest = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest() as Buffer;

/** The key a request presents, from `Authorization: Bearer` or `x-api-key`. */
export function presentedKey(headers: Headers): string | undefined {
	const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim();
	return bearer || headers.get("x-api-key")?.trim() || undefined;
}

/** Finds the configured key equal to `presented`, comparing fixed-length digests so timing says nothing. */
export function keyMatcher(keys: readonly InboundKey[]) {
	const known: Key[] = keys.map((k, i) => ({
		digest: digest(k.key),
		name: keyNameOf(k, i),
		allows: globMatcher(k.models),
		admin: k.admin ?? false,
	}));
	return (presented: string): Key | undefined => {
		const candidate = digest(presented);
		let found: Key | undefined;
		// Every key is compared, found or not, so the time taken does not depend on which one matched.
		for (const key of known) if (timingSafeEqual(key.digest, candidate) && !found) found = key;
		return found;
	};
}

export function inboundAuth(
	keys: readonly InboundKey[] | undefined,
	requests: RequestLog,
	reject: (pathname: string, error: ProxyError, requestId: string) => Response,
) {
	const plugin = new Elysia({ name: "inbound-auth" });
	if (!keys) return plugin;
	const match = keyMatcher(keys);
	return plugin.onRequest(({ request }) => {
		if (request.method === "OPTIONS") return;
		const pathname = pathOf(request.url);
		if (isOpen(pathname)) return;
		const presented = presentedKey(request.headers);
		const key = presented === undefined ? undefined : match(presented);
		const record = requests.recordOf(request);
		if (!key) {
			const error = new ProxyError(401, presented === undefined ? "an API key is required" : "invalid API key");
			// Answered from onRequest, so the after-response hook that logs every other request never runs.
			requests.end(request, { status: error.status });
			return reject(pathname, error, record.id);
		}
		record.keyName = key.name;
		record.allows = key.allows;
		record.admin = key.admin;
	});
}
