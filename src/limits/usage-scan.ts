/**
 * Finds the usage an upstream reports in an answer relayed as bytes, without parsing it: the last value of each
 * usage field seen in the text (OpenAI's `prompt_tokens`/`completion_tokens`, Anthropic's and the Responses API's
 * `input_tokens`/`output_tokens`, a real Ollama's `prompt_eval_count`/`eval_count`), and how many `"delta"` keys went
 * by (one per content delta in every SSE dialect), for a stream cut before its usage. A field name inside generated
 * text is escaped (`\"input_tokens\"`) and never matches. The last 64 characters are kept across chunks, so that a
 * field split between two chunks is still seen; the last match wins, so a number cut short is corrected by the next.
 */

const FIELDS =
	/"(prompt_tokens|completion_tokens|input_tokens|output_tokens|prompt_eval_count|eval_count)"\s*:\s*(\d+)/g;
const DELTA = /"delta"\s*:/g;
const CARRY = 64;

const PROMPT = new Set(["prompt_tokens", "input_tokens", "prompt_eval_count"]);

export class UsageScan {
	prompt: number | undefined;
	completion: number | undefined;
	deltas = 0;
	readonly #decoder = new TextDecoder();
	#carry = "";

	push(bytes: Uint8Array): void {
		this.#scan(this.#decoder.decode(bytes, { stream: true }));
	}

	#scan(text: string): void {
		const window = this.#carry + text;
		for (const [, field, value] of window.matchAll(FIELDS)) {
			if (PROMPT.has(field as string)) this.prompt = Number(value);
			else this.completion = Number(value);
		}
		// The deltas wholly inside the carry were counted with the previous chunk.
		this.deltas += count(window, DELTA) - count(this.#carry, DELTA);
		this.#carry = window.slice(-CARRY);
	}
}

function count(text: string, pattern: RegExp): number {
	let n = 0;
	for (const _ of text.matchAll(pattern)) n++;
	return n;
}
