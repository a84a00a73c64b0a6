/**
 * The benchmark ROM (guests/bench.asm, assembled to guests/bench.bin): one 64 KiB PC BIOS image that
 * holds every workload. A run patches the workload number and its iteration count N into the parameter
 * block at file offset 0, so every runner executes the same bytes. WORKLOADS gives, per workload, the
 * exact length of the measured region (the instructions after the 'S' OUT up to and including the 'E'
 * OUT, see bench.asm) and the unit its rate is reported in.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROM_SIZE = 0x10000;
const MAGIC = "VKBENCH1";
const OFF_WORKLOAD = 8;
const OFF_N = 12;

/** Instructions of the markers inside the region: XCHG BX,BX after 'S', then PUSH EAX; MOV AL,'E'; OUT. */
const MARKERS = 4;
/** A REP string instruction with 16384 elements as virtkit retires it (once per 4096-element chunk). */
export const VIRTKIT_REP_RETIREMENTS = 4;
/** Bytes moved per iteration of the string workload (REP MOVSD and REP STOSD of 64 KiB each). */
export const STRING_BYTES_PER_ITERATION = 2 * 65536;

export type WorkloadName = "empty" | "integer" | "branchy" | "memory" | "string" | "paging" | "x87" | "pio" | "mmio";
/** "MIPS" = instructions of the region per microsecond; "exits/s" = one exit per iteration; "MiB/s" = bytes moved. */
export type Unit = "MIPS" | "exits/s" | "MiB/s";

export interface Workload {
  name: WorkloadName;
  /** Number in the parameter block (bench.asm W_*). */
  id: number;
  title: string;
  unit: Unit;
  /** Exact length of the measured region for N iterations, as virtkit counts it. */
  regionInstructions(n: number): number;
  /** Units of work for N (instructions for MIPS, exits, or MiB). */
  work(n: number): number;
  /** N for a correctness run: every runner must print the same register line for it. */
  checkN: number;
  /** Largest N the guest code allows (ECX/EBP counters are 32-bit; the paging loop is heavy per pass). */
  maxN: number;
}

const U32 = 0xffffffff;

function mips(name: WorkloadName, id: number, title: string, region: (n: number) => number, checkN: number, maxN = U32): Workload {
  return { name, id, title, unit: "MIPS", regionInstructions: (n) => MARKERS + region(n), work: (n) => MARKERS + region(n), checkN, maxN };
}

export const WORKLOADS: readonly Workload[] = [
  mips("integer", 1, "integer loop (real mode, add/dec/jnz)", (n) => 1 + 3 * n, 100_000),
  mips("branchy", 2, "branchy loop (data-dependent branch)", (n) => 3 + 6 * Math.ceil(n / 2) + 5 * Math.floor(n / 2), 100_000),
  mips("memory", 3, "memory loop (load, add, store)", (n) => 5 + 7 * n, 100_000),
  {
    name: "string", id: 4, title: "string (rep movsd + rep stosd, 64 KiB each)", unit: "MiB/s",
    regionInstructions: (n) => MARKERS + 2 + n * (7 + 2 * VIRTKIT_REP_RETIREMENTS),
    work: (n) => (n * STRING_BYTES_PER_ITERATION) / (1 << 20),
    checkN: 20, maxN: 1_000_000,
  },
  mips("paging", 5, "paging (CR3 reload per pass, 1024 page walks, #PF)", (n) => 1 + n * (6 + 5 * 1024) + 1024 * 13, 20, 1_000_000),
  mips("x87", 6, "x87 loop (fadd, fld, fmul, fstp)", (n) => 3 + 6 * n + 2, 100_000),
  {
    name: "pio", id: 7, title: "port-I/O exits (out 80h; loop)", unit: "exits/s",
    regionInstructions: (n) => MARKERS + 1 + 2 * n, work: (n) => n, checkN: 1000, maxN: U32,
  },
  {
    name: "mmio", id: 8, title: "MMIO exits (store to D0000000h)", unit: "exits/s",
    regionInstructions: (n) => MARKERS + 2 + 3 * n, work: (n) => n, checkN: 1000, maxN: U32,
  },
];

/** The region with no work between the markers: the baseline of the protocol itself. */
export const EMPTY_WORKLOAD: Workload = {
  name: "empty", id: 0, title: "markers only", unit: "MIPS", regionInstructions: () => MARKERS, work: () => MARKERS, checkN: 0, maxN: 0,
};

export function workloadByName(name: string): Workload | undefined {
  return name === "empty" ? EMPTY_WORKLOAD : WORKLOADS.find((w) => w.name === name);
}

let image: Uint8Array | null = null;

/** guests/bench.bin (next to src/ and dist/). */
export function baseRom(): Uint8Array {
  if (image === null) {
    const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, "..", "guests", "bench.bin")));
    if (bytes.length !== ROM_SIZE) throw new Error(`guests/bench.bin is ${bytes.length} bytes, expected ${ROM_SIZE}`);
    if (new TextDecoder("latin1").decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw new Error(`guests/bench.bin does not start with ${MAGIC}`);
    image = bytes;
  }
  return image;
}

/** A copy of the ROM set up to run `w` for `n` iterations. */
export function romFor(w: Workload, n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > w.maxN) throw new RangeError(`${w.name}: iteration count ${n} is outside 0..${w.maxN}`);
  if (w.name !== "empty" && n === 0) throw new RangeError(`${w.name}: the loops count down from N, so N must be at least 1`);
  const rom = baseRom().slice();
  const dv = new DataView(rom.buffer);
  dv.setUint32(OFF_WORKLOAD, w.id, true);
  dv.setUint32(OFF_N, n, true);
  return rom;
}
