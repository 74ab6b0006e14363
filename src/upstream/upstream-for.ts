/**
 * The Upstream an entry of the configuration stands for: one server reached directly, or a fleet of replicas (or a
 * single server queued under `max_concurrency`), each replica a server of its own with the entry's settings and its
 * own URL, kind, key and headers.
 */
import type { ReplicaConfig } from "../config/fleet.ts";
import type { ResolvedUpstream } from "../config/settings.ts";
import { createUpstream, type UpstreamOptions } from "./create-upstream.ts";
import { type FleetUpstreamOptions, fleetUpstream } from "./fleet-upstream.ts";
import type { Upstream } from "./upstream.ts";

/** A replica as a server of its own: the entry's settings with the replica's own URL, kind, key and headers. */
export function replicaSettings(settings: ResolvedUpstream, replica: ReplicaConfig): ResolvedUpstream {
	const { fleet: _, ...single } = settings;
	return {
		...single,
		base_url: replica.base_url,
		kind: replica.kind ?? settings.kind,
		...((replica.api_key ?? settings.api_key) !== undefined && { api_key: replica.api_key ?? settings.api_key }),
		headers: { ...settings.headers, ...replica.headers },
	};
}

export function upstreamFor(
	settings: ResolvedUpstream,
	options: UpstreamOptions & { fleet?: FleetUpstreamOptions } = {},
): Upstream {
	const fleet = settings.fleet;
	if (!fleet) return createUpstream(settings, options);
	const replicas = fleet.replicas.map((replica) => createUpstream(replicaSettings(settings, replica), options));
	return fleetUpstream({ ...settings, fleet }, replicas, options.fleet);
}
