/**
 * The API docs in a real browser with no way out to the internet: headless Chromium opens `/swagger` on a running
 * proxy, every request to anything but the proxy is refused, and the page must still list `/api/chat`. Run by
 * `.ci/run` (it needs Debian's `chromium`): `bun test/browser/swagger.e2e.ts`.
 */
import { chromium } from "playwright-core";
import { startProxy } from "../support/proxy.ts";
import { startTestUpstream } from "../support/upstream.ts";

const upstream = await startTestUpstream();
const proxy = await startProxy(upstream.url);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
	args: [
		"--no-sandbox",
		"--disable-gpu",
		"--disable-quic",
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
	],
});
const blocked: string[] = [];
let failure: string | undefined;
try {
	const context = await browser.newContext();
	// The air gap: only the proxy itself may be reached.
	await context.route("**/*", (route) => {
		const url = route.request().url();
		if (url.startsWith(proxy.url)) return route.continue();
		blocked.push(url);
		return route.abort("internetdisconnected");
	});
	const page = await context.newPage();
	// Scalar renders sections as they scroll into view; its deep link scrolls to the chat operation.
	await page.goto(`${proxy.url}/swagger#tag/inference/POST/api/chat`, { waitUntil: "load" });
	await page.getByText("/api/chat", { exact: true }).first().waitFor({ timeout: 20_000 });
	const text = (await page.locator("body").textContent()) ?? "";
	if (!text.includes("/api/chat")) failure = "the page does not list /api/chat";
} catch (error) {
	failure = (error as Error).message;
} finally {
	await browser.close();
	proxy.stop();
	upstream.stop();
}

if (blocked.length > 0)
	console.log(`blocked outside requests (the page worked without them):\n  ${blocked.join("\n  ")}`);
if (failure) {
	console.error(`swagger e2e: FAILED: ${failure}`);
	process.exit(1);
}
console.log("swagger e2e: /swagger lists /api/chat with the network to the outside blocked");
