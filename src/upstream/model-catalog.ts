/**
 * The models clients see: the upstream's `/models`, cached for a short while so that a client that calls `/api/show`
 * once per model (Copilot) costs one upstream call, and concurrent misses share one request.
 */
import type { Logger } from "pino";
import type { UpstreamModel } from "../schemas/upstream-models.ts";
import { type ModelFacts, modelFacts } from "../translate/model-metadata.ts";
import { lookupKey } from "../translate/model-names.ts";
import type { Upstream } from "./upstream.ts";

export type CatalogOptions = {
	ttlMs: number;
	defaultContextLength: number;
	log: Logger;
	now?: () => number;
};

export type ModelCatalog = {
	/** Every model, most recently modified first, as `/api/tags` lists them. */
	list(): Promise<ModelFacts[]>;
	/** The listed model a client's name refers to, or undefined. */
	find(name: string): Promise<ModelFacts | undefined>;
	/**
	 * The upstream id to ask for a client's model name, or undefined when the upstream does not list it. When the
	 * upstream cannot list its models the name is passed through (tag stripped), so that inference keeps working
	 * with servers whose `/models` is broken.
	 */
	upstreamId(name: string): Promise<string | undefined>;
};

type Snapshot = {
	at: number;
	models: ModelFacts[];
	byKey: Map<string, ModelFacts>;
};

export function modelCatalog(upstream: Upstream, options: CatalogOptions): ModelCatalog {
	const now = options.now ?? Date.now;
	const firstSeen = new Map<string, Date>();
	let snapshot: Snapshot | undefined;
	let loading: Promise<Snapshot> | undefined;

	function build(models: UpstreamModel[]): Snapshot {
		const facts = models.map((model) => {
			let seen = firstSeen.get(model.id);
			if (!seen) {
				seen = new Date(now());
				firstSeen.set(model.id, seen);
			}
			return modelFacts(model, {
				defaultContextLength: options.defaultContextLength,
				firstSeen: seen,
			});
		});
		facts.sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.name.localeCompare(b.name));
		return {
			at: now(),
			models: facts,
			byKey: new Map(facts.map((f) => [lookupKey(f.name), f])),
		};
	}

	function current(): Promise<Snapshot> {
		if (snapshot && now() - snapshot.at < options.ttlMs) return Promise.resolve(snapshot);
		// One load serves every caller, so it must not die with the first caller's request: it has its own signal
		// and is bounded by the upstream's first-byte timeout.
		loading ??= upstream
			.listModels({ signal: new AbortController().signal })
			.then((models) => (snapshot = build(models)))
			.finally(() => {
				loading = undefined;
			});
		return loading;
	}

	return {
		async list() {
			return (await current()).models;
		},
		async find(name) {
			return (await current()).byKey.get(lookupKey(name));
		},
		async upstreamId(name) {
			let listed: Snapshot;
			try {
				listed = await current();
			} catch (error) {
				options.log.warn({ err: error }, "model list unavailable; passing the model name through");
				return name.replace(/:latest$/i, "");
			}
			return listed.byKey.get(lookupKey(name))?.id;
		},
	};
}
