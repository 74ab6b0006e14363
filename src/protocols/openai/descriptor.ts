/** OpenAI's `/v1` surface as the app sees it: every `/v1/*` path no agent protocol claims, in OpenAI's error shape. */
import type { ProtocolDescriptor } from "../../pipeline/protocol.ts";
import { openAIErrorResponse } from "./errors.ts";

export const openAIProtocol: ProtocolDescriptor = {
	owns: (pathname) => pathname.startsWith("/v1/"),
	errorResponse: openAIErrorResponse,
};
