/**
 * Ollama model names are `[namespace/]model[:tag]` with `latest` as the default tag; OpenAI ids carry no tag.
 * Clients such as Open WebUI append `:latest` before looking a model up, so listed names always carry a tag.
 */
import { createHash } from "node:crypto";

const LATEST = ":latest";

/** The name a client sees for an upstream id: `gpt-4o` → `gpt-4o:latest`; ids that already hold a tag stay. */
export function ollamaName(id: string): string {
	return id.includes(":") ? id : id + LATEST;
}

/** The key under which a client's spelling of a name is looked up: case-insensitive, `:latest` optional. */
export function lookupKey(name: string): string {
	const lower = name.trim().toLowerCase();
	return lower.endsWith(LATEST) ? lower.slice(0, -LATEST.length) : lower;
}

/** A stable 64-hex digest for an id, so clients that cache per digest (Copilot does) never churn. */
export function digestOf(id: string): string {
	return createHash("sha256").update(id).digest("hex");
}
