/**
 * Runs a guest in a child process and times its region from the markers on stdout. `parse` turns stdout
 * chunks into guest events (QEMU's stdout is the debugcon stream itself; Bochs mixes in its debugger).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childCpuMs } from "../child-process-clock.js";
import type { GuestEvent } from "../guest-protocol.js";
import type { RunResult } from "../runner.js";

/** Turns stdout text into events; returns the guest's register line once known. */
export interface StdoutParser {
  feed(text: string, event: (e: GuestEvent) => void): void;
  registers(): string | null;
  /** Extra counts the parser found (Bochs' ticks), merged into the result. */
  extra(): Partial<RunResult>;
  describe(): string;
}

/** A guard against a hung emulator, not a measurement limit. */
const HANG_GUARD_MS = 30 * 60_000;

/** Writes files into a fresh temporary directory for one run, and removes it afterwards. */
export async function withTempDir<T>(files: Record<string, Uint8Array | string>, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-bench-"));
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runSpawnedGuest(label: string, command: string, args: string[], parser: StdoutParser, opts: { cwd?: string; killAfterRegisters?: boolean } = {}): Promise<RunResult> {
  return new Promise<RunResult>((done, fail) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const pid = child.pid ?? -1;
    let t0 = 0, c0 = 0, wallMs = Number.NaN, cpuMs = Number.NaN;
    let stderr = "";
    let failure: Error | null = null;
    const guard = setTimeout(() => {
      failure = new Error(`${label}: no end of the guest after ${HANG_GUARD_MS / 60_000} minutes`);
      child.kill("SIGKILL");
    }, HANG_GUARD_MS);
    const onEvent = (e: GuestEvent): void => {
      if (e === "start") {
        t0 = performance.now();
        c0 = childCpuMs(pid);
      } else if (e === "end") {
        wallMs = performance.now() - t0;
        cpuMs = childCpuMs(pid) - c0;
      } else if (opts.killAfterRegisters === true) {
        child.kill("SIGKILL");
      }
    };
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (text: string) => {
      if (failure !== null) return;
      try {
        parser.feed(text, onEvent);
      } catch (e) {
        failure = e instanceof Error ? new Error(`${label}: ${e.message}`) : new Error(String(e));
        child.kill("SIGKILL");
      }
    });
    child.stderr.setEncoding("latin1");
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    child.on("error", (e) => {
      clearTimeout(guard);
      fail(new Error(`${label}: cannot start ${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      if (failure !== null) {
        fail(failure);
        return;
      }
      const registers = parser.registers();
      if (registers === null || Number.isNaN(wallMs)) {
        fail(new Error(`${label}: ${command} ended (${signal ?? `exit status ${code ?? "?"}`}) before the guest finished; guest output ${parser.describe()}; stderr: ${stderr.trim().slice(-600)}`));
        return;
      }
      done({ wallMs, cpuMs, registers, ...parser.extra() });
    });
  });
}
