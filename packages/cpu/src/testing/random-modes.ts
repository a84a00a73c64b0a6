/**
 * Random machines for whole-processor fuzzing: the test machine (GDT, IDT with halting stubs, TSS)
 * put in one of several modes (real, 16- and 32-bit protected at CPL 0 and 3, virtual-8086 with and
 * without VME, 32-bit and PAE paging), random registers and flags, a pending interrupt now and then,
 * and random bytes at CODE. Shared by the "random code ends in architectural outcomes" test and the
 * engine differential tests (interpreter, block interpreter and JIT must end in identical states).
 */
import {
  CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PAE, CR4_PGE, CR4_PSE, CR4_PVI, CR4_VME, CS, DS, ES, FLAG_IF, FLAG_IOPL, FLAG_VM, FS,
  GS, SS,
} from "../core/registers.js";
import { CODE, enterRing3, loadSelector, PAGE_DIR, PAGE_TABLE, SEL_FREE, setDescriptor, type TestMachine } from "./test-machine.js";

/** xorshift32: deterministic, seeded. */
export class Rng {
  constructor(private s: number) {}
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return x >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

export const CODE_BYTES = 0x400;
const PDPT = 0x104000;
const PAE_PD = 0x105000;

export type Mode = (m: TestMachine, rng: Rng) => void;

export const MODES: Record<string, Mode> = {
  real: (m) => {
    const cpu = m.cpu;
    cpu.cr0 = CR0_ET | CR0_NE;
    cpu.onModeChange();
    // The real-mode IVT at 0: every vector to its stub (segment 0900h, offset vector * 4).
    for (let v = 0; v < 256; v++) m.mem.write32(v * 4, (0x0900 << 16) | (v * 4));
    cpu.idtrBase = 0;
    cpu.idtrLimit = 0x3ff;
    for (const s of [ES, SS, DS, FS, GS]) cpu.loadRealSegmentRaw(s, 0, 0x93);
    cpu.loadRealSegmentRaw(CS, CODE >>> 4, 0x9b);
    cpu.eip = 0;
    cpu.reg[4] = 0x7000;
  },
  pm16: (m) => {
    setDescriptor(m, SEL_FREE, CODE, 0xffff, 0x9b, 0);
    loadSelector(m, CS, SEL_FREE);
    m.cpu.eip = 0;
  },
  pm32: () => undefined,
  ring3: (m) => enterRing3(m),
  v86: (m, rng) => {
    const cpu = m.cpu;
    if (rng.below(2) === 0) cpu.cr4 |= CR4_VME;
    cpu.setFlags(0x2 | FLAG_VM | (rng.below(2) === 0 ? FLAG_IOPL : 0) | (rng.below(2) === 0 ? FLAG_IF : 0));
    for (const s of [ES, SS, DS, FS, GS]) cpu.loadRealSegment(s, rng.below(0x800));
    cpu.loadRealSegment(CS, CODE >>> 4);
    cpu.reg[4] = 0xfffe;
    cpu.eip = 0;
  },
  pvi: (m) => {
    m.cpu.cr4 |= CR4_PVI;
    enterRing3(m);
  },
  paging: (m, rng) => {
    const cpu = m.cpu;
    // Identity 4 MiB through 4 KiB pages, plus 4 MiB and global pages when PSE/PGE are on.
    cpu.cr4 |= (rng.below(2) === 0 ? CR4_PSE : 0) | (rng.below(2) === 0 ? CR4_PGE : 0);
    m.mem.write32(PAGE_DIR, PAGE_TABLE | 7);
    for (let i = 0; i < 1024; i++) m.mem.write32(PAGE_TABLE + i * 4, (i << 12) | (i & 1 ? 0x107 : 7));
    m.mem.write32(PAGE_DIR + 4, (1 << 22) | 0x187);
    cpu.cr3 = PAGE_DIR;
    cpu.cr0 |= CR0_PG;
    cpu.flushTlb(true);
    if (rng.below(2) === 0) enterRing3(m);
  },
  pae: (m, rng) => {
    const cpu = m.cpu;
    m.mem.write32(PDPT, PAE_PD | 1);
    m.mem.write32(PAE_PD, 0x101000 | 7);
    m.mem.write32(PAE_PD + 8, 0x200000 | 0x87);
    for (let i = 0; i < 512; i++) {
      m.mem.write32(0x101000 + i * 8, (i << 12) | 7);
      m.mem.write32(0x101000 + i * 8 + 4, 0);
    }
    cpu.cr0 &= ~CR0_PG;
    cpu.cr4 |= CR4_PAE;
    cpu.cr3 = PDPT;
    cpu.cr0 |= CR0_PG | CR0_PE;
    // Load the PDPTE registers as MOV CR3 would.
    cpu.pdpte.fill(0);
    cpu.pdpte[0] = PAE_PD | 1;
    cpu.flushTlb(true);
    if (rng.below(2) === 0) enterRing3(m);
  },
};

/** The parts of RAM that hold the machine's structures, restored before every run. */
export const SAVED: [number, number][] = [
  [0, 0x30000],
  [0x100000, 0x106000],
];

/** The RAM the machine's structures occupy, as saved once per machine (restore before every run). */
export function saveMachine(m: TestMachine): Uint8Array[] {
  return SAVED.map(([a, b]) => m.mem.readBytes(a, b - a));
}

/**
 * Puts a machine in a fresh random state for one run in `mode`: structures restored, the processor
 * reset to flat protected mode, then the mode's own setup, random code, registers, flags and INTR.
 * Returns the code and the vector a pending interrupt would deliver.
 */
export function prepareRandomRun(m: TestMachine, saved: Uint8Array[], mode: Mode, rng: Rng): { code: Uint8Array; intrVector: number } {
  // RAM is one chunk from physical 0 (test-machine.ts): restore it as a device would, in bulk.
  const ram = m.mem.chunks[0]!.u8;
  SAVED.forEach(([a], i) => ram.set(saved[i]!, a));
  const cpu = m.cpu;
  cpu.reset();
  // Rebuild the protected-mode state the test machine starts with, then the mode's own.
  cpu.gdtrBase = 0x1000;
  cpu.gdtrLimit = 0x7ff;
  cpu.idtrBase = 0x2000;
  cpu.idtrLimit = 0x7ff;
  cpu.cr0 = CR0_PE | CR0_ET | CR0_NE;
  cpu.onModeChange();
  loadSelector(m, CS, 0x08);
  for (const s of [ES, SS, DS, FS, GS]) loadSelector(m, s, 0x10);
  loadSelector(m, 7, 0x28);
  cpu.reg[4] = 0x8000;
  cpu.eip = CODE;
  const code = new Uint8Array(CODE_BYTES);
  for (let i = 0; i < CODE_BYTES; i++) code[i] = rng.below(256);
  ram.set(code, CODE);
  mode(m, rng);
  for (let r = 0; r < 8; r++) if (r !== 4) cpu.reg[r] = rng.next() | 0;
  cpu.setFlags((cpu.eflags & ~0xcd5) | (rng.next() & 0xcd5));
  const intrVector = rng.below(256);
  cpu.intr = rng.below(8) === 0;
  return { code, intrVector };
}
