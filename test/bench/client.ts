/**
 * The load client: the arms' requests, and a cheap scan of response bytes for the mock's in-band tokens
 * (`~t<µs>`), so that counting tokens and timing chunks needs no JSON parsing or text decoding in the hot path.
 */

export type Arm = "direct" | "passthrough" | "proxy" | "binary";
/** Every arm in the order the report shows them; a run uses `binary` only with `--binary`. */
export const ALL_ARMS: readonly Arm[] = ["direct", "passthrough", "proxy", "binary"];
/** The arms that are the product: `bun src/index.ts` and the compiled binary. */
export type Product = "proxy" | "binary";
export const isProduct = (arm: Arm): arm is Product => arm === "proxy" || arm === "binary";

/** `headers`: sent besides the content type, e.g. the inbound key of a proxy started with `keys:`. */
export type Target = { arm: Arm; url: string; body: string; headers?: Record<string, string> };
export type Origins = Partial<Record<Arm, string>>;

const MESSAGES = [{ role: "user", content: "Say something." }];
const openaiBody = (stream: boolean) =>
	JSON.stringify({
		model: "bench-model",
		messages: MESSAGES,
		stream,
		...(stream && { stream_options: { include_usage: true } }),
	});
const OPENAI_STREAM = openaiBody(true);
const OPENAI_WHOLE = openaiBody(false);

/** Direct and pass-through speak OpenAI, the product arms speak Ollama; all ask for the same stream or whole answer. */
export function targetFor(arm: Arm, origins: Origins, stream: boolean): Target {
	const origin = origins[arm];
	if (!origin) throw new Error(`the ${arm} arm is not running`);
	if (isProduct(arm)) {
		return {
			arm,
			url: `${origin}/api/chat`,
			body: JSON.stringify({ model: "bench-model", messages: MESSAGES, stream }),
		};
	}
	return { arm, url: `${origin}/v1/chat/completions`, body: stream ? OPENAI_STREAM : OPENAI_WHOLE };
}

export const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

const TILDE = 0x7e;
const T = 0x74;

/** Finds `~t<digits>` across reads; calls back with the stamp (µs) of each token. */
export class TokenScanner {
	count = 0;
	private state: 0 | 1 | 2 = 0; // 0: looking for '~', 1: after '~', 2: in the digits
	private stamp = 0;

	constructor(private readonly onToken?: (stampUs: number) => void) {}

	feed(bytes: Uint8Array): void {
		let i = 0;
		const n = bytes.length;
		while (i < n) {
			if (this.state === 0) {
				const at = bytes.indexOf(TILDE, i);
				if (at < 0) return;
				this.state = 1;
				i = at + 1;
				continue;
			}
			const b = bytes[i] as number;
			if (this.state === 1) {
				this.state = b === T ? 2 : 0;
				this.stamp = 0;
				if (b === T) i++;
				continue;
			}
			if (b >= 48 && b <= 57) {
				this.stamp = this.stamp * 10 + (b - 48);
				i++;
				continue;
			}
			this.state = 0;
			this.count++;
			this.onToken?.(this.stamp);
		}
	}
}

/** The text of a line if it carries content: Ollama's NDJSON `message.content` or an OpenAI SSE `delta.content`. */
function lineContent(line: string, ollama: boolean): string {
	if (ollama) {
		const parsed = JSON.parse(line) as { message?: { content?: string } };
		return parsed.message?.content ?? "";
	}
	if (!line.startsWith("data: ") || line === "data: [DONE]") return "";
	const parsed = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string | null } }[] };
	return parsed.choices?.[0]?.delta?.content ?? "";
}

/**
 * Watches a response for its first line (NDJSON for the product arms, an SSE `data:` line for the others) whose
 * content is not empty: the first token as a client's parser sees it, not just the first bytes.
 */
export class FirstContent {
	found = false;
	private pending = "";
	private readonly decoder = new TextDecoder();

	constructor(private readonly ollama: boolean) {}

	/** Whether this read completed the first line with content. */
	feed(bytes: Uint8Array): boolean {
		if (this.found) return false;
		this.pending += this.decoder.decode(bytes, { stream: true });
		let newline = this.pending.indexOf("\n");
		while (newline >= 0) {
			const line = this.pending.slice(0, newline).trim();
			this.pending = this.pending.slice(newline + 1);
			if (line !== "" && lineContent(line, this.ollama) !== "") {
				this.found = true;
				return true;
			}
			newline = this.pending.indexOf("\n");
		}
		return false;
	}
}

const post = (target: Target, signal: AbortSignal) =>
	fetch(target.url, {
		method: "POST",
		headers: { "content-type": "application/json", ...target.headers },
		body: target.body,
		signal,
	});

