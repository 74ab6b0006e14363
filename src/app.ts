/**
 * Builds the Elysia app from its dependencies. Nothing runs at import: `src/index.ts` wires the real upstream and
 * listens; tests build the same app in front of their own upstream.
 */
import { Elysia } from "elysia";
import type { ProxyError } from "./core/proxy-error.ts";
import { type ApiDocsOptions, apiDocs } from "./http/api-docs.ts";
import { cors } from "./http/cors.ts";
import { DOCS_SCRIPT_PATH, docsScript } from "./http/docs-assets.ts";
import { toProxyError } from "./http/errors.ts";
import { inboundAuth } from "./http/inbound-auth.ts";
import { readJsonBody, tooLarge } from "./http/json-body.ts";
import { pathOf, recordFailure, requestContext, requestIds, withRequestId } from "./http/request-context.ts";
import { PROXY_VERSION } from "./lib/version.ts";
import { requestedMaxTokens } from "./limits/reservation.ts";
import type { AppDeps } from "./pipeline/deps.ts";
import { anthropicProtocol } from "./protocols/anthropic/descriptor.ts";
import { messagesRoutes } from "./protocols/anthropic/routes.ts";
import { ollamaProtocol } from "./protocols/ollama/descriptor.ts";
import { chatRoutes } from "./protocols/ollama/routes/chat.ts";
import { embedRoutes } from "./protocols/ollama/routes/embed.ts";
import { metaRoutes } from "./protocols/ollama/routes/meta.ts";
import { modelRoutes } from "./protocols/ollama/routes/models.ts";
import { unsupportedRoutes } from "./protocols/ollama/routes/unsupported.ts";
import { usageRoutes } from "./protocols/ollama/routes/usage.ts";
import { openAIProtocol } from "./protocols/openai/descriptor.ts";
import { openAICompatRoutes } from "./protocols/openai/routes.ts";
import { transcriptionRoutes } from "./protocols/openai/transcription-routes.ts";
import { responsesProtocol } from "./protocols/responses/descriptor.ts";
import { responsesRoutes, storedResponsesRoutes } from "./protocols/responses/routes.ts";

// Asked in order: the agent protocols' paths lie inside OpenAI's `/v1`, and Ollama's API takes every other path.
const PROTOCOLS = [anthropicProtocol, responsesProtocol, openAIProtocol, ollamaProtocol] as const;

/** Each API family's errors come in its own shape: the first protocol that owns the path writes them. */
function errorFor(pathname: string, error: ProxyError, requestId: string): Response {
	const protocol = PROTOCOLS.find((p) => p.owns(pathname)) ?? ollamaProtocol;
	return withRequestId(protocol.errorResponse(error, requestId), requestId, pathname);
}

export function createApp(deps: AppDeps) {
	const maxBytes = deps.settings.maxBodyBytes;
	const app = new Elysia({
		serve: {
			// Elysia's 30 s default cuts quiet streams; routes that relay answers also lift it per request.
			idleTimeout: deps.settings.idleTimeoutSeconds,
			// Elysia turns reusePort on, which lets a second server bind the same port without an error.
			reusePort: false,
			// Bun answers a larger body with an empty 413; the hooks below answer it with a JSON error first.
			maxRequestBodySize: maxBytes + 1024 * 1024,
		},
	})
		.use(requestIds(deps.requests))
		.use(
			apiDocs({
				path: "/swagger",
				// The plugin types this option with the output type of Scalar's own schema, which makes every setting
				// look required; only `cdn` is meant to be set here.
				scalar: { cdn: DOCS_SCRIPT_PATH } as ApiDocsOptions["scalar"],
				documentation: {
					info: {
						title: "ollama-proxy",
						version: PROXY_VERSION,
						description: "The Ollama HTTP API, answered from an OpenAI-compatible upstream.",
					},
				},
			}),
		)
		.use(requestContext(deps.requests))
		.use(cors(deps.settings.cors, deps.requests))
		.use(inboundAuth(deps.settings.keys, deps.requests, errorFor))
		.onRequest(({ request }) => {
			const declared = Number(request.headers.get("content-length") ?? 0);
			if (declared > maxBytes) {
				// Answered from onRequest, so the after-response hook that logs every other request never runs.
				deps.requests.end(request, { status: 413 });
				return errorFor(pathOf(request.url), tooLarge(maxBytes), deps.requests.recordOf(request).id);
			}
		})
		// Registered before the body parser: their answer does not depend on the body, so none is read.
		.use(unsupportedRoutes)
		.use(storedResponsesRoutes)
		// Multipart, not JSON: it reads its own body (and writes its own errors, the hook below coming later).
		.use(transcriptionRoutes(deps))
		// Routes also declare `parse: "json"`, which only documents the body as JSON in the OpenAPI spec: this parser runs first.
		.onParse({ as: "global" }, async ({ request }) => {
			const record = deps.requests.recordOf(request);
			const body = await readJsonBody(request, maxBytes, record);
			// What the limits reserve for the request, read once here rather than by every protocol.
			record.maxTokens = requestedMaxTokens(body);
			return body;
		})
		.onError({ as: "global" }, ({ code, error, request }) => {
			const pathname = pathOf(request.url);
			const failure = toProxyError(
				{
					code,
					error,
					pathname,
					methodsFor: (path) => app.routes.filter((r) => r.path === path).map((r) => r.method),
				},
				deps.log,
			);
			const record = deps.requests.recordOf(request);
			recordFailure(record, failure);
			return errorFor(pathname, failure, record.id);
		})
		.get(DOCS_SCRIPT_PATH, docsScript, { detail: { hide: true } })
		.use(metaRoutes(deps))
		.use(modelRoutes(deps))
		.use(usageRoutes(deps))
		.use(chatRoutes(deps))
		.use(embedRoutes(deps))
		.use(openAICompatRoutes(deps))
		.use(messagesRoutes(deps))
		.use(responsesRoutes(deps));
	return app;
}

export type App = ReturnType<typeof createApp>;
