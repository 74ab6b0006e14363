/**
 * The official openai SDK's client for one upstream (its Azure client for `kind: azure`; a real Ollama through its
 * own OpenAI-compatible `/v1`). The SDK's own retries are off and its timeout out of reach: retries happen once, in
 * the routing layer, and the connect / first-byte / idle timers are the real limits.
 */
import OpenAI, { AzureOpenAI } from "openai";
import type { ResolvedUpstream } from "../config/settings.ts";
import type { Transport } from "./transport.ts";

// The SDK's timeout would also cap slow-but-alive requests; the proxy's timers are the real limits.
const NO_SDK_TIMEOUT = 2_147_483_647;
const AZURE_API_VERSION = "2024-10-21";
/** Whether the operator set an Authorization header of their own, which then wins over `api_key`. */
export const ownsAuthorization = (headers: Record<string, string>) =>
	Object.keys(headers).some((h) => h.toLowerCase() === "authorization");

/** A real Ollama's root URL, without a trailing slash: its OpenAI API is under `/v1`, its own under `/api`. */
export const ollamaRoot = (settings: ResolvedUpstream) => settings.base_url.replace(/\/+$/, "");

export function sdkClient(settings: ResolvedUpstream, send: Transport["fetch"]): OpenAI {
	const common = {
		fetch: send,
		maxRetries: 0,
		timeout: NO_SDK_TIMEOUT,
		// The SDK refuses to start without a key; keyless servers (vLLM, LM Studio, Ollama) get no Authorization header.
		apiKey: settings.api_key || "unset",
		// …unless the operator set an Authorization header of their own (a gateway's Basic auth, say).
		defaultHeaders: {
			...settings.headers,
			...(!settings.api_key && !ownsAuthorization(settings.headers) && { Authorization: null }),
		},
	};
	if (settings.kind === "azure") {
		return new AzureOpenAI({
			...common,
			endpoint: settings.base_url,
			apiVersion: settings.api_version ?? AZURE_API_VERSION,
		});
	}
	const baseURL = settings.kind === "ollama" ? `${ollamaRoot(settings)}/v1` : settings.base_url;
	return new OpenAI({ ...common, baseURL });
}
