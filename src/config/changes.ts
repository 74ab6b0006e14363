/**
 * What a configuration reload changes, in words fit for a log line: key names (never key text) added, removed or
 * changed, the limits, models and upstreams, and the settings a reload cannot apply (they need a restart).
 */
import { keyNameOf } from "../http/inbound-auth.ts";
import type { Settings } from "./settings.ts";

export type ConfigChanges = {
	keysAdded?: string[];
	keysRemoved?: string[];
	/** Keys whose key text, models, admin flag or limits changed (the text itself is never named). */
	keysChanged?: string[];
	limits?: true;
	upstreams?: true;
	models?: true;
	/** Settings a reload cannot apply: they keep their running value until a restart. */
	needRestart?: string[];
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function keysByName(settings: Settings) {
	return new Map((settings.keys ?? []).map((key, i) => [keyNameOf(key, i), key]));
}

export function configChanges(before: Settings, after: Settings): ConfigChanges {
	const changes: ConfigChanges = {};
	const was = keysByName(before);
	const now = keysByName(after);
	const added = [...now.keys()].filter((name) => !was.has(name));
	const removed = [...was.keys()].filter((name) => !now.has(name));
	const changed = [...now.keys()].filter((name) => was.has(name) && !same(was.get(name), now.get(name)));
	if (added.length > 0) changes.keysAdded = added;
	if (removed.length > 0) changes.keysRemoved = removed;
	if (changed.length > 0) changes.keysChanged = changed;
	if (!same(before.limits, after.limits)) changes.limits = true;
	if (!same(before.upstreams, after.upstreams)) changes.upstreams = true;
	if (!same(before.models, after.models)) changes.models = true;
	const needRestart = (
		[
			["listen", before.host !== after.host || before.port !== after.port],
			["state", !same(before.state, after.state)],
			["max_upstream_connections", before.maxUpstreamConnections !== after.maxUpstreamConnections],
		] as const
	)
		.filter(([, differs]) => differs)
		.map(([name]) => name);
	if (needRestart.length > 0) changes.needRestart = needRestart;
	return changes;
}
