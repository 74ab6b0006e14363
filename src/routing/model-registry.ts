/**
 * One model list over every upstream: what each upstream's `/models` says (cached, refreshed in the background,
 * kept when the upstream goes down), filtered by its include/exclude globs and prefixed, plus the configuration's
 * aliases and per-model overrides. Resolving a client's model name gives a Route: which upstream, which id there,
 * what the model can do, and how its parameters are overridden. Entries named by a glob are pattern aliases: never
 * listed, they serve the names no listed model has (agents ask for vendor names such as `claude-haiku-4-5-20251001`).
 */
import type { Logger } from "pino";
import type { ModelConfig, ModelParams } from "../config/file.ts";
import type { Settings } from "../config/settings.ts";
import type { Target } from "../core/target.ts";
import { globMatcher, isGlob } from "../lib/glob.ts";
import type { DiscoveredModel, Upstream } from "../upstream/upstream.ts";
import { type ModelFacts, modelFacts } from "./model-facts.ts";
import { lookupKey, ollamaName } from "./model-names.ts";
import { type UpstreamStatus, upstreamLists } from "./upstream-lists.ts";

export type Route = {
	/** The name clients see, with its tag. */
	name: string;
	facts: ModelFacts;
	upstream: Upstream;
	params: ModelParams;
	/** Model names tried in order when this one fails before answering. */
	fallbacks: readonly string[];
	/** A real Ollama's own `/api/tags` entry for this model. */
	native?: Record<string, unknown>;
	/** A name passed through unlisted, because the upstream's list is down: the client chose it. */
	passthrough?: boolean;
	/**
	 * The glob entry that served this name, which the client chose: the label to use where the client's name would
	 * let a metric grow without bound.
	 */
	pattern?: string;
};

/** A glob entry of the configuration and what it stands for now; no route while its target is not listed. */
export type GlobAlias = { pattern: string; target?: string; route?: Route };

export type ModelRegistry = {
	/** Every model clients may see. Rejects only when no upstream could list anything. */
	list(): Promise<Route[]>;
	/** The route for a client's name, or undefined when no upstream serves it. */
	resolve(name: string): Promise<Route | undefined>;
	/** What each upstream's last model list said, for readiness and `validate`. */
	status(): UpstreamStatus[];
	/** The glob entries in file order, each resolved as its own name would be, for `validate`. */
	globs(): Promise<GlobAlias[]>;
};

export function routeTarget(route: Route): Target {
	return { id: route.facts.id, dialect: route.upstream.dialect, capabilities: route.facts.capabilities };
}

export type RegistryOptions = {
	settings: Pick<Settings, "upstreams" | "models" | "modelsCacheTtlMs" | "defaultContextLength">;
	upstreams: ReadonlyMap<string, Upstream>;
	log: Logger;
	now?: () => number;
};

