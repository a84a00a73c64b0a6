/**
 * A small PC-less machine for the core's unit tests: 4 MiB of RAM (or ramMiB), a real GDT, IDT and TSS in memory
 * (so exceptions are delivered the architectural way), flat 32-bit protected mode, optional paging.
 * Every IDT vector leads to a stub `push vector; hlt`, so a test runs until HLT and reads the frame.
 * Not exported from the package.
 */
import { Cpu, type CpuHost, STOP_HLT } from "../cpu.js";
import { PhysicalMemory } from "../core/physical-memory.js";
import { CR0_ET, CR0_NE, CR0_PE, CR0_PG, CS, DS, ES, FS, GS, SS, TR } from "../core/registers.js";
import { commitSegment, fetchDescriptor } from "../core/segmentation.js";

export const GDT = 0x1000;
export const IDT = 0x2000;
export const TSS = 0x3000;
export const STUBS = 0x9000;
export const STACK0 = 0x8000;
export const STACK3 = 0x6000;
export const CODE = 0x10000;
export const DATA = 0x20000;
export const PAGE_DIR = 0x100000;
export const PAGE_TABLE = 0x101000;

export const SEL_CODE0 = 0x08;
export const SEL_DATA0 = 0x10;
export const SEL_CODE3 = 0x1b;
export const SEL_DATA3 = 0x23;
export const SEL_TSS = 0x28;
/** First GDT slot free for a test (index 6). */
export const SEL_FREE = 0x30;

export interface TestMachine {
  cpu: Cpu;
  mem: PhysicalMemory;
  /** Every OUT: [port, size, value]. */
  out: number[][];
  /** Values IN returns, by port (0xFF when absent). */
  inValues: Map<number, number>;
}

/** Writes a segment descriptor (SDM vol. 3A §3.4.5) into GDT slot `sel >> 3`. */
export function setDescriptor(m: TestMachine, sel: number, base: number, limit: number, access: number, flags: number): void {
  const at = GDT + (sel & ~7);
  m.mem.write32(at, ((base & 0xffff) << 16) | (limit & 0xffff));
  m.mem.write32(at + 4, (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff));
}

/** Writes an IDT gate: `type` 0xE interrupt gate 32, 0xF trap gate 32, 0x6/0x7 16-bit, 0x5 task gate. */
export function setGate(m: TestMachine, vector: number, sel: number, offset: number, type: number, dpl = 0): void {
  const at = IDT + vector * 8;
  m.mem.write32(at, ((sel & 0xffff) << 16) | (offset & 0xffff));
  m.mem.write32(at + 4, (offset & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8));
}

export function machine(opts: { paging?: boolean; ramMiB?: number } = {}): TestMachine {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer((opts.ramMiB ?? 4) << 20));
  const out: number[][] = [];
  const inValues = new Map<number, number>();
  const host: CpuHost = {
    ioRead: (port) => inValues.get(port) ?? 0xff,
    ioWrite: (port, size, value) => out.push([port, size, value]),
    acknowledgeInterrupt: () => -1,
  };
  const cpu = new Cpu(mem, host);
  cpu.syncChunks();
  const m: TestMachine = { cpu, mem, out, inValues };
  setDescriptor(m, SEL_CODE0, 0, 0xfffff, 0x9b, 0xc);
  setDescriptor(m, SEL_DATA0, 0, 0xfffff, 0x93, 0xc);
  setDescriptor(m, SEL_CODE3, 0, 0xfffff, 0xfb, 0xc);
  setDescriptor(m, SEL_DATA3, 0, 0xfffff, 0xf3, 0xc);
  // The current task's TSS, busy as LTR leaves it.
  setDescriptor(m, SEL_TSS, TSS, 0x67 + 0x2000 / 8, 0x8b, 0);
  mem.write32(TSS + 4, STACK0);
  mem.write32(TSS + 8, SEL_DATA0);
  mem.write16(TSS + 0x66, 0x68);
  for (let v = 0; v < 256; v++) {
    // push imm8 (the vector); hlt
    mem.writeBytes(STUBS + v * 4, [0x6a, v, 0xf4, 0x90]);
    setGate(m, v, SEL_CODE0, STUBS + v * 4, 0xe, 3);
  }
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 0x7ff;
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 0x7ff;
  cpu.cr0 = CR0_PE | CR0_ET | CR0_NE;
  if (opts.paging === true) {
    // Identity map of the first 4 MiB with user, writable 4 KiB pages.
    mem.write32(PAGE_DIR, PAGE_TABLE | 7);
    for (let i = 0; i < 1024; i++) mem.write32(PAGE_TABLE + i * 4, (i << 12) | 7);
    cpu.cr3 = PAGE_DIR;
    cpu.cr0 |= CR0_PG;
  }
  cpu.onModeChange();
  loadSelector(m, CS, SEL_CODE0);
  for (const s of [ES, SS, DS, FS, GS]) loadSelector(m, s, SEL_DATA0);
  loadSelector(m, TR, SEL_TSS);
  cpu.reg[4] = STACK0;
  cpu.eip = CODE;
  cpu.flushTlb(true);
  return m;
}

/** Loads a segment register's hidden part from the GDT, as a far transfer or MOV would (no checks). */
export function loadSelector(m: TestMachine, s: number, sel: number): void {
  fetchDescriptor(m.cpu, sel);
  commitSegment(m.cpu, s, sel);
  if (s === CS) {
    m.cpu.cpl = sel & 3;
    m.cpu.updatePrivilegeMasks();
  }
}

/** Puts the processor at CPL 3 with the ring-3 selectors and stack. */
export function enterRing3(m: TestMachine): void {
  loadSelector(m, CS, SEL_CODE3);
  for (const s of [ES, SS, DS]) loadSelector(m, s, SEL_DATA3);
  m.cpu.reg[4] = STACK3;
}

/** Places code at CODE (or `at`) and points EIP at it. */
export function code(m: TestMachine, bytes: number[], at = CODE): void {
  m.mem.writeBytes(at, bytes);
  m.cpu.eip = at;
}

/** Runs until HLT (a handler stub or the code's own), failing on any other stop. */
export function runToHalt(m: TestMachine, budget = 100_000): void {
  const r = m.cpu.run(budget);
  if (r !== STOP_HLT) throw new Error(`expected HLT, run() stopped with ${r}${m.cpu.internalError ? `: ${m.cpu.internalError}` : ""} at eip ${(m.cpu.eip >>> 0).toString(16)}`);
}

export interface Frame {
  vector: number;
  /** The error code, when `withError`. */
  error: number;
  eip: number;
  cs: number;
  eflags: number;
}

/** The frame a handler stub saw (same-privilege delivery): vector, [error], EIP, CS, EFLAGS. */
export function frame(m: TestMachine, withError = false): Frame {
  const sp = m.cpu.reg[4]!;
  const rd = (i: number): number => m.mem.read32(sp + 4 * i) >>> 0;
  const e = withError ? 1 : 0;
  return { vector: rd(0), error: withError ? rd(1) : -1, eip: rd(1 + e), cs: rd(2 + e) & 0xffff, eflags: rd(3 + e) };
}

/** True when the CPU stopped in the handler stub of `vector`. */
export function inHandler(m: TestMachine, vector: number): boolean {
  return m.cpu.eip === STUBS + vector * 4 + 3;
}
