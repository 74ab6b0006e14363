import pkg from "../../package.json" with { type: "json" };

/** This proxy's own version, from package.json. */
export const PROXY_VERSION: string = pkg.version;

/**
 * The Ollama version reported on `/api/version`: the API surface this proxy serves, up to v0.33's `/v1/messages`,
 * `/v1/responses`, `/api/status` and the capabilities on `/api/tags`. Clients gate features on it: Copilot refuses
 * anything below 0.6.4, Codex `--oss` anything below 0.13.4 (the first with `/v1/responses`).
 */
export const OLLAMA_COMPAT_VERSION = "0.33.0";
