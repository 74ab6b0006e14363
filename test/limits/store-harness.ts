/** The shared spec's harness: a store under test, a fresh key name, and short ways to admit, settle and move time. */
import type { AdmitResult, KeyLimits, LimitStore, Refusal } from "../../src/limits/types.ts";

export type StoreUnderTest = {
	store: LimitStore;
	clock: { now: number };
	/** Waits for background work (the Redis store's settles). */
	flush(): Promise<void>;
};

export type StoreFactory = (startMs: number) => Promise<StoreUnderTest>;

export const T0 = Date.parse("2025-03-10T12:00:00Z");
export const SECOND = 1000;

export function harness(sut: StoreUnderTest) {
	const key = `key-${crypto.randomUUID()}`;
	let seq = 0;
	return {
		key,
		...sut,
		admit(limits: KeyLimits, reserve = 0, options: { id?: string; model?: string; keyName?: string } = {}) {
			const requestId = options.id ?? `req-${++seq}`;
			return sut.store.admit({
				keyName: options.keyName ?? key,
				model: options.model ?? "m",
				limits,
				requestId,
				reserveTokens: reserve,
			});
		},
		async settle(
			id: string,
			reserved: number,
			prompt: number,
			completion: number,
			extra: { error?: boolean; model?: string } = {},
		) {
			await sut.store.settle({
				keyName: key,
				model: extra.model ?? "m",
				requestId: id,
				reservedTokens: reserved,
				promptTokens: prompt,
				completionTokens: completion,
				error: extra.error ?? false,
			});
			await sut.flush();
		},
		advance(ms: number) {
			sut.clock.now += ms;
		},
	};
}

export function refused(result: AdmitResult): Refusal {
	if (result.ok) throw new Error("expected a refusal, got an admission");
	return result.refusal;
}

export async function count(results: Promise<AdmitResult>[]): Promise<number> {
	return (await Promise.all(results)).filter((r) => r.ok).length;
}
