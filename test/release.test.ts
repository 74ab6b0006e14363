/**
 * The pieces of `bun run release` (.ci/release.ts) that decide what ships: the compile flags it takes from the
 * `build` script, the file names, the header check that each file runs on its platform, and a SHA256SUMS file that
 * `sha256sum -c` accepts. CI runs the release itself, for every target.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileArgs, compileEnv, executablePlatform, outfileName, sha256sumLine, TARGETS } from "../.ci/release.ts";
import pkg from "../package.json";

describe("compile flags", () => {
	test("are the build script's own, without its target and output file", () => {
		expect(compileArgs(pkg.scripts.build)).toEqual([
			"--compile",
			"--minify",
			"--sourcemap",
			"--bytecode",
			"--compile-jit-policy=1000",
			"--bytecode-order=.ci/serve.order",
			"--format=esm",
			"--no-compile-autoload-dotenv",
			"--no-compile-autoload-bunfig",
			"src/index.ts",
		]);
		expect(compileEnv(pkg.scripts.build)).toEqual({ NODE_ENV: "production" });
	});

	test.each([
		["bun build --compile --target bun-linux-x64 a.ts --outfile=x", ["--compile", "a.ts"]],
		["bun build --target=bun-linux-x64 --outfile x --minify a.ts", ["--minify", "a.ts"]],
	])("%s", (script, args) => {
		expect(compileArgs(script)).toEqual(args);
		expect(compileEnv(script)).toEqual({});
	});

	test("a build script that does not run bun build is an error, not an empty release", () => {
		expect(() => compileArgs("tsc -p .")).toThrow("the build script does not run bun build: tsc -p .");
		expect(() => compileArgs("build x")).toThrow("the build script does not run bun build: build x");
	});
});

test("file names: one per target, .exe for Windows", () => {
	expect(TARGETS.map(outfileName)).toEqual([
		"ollama-proxy-linux-x64",
		"ollama-proxy-linux-arm64",
		"ollama-proxy-linux-x64-musl",
		"ollama-proxy-darwin-arm64",
		"ollama-proxy-darwin-x64",
		"ollama-proxy-windows-x64.exe",
	]);
});

/** A 4 KiB file that starts with the given header fields, as the formats lay them out. */
function header(fields: [offset: number, bytes: number[] | string][]): Uint8Array {
	const bytes = new Uint8Array(4096);
	for (const [offset, value] of fields)
		bytes.set(typeof value === "string" ? new TextEncoder().encode(value) : value, offset);
	return bytes;
}
const ELF = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1];
const MACHO = [0xcf, 0xfa, 0xed, 0xfe];

describe("executable headers", () => {
	test.each([
		[
			"ELF x86-64, glibc",
			header([
				[0, ELF],
				[18, [0x3e, 0]],
				[0x2a8, "/lib64/ld-linux-x86-64.so.2"],
			]),
			"linux-x64",
		],
		[
			"ELF aarch64",
			header([
				[0, ELF],
				[18, [0xb7, 0]],
				[0x2a8, "/lib/ld-linux-aarch64.so.1"],
			]),
			"linux-arm64",
		],
		[
			"ELF x86-64, musl",
			header([
				[0, ELF],
				[18, [0x3e, 0]],
				[0x2a8, "/lib/ld-musl-x86_64.so.1"],
			]),
			"linux-x64-musl",
		],
		[
			"ELF RISC-V",
			header([
				[0, ELF],
				[18, [0xf3, 0]],
			]),
			undefined,
		],
		[
			"Mach-O arm64",
			header([
				[0, MACHO],
				[4, [0x0c, 0, 0, 0x01]],
			]),
			"darwin-arm64",
		],
		[
			"Mach-O x86_64",
			header([
				[0, MACHO],
				[4, [0x07, 0, 0, 0x01]],
			]),
			"darwin-x64",
		],
		[
			"PE x64",
			header([
				[0, "MZ"],
				[0x3c, [0x80, 0, 0, 0]],
				[0x80, "PE\0\0"],
				[0x84, [0x64, 0x86]],
			]),
			"windows-x64",
		],
		[
			"PE arm64",
			header([
				[0, "MZ"],
				[0x3c, [0x80, 0, 0, 0]],
				[0x80, "PE\0\0"],
				[0x84, [0x64, 0xaa]],
			]),
			"windows-arm64",
		],
		[
			"MZ without a PE header",
			header([
				[0, "MZ"],
				[0x3c, [0xff, 0xff, 0, 0]],
			]),
			undefined,
		],
		["a shell script", header([[0, "#!/bin/sh\nexec bun src/index.ts\n"]]), undefined],
		["a truncated file", new Uint8Array(ELF), undefined],
	])("%s", (_, bytes, platform) => {
		expect(executablePlatform(bytes)).toBe(platform);
	});

	test("the Bun running this test is an executable for one of the targets' platforms", async () => {
		const bytes = new Uint8Array(await Bun.file(process.execPath).slice(0, 4096).arrayBuffer());
		expect(TARGETS as readonly (string | undefined)[]).toContain(executablePlatform(bytes));
	});
});

describe("SHA256SUMS", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "ollama-proxy-sums-"));
	});
	afterAll(() => rm(dir, { recursive: true, force: true }));

	test("lines are the digest, two spaces and the name", () => {
		expect(sha256sumLine("abc", new TextEncoder().encode("abc"))).toBe(
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc\n",
		);
	});

	test("sha256sum -c accepts the file, and rejects a changed binary", async () => {
		const files = { "ollama-proxy-linux-x64": "one", "ollama-proxy-windows-x64.exe": "two" };
		let sums = "";
		for (const [name, text] of Object.entries(files)) {
			await writeFile(join(dir, name), text);
			sums += sha256sumLine(name, new TextEncoder().encode(text));
		}
		await writeFile(join(dir, "SHA256SUMS"), sums);
		const check = () => Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
		const ok = check();
		expect(ok.exitCode).toBe(0);
		expect(ok.stdout.toString()).toBe("ollama-proxy-linux-x64: OK\nollama-proxy-windows-x64.exe: OK\n");
		await writeFile(join(dir, "ollama-proxy-linux-x64"), "tampered");
		const bad = check();
		expect(bad.exitCode).toBe(1);
		expect(bad.stdout.toString()).toBe("ollama-proxy-linux-x64: FAILED\nollama-proxy-windows-x64.exe: OK\n");
	});
});
