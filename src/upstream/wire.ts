/**
 * Small facts of the OpenAI wire that every upstream call shares: one SSE event's data read as the SDK would read
 * it, a request's stream options as OpenAI accepts them, and a `/models` list with its unreadable entries left out.
 */
import { APIError } from "openai";
import type { DiscoveredModel } from "./upstream.ts";
import { UpstreamModel } from "./upstream-models.ts";

/**
 * One event's data as JSON. Errors take the shapes the SDK gives them, so one mapping serves both: a malformed
 * event is a SyntaxError, and an `{"error": …}` object (a failure after the answer started) an APIError.
 */
export function parseEvent<T>(data: string): T {
	const value = JSON.parse(data) as { error?: unknown };
	if (value && typeof value === "object" && value.error)
		throw new APIError(undefined, value.error, undefined, undefined);
	return value as T;
}

/** `stream_options` is refused by OpenAI without `stream: true`; a whole answer carries its usage anyway. */
export function asked<P extends { stream?: boolean | null; stream_options?: unknown }>(params: P): P {
	if (params.stream !== false || params.stream_options === undefined) return params;
	const { stream_options: _, ...whole } = params;
	return whole as P;
}

export function parseModels(entries: readonly unknown[]): DiscoveredModel[] {
	return entries.flatMap((entry) => {
		const parsed = UpstreamModel.safeParse(entry);
		return parsed.success ? [parsed.data] : [];
	});
}
