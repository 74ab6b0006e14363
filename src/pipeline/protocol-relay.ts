/**
 * The agent protocols relayed to an upstream that speaks them itself (`protocols:` in its settings): OpenAI and Azure
 * answer `/responses`, a real Ollama, vLLM, llama.cpp and LM Studio `/messages` too. Like the `/v1` relay, the body
 * goes as the client sent it with the model rewritten to the upstream id, under the upstream's own key, and the
 * answer's status and bytes (SSE or JSON) come back as they are. The proxy's own refusals (stateful Responses
 * fields, blocks it cannot take) stay in front, so relayed and translated models answer alike. The protocol's
 * descriptor says where its fields are and how its stream ends.
 */
import type { ModelParams } from "../config/file.ts";
import { modelNotFound, ProxyError } from "../core/proxy-error.ts";
import { relayed } from "../http/relay.ts";
import type { Route } from "../routing/model-registry.ts";
import { overrideValue } from "../routing/param-overrides.ts";
import type { CallScope } from "../upstream/upstream.ts";
import type { AppDeps } from "./deps.ts";
import { dispatch, routeFor } from "./dispatch.ts";
import type { ProtocolDescriptor, RelayRules } from "./protocol.ts";
import { relayAccounting } from "./relay-accounting.ts";

export type RelayCall = {
	request: Request;
	/** The client's body, checked by the route; relayed with its model rewritten. */
	body: Record<string, unknown>;
	/** The model as the client spelled it. */
	model: string;
};

/** Whether the upstream serving a client's model speaks the protocol itself: if so, the request is relayed to it. */
function relaysNatively(route: Route | undefined, rules: RelayRules): boolean {
	return route?.upstream.protocols.includes(rules.protocol) ?? false;
}

/** The model's parameter overrides, on the protocol's own fields (Messages has no effort to set). */
export function overriddenBody(
	rules: RelayRules,
	body: Record<string, unknown>,
	params: ModelParams,
): Record<string, unknown> {
	const out = { ...body };
	const set = (key: string, override: ModelParams[keyof ModelParams]) => {
		if (!override) return;
		const value = overrideValue(out[key], override);
		if (value !== undefined) out[key] = value;
	};
	set(rules.fields.maxTokens, params.max_tokens);
	set("temperature", params.temperature);
	set("top_p", params.top_p);
	const effortAt = rules.fields.reasoningEffort;
	if (effortAt && params.reasoning_effort) {
		const [outer, inner] = effortAt;
		const holder = (out[outer] ?? {}) as Record<string, unknown>;
		const effort = overrideValue(holder[inner], params.reasoning_effort);
		if (effort !== undefined) out[outer] = { ...holder, [inner]: effort };
	}
	return out;
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

/** Only fallbacks that speak the protocol too: the others would not know the path (translation is per request). */
async function speakingFallbacks(deps: AppDeps, route: Route, rules: RelayRules): Promise<string[]> {
	const kept: string[] = [];
	for (const name of route.fallbacks) {
		const fallback = await deps.registry.resolve(name);
		if (fallback?.upstream.protocols.includes(rules.protocol)) kept.push(name);
		else
			deps.log.debug(
				{ model: route.name, fallback: name, protocol: rules.protocol },
				"fallback does not speak the protocol; skipped",
			);
	}
	return kept;
}

async function relayProtocol(
	deps: AppDeps,
	rules: RelayRules,
	call: RelayCall,
	resolved: Promise<Route | undefined>,
): Promise<Response> {
	const { request, model } = call;
	const route = await routeFor(deps, request, model, () => modelNotFound(model), resolved);
	const requestId = deps.requests.recordOf(request).id;
	// An SSE body the upstream breaks off ends with the protocol's own error event, which its SDK raises.
	const accounting = relayAccounting(deps, request, (message, kind) => rules.cutShortEvent(message, kind, requestId));
	const send = (current: Route, scope: CallScope) => {
		accounting.answeredBy(current.upstream.name);
		const body = overriddenBody(rules, { ...call.body, model: current.facts.id }, current.params);
		return current.upstream.forward(rules.path, body, scope).catch((error: unknown) => {
			const again = error instanceof ProxyError ? rules.retryBody?.(error, body) : undefined;
			if (!again) throw error;
			deps.log.debug(
				{ reqId: deps.requests.recordOf(request).id },
				"upstream refused what it did not write; sent again without",
			);
			return current.upstream.forward(rules.path, again, scope);
		});
	};
	const fallbacks = await speakingFallbacks(deps, route, rules);
	const answer = await dispatch(deps, request, { ...route, fallbacks }, send, model, { watch: accounting.watch });
	// Status and bytes as they came, its request id renamed.
	return accounting.answer(relayed(answer, answer.body, RELAYED_HEADERS));
}

/**
 * An agent request's way through the proxy: relayed as it is when the model's upstream speaks the protocol itself,
 * else `translate`d with the registry's answer, which is looked up once for both.
 */
export async function relayOrTranslate(
	deps: AppDeps,
	protocol: ProtocolDescriptor,
	call: RelayCall,
	translate: (resolved: Promise<Route | undefined>) => Promise<Response>,
): Promise<Response> {
	const resolved = deps.registry.resolve(call.model);
	const rules = protocol.relay;
	if (rules && relaysNatively(await resolved, rules)) return relayProtocol(deps, rules, call, resolved);
	return translate(resolved);
}
