/**
 * Each upstream's model list, as its `/models` last said it: loaded on first need, refreshed in the background once
 * stale, kept while the upstream is down, and asked again only after a pause when it failed, so that a dead upstream
 * does not slow the requests for the others.
 */
import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { ProxyError } from "../core/proxy-error.ts";
import type { DiscoveredModel, Upstream } from "../upstream/upstream.ts";

/** A fleet's replica as readiness and `validate` show it. */
export type ReplicaStatus = {
	replica: string;
	priority: number;
	/** `unlisted`: it never gave its model list (down since start-up), so no request goes to it yet. */
	state: "up" | "ejected" | "unlisted";
	inFlight: number;
	/** What its last model list held, when it gave one. */
	models?: number;
};

export type UpstreamStatus = {
	name: string;
	models: number;
	ok: boolean;
	error?: string;
	ageMs?: number;
	replicas?: ReplicaStatus[];
};

function replicasOf(upstream: Upstream | undefined): ReplicaStatus[] | undefined {
	return upstream?.fleet?.().replicas.map((r) => ({
		replica: r.replica,
		priority: r.priority,
		state: r.ejected ? "ejected" : r.models === undefined ? "unlisted" : "up",
		inFlight: r.inFlight,
		...(r.models !== undefined && { models: r.models }),
	}));
}

type Listing = {
	models?: DiscoveredModel[];
	/** When the last good list arrived. */
	at: number;
	/** When the last attempt failed, so that a dead upstream is asked again only after a pause. */
	failedAt?: number;
	loading?: Promise<void>;
	error?: unknown;
};

// How long a failed model list is not asked for again: a dead upstream must not slow every request.
const RETRY_FAILED_LIST_MS = 5_000;

export type UpstreamListsOptions = {
	settings: Pick<Settings, "upstreams" | "modelsCacheTtlMs">;
	upstreams: ReadonlyMap<string, Upstream>;
	log: Logger;
	now: () => number;
};

export function upstreamLists({ settings, upstreams, log, now }: UpstreamListsOptions) {
	const listings = new Map<string, Listing>();
	// Bumped whenever a list arrives, so that what is built from the lists is rebuilt only then.
	let version = 0;

	function load(name: string, listing: Listing): Promise<void> {
		const upstream = upstreams.get(name) as Upstream;
		listing.loading ??= upstream
			.listModels({ signal: new AbortController().signal })
			.then(
				(models) => {
					Object.assign(listing, { models, at: now(), error: undefined, failedAt: undefined });
					version++;
				},
				(error) => {
					listing.error = error;
					listing.failedAt = now();
					// Keep serving the last good list: an upstream that is down keeps its models listed.
					log.warn({ err: error, upstream: name }, "model list unavailable");
				},
			)
			.finally(() => {
				listing.loading = undefined;
			});
		return listing.loading;
	}

	const nothingListedYet = () => ![...listings.values()].some((l) => l.models);

	return {
		/** Every listing, fresh enough: loads what was never loaded, refreshes stale ones in the background. */
		async refresh(): Promise<void> {
			const waits: Promise<void>[] = [];
			for (const upstream of settings.upstreams) {
				if (!upstream.discover) continue;
				let listing = listings.get(upstream.name);
				if (!listing) {
					listing = { at: 0 };
					listings.set(upstream.name, listing);
				}
				if (listing.failedAt !== undefined && now() - listing.failedAt < RETRY_FAILED_LIST_MS) continue;
				const stale = now() - listing.at >= settings.modelsCacheTtlMs;
				// A list never asked for is waited on; a failed one only while no upstream has any list at all (the
				// answer would be a 502 anyway). Otherwise refreshes and retries run in the background.
				if (!listing.models && (listing.failedAt === undefined || nothingListedYet()))
					waits.push(load(upstream.name, listing));
				else if (stale) void load(upstream.name, listing);
			}
			await Promise.all(waits);
		},
		version: () => version,
		/** The upstream's last good list, if it ever gave one. */
		models: (name: string) => listings.get(name)?.models,
		/** Whether the upstream's last attempt failed. */
		failed: (name: string) => Boolean(listings.get(name)?.error),
		/** The error to give when no discovering upstream could list anything, else undefined. */
		nothingListed(): ProxyError | undefined {
			const discovering = settings.upstreams.filter((u) => u.discover);
			if (discovering.length === 0) return undefined;
			const failures = discovering.map((u) => listings.get(u.name)).filter((l) => l && !l.models && l.error);
			if (failures.length < discovering.length) return undefined;
			const error = failures[0]?.error;
			return error instanceof ProxyError
				? error
				: new ProxyError(502, "no upstream could list its models", {}, "connect");
		},
		/** What each upstream's last model list said, for readiness and `validate`. */
		status(): UpstreamStatus[] {
			return settings.upstreams
				.filter((u) => u.discover)
				.map((u) => {
					const listing = listings.get(u.name);
					const error = listing?.error;
					const replicas = replicasOf(upstreams.get(u.name));
					return {
						name: u.name,
						models: listing?.models?.length ?? 0,
						ok: Boolean(listing?.models) && !error,
						...(error !== undefined && { error: error instanceof Error ? error.message : String(error) }),
						...(listing?.models && { ageMs: now() - listing.at }),
						...(replicas && { replicas }),
					};
				});
		},
	};
}
