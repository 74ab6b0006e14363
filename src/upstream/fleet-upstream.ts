/**
 * One upstream served by several replicas: each call takes a slot on a replica that lists the model (balanced,
 * health-checked and queued by the fleet engine in `fleet/`), holds it until the answer's last byte, and tells the
 * engine how the replica did. A retry of the same request goes to a replica it has not tried yet, at once. The model
 * list is the union of the replicas' lists; ejected replicas are probed through their own model list.
 */
import type { FleetSettings } from "../config/fleet.ts";
import type { ResolvedUpstream } from "../config/settings.ts";
import { ProxyError } from "../core/proxy-error.ts";
import { urlLabel } from "../lib/normalised-url.ts";
import type { FleetView } from "../metrics/fleet-metrics.ts";
import { affinityKey } from "./fleet/affinity-hash.ts";
import { affinityParts } from "./fleet/affinity-parts.ts";
import { createFleet, type FleetDeps } from "./fleet/fleet.ts";
import { QueueFull, QueueTimeout } from "./fleet/fleet-errors.ts";
import type { Lease } from "./fleet/fleet-types.ts";
import { heldResponse, heldStream, outcomeOf } from "./fleet/held-lease.ts";
import type { CallScope, DiscoveredModel, Upstream } from "./upstream.ts";

// Ollama's own words when its queue is full (OLLAMA_MAX_QUEUE): clients already know to come back later.
export const BUSY = "server busy, please try again.  maximum pending requests exceeded";

/** Model ids as replicas may spell one model: case aside, `:latest` optional. */
const modelKey = (id: string) => id.toLowerCase().replace(/:latest$/, "");

type Body = Record<string, unknown>;

/** The replicas one request may still use for a model, those it has tried, and its conversation's affinity key. */
type Attempts = { model: string | undefined; serving: number[]; tried: Set<number>; affinity: number | undefined };

export type FleetUpstreamOptions = FleetDeps;

