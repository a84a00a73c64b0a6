/**
 * Bochs (Debian package bochs 2.7) running the benchmark ROM. Debian's build has no `nogui` display and
 * has its debugger compiled in (the approach of packages/cpu/oracle/bochs.ts): display `rfb` with
 * timeout=0 never waits for a client, a 2 KiB stub VGA option ROM stands in for the VGA BIOS. With
 * `magic_break: enabled=1` the ROM's XCHG BX,BX after each marker enters the debugger, which prints
 * "Next at t=<ticks>": Bochs' instruction count. The debugger command file continues three times and
 * quits at the third break (after the register line), so Bochs ends by itself.
 */
import { join } from "node:path";
import { findExecutable } from "../host-tools.js";
import { GuestProtocol, type GuestEvent } from "../guest-protocol.js";
import { romFor } from "../rom.js";
import type { RunResult, Runner } from "../runner.js";
import { runSpawnedGuest, withTempDir, type StdoutParser } from "./spawned-guest.js";

export const BOCHS_CPU_MODEL = "p3_katmai";

/** A minimal option ROM (55 AA, 4 blocks, RETF, checksum 0) standing in for the VGA BIOS. */
export function stubVgaRom(): Uint8Array {
  const rom = new Uint8Array(2048);
  rom.set([0x55, 0xaa, rom.length / 512, 0xcb]);
  let sum = 0;
  for (const b of rom) sum = (sum + b) & 0xff;
  rom[rom.length - 1] = (0x100 - sum) & 0xff;
  return rom;
}

export function bochsrc(romPath: string, vgaPath: string): string {
  return [
    `display_library: rfb, options="timeout=0"`,
    `romimage: file="${romPath}"`,
    `vgaromimage: file="${vgaPath}"`,
    `megs: 32`,
    `cpu: model=${BOCHS_CPU_MODEL}, count=1, reset_on_triple_fault=0, ignore_bad_msrs=0`,
    `port_e9_hack: enabled=1`,
    `magic_break: enabled=1`,
    `sound: driver=dummy`,
    `speaker: enabled=0`,
    `clock: sync=none, time0=1`,
    `log: /dev/stderr`,
    `panic: action=fatal`,
    `error: action=ignore`,
    `info: action=ignore`,
    `debug: action=ignore`,
    ``,
  ].join("\n");
}

/** Continue from the start, past the 'S' and 'E' breaks; quit at the break after the register line. */
export const BOCHS_DEBUGGER_COMMANDS = "c\nc\nc\nq\n";

const STARTUP_END = "Next at t=0\n";
const TICKS = /^Next at t=(\d+)$/;

/**
 * Bochs' stdout: a banner, then the debugger's lines (each starts with "(" or "Next at") mixed with the
 * guest's port 0xE9 bytes (never "(" or "N"). The ticks printed at the break after 'S' and after 'E'
 * give the region's instruction count, less its first XCHG (counted at the first break), plus the POP and XCHG after the 'E' OUT: region = delta - 1.
 */
export function bochsStdoutParser(): StdoutParser & { ticks: number[] } {
  const proto = new GuestProtocol();
  let buf = "";
  let started = false;
  const ticks: number[] = [];
  return {
    ticks,
    feed(text: string, event: (e: GuestEvent) => void): void {
      buf += text;
      if (!started) {
        const at = buf.indexOf(STARTUP_END);
        if (at < 0) return;
        started = true;
        buf = buf.slice(at + STARTUP_END.length);
      }
      while (buf.length > 0) {
        const c = buf[0]!;
        if (c === "(" || c === "N") {
          const nl = buf.indexOf("\n");
          if (nl < 0) return;
          const m = TICKS.exec(buf.slice(0, nl));
          if (m !== null) ticks.push(Number(m[1]));
          buf = buf.slice(nl + 1);
          continue;
        }
        const e = proto.byte(c.charCodeAt(0));
        buf = buf.slice(1);
        if (e !== null) event(e);
      }
    },
    registers: () => proto.registers,
    // ticks: [after 'S' break, after 'E' break, after the register line]
    extra: (): Partial<RunResult> => (ticks.length >= 2 ? { instructions: ticks[1]! - ticks[0]! - 1 } : {}),
    describe: () => JSON.stringify(proto.output),
  };
}

export const bochsRunner: Runner = {
  id: "bochs",
  title: "Bochs 2.7",
  group: "peer",
  unavailable: () => (findExecutable("bochs", { skipNodeModules: true }) === undefined ? "bochs not found (Debian package: bochs)" : null),
  supports: () => true,
  run: (w, n) =>
    withTempDir({ "rom.bin": romFor(w, n), "vga.bin": stubVgaRom(), "debugger.rc": BOCHS_DEBUGGER_COMMANDS }, async (dir) => {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(dir, "bochsrc"), bochsrc(join(dir, "rom.bin"), join(dir, "vga.bin")));
      return runSpawnedGuest("bochs", "bochs", ["-q", "-f", join(dir, "bochsrc"), "-rc", join(dir, "debugger.rc")], bochsStdoutParser(), { cwd: dir });
    }),
};
