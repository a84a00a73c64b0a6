// Bochs as the reference ROM runner (Debian package `bochs`, version 2.7).
//
// Debian's build has no `nogui` display library and has its debugger compiled in, so the run is:
// display `rfb` with timeout=0 (starts a VNC listener, never waits for a client), a debugger
// command file containing `c` (continue), a 2 KiB stub VGA option ROM (the vgabios package is not
// installed, and our ROMs never call the VGA BIOS), sound disabled (the ALSA mixer thread aborts
// without a sound card). Port 0xE9 output (`port_e9_hack`) arrives on stdout after the
// debugger's start-up lines. Bochs has no isa-debug-exit: the runner kills it on the end marker,
// or when the CPU logs "HLT instruction with IF=0" (the cpu0 info log is kept for that line).
// With reset_on_triple_fault=0 a triple fault is a panic ("3rd (13) exception with no
// resolution") and panic action=fatal ends the process: that is a `shutdown`.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { toolMissing } from "./host-tools.js";
import { cutAtMarker, type RomResult, type RomRunOptions, type RomRunner } from "./rom-runner.js";

/** P6-class model with PSE, PAE, PGE, CMOV, CX8, TSC, MSR, FXSR, VME (Bochs cpudb/p3_katmai). */
export const BOCHS_CPU_MODEL = "p3_katmai";

const STARTUP_END = "Next at t=0\n";
const TRIPLE_FAULT = /exception\(\): 3rd \(\d+\) exception with no resolution/;
const HLT_IF0 = "HLT instruction with IF=0";
const PANIC = />>PANIC<< (.*)/;
// The debugger prints the stop location when the simulation ends: "(0).[123] [0x...] f000:1234 ...".
const DEBUGGER_STOP = /\(\d+\)\.?\[\d+\] \[0x[0-9a-f]+\] [0-9a-f]{4}:[0-9a-f]+ [^\n]*\n?/g;

/** A minimal option ROM (55 AA, 4 blocks, RETF, checksum 0) standing in for the VGA BIOS. */
function stubVgaRom(): Uint8Array {
  const rom = new Uint8Array(2048);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[2] = rom.length / 512;
  rom[3] = 0xcb;
  let sum = 0;
  for (const b of rom) sum = (sum + b) & 0xff;
  rom[rom.length - 1] = (0x100 - sum) & 0xff;
  return rom;
}

export function bochsrc(romPath: string, vgaPath: string, memoryMiB: number): string {
  return [
    `display_library: rfb, options="timeout=0"`,
    `romimage: file="${romPath}"`,
    `vgaromimage: file="${vgaPath}"`,
    `megs: ${memoryMiB}`,
    `cpu: model=${BOCHS_CPU_MODEL}, count=1, reset_on_triple_fault=0, ignore_bad_msrs=0`,
    `port_e9_hack: enabled=1`,
    `sound: driver=dummy`,
    `speaker: enabled=0`,
    `clock: sync=none, time0=1`,
    `log: /dev/stderr`,
    `panic: action=fatal`,
    `error: action=ignore`,
    `info: action=ignore, cpu0=report`,
    `debug: action=ignore`,
    ``,
  ].join("\n");
}

async function runBochs(romPath: string, opts: RomRunOptions = {}): Promise<RomResult> {
  const dir = await mkdtemp(join(tmpdir(), "virtkit-bochs-"));
  try {
    const vga = join(dir, "vga.bin");
    const rc = join(dir, "bochsrc");
    const dbg = join(dir, "debugger.rc");
    await writeFile(vga, stubVgaRom());
    await writeFile(rc, bochsrc(resolve(romPath), vga, opts.memoryMiB ?? 32));
    await writeFile(dbg, "c\n");
    return await new Promise<RomResult>((done, fail) => {
      const child = spawn("bochs", ["-q", "-f", rc, "-rc", dbg], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let decided: RomResult["exit"] | undefined;
      const guestOutput = (): string => {
        const at = stdout.indexOf(STARTUP_END);
        if (at < 0) return "";
        const afterLine = stdout.indexOf("\n", at + STARTUP_END.length);
        return afterLine < 0 ? "" : stdout.slice(afterLine + 1);
      };
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
        if (cutAtMarker(guestOutput()) !== undefined) stop("halt");
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("latin1");
        if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 16));
        if (stderr.includes(HLT_IF0)) stop("halt");
      });
      child.on("error", fail);
      child.on("close", (code) => {
        clearTimeout(timer);
        const raw = guestOutput();
        const cut = cutAtMarker(raw);
        const panic = PANIC.exec(stderr)?.[1];
        if (decided === undefined) {
          if (TRIPLE_FAULT.test(stderr)) decided = "shutdown";
          else {
            fail(new Error(`bochs ended (exit status ${code ?? "signal"}) before the guest finished: ${panic ?? stderr.slice(-400)}`));
            return;
          }
        }
        const output = cut ?? raw.replace(DEBUGGER_STOP, "");
        done(panic === undefined ? { output, exit: decided } : { output, exit: decided, detail: panic });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const bochsRunner: RomRunner = {
  name: "bochs",
  unavailableReason: () => toolMissing("bochs", "bochs"),
  runRom: runBochs,
};
