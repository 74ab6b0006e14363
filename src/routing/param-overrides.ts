/**
 * Per-model overrides of request parameters, from the configuration file: force a value, give a default, or clamp
 * to a range. Copilot caps output at 4096 tokens and sends `max_tokens` accordingly; `max_tokens: { force: 16384 }`
 * lifts it. Applied to the request as it goes upstream, whatever surface it came in on.
 */
import type { ModelParams, ParamOverride } from "../config/file.ts";

const TOKEN_KEYS = ["max_tokens", "max_completion_tokens"] as const;

export function overrideValue(value: unknown, override: ParamOverride): unknown {
	if (override.force !== undefined) return override.force;
	const out = value ?? override.default;
	if (typeof out !== "number") return out;
	if (override.min !== undefined && out < override.min) return override.min;
	if (override.max !== undefined && out > override.max) return override.max;
	return out;
}

/**
 * Returns `params` with the model's overrides applied. The token limit is written under the key the request
 * already uses, else under `tokenKey` (which the caller picks for the model and API).
 */
export function applyParamOverrides<T extends object>(
	params: T,
	overrides: ModelParams,
	tokenKey: (typeof TOKEN_KEYS)[number],
): T {
	const out: Record<string, unknown> = { ...(params as Record<string, unknown>) };
	for (const [name, override] of Object.entries(overrides)) {
		if (!override) continue;
		const key = name === "max_tokens" ? (TOKEN_KEYS.find((k) => out[k] != null) ?? tokenKey) : name;
		const value = overrideValue(out[key], override);
		if (value !== undefined) out[key] = value;
	}
	return out as T;
}
