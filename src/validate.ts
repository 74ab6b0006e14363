/**
 * `ollama-proxy validate`: checks the configuration and prints what every model resolves to, asking each upstream
 * for its model list but serving nothing. An upstream that cannot be reached is reported, not fatal.
 */
import type { Logger } from "pino";
import type { Settings } from "./config/settings.ts";
import { requestLog } from "./http/request-context.ts";
import { isGlob } from "./lib/glob.ts";
import { table } from "./lib/text-table.ts";
import { MemoryLimitStore } from "./limits/memory-store.ts";
import { proxyMetrics } from "./metrics/proxy-metrics.ts";
import type { GlobAlias, Route } from "./routing/model-registry.ts";
import type { UpstreamStatus } from "./routing/upstream-lists.ts";
import { buildDeps } from "./server.ts";

const COLUMNS = ["MODEL", "UPSTREAM", "UPSTREAM ID", "CAPABILITIES", "CONTEXT"] as const;
const GLOB_COLUMNS = ["GLOB", "TARGET", "UPSTREAM", "UPSTREAM ID"] as const;

/** The resolved model table, one row per model, in fixed-width columns. */
export function modelTable(routes: readonly Route[]): string {
	return table(
		COLUMNS,
		routes.map((r) => [
			r.name,
			r.upstream.name,
			r.facts.id,
			r.facts.capabilities.join(","),
			String(r.facts.contextLength),
		]),
	);
}

/**
 * The pattern aliases in the order they are tried, each with what it reaches now: its target (or `-` when it names
 * its upstream itself), the upstream and the id there; `?` for a target that is not listed.
 */
export function globTable(globs: readonly GlobAlias[]): string {
	return table(
		GLOB_COLUMNS,
		globs.map((g) => [g.pattern, g.target ?? "-", g.route?.upstream.name ?? "?", g.route?.facts.id ?? "?"]),
	);
}

/** Each upstream's model list, and under a fleet each replica: its tier and what it lists, or that it is ejected. */
export function upstreamLines(statuses: readonly UpstreamStatus[]): string[] {
	return statuses.flatMap((s) => [
		s.ok ? `upstream ${s.name}: ${s.models} models listed` : `upstream ${s.name}: unavailable: ${s.error}`,
		...(s.replicas ?? []).map(
			(r) =>
				`  replica ${r.replica} (tier ${r.priority}): ${
					r.models !== undefined ? `${r.models} models listed` : "no model list"
				}${r.state === "ejected" ? ", ejected" : ""}`,
		),
	]);
}

/** Missing fallbacks and overrides that match nothing: legal, but almost certainly a typo. */
export function warnings(settings: Settings, routes: readonly Route[]): string[] {
	const names = new Set(routes.map((r) => r.name.toLowerCase()));
	const known = (name: string) => names.has(name.toLowerCase()) || names.has(`${name.toLowerCase()}:latest`);
	const out: string[] = [];
	for (const model of settings.models) {
		if (model.target !== undefined && !known(model.target))
			out.push(`model '${model.name}' stands for the unlisted model '${model.target}'`);
		else if (model.upstream === undefined && !isGlob(model.name) && !known(model.name))
			out.push(`model '${model.name}' overrides no listed model`);
		for (const fallback of model.fallbacks) {
			if (!known(fallback)) out.push(`model '${model.name}' falls back to the unlisted model '${fallback}'`);
		}
	}
	return out;
}

export async function validate(settings: Settings, log: Logger): Promise<string> {
	// validate serves nothing: its limits never count, so a configured Redis is not connected to.
	const metrics = proxyMetrics();
	const { registry } = buildDeps(settings, log, {
		metrics,
		requests: requestLog(log, metrics),
		store: new MemoryLimitStore(),
	});
	let routes: Route[] = [];
	try {
		routes = await registry.list();
	} catch {
		// Reported per upstream below.
	}
	const globs = await registry.globs();
	const source = settings.configFile ? `configuration file ${settings.configFile}` : "environment";
	return [
		`${source}: valid`,
		...upstreamLines(registry.status()),
		...warnings(settings, routes).map((w) => `warning: ${w}`),
		"",
		modelTable(routes),
		"",
		...(globs.length > 0 ? [globTable(globs), ""] : []),
	].join("\n");
}
