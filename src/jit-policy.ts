/**
 * Start-up code (the schemas, the routes, the app) runs once; the JIT compiling it costs memory a server then keeps
 * while idle (about 4 MB of the binary's idle RSS) and time (about 30 ms of its start). Until the server listens,
 * JavaScriptCore's tier-up thresholds are scaled up so that code stays in the interpreter; `jitReady` sets them back.
 * Imported first by `src/index.ts`, so it runs before the other modules: that is the scale `bun src/index.ts` starts
 * with. The compiled binary starts with it from the first line (`--compile-jit-policy` in package.json's build
 * scripts, which must say the same number), which also covers what Bun itself runs before this module.
 */
export const STARTUP_JIT_SCALE = 1000;

Bun.unsafe.setJITPolicy(STARTUP_JIT_SCALE);

/** Back to JavaScriptCore's normal JIT policy, for the requests. */
export function jitReady() {
	Bun.unsafe.setJITPolicy(1);
}
