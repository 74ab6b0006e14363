/**
 * The hot inference calls (`/chat/completions`, `/completions`) without the openai SDK's per-request machinery. The
 * SDK builds the URL and headers once per endpoint (auth, the operator's headers, its own identification), exactly
 * as it would for every call, and they are reused; each call then only serializes its body and sends it. Failures
 * are the SDK's own error classes, made as the SDK makes them, so they map to the same ProxyError as before. About 100 µs of CPU less per request (see docs/performance.md).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, type OpenAI } from "openai";
import type { UpstreamFetch } from "./http-client.ts";

type Built = { url: string; headers: Record<string, string> };

/** What the SDK would send to `path`, without a per-request id or retry count (there are none: retries are off). */
async function buildOnce(client: Pick<OpenAI, "buildRequest">, path: string): Promise<Built> {
	const { url, req } = await client.buildRequest({ method: "post", path, body: {} });
	const headers: Record<string, string> = {};
	new Headers(req.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => {
		headers[name] = value;
	});
	return { url, headers };
}

/**
 * What the SDK makes of a fetch that rejected: a user abort when the caller's signal fired, a timeout when the error
 * is an AbortError or says it timed out (an OS connect timeout, ETIMEDOUT), else a connection error. The cause stays.
 */
function connectionFailure(error: unknown, signal: AbortSignal): APIError {
	if (signal.aborted) return Object.assign(new APIUserAbortError(), { cause: signal.reason });
	const cause = error instanceof Error ? error : new Error(String(error));
	const said = String(cause) + ("cause" in cause ? String(cause.cause) : "");
	if (cause.name === "AbortError" || /timed? ?out/i.test(said))
		return Object.assign(new APIConnectionTimeoutError(), { cause });
	return new APIConnectionError({ cause });
}

function parsedOrUndefined(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** A POST of a JSON body to one SDK endpoint, sent with `send`; resolves with the response once its status is a success. */
export function prebuiltPost(
	client: Pick<OpenAI, "buildRequest">,
	path: string,
): (send: UpstreamFetch, body: unknown, signal: AbortSignal) => Promise<Response> {
	let built: Built | undefined;
	return async (send, body, signal) => {
		built ??= await buildOnce(client, path);
		let response: Response;
		try {
			response = await send(built.url, { method: "POST", headers: built.headers, body: JSON.stringify(body), signal });
		} catch (error) {
			throw connectionFailure(error, signal);
		}
		if (response.ok) return response;
		// As the SDK reads an error: its JSON body when it has one (wrapped as `{error}` unless it is one), else its
		// text as the message.
		const text = await response.text().catch((error: Error) => error.message);
		const json = parsedOrUndefined(text) as { error?: unknown } | undefined;
		const error = json && typeof json === "object" && json.error == null ? { error: json } : json;
		throw APIError.generate(response.status, error, json ? undefined : text, response.headers);
	};
}
