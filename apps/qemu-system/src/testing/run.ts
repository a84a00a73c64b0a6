import { spawn, spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { qemuSystemMain } from "@virtkit/qemu";

/** packages/qemu/guests and packages/cpu/guests. */
export const QEMU_GUESTS = fileURLToPath(new URL("../../../../packages/qemu/guests/", import.meta.url));
export const CPU_GUESTS = fileURLToPath(new URL("../../../../packages/cpu/guests/", import.meta.url));

/** Whether the real qemu-system-i386 is installed (Debian package qemu-system-x86). */
export const hasQemu = spawnSync("qemu-system-i386", ["-version"], { stdio: "ignore" }).status === 0;

export interface CliRun {
  stdout: string;
  stderr: string;
  status: number;
}

/** virtkit's qemu-system-i386, run in this process; -debugcon stdio and -serial stdio land in stdout. */
export async function runVirtkit(args: string[]): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const so: Buffer[] = [];
  const se: Buffer[] = [];
  out.on("data", (d: Buffer) => so.push(d));
  err.on("data", (d: Buffer) => se.push(d));
  const status = await qemuSystemMain(args, { stdout: out, stderr: err });
  await new Promise((r) => setImmediate(r));
  return { stdout: Buffer.concat(so).toString("latin1"), stderr: Buffer.concat(se).toString("latin1"), status: status & 0xff };
}

/** The real qemu-system-i386 (TCG: this host gives it no KVM), same arguments plus `-accel tcg`. */
export function runQemu(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("qemu-system-i386", ["-accel", "tcg", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const so: Buffer[] = [];
    const se: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => so.push(d));
    child.stderr.on("data", (d: Buffer) => se.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(so).toString("latin1"), stderr: Buffer.concat(se).toString("latin1"), status: code ?? -1 });
    });
  });
}

/** QEMU's "host doesn't support requested feature" lines, which depend on the host CPU. */
export function withoutCpuWarnings(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !l.includes("doesn't support requested feature"))
    .join("\n");
}
