/**
 * What every protocol's history translation shares. OpenAI-style upstreams reject an assistant tool call that no
 * `tool` message answers, and a `tool` message that answers no call right before it: a call that history never
 * answered gets a stand-in result, and a result that answers no open call (an orphan) is kept as user text naming
 * the call, so the model still reads it.
 */

/** The result of a call that history never answered: OpenAI rejects an assistant call without its tool message. */
export const INTERRUPTED_RESULT = "(no result: the call was interrupted)";

/** An orphan result as the user text that replaces its `tool` message. */
export const orphanResultText = (callId: string, text: string) => `Result of call ${callId}:\n${text}`;

/** The debug line that says orphan results were kept as user text (with their `callIds`), in both agent routes. */
export const ORPHANS_LOGGED = "tool results that answer no open call kept as user text";