export function fleetUpstream(
	settings: ResolvedUpstream & { fleet: FleetSettings },
	replicas: readonly Upstream[],
	options: FleetUpstreamOptions = {},
): Upstream {
	const config = settings.fleet;
	const fleet = createFleet(config, options);
	const labels = config.replicas.map((r) => urlLabel(r.base_url));
	const lists: (DiscoveredModel[] | undefined)[] = replicas.map(() => undefined);
	const listed: (Set<string> | undefined)[] = replicas.map(() => undefined);
	const attempts = new WeakMap<CallScope, Attempts>();
	const indexes = replicas.map((_, i) => i);
	const nativeIndexes = indexes.filter((i) => replicas[i]?.native);

	function remember(index: number, models: DiscoveredModel[]) {
		lists[index] = models;
		listed[index] = new Set(models.map((m) => modelKey(m.id)));
	}

	/** The replicas that list the model (any, when none does: its lists are down, or an entry names its own id). */
	function servingFor(model: string | undefined, native: boolean): number[] {
		const all = native ? nativeIndexes : indexes;
		if (model === undefined) return all;
		const key = modelKey(model);
		const listing = all.filter((i) => listed[i]?.has(key));
		return listing.length > 0 ? listing : all;
	}

	function refusal(error: unknown, scope: CallScope): unknown {
		if (error instanceof QueueFull || error instanceof QueueTimeout)
			return new ProxyError(503, BUSY, { "retry-after": String(error.retryAfterSeconds) }, "busy");
		if (scope.signal.aborted) return new ProxyError(499, "the client went away while its request waited");
		return new ProxyError(502, `no replica of upstream '${settings.name}' can serve this request`, {}, "server");
	}

	/** Takes a slot on a replica, calls it, and leaves the slot held by what `hold` wraps the answer in. */
	async function leased<T>(
		scope: CallScope,
		request: { model: string | undefined; body?: Body; native?: boolean },
		call: (replica: Upstream) => Promise<T>,
		hold: (value: T, lease: Lease) => T,
	): Promise<T> {
		let state = attempts.get(scope);
		// One scope serves a request's whole fallback chain: a fallback to another model starts afresh.
		if (!state || state.model !== request.model) {
			const parts = config.affinity === "prefix" && request.body ? affinityParts(request.body) : undefined;
			state = {
				model: request.model,
				serving: servingFor(request.model, request.native ?? false),
				tried: new Set(),
				affinity: parts && affinityKey(parts),
			};
			attempts.set(scope, state);
		}
		const { serving, tried } = state;
		const fresh = tried.size === 0 ? serving : serving.filter((i) => !tried.has(i));
		let lease: Lease;
		try {
			lease = await fleet.acquire(fresh.length > 0 ? fresh : serving, {
				affinity: state.affinity,
				signal: scope.signal,
			});
		} catch (error) {
			throw refusal(error, scope);
		}
		tried.add(lease.replica);
		scope.onReplica?.(labels[lease.replica] as string);
		let value: T;
		try {
			value = await call(replicas[lease.replica] as Upstream);
		} catch (error) {
			lease.release(outcomeOf(error, scope.signal));
			throw error;
		}
		return hold(value, lease);
	}

	const untilEnd =
		(scope: CallScope) =>
		<T>(stream: AsyncIterable<T>, lease: Lease) =>
			heldStream(stream, lease, scope.signal);
	const untilBodyEnd = (scope: CallScope) => (response: Response, lease: Lease) =>
		heldResponse(response, lease, scope.signal);
	const untilSettled = <T>(value: T, lease: Lease) => {
		lease.release({ kind: "success" });
		return value;
	};

	const probeMs = config.health.probe_ms;
	// A replica that never gave its list (down since start-up) serves nothing, so no failure ever ejects it: it is
	// asked for its list on the probes' schedule instead, and joins once it answers.
	const unlistedAskedAt = replicas.map(() => Number.NEGATIVE_INFINITY);
	const probe = (index: number, onResult: (ok: boolean) => void) =>
		(replicas[index] as Upstream).listModels({ signal: new AbortController().signal }).then(
			(models) => {
				remember(index, models);
				onResult(true);
			},
			() => onResult(false),
		);
	const probes =
		probeMs > 0
			? setInterval(
					() => {
						for (const index of fleet.dueProbes()) probe(index, (ok) => fleet.probeResult(index, ok));
						const now = performance.now();
						for (const index of indexes) {
							if (lists[index] !== undefined || now - (unlistedAskedAt[index] as number) < probeMs) continue;
							unlistedAskedAt[index] = now;
							probe(index, () => undefined);
						}
					},
					Math.min(probeMs, 1000),
				)
			: undefined;
	// Probes must not keep a process alive that has nothing else to do (the CLI's `validate`, tests).
	probes?.unref();

	const upstream: Upstream = {
		name: settings.name,
		kind: settings.kind,
		dialect: settings.dialect,
		protocols: settings.protocols,
		async listModels(scope) {
			const ejected = fleet.snapshot().replicas.map((r) => r.ejected === 1);
			// An ejected replica is not waited for: its last list stands until a probe brings a new one.
			const results = await Promise.allSettled(
				replicas.map((replica, i) => (ejected[i] && lists[i] ? Promise.resolve(lists[i]) : replica.listModels(scope))),
			);
			let failure: unknown;
			results.forEach((result, i) => {
				if (result.status === "fulfilled") remember(i, result.value);
				else failure ??= result.reason;
			});
			if (lists.every((list) => list === undefined)) throw failure;
			const union = new Map<string, DiscoveredModel>();
			for (const list of lists) for (const model of list ?? []) if (!union.has(model.id)) union.set(model.id, model);
			return [...union.values()];
		},
		chat: (params, scope) =>
			leased(
				scope,
				{ model: params.model, body: params as unknown as Body },
				(r) => r.chat(params, scope),
				untilEnd(scope),
			),
		complete: (params, scope) =>
			leased(scope, { model: params.model }, (r) => r.complete(params, scope), untilEnd(scope)),
		embed: (params, scope) => leased(scope, { model: params.model }, (r) => r.embed(params, scope), untilSettled),
		forward: (path, body, scope) =>
			leased(
				scope,
				{ model: body.model as string | undefined, ...(path !== "/embeddings" && { body }) },
				(r) => r.forward(path, body, scope),
				untilBodyEnd(scope),
			),
		transcribe: (upload, scope) =>
			leased(scope, { model: upload.model }, (r) => r.transcribe(upload, scope), untilBodyEnd(scope)),
		failoverReady(scope) {
			const state = attempts.get(scope);
			return state?.serving.some((i) => !state.tried.has(i)) ?? false;
		},
		fleet(): FleetView {
			const snapshot = fleet.snapshot();
			return {
				upstream: settings.name,
				queueDepth: snapshot.queueDepth,
				replicas: snapshot.replicas.map((r, i) => ({
					replica: labels[i] as string,
					priority: r.priority,
					weight: r.weight,
					...(config.replicas[i]?.max_concurrency !== undefined && {
						maxConcurrency: config.replicas[i]?.max_concurrency,
					}),
					inFlight: r.inFlight,
					ejected: r.ejected === 1,
					...(lists[i] && { models: lists[i]?.length }),
					ejections: r.ejections,
					requests: r.requests,
				})),
			};
		},
		close: () => clearInterval(probes),
	};
	if (replicas.some((replica) => replica.running)) {
		// What every live replica has loaded, together: one that is ejected or does not answer adds nothing.
		upstream.running = async (scope) => {
			const ejected = fleet.snapshot().replicas.map((r) => r.ejected === 1);
			const running = await Promise.allSettled(
				replicas.map((replica, i) => (replica.running && !ejected[i] ? replica.running(scope) : [])),
			);
			return running.flatMap((list) => (list.status === "fulfilled" ? list.value : []));
		};
	}
	if (nativeIndexes.length > 0) {
		upstream.native = (path, body, scope) => {
			const fields = (body ?? {}) as Body;
			const model = (fields.model ?? fields.name) as string | undefined;
			return leased(
				scope,
				{ model, body: fields, native: true },
				(r) => (r.native as NonNullable<Upstream["native"]>)(path, body, scope),
				untilBodyEnd(scope),
			);
		};
	}
	return upstream;
}
