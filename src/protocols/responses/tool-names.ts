/**
 * Responses API namespaces (Codex's `multi_agent_v1` with `spawn_agent`, …) have no equivalent in chat completions:
 * their members become plain functions named `<namespace>__<name>`. A dot, as Ollama uses, is refused by OpenAI;
 * function names must match `^[A-Za-z0-9_-]{1,64}$` everywhere. Calls come back under the flat name, and the client
 * routes them by the separate `namespace` and `name`, so each request keeps the table back.
 */
import { createHash } from "node:crypto";

export type ToolOrigin = { namespace: string; name: string };

const MAX_NAME = 64;
const HASH_CHARS = 8;

/** The flat name of a namespaced tool; past 64 characters, a cut prefix plus a hash of the whole name keeps it unique. */
export function flatToolName(namespace: string, name: string): string {
	const flat = `${namespace}__${name}`;
	if (flat.length <= MAX_NAME) return flat;
	const hash = createHash("sha256").update(flat).digest("hex").slice(0, HASH_CHARS);
	return `${flat.slice(0, MAX_NAME - HASH_CHARS - 1)}_${hash}`;
}

/** Flat names → where they came from, for the tools of one request. */
export type ToolNames = ReadonlyMap<string, ToolOrigin>;

/** The client's view of a called tool: its namespace and own name when it was flattened, else the name as is. */
export function toolOrigin(names: ToolNames, flat: string): { name: string; namespace?: string } {
	return names.get(flat) ?? { name: flat };
}
