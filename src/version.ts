import pkg from "../package.json" with { type: "json" };

/** This proxy's own version, from package.json. */
export const PROXY_VERSION: string = pkg.version;

/**
 * The Ollama version reported on `/api/version`. Clients gate features on it: Copilot refuses anything below 0.6.4,
 * and 0.12.10 is the release whose tool calls carry ids, the behaviour this proxy reproduces.
 */
export const OLLAMA_COMPAT_VERSION = "0.12.10";
