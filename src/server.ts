/**
 * Wires the real dependencies from Settings: one Upstream per configured upstream, the model registry over them,
 * the app. Shared by the CLI and by tests that need the whole server as a user runs it.
 */
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import type { Settings } from "./config/settings.ts";
import { requestLog } from "./http/request-context.ts";
import { urlLabel } from "./lib/normalised-url.ts";
import { systemClock } from "./lib/system-clock.ts";
import { createLimitStore } from "./limits/create-store.ts";
import { keyPolicy } from "./limits/key-limits.ts";
import type { LimitStore } from "./limits/types.ts";
import { proxyMetrics } from "./metrics/proxy-metrics.ts";
import type { AppDeps } from "./pipeline/deps.ts";
import { modelRegistry } from "./routing/model-registry.ts";
import type { Upstream } from "./upstream/upstream.ts";
import { upstreamFor } from "./upstream/upstream-for.ts";

/** The env-only setup names its key's variable in errors; a file setup names the upstream. */
function keyHint(settings: Settings, upstream: Settings["upstreams"][number]): string | undefined {
	if (settings.configFile) return undefined;
	return upstream.api_key ? "check OPENAI_API_KEY" : "OPENAI_API_KEY is not set";
}

/** What a configuration reload keeps: counters, the request log, the limit store. */
export type Lasting = Pick<AppDeps, "metrics" | "requests"> & { store: LimitStore };

export function lastingDeps(settings: Settings, log: Logger): Lasting {
	const metrics = proxyMetrics();
	return { metrics, requests: requestLog(log, metrics), store: createLimitStore(settings, log, metrics) };
}

/** The dependencies of one configuration; `lasting` carries over what a reload keeps. */
export function buildDeps(settings: Settings, log: Logger, lasting: Lasting = lastingDeps(settings, log)): AppDeps {
	const { metrics, requests, store } = lasting;
	const upstreams = new Map<string, Upstream>(
		settings.upstreams.map((u) => [
			u.name,
			upstreamFor(u, {
				keyHint: keyHint(settings, u),
				fleet: { onQueueWait: (ms, result) => metrics.observeQueueWait(u.name, ms, result) },
			}),
		]),
	);
	metrics.watchFleets(() => [...upstreams.values()].flatMap((u) => (u.fleet ? [u.fleet()] : [])));
	const registry = modelRegistry({ settings, upstreams, log });
	return {
		settings,
		registry,
		log,
		clock: systemClock,
		requests,
		metrics,
		upstreams,
		limits: { store, policy: keyPolicy(settings) },
	};
}

export function startServer(
	settings: Settings,
	log: Logger,
	deps: AppDeps = buildDeps(settings, log, lastingDeps(settings, log)),
) {
	if (!settings.configFile && !settings.upstreams[0]?.api_key) {
		log.warn("OPENAI_API_KEY is not set: requests go upstream without a key, which only keyless servers accept");
	}
	const app = createApp(deps);
	app.listen({ hostname: settings.host, port: settings.port });
	log.info(
		{
			host: settings.host,
			port: app.server?.port,
			// Host and path only: a base URL may carry credentials (user:pass@host, ?key=…).
			upstreams: settings.upstreams.map(
				(u) => `${u.name}=${(u.fleet?.replicas ?? [u]).map((r) => urlLabel(r.base_url)).join(",")}`,
			),
		},
		"ollama-proxy listening",
	);
	return app;
}

/**
 * The signals that mean "stop and drain". SIGTERM is what systemd, Docker and Kubernetes send, SIGINT is Ctrl-C.
 * Windows has no SIGTERM from outside: there Ctrl-C (also what NSSM and WinSW send first to stop a service) arrives
 * as SIGINT, Ctrl-Break as SIGBREAK, and closing the console window as SIGHUP. SIGHUP is left alone elsewhere, so
 * that a server started with `nohup` keeps running when its terminal closes.
 */
export function stopSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
	return platform === "win32" ? ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"] : ["SIGINT", "SIGTERM"];
}

/**
 * On the first stop signal, refuses new connections and lets in-flight requests finish for the grace period, then
 * exits. A second signal cuts what is still running at once. Without handlers a process that is PID 1 in a container
 * ignores SIGTERM, and elsewhere a signal would cut every stream mid-answer.
 */
export function drainOnSignals(
	app: ReturnType<typeof startServer>,
	settings: Settings,
	log: Logger,
	platform: NodeJS.Platform = process.platform,
) {
	let stopping = false;
	const stop = async (signal: NodeJS.Signals) => {
		if (stopping) {
			log.warn({ signal }, "stopping now: cutting in-flight requests");
			await app.stop(true);
			return;
		}
		stopping = true;
		log.info({ signal, graceMs: settings.shutdownGraceMs }, "stopping: draining in-flight requests");
		const force = setTimeout(() => app.stop(true), settings.shutdownGraceMs);
		await app.stop();
		clearTimeout(force);
		process.exit(0);
	};
	for (const signal of stopSignals(platform)) process.on(signal, () => void stop(signal));
}
