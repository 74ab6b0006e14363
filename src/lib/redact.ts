/** Removes secrets from text that may reach a log line or a client, such as an upstream error that quotes the key. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
	let out = text;
	for (const secret of secrets) {
		// Short values would blank out ordinary words; real API keys are long.
		if (secret && secret.length >= 8) out = out.split(secret).join("[redacted]");
	}
	return out;
}
