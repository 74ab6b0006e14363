/**
 * One admitted request's hold on its key's limits, from admission to its last byte: it gathers what the upstream
 * reported or sent (usage, content deltas, a relayed body's end), renews the concurrency lease while the answer
 * runs, and settles exactly once when both the request's log line is written and every relayed body has ended.
 * The settle runs in the background: it never holds the answer, and a store that fails it fails only the count.
 *
 * Only what a request needs is set up: the renewal timer only for a key with a concurrency limit (the only limit
 * that holds a lease), and the client's abort is only listened to once a relayed body is open.
 */
import type { StreamSummary } from "../http/request-context.ts";
import { charge, endingOf, type Figures } from "../limits/settlement.ts";
import type { LimitStore } from "../limits/types.ts";
import type { UsageScan } from "../limits/usage-scan.ts";

export type TicketInput = {
	keyName: string;
	/** The model as usage counts it (the client's name). */
	model: string;
	/** The limits' own id, one per client request: retries and fallbacks share it. */
	requestId: string;
	reservedTokens: number;
	promptEstimate: number;
};

/** How a relayed body ended. */
export type BodyEnd = "complete" | "cut" | "aborted";

export type TicketOptions = {
	/** Told what the request was charged, once, when it settles. */
	charged?: (keyName: string, promptTokens: number, completionTokens: number) => void;
	/** The client's request signal: a relayed body the client never reads ends when the client leaves. */
	signal?: AbortSignal;
	/** The key has a concurrency limit: its lease is renewed while the answer runs. */
	leased?: boolean;
};

function ignore(): void {}

export class LimitTicket {
	readonly figures: Figures;
	readonly #store: LimitStore;
	readonly #input: TicketInput;
	readonly #options: TicketOptions;
	readonly #renewal: ReturnType<typeof setInterval> | undefined;
	#openBodies = 0;
	#listening = false;
	#cut = false;
	#aborted = false;
	#ended: ({ status: number } & Partial<StreamSummary>) | undefined;
	#settled = false;

	constructor(store: LimitStore, input: TicketInput, options: TicketOptions = {}) {
		this.#store = store;
		this.#input = input;
		this.#options = options;
		this.figures = { deltas: 0, promptEstimate: input.promptEstimate };
		if (options.leased) {
			// A long stream outlives its lease; a crashed process stops renewing and its lease expires on its own.
			this.#renewal = setInterval(() => void store.renew(input.keyName, input.requestId), store.renewIntervalMs);
			this.#renewal.unref?.();
		}
	}

	/** The upstream's stream broke off after it had started answering. */
	cut(): void {
		this.#cut = true;
	}

	bodyOpened(): void {
		this.#openBodies++;
		const signal = this.#options.signal;
		if (this.#listening || !signal) return;
		this.#listening = true;
		signal.addEventListener("abort", () => this.clientLeft(), { once: true });
	}

	/** A relayed body ended; its scan holds the usage found in its bytes. */
	bodyClosed(scan: UsageScan, end: BodyEnd): void {
		if (scan.prompt !== undefined) this.figures.reportedPrompt = scan.prompt;
		if (scan.completion !== undefined) this.figures.reportedCompletion = scan.completion;
		this.figures.deltas += scan.deltas;
		if (end === "cut") this.#cut = true;
		if (end === "aborted") this.#aborted = true;
		this.#openBodies--;
		this.#maybeSettle();
	}

	/** The client went away: a relayed body it never read will not end by itself. */
	clientLeft(): void {
		if (this.#openBodies === 0) return;
		this.#aborted = true;
		this.#openBodies = 0;
		this.#maybeSettle();
	}

	/** The request's log line was written (a stream's when it ended, a whole answer's after it was sent). */
	readonly requestEnded = (fields: { status: number } & Partial<StreamSummary>): void => {
		this.#ended = fields;
		this.#maybeSettle();
	};

	#maybeSettle(): void {
		const ended = this.#ended;
		if (this.#settled || !ended || this.#openBodies > 0) return;
		this.#settled = true;
		if (this.#renewal) clearInterval(this.#renewal);
		const aborted = this.#aborted || ended.aborted === true;
		const ending = endingOf(ended.status, aborted, this.#cut || ended.error !== undefined);
		const { promptTokens, completionTokens, error } = charge(this.figures, ending);
		const { keyName, model, requestId, reservedTokens } = this.#input;
		this.#options.charged?.(keyName, promptTokens, completionTokens);
		this.#store
			.settle({ keyName, model, requestId, reservedTokens, promptTokens, completionTokens, error, once: true })
			.catch(ignore);
	}
}
