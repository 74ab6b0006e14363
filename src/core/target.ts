/**
 * The upstream a request goes to, in protocol-neutral words: the model's id there, how it speaks, and what the
 * model can do. Capabilities use Ollama's vocabulary because it is the one every protocol here maps onto.
 */
import { z } from "zod";
import type { Dialect } from "./dialect.ts";

// `audio`: the model takes audio in (speech-to-text here); `image`: it generates images (relayed from a real Ollama).
export const Capability = z.enum([
	"completion",
	"tools",
	"insert",
	"vision",
	"embedding",
	"thinking",
	"image",
	"audio",
]);
export type Capability = z.infer<typeof Capability>;

export type Target = { id: string; dialect: Dialect; capabilities: readonly Capability[] };
