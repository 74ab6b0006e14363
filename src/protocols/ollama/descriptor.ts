/** Ollama's own API as the app sees it: every path no other protocol claims (so it is asked last), in its error shape. */
import type { ProtocolDescriptor } from "../../pipeline/protocol.ts";
import { errorResponse } from "./errors.ts";

export const ollamaProtocol: ProtocolDescriptor = {
	owns: () => true,
	errorResponse,
};
