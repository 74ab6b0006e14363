/** Ollama's own API as the app sees it: every path no other protocol claims (so it is asked last), in its error shape. */
import type { ProtocolDescriptor } from "../../pipeline/protocol.ts";
import { errorResponse } from "./errors.ts";

export const ollamaProtocol: ProtocolDescriptor = {
	name: "ollama",
	owns: () => true,
	errorResponse: (error) => errorResponse(error),
};
