/**
 * A request with no messages (chat) or no prompt (generate) asks Ollama to load, or with `keep_alive: 0` unload, the
 * model. A remote model needs neither, but clients (Open WebUI's unload button, `ollama run`) wait for the reply,
 * which is one plain JSON object even when streaming was asked for.
 */

import { isUnloadRequest } from "./keep-alive.ts";
import type { ChatResponse, GenerateResponse } from "./response-schemas.ts";
import { rfc3339 } from "./timestamps.ts";

export function chatLoadReply(model: string, keepAlive: number | string | null | undefined, now: Date): ChatResponse {
	return {
		model,
		created_at: rfc3339(now),
		message: { role: "assistant", content: "" },
		done: true,
		done_reason: isUnloadRequest(keepAlive) ? "unload" : "load",
	};
}

export function generateLoadReply(
	model: string,
	keepAlive: number | string | null | undefined,
	now: Date,
): GenerateResponse {
	return {
		model,
		created_at: rfc3339(now),
		response: "",
		done: true,
		done_reason: isUnloadRequest(keepAlive) ? "unload" : "load",
	};
}
