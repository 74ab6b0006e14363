/**
 * The agent protocols relayed to an upstream that speaks them itself (`protocols:` in its settings): OpenAI and Azure
 * answer `/responses`, a real Ollama, vLLM, llama.cpp and LM Studio `/messages` too. Like the `/v1` relay, the body
 * goes as the client sent it with the model rewritten to the upstream id, under the upstream's own key, and the
 * answer's status and bytes (SSE or JSON) come back as they are. The proxy's own refusals (stateful Responses
 * fields, blocks it cannot take) stay in front, so relayed and translated models answer alike.
 */
import type { AgentProtocol, ModelParams } from "../config/file.ts";
import { modelNotFound, ProxyError } from "../core/proxy-error.ts";
import { anthropicErrorBody } from "../protocols/anthropic/errors.ts";
import { relayed } from "../protocols/openai/routes.ts";
import type { Route } from "../routing/model-registry.ts";
import { overrideValue } from "../routing/param-overrides.ts";
import type { CallScope } from "../upstream/upstream.ts";
import type { AppDeps } from "./deps.ts";
import { dispatch, routeFor } from "./dispatch.ts";

export type RelayCall = {
	request: Request;
	protocol: AgentProtocol;
	/** The client's body, checked by the route; relayed with its model rewritten. */
	body: Record<string, unknown>;
	/** The model as the client spelled it. */
	model: string;
	/** The registry's answer for `model`, already looked up by the route. */
	resolved: Promise<Route | undefined>;
};

const PATHS = { messages: "/messages", responses: "/responses" } as const;

/** Whether the upstream serving a client's model speaks the protocol itself: if so, the request is relayed to it. */
export function relaysNatively(route: Route | undefined, protocol: AgentProtocol): boolean {
	return route?.upstream.protocols.includes(protocol) ?? false;
}

/**
 * The model's parameter overrides, on the protocol's own fields: the token limit is `max_tokens` in Messages and
 * `max_output_tokens` in Responses, and the reasoning effort `reasoning.effort` (Messages has no effort to set).
 */
export function overriddenBody(
	protocol: AgentProtocol,
	body: Record<string, unknown>,
	params: ModelParams,
): Record<string, unknown> {
	const out = { ...body };
	const set = (key: string, override: ModelParams[keyof ModelParams]) => {
		if (!override) return;
		const value = overrideValue(out[key], override);
		if (value !== undefined) out[key] = value;
	};
	set(protocol === "messages" ? "max_tokens" : "max_output_tokens", params.max_tokens);
	set("temperature", params.temperature);
	set("top_p", params.top_p);
	if (protocol === "responses" && params.reasoning_effort) {
		const reasoning = (out.reasoning ?? {}) as Record<string, unknown>;
		const effort = overrideValue(reasoning.effort, params.reasoning_effort);
		if (effort !== undefined) out.reasoning = { ...reasoning, effort };
	}
	return out;
}

/**
 * The input without its reasoning items, or undefined when it has none. OpenAI refuses reasoning whose
 * `encrypted_content` it did not write (a turn an Ollama-style server answered); without them the turn still holds.
 */
export function withoutReasoningItems(input: unknown): unknown[] | undefined {
	if (!Array.isArray(input)) return undefined;
	const kept = input.filter((item) => (item as { type?: unknown } | null)?.type !== "reasoning");
	return kept.length < input.length ? kept : undefined;
}

// Headers of the upstream's answer worth relaying; hop-by-hop and length headers are Bun's to set.
const RELAYED_HEADERS = [
	"content-type",
	"cache-control",
	"openai-processing-ms",
	"retry-after",
	"x-request-id",
	"request-id",
];

const encoder = new TextEncoder();

/**
 * The last event of a relayed stream cut short (the upstream went quiet or its connection broke), in the protocol's
 * words: the SDKs raise an `error` event; a bare end would leave Claude Code waiting for `message_stop` and send Codex
 * into its retries without saying why.
 */
export function cutShortEvent(protocol: AgentProtocol, message: string, requestId: string): string {
	if (protocol === "messages") {
		const error = /went quiet/.test(message)
			? new ProxyError(504, message, {}, "timeout")
			: new ProxyError(502, message, {}, "stream");
		return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error, requestId))}\n\n`;
	}
	return `event: error\ndata: ${JSON.stringify({ type: "error", code: "server_error", message, param: null })}\n\n`;
}

/** A relayed SSE body that ends with the protocol's error event, not a cut connection, when the upstream fails. */
function endedInProtocol(body: ReadableStream<Uint8Array>, ending: (message: string) => string) {
	const reader = body.getReader();
	let midEvent = false;
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const part = await reader.read();
					if (part.done) return controller.close();
					const last = part.value.at(-1);
					midEvent = last !== undefined && last !== 10;
					controller.enqueue(part.value);
				} catch (error) {
					const message = error instanceof Error ? error.message : String(error);
					controller.enqueue(encoder.encode(`${midEvent ? "\n\n" : ""}${ending(message)}`));
					controller.close();
				}
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
}

/** The upstream's answer as the client gets it: status and bytes as they came, its request id renamed. */
function relayedAnswer(upstream: Response, protocol: AgentProtocol, requestId: string): Response {
	const sse = upstream.headers.get("content-type")?.includes("text/event-stream");
	const body =
		sse && upstream.body
			? endedInProtocol(upstream.body, (message) => cutShortEvent(protocol, message, requestId))
			: upstream.body;
	return relayed(upstream, body, RELAYED_HEADERS);
}

/** Only fallbacks that speak the protocol too: the others would not know the path (translation is per request). */
async function speakingFallbacks(deps: AppDeps, route: Route, protocol: AgentProtocol): Promise<string[]> {
	const kept: string[] = [];
	for (const name of route.fallbacks) {
		const fallback = await deps.registry.resolve(name);
		if (fallback?.upstream.protocols.includes(protocol)) kept.push(name);
		else
			deps.log.debug({ model: route.name, fallback: name, protocol }, "fallback does not speak the protocol; skipped");
	}
	return kept;
}

export async function relayProtocol(deps: AppDeps, call: RelayCall): Promise<Response> {
	const { request, protocol, model } = call;
	const path = PATHS[protocol];
	const route = await routeFor(deps, request, model, () => modelNotFound(model), call.resolved);
	const send = (current: Route, scope: CallScope) => {
		const body = overriddenBody(protocol, { ...call.body, model: current.facts.id }, current.params);
		return current.upstream.forward(path, body, scope).catch((error: unknown) => {
			const input =
				error instanceof ProxyError && error.code === "invalid_encrypted_content"
					? withoutReasoningItems(body.input)
					: undefined;
			if (!input) throw error;
			deps.log.debug(
				{ reqId: deps.requests.recordOf(request).id },
				"upstream refused reasoning it did not write; sent again without",
			);
			return current.upstream.forward(path, { ...body, input }, scope);
		});
	};
	const fallbacks = await speakingFallbacks(deps, route, protocol);
	const answer = await dispatch(deps, request, { ...route, fallbacks }, send, model);
	return relayedAnswer(answer, protocol, deps.requests.recordOf(request).id);
}
