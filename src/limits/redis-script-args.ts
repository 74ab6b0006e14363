/**
 * The KEYS and ARGV of each script call, in the order redis-scripts.ts documents: kept beside nothing else, so that
 * a change to a script's interface has one place to change here.
 */
import { dayName, dayNumber } from "./calendar.ts";
import { keyLayout, settledKey, usageKey, usageMember } from "./redis-keys.ts";
import type { AdmitInput, SettleInput } from "./types.ts";

export type ScriptCall = { keys: string[]; args: string[] };

export type CallContext = {
	/** ms since the epoch as the scripts' clock, or undefined to let them read Redis TIME. */
	time: number | undefined;
	/** The caller's clock, for the usage day. */
	now: number;
	leaseTtlMs: number;
	settledTtlMs: number;
	usageRetentionDays: number;
};

const optional = (value: number | undefined) => (value === undefined ? "" : String(value));
const timeArg = (ctx: CallContext) => optional(ctx.time === undefined ? undefined : Math.floor(ctx.time));

function usageArgs(keyName: string, model: string, ctx: CallContext) {
	const day = dayName(ctx.now);
	return {
		hash: usageKey(keyName, model, day),
		score: String(dayNumber(ctx.now)),
		member: usageMember(day, model),
		retention: String(ctx.usageRetentionDays),
	};
}

export function admitCall(input: AdmitInput, ctx: CallContext): ScriptCall {
	const { keyName, model, limits } = input;
	const k = keyLayout(keyName);
	const usage = usageArgs(keyName, model, ctx);
	return {
		keys: [k.rate, k.bucket, k.day, k.month, k.leases, usage.hash, k.usageIndex],
		args: [
			timeArg(ctx),
			input.requestId,
			optional(limits.requests_per_minute),
			optional(limits.tokens_per_minute),
			optional(limits.concurrent),
			optional(limits.tokens_per_day),
			optional(limits.tokens_per_month),
			String(input.reserveTokens),
			String(ctx.leaseTtlMs),
			usage.score,
			usage.member,
			usage.retention,
		],
	};
}

/** `countRequest`: the fallback admitted it, so Redis counts the request at its settle. */
export function settleCall(input: SettleInput & { countRequest: boolean }, ctx: CallContext): ScriptCall {
	const { keyName, model, requestId } = input;
	const k = keyLayout(keyName);
	const usage = usageArgs(keyName, model, ctx);
	return {
		keys: [settledKey(keyName, requestId), k.bucket, k.day, k.month, k.leases, usage.hash, k.usageIndex],
		args: [
			timeArg(ctx),
			requestId,
			String(input.promptTokens + input.completionTokens - input.reservedTokens),
			String(input.promptTokens),
			String(input.completionTokens),
			input.error ? "1" : "0",
			String(ctx.settledTtlMs),
			usage.score,
			usage.member,
			usage.retention,
			input.countRequest ? "1" : "0",
		],
	};
}

export function renewCall(keyName: string, requestId: string, ctx: CallContext): ScriptCall {
	return { keys: [keyLayout(keyName).leases], args: [timeArg(ctx), requestId, String(ctx.leaseTtlMs)] };
}
