/**
 * `/swagger` (the API reference page) and `/swagger/json` (the OpenAPI document). @elysiajs/openapi is loaded on the
 * first request to either, not at start: a proxy that nobody browses does not carry the plugin and its schema
 * converters. Both answers are the plugin's own, built from every route of the app this is mounted in.
 */
import type { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";

export type ApiDocsOptions = NonNullable<Parameters<typeof openapi>[0]> & { path: string };

type Docs = { page: Response; spec: () => unknown };
type Wiring = { getGlobalRoutes(): unknown; getGlobalDefinitions(): unknown };

export function apiDocs(options: ApiDocsOptions) {
	const docs = new Elysia({ name: "api-docs" });
	let loaded: Promise<Docs> | undefined;

	async function load(): Promise<Docs> {
		const plugin = (await import("@elysiajs/openapi")).openapi(options);
		// The plugin documents the routes of the app it is mounted in, which it asks through these two (protected)
		// methods. Mounting it after start is not possible, so they are pointed where `use()` points them: at the app
		// this plugin is mounted in.
		const mounted = plugin as unknown as Wiring;
		const self = docs as unknown as Wiring;
		mounted.getGlobalRoutes = () => self.getGlobalRoutes();
		mounted.getGlobalDefinitions = () => self.getGlobalDefinitions();
		const handler = (path: string): unknown => plugin.routes.find((route) => route.path === path)?.handler;
		return {
			page: handler(options.path) as Response,
			spec: handler(`${options.path}/json`) as () => unknown,
		};
	}

	const docsOnce = () => {
		loaded ??= load().catch((error: unknown) => {
			loaded = undefined; // try again on the next request rather than failing forever
			throw error;
		});
		return loaded;
	};

	const hidden = { detail: { hide: true } };
	return docs
		.get(options.path, async () => (await docsOnce()).page.clone(), hidden)
		.get(`${options.path}/json`, async () => (await docsOnce()).spec(), hidden);
}
