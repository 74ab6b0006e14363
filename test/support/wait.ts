/** Small helpers for tests that wait on another process or on something that happens after a response. */

/** Polls `check` (sync or async) until it holds or `ms` pass; returns whether it held. */
export async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
	const deadline = Date.now() + ms;
	while (!(await check()) && Date.now() < deadline) await Bun.sleep(5);
	return check();
}

/** A loopback port the OS considers free right now. */
export function freePort(): number {
	const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
	const port = probe.port as number;
	probe.stop(true);
	return port;
}
