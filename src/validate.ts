/**
 * `ollama-proxy validate`: checks the configuration and prints what every model resolves to, asking each upstream
 * for its model list but serving nothing. An upstream that cannot be reached is reported, not fatal.
 */
import type { Logger } from "pino";
import type { Settings } from "./config/settings.ts";
import type { Route, UpstreamStatus } from "./routing/model-registry.ts";
import { buildDeps } from "./server.ts";

const COLUMNS = ["MODEL", "UPSTREAM", "UPSTREAM ID", "CAPABILITIES", "CONTEXT"] as const;

/** The resolved model table, one row per model, in fixed-width columns. */
export function modelTable(routes: readonly Route[]): string {
	const rows = routes.map((r) => [
		r.name,
		r.upstream.name,
		r.facts.id,
		r.facts.capabilities.join(","),
		String(r.facts.contextLength),
	]);
	const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => cell.padEnd(widths[i] as number))
			.join("  ")
			.trimEnd();
	return [line(COLUMNS), ...rows.map(line)].join("\n");
}

export function upstreamLines(statuses: readonly UpstreamStatus[]): string[] {
	return statuses.map((s) =>
		s.ok ? `upstream ${s.name}: ${s.models} models listed` : `upstream ${s.name}: unavailable: ${s.error}`,
	);
}

/** Missing fallbacks and overrides that match nothing: legal, but almost certainly a typo. */
export function warnings(settings: Settings, routes: readonly Route[]): string[] {
	const names = new Set(routes.map((r) => r.name.toLowerCase()));
	const known = (name: string) => names.has(name.toLowerCase()) || names.has(`${name.toLowerCase()}:latest`);
	const out: string[] = [];
	for (const model of settings.models) {
		if (model.upstream === undefined && !known(model.name)) out.push(`model '${model.name}' overrides no listed model`);
		for (const fallback of model.fallbacks) {
			if (!known(fallback)) out.push(`model '${model.name}' falls back to the unlisted model '${fallback}'`);
		}
	}
	return out;
}

export async function validate(settings: Settings, log: Logger): Promise<string> {
	const { registry } = buildDeps(settings, log);
	let routes: Route[] = [];
	try {
		routes = await registry.list();
	} catch {
		// Reported per upstream below.
	}
	const source = settings.configFile ? `configuration file ${settings.configFile}` : "environment";
	return [
		`${source}: valid`,
		...upstreamLines(registry.status()),
		...warnings(settings, routes).map((w) => `warning: ${w}`),
		"",
		modelTable(routes),
		"",
	].join("\n");
}