export function modelRegistry({ settings, upstreams, log, now = Date.now }: RegistryOptions): ModelRegistry {
	const lists = upstreamLists({ settings, upstreams, log, now });
	const firstSeen = new Map<string, Date>();
	// The model table is rebuilt only when a list arrived, not on every request.
	let built: { version: number; routes: Route[]; byKey: Map<string, Route> } | undefined;
	// Each upstream's globs, compiled once.
	const filters = new Map(
		settings.upstreams.map((u) => {
			const included = globMatcher(u.include);
			const excluded = globMatcher(u.exclude);
			return [u.name, (id: string) => included(id) && !excluded(id)] as const;
		}),
	);

	// Pattern aliases in file order (the first match wins), compiled once.
	const globAliases = settings.models
		.filter((model) => isGlob(model.name))
		.map((model) => ({ model, matches: globMatcher([model.name]) }));
	const exactModels = settings.models.filter((model) => !isGlob(model.name));
	// An entry that names its upstream is served whether or not any list could be had.
	const servesConfigured = exactModels.some((m) => m.upstream !== undefined);

	const facts = (model: DiscoveredModel) => {
		let seen = firstSeen.get(model.id);
		if (!seen) {
			seen = new Date(now());
			firstSeen.set(model.id, seen);
		}
		return modelFacts(model, { defaultContextLength: settings.defaultContextLength, firstSeen: seen });
	};

	/** A model's facts with the configuration's context length and capabilities laid over them. */
	const overridden = (facts: ModelFacts, model: ModelConfig): ModelFacts => ({
		...facts,
		contextLength: model.context_length ?? facts.contextLength,
		capabilities: model.capabilities ?? facts.capabilities,
	});

	/** The route of an entry that names its upstream, under the given name. */
	function configuredRoute(model: ModelConfig, upstreamName: string, name: string): Route {
		const upstream = upstreams.get(upstreamName) as Upstream;
		const id = model.id ?? model.name;
		const discovered = lists.models(upstreamName)?.find((m) => m.id === id);
		const base = facts(discovered ?? { id });
		return {
			name,
			facts: overridden({ ...base, name }, model),
			upstream,
			params: model.params,
			fallbacks: model.fallbacks,
			...(discovered?.native && { native: { ...discovered.native, name, model: name } }),
		};
	}

	/**
	 * The route a glob entry gives a name: its upstream and id, or its target's route, under the client's name (the
	 * name clients and keys know it by). Undefined while the target is not listed.
	 */
	function globRoute(model: ModelConfig, name: string, byKey: Map<string, Route>): Route | undefined {
		if (model.upstream !== undefined) return { ...configuredRoute(model, model.upstream, name), pattern: model.name };
		const target = byKey.get(lookupKey(model.target as string));
		if (!target) return undefined;
		return {
			...target,
			name,
			facts: { ...target.facts, name },
			pattern: model.name,
			...(target.native && { native: { ...target.native, name, model: name } }),
		};
	}

	function build(): { routes: Route[]; byKey: Map<string, Route> } {
		const routes: Route[] = [];
		const byKey = new Map<string, Route>();
		const add = (route: Route) => {
			const key = lookupKey(route.name);
			if (byKey.has(key)) return;
			byKey.set(key, route);
			routes.push(route);
		};
		// Aliases first: a configured name wins over a discovered one.
		for (const model of exactModels) {
			if (model.upstream !== undefined) add(configuredRoute(model, model.upstream, ollamaName(model.name)));
		}
		const discoveredRoutes: Route[] = [];
		for (const settingsUpstream of settings.upstreams) {
			const listed = lists.models(settingsUpstream.name) ?? [];
			const wanted = filters.get(settingsUpstream.name) as (id: string) => boolean;
			const upstream = upstreams.get(settingsUpstream.name) as Upstream;
			for (const model of listed) {
				if (!wanted(model.id)) continue;
				const base = facts(model);
				// Speech and image models cannot answer an Ollama request: they are not listed.
				if (base.capabilities.length === 0) continue;
				const name = ollamaName(settingsUpstream.prefix + model.id);
				discoveredRoutes.push({
					name,
					facts: { ...base, name },
					upstream,
					params: {},
					fallbacks: [],
					...(model.native && { native: { ...model.native, name, model: name } }),
				});
			}
		}
		discoveredRoutes.sort(
			(a, b) => b.facts.modifiedAt.getTime() - a.facts.modifiedAt.getTime() || a.name.localeCompare(b.name),
		);
		for (const route of discoveredRoutes) add(route);
		// Entries without an upstream override what was discovered under their name.
		for (const model of exactModels) {
			if (model.upstream !== undefined) continue;
			const route = byKey.get(lookupKey(model.name));
			if (!route) continue;
			route.facts = overridden(route.facts, model);
			route.params = model.params;
			route.fallbacks = model.fallbacks;
		}
		return { routes, byKey };
	}

	async function current() {
		await lists.refresh();
		if (built?.version !== lists.version()) built = { version: lists.version(), ...build() };
		return built;
	}

	return {
		async list() {
			const { routes } = await current();
			const failure = routes.length === 0 && !servesConfigured ? lists.nothingListed() : undefined;
			if (failure) throw failure;
			return routes;
		},
		async resolve(name) {
			const { byKey } = await current();
			const found = byKey.get(lookupKey(name));
			if (found) return found;
			// Exact names win; then the first glob in file order, matched with or without the `:latest` tag.
			const spelled = name.trim();
			const glob =
				spelled === ""
					? undefined
					: globAliases.find((alias) => alias.matches(spelled) || alias.matches(lookupKey(spelled)));
			if (glob) {
				const route = globRoute(glob.model, ollamaName(spelled), byKey);
				if (!route)
					log.warn({ model: name, pattern: glob.model.name, target: glob.model.target }, "glob target not listed");
				return route;
			}
			// One upstream whose list is down: pass the name through (within the upstream's filters), so inference
			// keeps working with servers whose /models is broken.
			const only = settings.upstreams.length === 1 ? settings.upstreams[0] : undefined;
			if (!only || lists.models(only.name) || !lists.failed(only.name)) return undefined;
			const tagless = name.replace(/:latest$/i, "");
			const id = tagless.startsWith(only.prefix) ? tagless.slice(only.prefix.length) : tagless;
			if (!filters.get(only.name)?.(id)) return undefined;
			// Not remembered anywhere (no first-seen date, no metrics label): clients choose these names.
			const base = modelFacts({ id }, { defaultContextLength: settings.defaultContextLength, firstSeen: new Date(0) });
			return {
				name,
				facts: { ...base, name },
				upstream: upstreams.get(only.name) as Upstream,
				params: {},
				fallbacks: [],
				passthrough: true,
			};
		},
		async globs() {
			const { byKey } = await current();
			return globAliases.map(({ model }) => {
				const route = globRoute(model, model.name, byKey);
				return {
					pattern: model.name,
					...(model.target !== undefined && { target: model.target }),
					...(route && { route }),
				};
			});
		},
		status: lists.status,
	};
}
