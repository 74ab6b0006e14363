/**
 * What the routes need from an upstream, free of any SDK type beyond the OpenAI wire shapes. Every method rejects
 * with a ProxyError only, so routes never see transport details.
 */
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "openai/resources/chat/completions";
import type { Completion, CompletionCreateParams } from "openai/resources/completions";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import type { AgentProtocol } from "../config/file.ts";
import type { Dialect } from "../core/dialect.ts";
import type { BodyWatch } from "../http/relay.ts";
import type { FleetView } from "../metrics/fleet-metrics.ts";
import type { UpstreamModel } from "./upstream-models.ts";

export type CallScope = {
	/** Aborted when the client goes away: the upstream request is cancelled with it. */
	signal: AbortSignal;
	/** The model as the client named it, for error messages. */
	modelName?: string;
	/**
	 * A streamed call is answered once its headers say 200, and its first chunk is waited for under the idle limit,
	 * not the first-byte one: for clients kept alive by their own events while a long prompt is read (agents).
	 */
	answeredByHeaders?: boolean;
	/** Told which replica of a fleet took the call (its URL without credentials), for the request's log line. */
	onReplica?(replica: string): void;
	/** The route's watch over a relayed body (`forward`, `native`, `transcribe`): how it ended; a stalled client cut. */
	watch?: BodyWatch;
};

/** A model an upstream lists; a real Ollama's entries keep their own `/api/tags` entry, relayed as it is. */
export type DiscoveredModel = UpstreamModel & { native?: { name: string } & Record<string, unknown> };

/** A multipart/form-data body, its content type (with the boundary), and the upstream model id in its `model` field. */
export type MultipartUpload = { body: Uint8Array; contentType: string; model: string };

/** `/responses` and `/messages` are the agent protocols, for upstreams that speak them (see `Upstream.protocols`). */
export type OpenAIPath = "/chat/completions" | "/completions" | "/embeddings" | "/responses" | "/messages";

export type Upstream = {
	name: string;
	kind: "openai" | "azure" | "ollama";
	dialect: Dialect;
	/** The agent protocols it speaks itself: requests in them are relayed to it, not translated. */
	protocols: readonly AgentProtocol[];
	listModels(scope: CallScope): Promise<DiscoveredModel[]>;
	/** Resolves once the upstream has answered with its first chunk; the stream then yields every chunk. */
	/**
	 * With `stream: false` the upstream is asked for the whole answer (one JSON parse instead of SSE to fold), which
	 * is yielded as a single chunk; an upstream that streams anyway is relayed as a stream.
	 */
	chat(params: ChatCompletionCreateParams, scope: CallScope): Promise<AsyncIterable<ChatCompletionChunk>>;
	/** The legacy completions API, for fill-in-the-middle; resolves like `chat`. */
	complete(params: CompletionCreateParams, scope: CallScope): Promise<AsyncIterable<Completion>>;
	embed(params: EmbeddingCreateParams, scope: CallScope): Promise<CreateEmbeddingResponse>;
	/**
	 * Sends an OpenAI-shaped body to an OpenAI path and returns the upstream's successful response untouched, for
	 * the `/v1` surface that relays bytes instead of translating. On the agent paths (`/responses`, `/messages`) an SSE
	 * body cut short or gone quiet ends in the protocol's own words (`scope.watch.sseEnding`), or without them errors
	 * instead of ending in an OpenAI error event. A 400's `code` (OpenAI's `invalid_encrypted_content`) is kept on the
	 * error there.
	 */
	forward(path: OpenAIPath, body: Record<string, unknown>, scope: CallScope): Promise<Response>;
	/**
	 * Sends a multipart body to OpenAI's `/audio/transcriptions` as it is and returns the successful response
	 * untouched, like `forward`.
	 */
	transcribe(upload: MultipartUpload, scope: CallScope): Promise<Response>;
	/** A real Ollama only: an `/api/*` request passed through as it is, whatever the answer. */
	native?(path: string, body: unknown, scope: CallScope): Promise<Response>;
	/** A real Ollama only: the models it has loaded now, as its `/api/ps` lists them (a fleet: every replica's). */
	running?(scope: CallScope): Promise<Array<{ name: string } & Record<string, unknown>>>;
	/**
	 * A fleet only: whether another replica can take this request's retry at once, so the retry need not wait out a
	 * backoff meant for one server.
	 */
	failoverReady?(scope: CallScope): boolean;
	/** A fleet only: its replicas' state now. */
	fleet?(): FleetView;
	/** Stops what runs in the background (a fleet's probes). */
	close?(): void;
};
