import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { qemuImg } from "../qemu-img.js";

/** The real qemu-img (Debian qemu-utils 7.2) is the oracle; tests skip with a message without it. */
export const hasQemuImg = spawnSync("qemu-img", ["--version"]).status === 0;
export const hasQemuIo = spawnSync("qemu-io", ["--version"]).status === 0;

export function warnIfMissing(): void {
  if (!hasQemuImg || !hasQemuIo) console.warn("qemu-img/qemu-io not found (Debian package qemu-utils): skipping tests that compare with the real tool");
}

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

export function real(args: string[], cwd?: string): Result {
  const r = spawnSync("qemu-img", args, { encoding: "utf8", cwd, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function realOk(args: string[]): string {
  const r = real(args);
  if (r.status !== 0) throw new Error(`qemu-img ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

export function io(file: string, ...cmds: string[]): void {
  const args = ["-f", "qcow2"];
  for (const c of cmds) args.push("-c", c);
  const r = spawnSync("qemu-io", [...args, file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`qemu-io failed: ${r.stderr}`);
}

/** Our qemu-img, in process. */
export async function ours(args: string[]): Promise<Result> {
  let stdout = "", stderr = "";
  const status = await qemuImg(args, {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
  });
  return { status, stdout, stderr };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed | 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