export type OneShot = { ok: boolean; ms: number; tokens: number };

/** One whole request: the response read to its end. */
export async function oneShot(target: Target, expectTokens: number, timeoutMs = 10_000): Promise<OneShot> {
	const start = performance.now();
	try {
		const response = await post(target, AbortSignal.timeout(timeoutMs));
		const bytes = new Uint8Array(await response.arrayBuffer());
		const ms = performance.now() - start;
		const scanner = new TokenScanner();
		scanner.feed(bytes);
		return { ok: response.status === 200 && scanner.count === expectTokens, ms, tokens: scanner.count };
	} catch {
		return { ok: false, ms: performance.now() - start, tokens: 0 };
	}
}

export type StreamResult = {
	ok: boolean;
	error?: string;
	tokens: number;
	/** Request sent → first content token read. */
	ttftMs: number;
	/** Request sent → the read that completed the first line with non-empty content (with `firstLine`). */
	firstLineMs: number;
	/** The longest wait between two reads that carried tokens (first token included, measured from the send). */
	maxGapMs: number;
	totalMs: number;
};

export type StreamOptions = {
	expectTokens: number;
	timeoutMs: number;
	/** Per token: one-way latency mock → client in µs (includes a constant clock offset). */
	onLatency?: (us: number) => void;
	/** Abort the request right after the first token arrives, as a client that goes away. */
	abortAfterFirst?: boolean;
	/** Also time the first line with non-empty content, parsed as the arm's dialect. */
	firstLine?: boolean;
};

/** One streamed request, read chunk by chunk. */
export async function streamOnce(target: Target, options: StreamOptions): Promise<StreamResult> {
	const start = performance.now();
	const leave = new AbortController();
	const signal = AbortSignal.any([leave.signal, AbortSignal.timeout(options.timeoutMs)]);
	let recvUs = 0;
	const onLatency = options.onLatency;
	const scanner = new TokenScanner(onLatency && ((stampUs) => onLatency(recvUs - stampUs)));
	let ttftMs = Number.NaN;
	let firstLineMs = Number.NaN;
	const watcher = options.firstLine ? new FirstContent(isProduct(target.arm)) : undefined;
	let last = start;
	let maxGapMs = 0;
	try {
		const response = await post(target, signal);
		if (response.status !== 200 || !response.body) {
			await response.arrayBuffer().catch(() => undefined);
			const error = `status ${response.status}`;
			return { ok: false, error, tokens: 0, ttftMs, firstLineMs, maxGapMs, totalMs: 0 };
		}
		const reader = response.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			const now = performance.now();
			recvUs = (performance.timeOrigin + now) * 1000;
			if (watcher?.feed(value)) firstLineMs = now - start;
			const before = scanner.count;
			scanner.feed(value);
			if (scanner.count === before) continue;
			if (before === 0) ttftMs = now - start;
			if (now - last > maxGapMs) maxGapMs = now - last;
			last = now;
			if (options.abortAfterFirst) {
				leave.abort();
				return { ok: true, tokens: scanner.count, ttftMs, firstLineMs, maxGapMs, totalMs: now - start };
			}
		}
		const totalMs = performance.now() - start;
		const ok = scanner.count === options.expectTokens && (!watcher || watcher.found);
		const error = scanner.count === options.expectTokens ? "no line with content" : `${scanner.count} tokens`;
		return { ok, ...(!ok && { error }), tokens: scanner.count, ttftMs, firstLineMs, maxGapMs, totalMs };
	} catch (error) {
		const message = error instanceof Error ? error.name : String(error);
		const totalMs = performance.now() - start;
		return { ok: false, error: message, tokens: scanner.count, ttftMs, firstLineMs, maxGapMs, totalMs };
	}
}

export type LoopResult = { requests: number; errors: number; seconds: number; latenciesMs: number[] };

/** Closed loop: `concurrency` workers send back-to-back requests until the deadline (each bounded by a timeout). */
export async function closedLoop(
	target: Target,
	concurrency: number,
	durationMs: number,
	expectTokens: number,
): Promise<LoopResult> {
	const latenciesMs: number[] = [];
	let errors = 0;
	const start = performance.now();
	const deadline = start + durationMs;
	const worker = async () => {
		while (performance.now() < deadline) {
			const result = await oneShot(target, expectTokens, 5_000);
			if (result.ok) latenciesMs.push(result.ms);
			else errors++;
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	const seconds = (performance.now() - start) / 1000;
	return { requests: latenciesMs.length, errors, seconds, latenciesMs };
}
