/**
 * SIGHUP reloads the configuration file: keys, limits, models and upstreams. The file is read and validated as at
 * start-up; a file that does not validate is refused with the message `validate` prints, and the running
 * configuration stays. A valid one becomes a new app, built on the same limit store, metrics and request log, that
 * the listening server hands every new request to at once; requests in flight finish in the app (and configuration)
 * they started in. Each reload is logged with what changed, keys by name only. On Windows SIGHUP means "the console
 * closed" and stops the server instead (server.ts), so there is no reload there.
 */
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { configChanges } from "./config/changes.ts";
import { ConfigError } from "./config/env.ts";
import { type Flags, loadSettings, type Settings } from "./config/settings.ts";
import type { AppDeps } from "./pipeline/deps.ts";
import { buildDeps, type Lasting } from "./server.ts";

type Running = ReturnType<typeof createApp>;

export function reloadOnSignal(
	app: Running,
	running: { settings: Settings; lasting: Lasting; upstreams: AppDeps["upstreams"] },
	log: Logger,
	flags: Flags,
	platform: NodeJS.Platform = process.platform,
) {
	if (platform === "win32") return;
	const { lasting } = running;
	let current = running.settings;
	let upstreams = running.upstreams;
	const reload = () => {
		let next: Settings;
		try {
			next = loadSettings({ env: process.env, flags });
		} catch (error) {
			if (!(error instanceof ConfigError)) throw error;
			log.error({ error: error.message }, "configuration reload refused: the running configuration stays");
			return;
		}
		const changes = configChanges(current, next);
		const server = app.server;
		if (!server) return;
		const deps = buildDeps(next, log, lasting);
		const fresh = createApp(deps);
		// Routes read the server (to lift Bun's idle timer for long answers) from their own app.
		fresh.server = server;
		// Elysia's native route table belongs to the first app: every request now goes through the new one's fetch.
		server.reload({ fetch: fresh.fetch, routes: {} } as Parameters<typeof server.reload>[0]);
		log.level = next.logLevel;
		current = next;
		// The old upstreams still serve what is in flight; only their background work (a fleet's probes) stops.
		for (const upstream of upstreams.values()) upstream.close?.();
		upstreams = deps.upstreams;
		log.info({ changes }, "configuration reloaded");
	};
	process.on("SIGHUP", reload);
}
