/**
 * The Upstream backed by the official openai SDK. The SDK's own retries are off (a proxy that retries inside a
 * client that retries multiplies load), and its timeout is replaced by a first-byte timer: a stream that keeps
 * producing is never cut, however long it runs.
 */
import OpenAI from "openai";
import { UpstreamModel, UpstreamModelList } from "../schemas/upstream-models.ts";
import type { CallScope, Upstream } from "./upstream.ts";
import { upstreamFailure } from "./upstream-errors.ts";

export type OpenAIUpstreamOptions = {
	baseURL: string;
	apiKey?: string;
	/** How long to wait for the upstream's first byte (headers and first chunk). */
	firstByteTimeoutMs: number;
};

// The SDK's timeout would also cap slow-but-alive requests; the first-byte timer below is the real limit.
const NO_SDK_TIMEOUT = 2_147_483_647;

export function openAIUpstream(options: OpenAIUpstreamOptions): Upstream {
	const client = new OpenAI({
		baseURL: options.baseURL,
		// The SDK refuses to start without a key; keyless local servers (vLLM, LM Studio) get no Authorization header.
		apiKey: options.apiKey || "unset",
		...(!options.apiKey && { defaultHeaders: { Authorization: null } }),
		maxRetries: 0,
		timeout: NO_SDK_TIMEOUT,
	});

	/** Runs `call` under a timer that aborts it when nothing arrives in time, linked to the client's signal. */
	function withFirstByteTimer(scope: CallScope) {
		const controller = new AbortController();
		const state = { timedOut: false };
		const abort = () => controller.abort();
		scope.signal.addEventListener("abort", abort, { once: true });
		const timer = setTimeout(() => {
			state.timedOut = true;
			controller.abort();
		}, options.firstByteTimeoutMs);
		const fail = (error: unknown) =>
			upstreamFailure(error, {
				modelName: scope.modelName,
				timedOut: state.timedOut,
				timeoutMs: options.firstByteTimeoutMs,
				apiKey: options.apiKey,
			});
		const settle = () => {
			clearTimeout(timer);
			scope.signal.removeEventListener("abort", abort);
		};
		return {
			signal: controller.signal,
			arrived: () => clearTimeout(timer),
			settle,
			fail,
		};
	}

	/**
	 * Starts a streaming call and waits for its first chunk under the first-byte timer; then relays every chunk.
	 * Errors before the first chunk reject here, so the route can still answer with a real status.
	 */
	async function firstChunkThen<T>(scope: CallScope, start: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>) {
		const timer = withFirstByteTimer(scope);
		let iterator: AsyncIterator<T>;
		let first: IteratorResult<T>;
		try {
			iterator = (await start(timer.signal))[Symbol.asyncIterator]();
			first = await iterator.next();
			timer.arrived();
		} catch (error) {
			timer.settle();
			throw timer.fail(error);
		}
		return (async function* relay() {
			try {
				if (first.done) return;
				yield first.value;
				for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
			} catch (error) {
				throw timer.fail(error);
			} finally {
				timer.settle();
				// Leaving early (the client went away) must close the upstream stream too.
				await iterator.return?.();
			}
		})();
	}

	return {
		async listModels(scope) {
			const timer = withFirstByteTimer(scope);
			try {
				const page = await client.models.list({ signal: timer.signal });
				const { data } = UpstreamModelList.parse(page);
				return data.flatMap((entry) => {
					const parsed = UpstreamModel.safeParse(entry);
					return parsed.success ? [parsed.data] : [];
				});
			} catch (error) {
				throw timer.fail(error);
			} finally {
				timer.settle();
			}
		},

		chat(params, scope) {
			return firstChunkThen(scope, (signal) => client.chat.completions.create(params, { signal }));
		},

		complete(params, scope) {
			return firstChunkThen(scope, (signal) => client.completions.create(params, { signal }));
		},

		async forward(path, body, scope) {
			const timer = withFirstByteTimer(scope);
			try {
				const response = await client
					.post(path, { body, signal: timer.signal, stream: body.stream === true })
					.asResponse();
				timer.arrived();
				return response;
			} catch (error) {
				throw timer.fail(error);
			} finally {
				timer.settle();
			}
		},

		async embed(params, scope) {
			const timer = withFirstByteTimer(scope);
			try {
				return await client.embeddings.create(params, { signal: timer.signal });
			} catch (error) {
				throw timer.fail(error);
			} finally {
				timer.settle();
			}
		},
	};
}
