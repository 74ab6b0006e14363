/**
 * `GET /api/usage`, served only when keys are configured, to admin keys only (403 for the others): every key's
 * requests, tokens, errors and refusals per model and UTC day, from the limit store (Redis: every replica's; memory:
 * this process's since it started).
 */
import { Elysia } from "elysia";
import { ProxyError } from "../../../core/proxy-error.ts";
import { jsonResponse } from "../../../http/json-response.ts";
import type { AppDeps } from "../../../pipeline/deps.ts";
import { ErrorResponse } from "../response-schemas.ts";
import { engineQuery, UsageQuery, UsageResponse, usageRow } from "../usage.ts";

export function usageRoutes(deps: AppDeps) {
	const plugin = new Elysia({ name: "usage" });
	if (!deps.settings.keys) return plugin;
	return plugin.get(
		"/api/usage",
		async ({ query, request }) => {
			if (!deps.requests.recordOf(request).admin) throw new ProxyError(403, "this API key may not read usage");
			const asked = engineQuery(query, deps.clock.wallTime());
			if (typeof asked === "string") throw new ProxyError(400, asked);
			const rows = await deps.limits.store.usage(asked);
			return jsonResponse({ usage: rows.map(usageRow) });
		},
		{
			query: UsageQuery,
			response: { 200: UsageResponse, 400: ErrorResponse, 403: ErrorResponse },
			detail: {
				summary: "Usage per key, model and UTC day (admin keys only)",
				description:
					"Served when keys are configured. With Redis, every replica's usage; without, this process's since it started.",
				tags: ["meta"],
			},
		},
	);
}
