import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Test helpers around the real qemu-img (Debian qemu-utils), the oracle for image validity. */
export const hasQemuImg = spawnSync("qemu-img", ["--version"]).status === 0;
export const hasQemuIo = spawnSync("qemu-io", ["--version"]).status === 0;

export function warnIfMissing(): void {
  if (!hasQemuImg) console.warn("qemu-img not found (Debian package qemu-utils): skipping tests that use it as the oracle");
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[]): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function qemuImg(...args: string[]): RunResult {
  return run("qemu-img", args);
}

/** Runs qemu-img and throws with its stderr when it fails. */
export function qemuImgOk(...args: string[]): string {
  return execFileSync("qemu-img", args, { encoding: "utf8" });
}

export function qemuIo(file: string, fmt: string, ...cmds: string[]): void {
  const args = ["-f", fmt];
  for (const c of cmds) args.push("-c", c);
  args.push(file);
  execFileSync("qemu-io", args, { encoding: "utf8" });
}

export { patternBytes } from "./pattern.js";
