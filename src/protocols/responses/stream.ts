/**
 * Upstream chat chunks → a Responses API answer: the streamed events (`response.created` … `response.completed`,
 * numbered by `sequence_number`) and the whole response object, both from the same state so that the items of
 * `response.completed` are exactly the `output_item.done` items (Codex builds its history from those).
 * Keys are in Ollama's order (`ollama: openai/responses.go`), plus what Ollama leaves out: reasoning summary part
 * events, `incomplete_details`, and the message item closed before a function call.
 */

import { type AgentUsage, assistantBlocks, type BlockEvent, type FinishedCall } from "../../core/assistant-blocks.ts";
import type { ProxyError } from "../../core/proxy-error.ts";
import type { ProtocolRenderer, SseEvent } from "../../core/renderer.ts";
import type { Piece } from "../../core/upstream-chunks.ts";
import { failureOf, incompleteReasonOf } from "./errors.ts";
import type { ResponsesRequest } from "./schema.ts";
import { type ToolNames, toolOrigin } from "./tool-names.ts";

export type ResponsesRendererOptions = {
	/** The request as the client sent it: the response object echoes its settings. */
	request: ResponsesRequest;
	/** Flat tool names → the namespace and name the client declared. */
	names: ToolNames;
	/** The wall clock in Unix seconds, for `created_at` and `completed_at`. */
	now(): number;
	/** A new random id with the given prefix (`resp_`, `msg_`, `rs_`, `fc_`, `call_`). */
	newId(prefix: string): string;
	/** Input tokens to report when the upstream reports no usage at all: an estimate beats a misleading 0. */
	promptEstimate: number;
	/** `agents.strict_incomplete`: a cut answer ends in `response.incomplete`, as OpenAI ends it. */
	strictIncomplete?: boolean;
};

type Item = Record<string, unknown>;
type OpenItem = { kind: "thinking" | "text"; id: string; index: number; text: string };

// A rough tokens-per-character ratio, as Ollama's own estimates use, for upstreams that report no usage.
const CHARS_PER_TOKEN = 4;

const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

export type ResponsesRenderer = ProtocolRenderer & {
	/**
	 * An event to send after a long upstream silence: Codex gives up after 300 s without one, and SSE comments do not
	 * count. `response.in_progress` again, with the next sequence number, is one every client already understands.
	 */
	keepalive(): SseEvent[];
};

