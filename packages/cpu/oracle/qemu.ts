// QEMU TCG as the second ROM runner (Debian package qemu-system-x86).
//
// `-debugcon stdio` carries port 0xE9 to stdout; `-device isa-debug-exit` (iobase 0x501) makes
// QEMU exit with status (value << 1) | 1 when the ROM's exit routine writes it; `-no-reboot`
// turns a triple fault (or any reset) into an exit with status 0. QEMU TCG is not exact on some
// undefined flags and exception corner cases; where it differs from Bochs the difference is
// recorded as guests/expected/<rom>.qemu.txt.
import { spawn } from "node:child_process";
import { toolMissing } from "./host-tools.js";
import { cutAtMarker, type RomResult, type RomRunOptions, type RomRunner } from "./rom-runner.js";

/** Closest QEMU model to Bochs' p3_katmai. */
export const QEMU_CPU_MODEL = "pentium3";

export function qemuArgs(romPath: string, memoryMiB: number): string[] {
  return [
    "-nodefaults",
    "-machine", "isapc",
    "-accel", "tcg",
    "-cpu", QEMU_CPU_MODEL,
    "-m", String(memoryMiB),
    "-bios", romPath,
    "-display", "none",
    "-monitor", "none",
    "-serial", "none",
    "-parallel", "none",
    "-no-reboot",
    "-debugcon", "stdio",
    "-device", "isa-debug-exit,iobase=0x501,iosize=2",
  ];
}

function runQemu(romPath: string, opts: RomRunOptions = {}): Promise<RomResult> {
  return new Promise<RomResult>((done, fail) => {
    const child = spawn("qemu-system-i386", qemuArgs(romPath, opts.memoryMiB ?? 32), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let decided: RomResult["exit"] | undefined;
    const stop = (exit: RomResult["exit"]): void => {
      if (decided !== undefined) return;
      decided = exit;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      stop("timeout");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("latin1");
      if (cutAtMarker(stdout) !== undefined) stop("halt");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("latin1");
    });
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (decided === undefined) {
        if (code === 0) decided = "shutdown";
        else if (code !== null && (code & 1) === 1) decided = "halt";
        else {
          fail(new Error(`qemu-system-i386 failed (exit status ${code ?? "signal"}): ${stderr.trim().slice(-400)}`));
          return;
        }
      }
      const output = cutAtMarker(stdout) ?? stdout;
      const detail = stderr.trim();
      done(detail === "" ? { output, exit: decided } : { output, exit: decided, detail });
    });
  });
}

export const qemuRunner: RomRunner = {
  name: "qemu",
  unavailableReason: () => toolMissing("qemu-system-i386", "qemu-system-x86"),
  runRom: runQemu,
};
