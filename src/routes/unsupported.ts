/** Model management that only makes sense for local weights: a clear error instead of a pretend success. */
import { Elysia } from "elysia";
import { jsonResponse } from "../http/responses.ts";
import { ErrorResponse } from "../schemas/ollama-responses.ts";

const refuse = (what: string) => () =>
	jsonResponse(
		{
			error: `${what} is not supported: ollama-proxy serves models from a remote OpenAI-compatible API and stores none`,
		},
		501,
	);

const doc = {
	response: { 501: ErrorResponse },
	detail: { tags: ["unsupported"] },
};

export const unsupportedRoutes = new Elysia({ name: "unsupported" })
	.post("/api/push", refuse("pushing a model"), doc)
	.post("/api/create", refuse("creating a model"), doc)
	.post("/api/copy", refuse("copying a model"), doc)
	.delete("/api/delete", refuse("deleting a model"), doc)
	.head("/api/blobs/:digest", refuse("uploading blobs"), doc)
	.post("/api/blobs/:digest", refuse("uploading blobs"), doc);
