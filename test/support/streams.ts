/**
 * The translation code as async generators over pieces, for tests that feed it a whole stream at once; the
 * routes drive the same synchronous translators through `translateChunks`.
 */

import type { Piece } from "../../src/core/upstream-chunks.ts";
import { type EventOptions, eventTranslator, type UpstreamEvent } from "../../src/protocols/ollama/events.ts";
import { chatLines, generateLines, type StreamContext, translateChunks } from "../../src/protocols/ollama/stream.ts";

const asPiece = (piece: Piece) => piece;

export function chatStream(pieces: AsyncIterable<Piece>, ctx: StreamContext) {
	return translateChunks(pieces, asPiece, chatLines(ctx));
}

export function generateStream(pieces: AsyncIterable<Piece>, ctx: StreamContext) {
	return translateChunks(pieces, asPiece, generateLines(ctx));
}

export async function* upstreamEvents(
	pieces: AsyncIterable<Piece>,
	options: EventOptions,
): AsyncGenerator<UpstreamEvent> {
	const translator = eventTranslator(options);
	for await (const piece of pieces) {
		const event = translator.push(piece);
		if (event) yield event;
	}
	yield* translator.finish();
}