export function renderer(options: ResponsesRendererOptions): ResponsesRenderer {
	const { request, names, newId } = options;
	const blocks = assistantBlocks();
	const id = newId("resp_");
	const createdAt = options.now();
	const output: Item[] = [];
	let sequence = 0;
	let nextIndex = 0;
	let open: OpenItem | undefined;
	let outputChars = 0;
	let end: { finishReason: string; usage: AgentUsage; completedAt: number } | undefined;

	const event = (type: string, payload: Record<string, unknown>): SseEvent => ({
		event: type,
		data: { type, sequence_number: sequence++, ...payload },
	});

	function usage(): { promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number } {
		const reported = end?.usage;
		if (reported?.reported) return reported;
		return {
			promptTokens: options.promptEstimate,
			completionTokens: Math.max(1, Math.ceil(outputChars / CHARS_PER_TOKEN)),
			cachedTokens: 0,
			reasoningTokens: 0,
		};
	}

	function usageObject() {
		const counts = usage();
		return {
			input_tokens: counts.promptTokens,
			output_tokens: counts.completionTokens,
			total_tokens: counts.promptTokens + counts.completionTokens,
			input_tokens_details: { cached_tokens: counts.cachedTokens },
			output_tokens_details: { reasoning_tokens: counts.reasoningTokens },
		};
	}

	function response(state: {
		status: string;
		completedAt?: number;
		incomplete?: string;
		error?: Record<string, unknown>;
		usage: Record<string, unknown> | null;
	}): Record<string, unknown> {
		const format = request.text?.format ?? { type: "text" };
		const verbosity = request.text?.verbosity;
		return {
			id,
			object: "response",
			created_at: createdAt,
			completed_at: state.completedAt ?? null,
			status: state.status,
			incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
			model: request.model,
			previous_response_id: null,
			instructions: request.instructions ?? null,
			output: [...output],
			error: state.error ?? null,
			tools: request.tools ?? [],
			tool_choice: request.tool_choice ?? "auto",
			truncation: request.truncation ?? "disabled",
			parallel_tool_calls: request.parallel_tool_calls ?? true,
			text: verbosity ? { format, verbosity } : { format },
			top_p: request.top_p ?? 1,
			presence_penalty: 0,
			frequency_penalty: 0,
			top_logprobs: 0,
			temperature: request.temperature ?? 1,
			reasoning: request.reasoning
				? { effort: request.reasoning.effort ?? null, summary: request.reasoning.summary ?? null }
				: null,
			usage: state.usage,
			max_output_tokens: request.max_output_tokens ?? null,
			max_tool_calls: request.max_tool_calls ?? null,
			store: false,
			background: false,
			service_tier: "default",
			metadata: request.metadata ?? {},
			safety_identifier: request.safety_identifier ?? null,
			prompt_cache_key: request.prompt_cache_key ?? null,
		};
	}

	function finished(): Record<string, unknown> {
		const { finishReason, completedAt } = end as NonNullable<typeof end>;
		const incomplete = incompleteReasonOf(finishReason);
		return response({
			// A cut answer still ends in `response.completed` (Codex keeps the turn; `response.incomplete` makes it
			// retry), and the object says what happened.
			status: incomplete ? "incomplete" : "completed",
			completedAt,
			incomplete,
			usage: usageObject(),
		});
	}

	function done(item: Item, index: number): SseEvent {
		output.push(item);
		return event("response.output_item.done", { output_index: index, item });
	}

	function startItem(kind: OpenItem["kind"]): SseEvent[] {
		const item: OpenItem = { kind, id: newId(kind === "thinking" ? "rs_" : "msg_"), index: nextIndex++, text: "" };
		open = item;
		const at = { item_id: item.id, output_index: item.index };
		if (kind === "thinking") {
			return [
				event("response.output_item.added", {
					output_index: item.index,
					item: { id: item.id, type: "reasoning", summary: [] },
				}),
				event("response.reasoning_summary_part.added", {
					...at,
					summary_index: 0,
					part: { type: "summary_text", text: "" },
				}),
			];
		}
		return [
			event("response.output_item.added", {
				output_index: item.index,
				item: { id: item.id, type: "message", status: "in_progress", role: "assistant", content: [] },
			}),
			event("response.content_part.added", { ...at, content_index: 0, part: outputText("") }),
		];
	}

	function delta(item: OpenItem, text: string): SseEvent {
		item.text += text;
		outputChars += text.length;
		const at = { item_id: item.id, output_index: item.index };
		return item.kind === "thinking"
			? event("response.reasoning_summary_text.delta", { ...at, summary_index: 0, delta: text })
			: event("response.output_text.delta", { ...at, content_index: 0, delta: text, logprobs: [] });
	}

	function stopItem(item: OpenItem): SseEvent[] {
		open = undefined;
		const at = { item_id: item.id, output_index: item.index };
		const { text } = item;
		if (item.kind === "thinking") {
			const summary = { type: "summary_text", text };
			return [
				event("response.reasoning_summary_text.done", { ...at, summary_index: 0, text }),
				event("response.reasoning_summary_part.done", { ...at, summary_index: 0, part: summary }),
				// The plain text again as `encrypted_content`, Ollama's round trip: Codex sends it back next turn.
				done({ id: item.id, type: "reasoning", summary: [summary], encrypted_content: text }, item.index),
			];
		}
		return [
			event("response.output_text.done", { ...at, content_index: 0, text, logprobs: [] }),
			event("response.content_part.done", { ...at, content_index: 0, part: outputText(text) }),
			done(
				{ id: item.id, type: "message", status: "completed", role: "assistant", content: [outputText(text)] },
				item.index,
			),
		];
	}

	function toolCall(call: FinishedCall): SseEvent[] {
		const index = nextIndex++;
		const origin = toolOrigin(names, call.name);
		outputChars += call.name.length + call.arguments.length;
		const item = (status: string, args: string): Item => ({
			id: itemId,
			type: "function_call",
			status,
			call_id: callId,
			name: origin.name,
			...(origin.namespace !== undefined && { namespace: origin.namespace }),
			arguments: args,
		});
		const itemId = newId("fc_");
		// Codex keys its history on call ids: a missing one must be unique, not a per-turn counter.
		const callId = call.id || newId("call_");
		const at = { item_id: itemId, output_index: index };
		return [
			event("response.output_item.added", { output_index: index, item: item("in_progress", "") }),
			event("response.function_call_arguments.delta", { ...at, delta: call.arguments }),
			event("response.function_call_arguments.done", { ...at, arguments: call.arguments, name: origin.name }),
			done(item("completed", call.arguments), index),
		];
	}

	function render(events: readonly BlockEvent[]): SseEvent[] {
		const out: SseEvent[] = [];
		for (const block of events) {
			switch (block.type) {
				case "start":
					out.push(...startItem(block.kind));
					break;
				case "delta":
					out.push(delta(open as OpenItem, block.text));
					break;
				case "stop":
					out.push(...stopItem(open as OpenItem));
					break;
				case "tool":
					out.push(...toolCall(block.call));
					break;
				case "end":
					end = { finishReason: block.finishReason, usage: block.usage, completedAt: options.now() };
					break;
			}
		}
		return out;
	}

	return {
		start() {
			const initial = response({ status: "in_progress", usage: null });
			return [event("response.created", { response: initial }), event("response.in_progress", { response: initial })];
		},
		keepalive() {
			return [event("response.in_progress", { response: response({ status: "in_progress", usage: null }) })];
		},
		push(piece: Piece) {
			return render(blocks.push(piece));
		},
		finish() {
			const events = render(blocks.finish());
			const response = finished();
			const terminal =
				options.strictIncomplete && response.status === "incomplete" ? "response.incomplete" : "response.completed";
			events.push(event(terminal, { response }));
			return events;
		},
		fail(error: ProxyError) {
			return [
				event("response.failed", {
					response: response({
						status: "failed",
						error: failureOf(error),
						usage: end?.usage.reported ? usageObject() : null,
					}),
				}),
			];
		},
		whole: finished,
		usage() {
			const { promptTokens, completionTokens } = usage();
			return { promptTokens, completionTokens };
		},
	};
}
