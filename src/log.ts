/**
 * pino JSON logs to stdout. Transports (pino-pretty) are left out on purpose: they crash a compiled binary at
 * start-up; pipe through `pino-pretty` instead. Header paths that can hold a key are redacted as a second line of
 * defence: request bodies and headers are never logged in the first place.
 */
import pino, { type Logger } from "pino";

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
	return pino(
		{
			level,
			base: undefined,
			redact: {
				paths: ["*.authorization", "*.Authorization", "*.apiKey", "*.api_key", "*['x-api-key']"],
				censor: "[redacted]",
			},
		},
		destination,
	);
}
