/**
 * Which limits apply to whom: a key's own `limits` replace the top-level ones field by field; a key without its own
 * takes the top-level set; without keys every caller is `anonymous` and shares the top-level set. Keys are named
 * by their `name`, or `key-<position>` as the inbound check names them, never by their text.
 */

import type { Settings } from "../config/settings.ts";
import { keyNameOf } from "../http/inbound-auth.ts";
import type { KeyLimits } from "./types.ts";

/** The one name every caller shares when no keys are configured. */
export const ANONYMOUS = "anonymous";

export type KeyPolicy = {
	limitsOf(keyName: string): KeyLimits;
	isAdmin(keyName: string): boolean;
	/**
	 * Whether anything reads what admission counts: keys (their usage and metrics), a limit, or a shared store. A
	 * proxy with none of them serves one anonymous caller whose counts nobody can read, so it skips the bookkeeping.
	 */
	counts: boolean;
};

export function keyPolicy(settings: Pick<Settings, "keys" | "limits" | "state">): KeyPolicy {
	const own = new Map<string, KeyLimits>();
	const admins = new Set<string>();
	for (const [i, key] of (settings.keys ?? []).entries()) {
		const name = keyNameOf(key, i);
		own.set(name, { ...settings.limits, ...key.limits });
		if (key.admin) admins.add(name);
	}
	return {
		limitsOf: (keyName) => own.get(keyName) ?? settings.limits,
		isAdmin: (keyName) => admins.has(keyName),
		counts:
			settings.keys !== undefined || Object.keys(settings.limits).length > 0 || settings.state.redisUrl !== undefined,
	};
}

/** Usage counts a model under the name the client asked for, with `:latest` and without as one. */
export function usageModelName(model: string): string {
	return model.endsWith(":latest") ? model.slice(0, -":latest".length) : model;
}
