/**
 * The configuration file's JSON Schema, generated from the zod schema so the two never drift. `bun run
 * config-schema` writes it to `deploy/config.schema.json`; YAML editors pick it up through
 * `# yaml-language-server: $schema=...` or the file's `$schema` key.
 */
import { z } from "zod";
import { FileConfig } from "./file.ts";

export function configJsonSchema(): string {
	const schema = z.toJSONSchema(FileConfig, { io: "input", target: "draft-2020-12" });
	return `${JSON.stringify({ ...schema, title: "ollama-proxy configuration" }, null, "\t")}\n`;
}

if (import.meta.main) {
	await Bun.write(new URL("../../deploy/config.schema.json", import.meta.url), configJsonSchema());
}
