/**
 * Admission of one client request by its key's limits, once, before its first upstream call: the reservation is
 * its prompt's estimate plus its token limit (limits/reservation.ts), the key is the inbound key's name (or
 * `anonymous`), and usage counts it under the model name the client asked for. A refusal is a 429 in the route's
 * own shape; an admission returns the ticket that settles the request when it ends (limit-ticket.ts).
 *
 * The limits get their own request id, never the client's `x-request-id`: a client that sent the same id twice
 * would otherwise share one concurrency lease and have its second answer's settle taken for a repeat.
 */
import { ANONYMOUS, usageModelName } from "../limits/key-limits.ts";
import { refusalError } from "../limits/refusal-error.ts";
import { promptEstimate, reserveTokens } from "../limits/reservation.ts";
import type { AppDeps } from "./deps.ts";
import { LimitTicket } from "./limit-ticket.ts";

// Unique across processes (Redis shares settled ids between replicas) without a random draw per request.
const ID_PREFIX = `${crypto.randomUUID()}-`;
let sequence = 0;

export async function admitRequest(deps: AppDeps, request: Request, model: string): Promise<LimitTicket> {
	const record = deps.requests.recordOf(request);
	const keyName = record.keyName ?? ANONYMOUS;
	const bytes = record.bodyBytes ?? 0;
	const reservedTokens = reserveTokens(bytes, record.maxTokens);
	const input = {
		keyName,
		model: usageModelName(model),
		requestId: ID_PREFIX + (++sequence).toString(36),
		reservedTokens,
		promptEstimate: promptEstimate(bytes),
	};
	const { store, policy } = deps.limits;
	const limits = policy.limitsOf(keyName);
	const result = await store.admit({ ...input, limits, reserveTokens: reservedTokens });
	if (!result.ok) {
		deps.metrics.keyRefused(keyName, result.refusal.limit);
		throw refusalError(result.refusal);
	}
	deps.metrics.keyAdmitted(keyName);
	const ticket = new LimitTicket(store, input, {
		charged: deps.metrics.keyCharged,
		signal: request.signal,
		leased: limits.concurrent !== undefined,
	});
	record.onEnd = ticket.requestEnded;
	return ticket;
}
