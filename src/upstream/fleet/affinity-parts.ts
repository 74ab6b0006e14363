/**
 * The stable prefix of a conversation, which affinity hashes so that every turn lands on the replica holding its
 * prompt cache: the system text and the first user message. Agents resend the whole history each turn, so these
 * never change within a conversation. Read from the body the replica is sent, whatever its API: chat completions
 * (`messages`), Anthropic Messages (`system`, `messages`), the Responses API (`instructions`, `input`) and Ollama's
 * own chat and generate bodies (`messages`, or `system` and `prompt`).
 */

type Body = Record<string, unknown>;

const textOf = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value ?? null));

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const roleOf = (message: unknown) => (message as { role?: unknown } | null)?.role;
const contentOf = (message: unknown) => (message as { content?: unknown } | null)?.content;

function fromMessages(messages: unknown[], system: unknown): string[] {
	const systemText =
		system !== undefined
			? textOf(system)
			: messages
					.filter((m) => roleOf(m) === "system" || roleOf(m) === "developer")
					.map((m) => textOf(contentOf(m)))
					.join("\n");
	const firstUser = messages.find((m) => roleOf(m) === "user");
	return [systemText, firstUser === undefined ? "" : textOf(contentOf(firstUser))];
}

/** The parts a body's conversation is known by, or undefined when it has none to keep (embeddings, uploads). */
export function affinityParts(body: Body): string[] | undefined {
	if (Array.isArray(body.messages)) return fromMessages(body.messages, body.system);
	if (body.input !== undefined) {
		const first = typeof body.input === "string" ? body.input : asArray(body.input)[0];
		return [textOf(body.instructions ?? ""), textOf(first)];
	}
	if (typeof body.prompt === "string") return [textOf(body.system ?? ""), body.prompt];
	return undefined;
}
