/**
 * `/v1/audio/transcriptions`: OpenAI's speech-to-text, which Ollama serves since v0.33. The multipart body goes to
 * the model's upstream byte for byte, only its `model` field changed to the upstream id, and the answer's bytes
 * (JSON, text, SSE) come back untouched. The body is multipart, not JSON, so this route reads it itself: the app
 * registers it before its JSON body parser, and therefore before its error hook too, so the errors are written here.
 */

import { Elysia } from "elysia";
import { requiredModel } from "../../core/model-field.ts";
import { badRequest, modelNotFound, ProxyError } from "../../core/proxy-error.ts";
import { toProxyError } from "../../http/errors.ts";
import { tooLarge } from "../../http/json-body.ts";
import { relayed } from "../../http/relay.ts";
import { recordFailure, withRequestId } from "../../http/request-context.ts";
import type { AppDeps } from "../../pipeline/deps.ts";
import { dispatch, routeFor } from "../../pipeline/dispatch.ts";
import { openAIErrorResponse } from "./errors.ts";
import { boundaryOf, fieldValue, parseMultipart, withFieldValue } from "./multipart.ts";

const PATH = "/v1/audio/transcriptions";
const MULTIPART_REQUIRED = "expected a multipart/form-data body with the audio `file` and a `model`";

export function transcriptionRoutes(deps: AppDeps) {
	const maxBytes = deps.settings.maxBodyBytes;
	return new Elysia({ name: "transcriptions" })
		.onError(({ code, error, request }) => {
			const failure = toProxyError({ code, error, pathname: PATH, methodsFor: () => ["POST"] }, deps.log);
			const record = deps.requests.recordOf(request);
			recordFailure(record, failure);
			return withRequestId(openAIErrorResponse(failure), record.id, PATH);
		})
		.post(
			PATH,
			async ({ request, server }) => {
				// Transcribing a long recording can take minutes before the first byte.
				server?.timeout(request, 0);
				const contentType = request.headers.get("content-type") ?? "";
				const boundary = boundaryOf(contentType);
				if (boundary === undefined) throw badRequest(MULTIPART_REQUIRED);
				const body = new Uint8Array(await request.arrayBuffer());
				// A chunked body has no content-length for the app to check up front.
				if (body.byteLength > maxBytes) throw tooLarge(maxBytes);
				const parts = parseMultipart(body, boundary);
				if (!parts) throw badRequest("invalid multipart body: it does not follow its boundary");
				const parsed = requiredModel.safeParse(fieldValue(body, parts, "model"));
				if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? "model is required");
				const model = parsed.data;
				const route = await routeFor(deps, request, model, () => modelNotFound(model));
				try {
					const upstream = await dispatch(
						deps,
						request,
						route,
						(current, scope) =>
							current.upstream.transcribe(
								{ body: withFieldValue(body, parts, "model", current.facts.id), contentType, model: current.facts.id },
								scope,
							),
						model,
					);
					return relayed(upstream);
				} catch (error) {
					// An upstream 404 that is not about the model (see src/upstream/errors.ts): this upstream has no
					// speech-to-text at all, which the client hears as OpenAI's 404 rather than a gateway fault.
					if (error instanceof ProxyError && error.status === 502 && error.kind === "bad_request")
						throw new ProxyError(
							404,
							`audio transcription is not available for model '${model}': ${error.message}`,
							{},
							"not_found",
						);
					throw error;
				}
			},
			{
				detail: {
					summary: "OpenAI audio transcriptions (multipart), relayed to the model's upstream",
					tags: ["openai"],
					requestBody: {
						required: true,
						description: "OpenAI's fields; every one but `model` reaches the upstream byte for byte.",
						content: {
							"multipart/form-data": {
								schema: {
									type: "object",
									required: ["file", "model"],
									properties: { file: { type: "string", format: "binary" }, model: { type: "string" } },
								},
							},
						},
					},
				},
			},
		);
}
