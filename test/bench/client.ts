/**
 * The load client: the three arms' requests, and a cheap scan of response bytes for the mock's in-band tokens
 * (`~t<µs>`), so that counting tokens and timing chunks needs no JSON parsing or text decoding in the hot path.
 */

export type Arm = "direct" | "passthrough" | "proxy";
export const ARMS: readonly Arm[] = ["direct", "passthrough", "proxy"];

export type Target = { arm: Arm; url: string; body: string };
export type Origins = Record<Arm, string>;

const MESSAGES = [{ role: "user", content: "Say something." }];
const OPENAI_BODY = JSON.stringify({
	model: "bench-model",
	messages: MESSAGES,
	stream: true,
	stream_options: { include_usage: true },
});

/** Direct and pass-through always speak OpenAI streaming (the proxy always streams upstream too); the proxy arm speaks Ollama. */
export function targetFor(arm: Arm, origins: Origins, stream: boolean): Target {
	if (arm === "proxy") {
		return {
			arm,
			url: `${origins.proxy}/api/chat`,
			body: JSON.stringify({ model: "bench-model", messages: MESSAGES, stream }),
		};
	}
	return { arm, url: `${origins[arm]}/v1/chat/completions`, body: OPENAI_BODY };
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

const post = (target: Target, signal: AbortSignal) =>
	fetch(target.url, { method: "POST", headers: { "content-type": "application/json" }, body: target.body, signal });

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
	let last = start;
	let maxGapMs = 0;
	try {
		const response = await post(target, signal);
		if (response.status !== 200 || !response.body) {
			await response.arrayBuffer().catch(() => undefined);
			return { ok: false, error: `status ${response.status}`, tokens: 0, ttftMs, maxGapMs, totalMs: 0 };
		}
		const reader = response.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			const now = performance.now();
			recvUs = (performance.timeOrigin + now) * 1000;
			const before = scanner.count;
			scanner.feed(value);
			if (scanner.count === before) continue;
			if (before === 0) ttftMs = now - start;
			if (now - last > maxGapMs) maxGapMs = now - last;
			last = now;
			if (options.abortAfterFirst) {
				leave.abort();
				return { ok: true, tokens: scanner.count, ttftMs, maxGapMs, totalMs: now - start };
			}
		}
		const totalMs = performance.now() - start;
		const ok = scanner.count === options.expectTokens;
		return { ok, ...(!ok && { error: `${scanner.count} tokens` }), tokens: scanner.count, ttftMs, maxGapMs, totalMs };
	} catch (error) {
		const message = error instanceof Error ? error.name : String(error);
		return { ok: false, error: message, tokens: scanner.count, ttftMs, maxGapMs, totalMs: performance.now() - start };
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
