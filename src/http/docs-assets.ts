/**
 * The API-reference UI's script, served by the proxy itself so `/swagger` works on networks that cannot reach a
 * public CDN. It is embedded in the compiled binary at build time, and loaded into memory on first use only: it
 * weighs about 5 MB, which a proxy that nobody browses should not carry.
 */
export const DOCS_SCRIPT_PATH = "/swagger/assets/api-reference.js";

let script: Promise<string> | undefined;

export async function docsScript(): Promise<Response> {
	// Not an exported path of the package: it is read as a file, which is what embedding needs.
	script ??= import("../../node_modules/@scalar/api-reference/dist/browser/standalone.js", {
		with: { type: "text" },
	}).then(
		(module) => module.default,
		(error: unknown) => {
			script = undefined; // try again on the next request rather than failing forever
			throw error;
		},
	);
	return new Response(await script, {
		headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" },
	});
}
