// virtkit's CPU model as a ROM runner: the interpreter at power-on state on the RomPlatform model
// (RAM, the ROM below 1 MiB and 4 GiB, the A20 gate, ports 0xE9 / 0x501 / 0x92 / 8042 / PIC masks).
//
// Unlike Bochs and QEMU, the CPU counts instructions, so the deterministic `instructionLimit` replaces
// the wall-clock guard. The ROM is mapped as read-only memory (reads at RAM speed, writes dropped),
// RAM as one chunk over the platform's own buffer, so RomPlatform and the CPU see the same bytes.
import { readFile } from "node:fs/promises";
import {
  Cpu, type CpuHost, FLAG_IF, PhysicalMemory, STOP_BUDGET, STOP_HLT, STOP_INTERNAL_ERROR, STOP_REQUESTED, STOP_SHUTDOWN,
} from "../src/index.js";
import { RomPlatform } from "./rom-platform.js";
import type { RomResult, RomRunOptions, RomRunner } from "./rom-runner.js";

const ONE_MIB = 0x100000;
const FOUR_GIB = 0x100000000;
/** Default instruction budget: the largest ROM retires a few million instructions. */
export const VIRTKIT_ROM_INSTRUCTION_LIMIT = 200_000_000;
/** Instructions per `run()` call between checks of the platform's "finished" state. */
const SLICE = 1_000_000;

/** The machine a ROM runs on: the platform model, its physical memory and the processor. */
export interface VirtkitRomMachine {
  platform: RomPlatform;
  mem: PhysicalMemory;
  cpu: Cpu;
}

/** Builds the machine for a ROM image: RAM around the ROM window, the ROM twice, the CPU at reset. */
export function createRomMachine(image: Uint8Array, memoryMiB = 32): VirtkitRomMachine {
  const platform = new RomPlatform(image, memoryMiB);
  const mem = new PhysicalMemory();
  const size = image.length;
  const ram = platform.ram;
  // RomPlatform: RAM everywhere below memoryMiB except the ROM window [1 MiB - size, 1 MiB).
  mem.mapRam(0, ram.buffer, ram.byteOffset, ONE_MIB - size);
  mem.mapRam(ONE_MIB, ram.buffer, ram.byteOffset + ONE_MIB, ram.length - ONE_MIB);
  const rom = new Uint8Array(size);
  rom.set(image);
  mem.mapRom(ONE_MIB - size, rom.buffer);
  mem.mapRom(FOUR_GIB - size, rom.buffer);
  const host: CpuHost = {
    ioRead: (port, size) => platform.portIn(port, size),
    // Called only while the processor runs, after `cpu` below exists.
    ioWrite: (port, size, value) => {
      platform.portOut(port, size, value);
      cpu.a20 = platform.a20;
      if (platform.finished) cpu.requestStop();
    },
    // The ROMs mask every IRQ; INTR is never raised.
    acknowledgeInterrupt: () => -1,
  };
  const cpu = new Cpu(mem, host);
  return { platform, mem, cpu };
}

/** Runs a machine to the end of its ROM (or the budget) and reports like the other runners. */
export function runRomMachine(m: VirtkitRomMachine, instructionLimit = VIRTKIT_ROM_INSTRUCTION_LIMIT): RomResult {
  const { platform, cpu } = m;
  let left = instructionLimit;
  while (left > 0) {
    const before = cpu.instructionsRetired;
    const stop = cpu.run(Math.min(SLICE, left));
    left -= Math.max(1, cpu.instructionsRetired - before);
    if (platform.finished) return platform.result("halt");
    switch (stop) {
      case STOP_BUDGET:
      case STOP_REQUESTED:
        continue;
      case STOP_HLT:
        // HLT with IF=0 ends a ROM (lib/rom.inc's exit); with IF=1 nothing on this platform can wake it.
        if ((cpu.eflags & FLAG_IF) === 0) return platform.result("halt");
        return { ...platform.result("timeout"), detail: "HLT with IF=1: no interrupt source on the ROM platform" };
      case STOP_SHUTDOWN:
        return platform.result("shutdown");
      case STOP_INTERNAL_ERROR:
        return { ...platform.result("timeout"), detail: `internal error: ${cpu.internalError}` };
      default:
        return { ...platform.result("timeout"), detail: `run() stopped with reason ${stop}` };
    }
  }
  return { ...platform.result("timeout"), detail: `no end after ${instructionLimit} instructions` };
}

async function runVirtkitRom(romPath: string, opts: RomRunOptions = {}): Promise<RomResult> {
  const image = new Uint8Array(await readFile(romPath));
  return runRomMachine(createRomMachine(image, opts.memoryMiB ?? 32), opts.instructionLimit ?? VIRTKIT_ROM_INSTRUCTION_LIMIT);
}

export const virtkitRunner: RomRunner = {
  name: "virtkit",
  // The model is this package: it runs wherever the tests run.
  unavailableReason: () => null,
  runRom: runVirtkitRom,
};
