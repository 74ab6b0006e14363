/**
 * A real Ollama's model list: its own `/api/tags` entries, kept whole so that `/api/tags` on the proxy shows them
 * exactly as the local Ollama does (sizes, digests, details), next to the remote models; and the models it has
 * loaded now (`/api/ps`), relayed the same way.
 */
import { z } from "zod";
import type { UpstreamFetch } from "./http-client.ts";
import type { DiscoveredModel } from "./upstream.ts";

const TagsList = z.looseObject({ models: z.array(z.unknown()).nullish() });
// Only what the proxy reads; the rest of the entry is relayed as the local Ollama wrote it.
const TagsEntry = z.looseObject({ name: z.string().min(1), modified_at: z.string().optional() });

export async function ollamaTags(
	root: string,
	headers: Record<string, string>,
	signal: AbortSignal,
	send: UpstreamFetch,
): Promise<DiscoveredModel[]> {
	const response = await send(`${root}/api/tags`, { headers, signal });
	if (!response.ok) {
		// Unread, the body would hold its upstream connection (and its place under the connection limit) for good.
		await response.body?.cancel();
		throw new Error(`GET /api/tags answered HTTP ${response.status}`);
	}
	const { models } = TagsList.parse(await response.json());
	return (models ?? []).flatMap((entry) => {
		const parsed = TagsEntry.safeParse(entry);
		if (!parsed.success) return [];
		const native = parsed.data;
		const modified = native.modified_at ? Date.parse(native.modified_at) : Number.NaN;
		return [{ id: native.name, ...(!Number.isNaN(modified) && { created: Math.floor(modified / 1000) }), native }];
	});
}

const RunningList = z.looseObject({ models: z.array(z.looseObject({ name: z.string().min(1) })).nullish() });

/** What a real Ollama has loaded now: its own `/api/ps` entries, kept whole. */
export async function ollamaRunning(
	root: string,
	headers: Record<string, string>,
	signal: AbortSignal,
	send: UpstreamFetch,
): Promise<Array<{ name: string } & Record<string, unknown>>> {
	const response = await send(`${root}/api/ps`, { headers, signal });
	if (!response.ok) {
		await response.body?.cancel();
		throw new Error(`GET /api/ps answered HTTP ${response.status}`);
	}
	return RunningList.parse(await response.json()).models ?? [];
}
