/**
 * `bun run release`: the self-contained `ollama-proxy` for every platform it ships on, compiled with the `build`
 * script's own flags (read from package.json, so the two cannot drift), into `dist/` with a `SHA256SUMS` file that
 * `sha256sum -c` checks. Each file is checked to be an executable for its platform before it is listed.
 *
 * Bun cross-compiles by downloading the target's runtime once from the npm registry (`@oven/bun-<os>-<arch>`) into
 * its install cache, so a machine that reaches the registry can build every target.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

export const TARGETS = [
	"linux-x64",
	"linux-arm64",
	"linux-x64-musl",
	"darwin-arm64",
	"darwin-x64",
	"windows-x64",
] as const;
export type Target = (typeof TARGETS)[number];

export const outfileName = (target: Target) => `ollama-proxy-${target}${target.startsWith("windows") ? ".exe" : ""}`;

/** The `build` script's `bun build` arguments without its target and output file, which the release sets per target. */
export function compileArgs(buildScript: string): string[] {
	const words = buildScript.trim().split(/\s+/);
	const start = words.indexOf("build");
	if (start < 1 || words[start - 1] !== "bun")
		throw new Error(`the build script does not run bun build: ${buildScript}`);
	const args: string[] = [];
	for (let i = start + 1; i < words.length; i++) {
		const word = words[i] as string;
		if (word === "--outfile" || word === "--target") i++;
		else if (!word.startsWith("--outfile=") && !word.startsWith("--target=")) args.push(word);
	}
	return args;
}

/** The variables the `build` script sets before `bun build` (`NODE_ENV=production`). */
export function compileEnv(buildScript: string): Record<string, string> {
	const words = buildScript.trim().split(/\s+/);
	return Object.fromEntries(words.slice(0, words.indexOf("bun")).map((word) => word.split("=", 2) as [string, string]));
}

const ELF_MACHINES: Record<number, string> = { 62: "x64", 183: "arm64" };
const MACHO_CPUS: Record<number, string> = { 16777223: "x64", 16777228: "arm64" };
const PE_MACHINES: Record<number, string> = { 34404: "x64", 43620: "arm64" };

/** The platform an executable's header says it runs on, in the targets' own spelling, or undefined. */
export function executablePlatform(bytes: Uint8Array): string | undefined {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (bytes.length < 64) return undefined;
	if (view.getUint32(0) === 0x7f454c46) {
		const arch = ELF_MACHINES[view.getUint16(18, true)];
		// The program interpreter (PT_INTERP) names the C library: /lib/ld-musl-x86_64.so.1 against glibc's ld-linux.
		const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
		return arch && `linux-${arch}${head.includes("/ld-musl-") ? "-musl" : ""}`;
	}
	if (view.getUint32(0, true) === 0xfeedfacf) {
		const arch = MACHO_CPUS[view.getUint32(4, true)];
		return arch && `darwin-${arch}`;
	}
	if (view.getUint16(0) === 0x4d5a) {
		const pe = view.getUint32(0x3c, true);
		if (pe + 6 > bytes.length || view.getUint32(pe) !== 0x50450000) return undefined;
		const arch = PE_MACHINES[view.getUint16(pe + 4, true)];
		return arch && `windows-${arch}`;
	}
	return undefined;
}

/** A line of `sha256sum` output: the hex digest, two spaces (text mode, as GNU coreutils writes it), the name. */
export const sha256sumLine = (name: string, bytes: Uint8Array) =>
	`${createHash("sha256").update(bytes).digest("hex")}  ${name}\n`;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function release(root: string, out: string) {
	const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
	const build = pkg.scripts.build ?? "";
	const args = compileArgs(build);
	await rm(out, { recursive: true, force: true });
	await mkdir(out, { recursive: true });
	let sums = "";
	for (const target of TARGETS) {
		const name = outfileName(target);
		const started = performance.now();
		const proc = Bun.spawnSync(["bun", "build", ...args, `--target=bun-${target}`, "--outfile", join(out, name)], {
			cwd: root,
			env: { ...process.env, ...compileEnv(build) },
			stdout: "pipe",
			stderr: "pipe",
		});
		if (proc.exitCode !== 0) {
			process.stderr.write(`release: ${target} failed to build:\n${proc.stdout}${proc.stderr}`);
			process.exit(1);
		}
		// The source map is embedded in the executable (stack traces name src/ lines without it); the copy Bun
		// writes next to it is not shipped.
		await rm(join(out, `${name}.map`), { force: true });
		const bytes = new Uint8Array(await readFile(join(out, name)));
		const platform = executablePlatform(bytes);
		if (platform !== target) {
			process.stderr.write(`release: ${name} is an executable for ${platform ?? "no known platform"}, not ${target}\n`);
			process.exit(1);
		}
		sums += sha256sumLine(name, bytes);
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		process.stdout.write(`${name.padEnd(34)} ${mib(bytes.length).padStart(10)}  (${seconds} s)\n`);
	}
	await Bun.write(join(out, "SHA256SUMS"), sums);
	process.stdout.write(`${TARGETS.length} binaries and SHA256SUMS in ${out}\n`);
}

if (import.meta.main) await release(join(import.meta.dir, ".."), join(import.meta.dir, "..", "dist"));
