/**
 * The API-reference UI's script, served by the proxy itself so `/swagger` works on networks that cannot reach a
 * public CDN. The import embeds the file in the compiled binary at build time.
 */
// Not an exported path of the package: it is read as a file, which is what embedding needs.
import script from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "text" };

export const DOCS_SCRIPT_PATH = "/swagger/assets/api-reference.js";

export function docsScript(): Response {
	return new Response(script, {
		headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" },
	});
}
