/**
 * `bun run bytecode-order`: records which functions the compiled binary runs from its start until it listens, into
 * `.ci/serve.order`, the profile the build scripts pass to `--bytecode-order`. Bun lays the bytecode of those
 * functions out together at the front of the binary's code, so a server that waits for its first request has read
 * (and keeps resident) less of itself: about 3 MB of its idle RSS. Only the layout changes, never what runs.
 *
 * Functions are matched by a hash of their syntax, so an old profile keeps working as the code changes: a function
 * changed since the recording is placed right after the recorded ones. Record again after larger changes to what
 * runs at start.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const profile = join(root, ".ci", "serve.order");

function build() {
	const proc = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdout: "inherit", stderr: "inherit" });
	if (proc.exitCode !== 0) throw new Error("bun run build failed");
}

build();
// The default serve, as `ollama-proxy` with only a key starts: the profile is written when the process exits.
const server = Bun.spawn([join(root, "ollama-proxy")], {
	cwd: root,
	env: { PORT: "0", OPENAI_API_KEY: "unset", BUN_BYTECODE_ORDER_OUT: profile },
	stdout: "pipe",
	stderr: "inherit",
});
let log = "";
const decoder = new TextDecoder();
// Read on after the listening line: the server logs its stop too, and a closed pipe would fail that write.
const reader = server.stdout.getReader();
while (!log.includes('"msg":"ollama-proxy listening"')) {
	const { value, done } = await reader.read();
	if (done) throw new Error(`the server stopped before it listened:\n${log}`);
	log += decoder.decode(value, { stream: true });
}
// Its signal handlers are in place once it has answered: a SIGTERM sooner could end it before it writes the profile.
const port = JSON.parse(log.trim().split("\n").at(-1) as string).port;
if (!(await fetch(`http://127.0.0.1:${port}/health`)).ok) throw new Error("the server does not answer /health");
server.kill("SIGTERM");
for (let part = await reader.read(); !part.done; part = await reader.read()) log += decoder.decode(part.value);
if ((await server.exited) !== 0) throw new Error(`the server did not stop cleanly:\n${log}`);
// The binary on disk is laid out with the profile it was built with; build it again with the new one.
build();
process.stdout.write(`recorded ${profile}\n`);
