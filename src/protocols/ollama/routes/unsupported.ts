/**
 * What the proxy cannot do, answered with a clear error instead of a pretend success: model management that only
 * makes sense for local weights, and Ollama's ollama.com features (account, web search), which have no cloud here.
 */
import { Elysia } from "elysia";
import { jsonResponse } from "../../../http/json-response.ts";
import { ErrorResponse } from "../response-schemas.ts";

// A 4xx: the request cannot be served here, which is no fault of the server (monitoring counts 5xx as outages).
const refuse = (what: string) => () =>
	jsonResponse(
		{
			error: `${what} is not supported: ollama-proxy serves models from a remote OpenAI-compatible API and stores none`,
		},
		400,
	);

// A 404, as an Ollama older than the feature answers: clients already treat that as "not available on this server"
// and hide the feature, where a 400 would read as a fault in their request.
const absent = (what: string) => () =>
	jsonResponse(
		{ error: `${what} is not available here: ollama-proxy has no ollama.com account or cloud behind it` },
		404,
	);

const doc = {
	response: { 400: ErrorResponse },
	detail: { tags: ["unsupported"] },
};

const cloudDoc = {
	response: { 404: ErrorResponse },
	detail: { tags: ["unsupported"] },
};

export const unsupportedRoutes = new Elysia({ name: "unsupported" })
	.post("/api/push", refuse("pushing a model"), doc)
	.post("/api/create", refuse("creating a model"), doc)
	.post("/api/copy", refuse("copying a model"), doc)
	.delete("/api/delete", refuse("deleting a model"), doc)
	.head("/api/blobs/:digest", refuse("uploading blobs"), doc)
	.post("/api/blobs/:digest", refuse("uploading blobs"), doc)
	.post("/api/me", absent("an ollama.com account"), cloudDoc)
	.post("/api/signout", absent("signing out"), cloudDoc)
	.delete("/api/user/keys/:encodedKey", absent("managing account keys"), cloudDoc)
	.post("/api/experimental/web_search", absent("web search"), cloudDoc)
	.post("/api/experimental/web_fetch", absent("web fetch"), cloudDoc)
	.get("/api/experimental/model-recommendations", absent("model recommendations"), cloudDoc);
