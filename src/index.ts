/** `ollama-proxy`: read the configuration, start the server, stop cleanly on SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startServer } from "./server.ts";

// How long in-flight streams may take to finish after a stop signal before they are cut.
const DRAIN_MS = 10_000;

function main() {
	let config: ReturnType<typeof loadConfig>;
	try {
		config = loadConfig(process.env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		process.stderr.write(`ollama-proxy: ${error.message}\n`);
		process.exit(1);
	}
	const log = createLogger(config.LOG_LEVEL);
	let app: ReturnType<typeof startServer>;
	try {
		app = startServer(config, log);
	} catch (error) {
		const code = (error as { code?: string }).code;
		const reason = code === "EADDRINUSE" ? `port ${config.PORT} is already in use` : (error as Error).message;
		process.stderr.write(`ollama-proxy: cannot listen on ${config.HOST}:${config.PORT}: ${reason}\n`);
		process.exit(1);
	}
	// As PID 1 in a container, a process without handlers ignores SIGTERM.
	const stop = async (signal: string) => {
		log.info({ signal }, "stopping: draining in-flight requests");
		const force = setTimeout(() => app.stop(true), DRAIN_MS);
		await app.stop();
		clearTimeout(force);
		process.exit(0);
	};
	process.once("SIGTERM", () => void stop("SIGTERM"));
	process.once("SIGINT", () => void stop("SIGINT"));
}

main();
