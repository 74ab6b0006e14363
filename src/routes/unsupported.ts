/** Model management that only makes sense for local weights: a clear error instead of a pretend success. */
import { Elysia } from "elysia";
import { jsonResponse } from "../http/responses.ts";
import { ErrorResponse } from "../schemas/ollama-responses.ts";

// A 4xx: the request cannot be served here, which is no fault of the server (monitoring counts 5xx as outages).
const refuse = (what: string) => () =>
	jsonResponse(
		{
			error: `${what} is not supported: ollama-proxy serves models from a remote OpenAI-compatible API and stores none`,
		},
		400,
	);

const doc = {
	response: { 400: ErrorResponse },
	detail: { tags: ["unsupported"] },
};

export const unsupportedRoutes = new Elysia({ name: "unsupported" })
	.post("/api/push", refuse("pushing a model"), doc)
	.post("/api/create", refuse("creating a model"), doc)
	.post("/api/copy", refuse("copying a model"), doc)
	.delete("/api/delete", refuse("deleting a model"), doc)
	.head("/api/blobs/:digest", refuse("uploading blobs"), doc)
	.post("/api/blobs/:digest", refuse("uploading blobs"), doc);
