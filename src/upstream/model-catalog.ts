/**
 * The models clients see: the upstream's `/models`, cached for a short while so that a client that calls `/api/show`
 * once per model (Copilot) costs one upstream call, and concurrent misses share one request.
 */
import type { Logger } from "pino";
import type { UpstreamModel } from "../schemas/upstream-models.ts";
import type { Dialect, Target } from "../translate/dialect.ts";
import { type ModelFacts, modelFacts } from "../translate/model-metadata.ts";
import { lookupKey } from "../translate/model-names.ts";
import type { Upstream } from "./upstream.ts";

export type CatalogOptions = {
	ttlMs: number;
	/** How the upstream speaks, for the requests sent to its models. */
	dialect: Dialect;
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
	 * Where a request for a client's model name goes, or undefined when the upstream does not serve it. When the
	 * upstream cannot list its models the name is passed through (tag stripped), so that inference keeps working
	 * with servers whose `/models` is broken.
	 */
	target(name: string): Promise<Target | undefined>;
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
		const facts = models.flatMap((model) => {
			let seen = firstSeen.get(model.id);
			if (!seen) {
				seen = new Date(now());
				firstSeen.set(model.id, seen);
			}
			const described = modelFacts(model, { defaultContextLength: options.defaultContextLength, firstSeen: seen });
			// Speech and image models cannot answer an Ollama request: they are not listed.
			return described.capabilities.length > 0 ? [described] : [];
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
		async target(name) {
			let facts: ModelFacts | undefined;
			try {
				facts = (await current()).byKey.get(lookupKey(name));
			} catch (error) {
				options.log.warn({ err: error }, "model list unavailable; passing the model name through");
				const id = name.replace(/:latest$/i, "");
				facts = modelFacts({ id }, { defaultContextLength: options.defaultContextLength, firstSeen: new Date(now()) });
			}
			return facts && { id: facts.id, dialect: options.dialect, capabilities: facts.capabilities };
		},
	};
}
