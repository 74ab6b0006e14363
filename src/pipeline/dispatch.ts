/**
 * From a client's model name to an upstream answer: resolve the route (404 when nothing serves the name, 403 when
 * the caller's key may not use it), then call the upstream with retries and fallbacks. Shared by every route that
 * names a model.
 */
import { ProxyError } from "../core/proxy-error.ts";
import { firstSuccess } from "../routing/attempts.ts";
import type { Route } from "../routing/model-registry.ts";
import type { CallScope } from "../upstream/upstream.ts";
import type { AppDeps } from "./deps.ts";
import { admitRequest } from "./limit-admission.ts";
import { meteredUpstream } from "./metered-upstream.ts";

export async function routeFor(
	deps: AppDeps,
	request: Request,
	model: string,
	notFound: () => ProxyError,
	// A route that already looked the model up (to pick its way) passes what it found instead of looking twice.
	resolved: Promise<Route | undefined> = deps.registry.resolve(model),
): Promise<Route> {
	const record = deps.requests.recordOf(request);
	record.model = model;
	const route = await resolved;
	if (!route) throw notFound();
	if (!record.allows(route.name)) throw new ProxyError(403, `this API key may not use model '${model}'`);
	// Metrics label only names the registry listed or configured: a passed-through name, or the name a glob entry
	// matched, is the client's own choice and would grow the label set without bound.
	record.routeModel = route.passthrough ? "passthrough" : (route.pattern ?? route.name);
	return route;
}

/**
 * Runs `call` against the route and, on failures before the first byte, against its retries and fallbacks. The
 * request is first admitted by its key's limits (a 429 otherwise), once for all its attempts, and every attempt's
 * upstream is metered for the settle; a proxy without keys, limits or a shared store counts nothing.
 */
export async function dispatch<T>(
	deps: AppDeps,
	request: Request,
	route: Route,
	call: (route: Route, scope: CallScope) => Promise<T>,
	modelName: string,
	options: Pick<CallScope, "answeredByHeaders" | "watch"> = {},
): Promise<T> {
	// Nobody reads an anonymous caller's counts without keys, limits or a shared store: no admission to pay for.
	const ticket = deps.limits.policy.counts ? await admitRequest(deps, request, modelName) : undefined;
	const record = deps.requests.recordOf(request);
	const scope: CallScope = {
		signal: request.signal,
		modelName,
		...options,
		onReplica: (replica) => {
			record.replica = replica;
		},
	};
	return firstSuccess(
		route,
		{
			registry: deps.registry,
			retriesOf: (name) =>
				deps.settings.upstreams.find((u) => u.name === name)?.retries ?? { max: 0, backoff_ms: 1, max_wait_ms: 1 },
			signal: request.signal,
			log: deps.log,
			onFailure: (failed, error) => deps.metrics.upstreamError(failed.upstream.name, error.kind ?? "unknown"),
			allows: record.allows,
			retryAtOnce: (current) => current.upstream.failoverReady?.(scope) ?? false,
		},
		(current) => call(ticket ? { ...current, upstream: meteredUpstream(current.upstream, ticket) } : current, scope),
	);
}

/** The routes a caller may see: every listed model, less those the caller's key may not use. */
export async function visibleRoutes(deps: AppDeps, request: Request): Promise<Route[]> {
	const record = deps.requests.recordOf(request);
	return (await deps.registry.list()).filter((route) => record.allows(route.name));
}
