/**
 * What every protocol's history translation shares: OpenAI-style upstreams reject an assistant tool call that no
 * `tool` message answers, so a call that history never answered gets this stand-in result.
 */

/** The result of a call that history never answered: OpenAI rejects an assistant call without its tool message. */
export const INTERRUPTED_RESULT = "(no result: the call was interrupted)";
