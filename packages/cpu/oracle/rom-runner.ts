// The one interface every test-ROM runner implements (Bochs, QEMU TCG, and virtkit's CPU model),
// and the registry the differential tests iterate over.
//
// A test ROM prints on port 0xE9 and ends by printing ROM_END_MARKER, writing to isa-debug-exit
// (port 0x501) and halting with interrupts off (guests/lib/rom.inc, lib16_exit / lib32_exit).

/** Printed by every ROM on port 0xE9 just before the shutdown sequence (guests/lib/layout.inc). */
export const ROM_END_MARKER = "=== ROM END ===";

/**
 * How a run ended:
 * - `halt`: the guest finished: it printed the end marker (and/or halted with IF=0, or wrote
 *   isa-debug-exit);
 * - `shutdown`: the machine shut down without finishing (triple fault, SDM Vol. 3A 6.15
 *   "Interrupt 8 - Double Fault Exception": a fault while delivering #DF);
 * - `timeout`: neither happened within the runner's limit.
 */
export type RomExit = "halt" | "shutdown" | "timeout";

export interface RomResult {
  /** Every byte the guest wrote to port 0xE9, decoded as latin1, up to and including the marker line. */
  output: string;
  exit: RomExit;
  /** Runner-specific notes (e.g. the emulator's panic message), never part of comparisons. */
  detail?: string;
}

export interface RomRunOptions {
  /** Guest RAM in MiB (default 32). */
  memoryMiB?: number;
  /** Wall-clock guard for emulators that cannot count instructions (default 60 s). */
  timeoutMs?: number;
  /** Instruction budget for runners that can count instructions (virtkit); undefined = no limit. */
  instructionLimit?: number;
}

export interface RomRunner {
  /** Short name used in test titles and golden-file suffixes: "bochs", "qemu", "virtkit". */
  readonly name: string;
  /** null when the runner can run here, otherwise a sentence naming what is missing. */
  unavailableReason(): string | null;
  /** Run a flat ROM image (64 or 128 KiB) from the reset vector and collect its port 0xE9 output. */
  runRom(romPath: string, opts?: RomRunOptions): Promise<RomResult>;
}

/**
 * The runners the differential tests compare. Bochs and QEMU are registered by `runners.ts`;
 * virtkit registers itself there with `registerRunner`.
 */
export const runners = new Map<string, RomRunner>();

export function registerRunner(runner: RomRunner): void {
  if (runners.has(runner.name)) throw new Error(`a ROM runner named "${runner.name}" is already registered`);
  runners.set(runner.name, runner);
}

/**
 * Cuts raw port 0xE9 output at the end marker line (inclusive). Returns undefined when the
 * marker has not been printed yet.
 */
export function cutAtMarker(raw: string): string | undefined {
  const at = raw.indexOf(ROM_END_MARKER);
  if (at < 0) return undefined;
  const nl = raw.indexOf("\n", at);
  if (nl < 0) return undefined;
  return raw.slice(0, nl + 1);
}
