/**
 * TLB behaviour of the paging unit: what MOV CR3, CR4.PGE, CR0.WP and INVLPG drop (SDM vol. 3A §4.10.4),
 * INVLPG inside a 4 MiB page, and the dirty bit set by the first write through a cached translation.
 */
import { describe, expect, it } from "vitest";
import { STOP_EXCEPTION } from "../cpu.js";
import { EXC_PF } from "../core/exceptions.js";
import { CR0_WP, CR4_PGE, CR4_PSE } from "../core/registers.js";
import { writeCr0, writeCr3, writeCr4 } from "../ops/system.js";
import { code, DATA, machine, PAGE_DIR, PAGE_TABLE, type TestMachine } from "../testing/test-machine.js";

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** mov eax, [lin] — returns EAX, or the exception vector as a negative number. */
function load(m: TestMachine, lin: number): number {
  m.cpu.reportExceptions = true;
  code(m, [0xa1, ...u32(lin)]);
  const r = m.cpu.run(1);
  return r === STOP_EXCEPTION ? -m.cpu.pendingVector : m.cpu.reg[0]! >>> 0;
}

const LIN = 0x300000;
const PHYS_A = 0x200000;
const PHYS_B = 0x201000;

function mapped(opts: { global?: boolean } = {}): TestMachine {
  const m = machine({ paging: true });
  m.mem.write32(PHYS_A, 0xaaaaaaaa);
  m.mem.write32(PHYS_B, 0xbbbbbbbb);
  m.mem.write32(PAGE_TABLE + (LIN >>> 12) * 4, PHYS_A | 7 | (opts.global === true ? 0x100 : 0));
  if (opts.global === true) writeCr4(m.cpu, m.cpu.cr4 | CR4_PGE);
  m.cpu.flushTlb(true);
  expect(load(m, LIN)).toBe(0xaaaaaaaa);
  // Remap behind the TLB's back.
  m.mem.write32(PAGE_TABLE + (LIN >>> 12) * 4, PHYS_B | 7 | (opts.global === true ? 0x100 : 0));
  return m;
}

describe("TLB invalidation", () => {
  it("keeps a cached translation until INVLPG or a MOV CR3", () => {
    const m = mapped();
    expect(load(m, LIN)).toBe(0xaaaaaaaa);
    m.cpu.invalidatePage(LIN);
    expect(load(m, LIN)).toBe(0xbbbbbbbb);
    const n = mapped();
    writeCr3(n.cpu, PAGE_DIR);
    expect(load(n, LIN)).toBe(0xbbbbbbbb);
  });

  it("keeps global translations across MOV CR3; clearing CR4.PGE or INVLPG drops them", () => {
    const m = mapped({ global: true });
    writeCr3(m.cpu, PAGE_DIR);
    expect(load(m, LIN)).toBe(0xaaaaaaaa);
    writeCr4(m.cpu, m.cpu.cr4 & ~CR4_PGE);
    expect(load(m, LIN)).toBe(0xbbbbbbbb);
    const n = mapped({ global: true });
    n.cpu.invalidatePage(LIN);
    expect(load(n, LIN)).toBe(0xbbbbbbbb);
  });

  it("INVLPG of one address in a 4 MiB page drops the translations of the whole page", () => {
    const m = machine({ paging: true, ramMiB: 16 });
    writeCr4(m.cpu, m.cpu.cr4 | CR4_PSE);
    m.mem.write32(0x800000, 0x11111111);
    m.mem.write32(0x802000, 0x22222222);
    m.mem.write32(0xc02000, 0x33333333);
    m.mem.write32(PAGE_DIR + 4 * 4, 0x800000 | 0x87); // linear 1000000h -> 800000h, 4 MiB
    m.cpu.flushTlb(true);
    expect(load(m, 0x1000000)).toBe(0x11111111);
    expect(load(m, 0x1002000)).toBe(0x22222222);
    m.mem.write32(PAGE_DIR + 4 * 4, 0xc00000 | 0x87);
    m.cpu.invalidatePage(0x1000000);
    expect(load(m, 0x1002000)).toBe(0x33333333);
  });

  it("changing CR0.WP flushes: a supervisor write to a read-only page faults once WP is set", () => {
    const m = machine({ paging: true });
    m.mem.write32(PAGE_TABLE + (DATA >>> 12) * 4, DATA | 5); // present, user, read-only
    m.cpu.flushTlb(true);
    m.cpu.reportExceptions = true;
    code(m, [0xc7, 0x05, ...u32(DATA), 1, 0, 0, 0]);
    expect(m.cpu.run(1)).not.toBe(STOP_EXCEPTION);
    writeCr0(m.cpu, m.cpu.cr0 | CR0_WP);
    code(m, [0xc7, 0x05, ...u32(DATA), 2, 0, 0, 0]);
    expect(m.cpu.run(1)).toBe(STOP_EXCEPTION);
    expect(m.cpu.pendingVector).toBe(EXC_PF);
    expect(m.cpu.pendingError).toBe(3);
  });

  it("the first write through a translation cached by a read sets the dirty bit", () => {
    const m = machine({ paging: true });
    const pte = PAGE_TABLE + (DATA >>> 12) * 4;
    m.mem.write32(pte, DATA | 7);
    m.cpu.flushTlb(true);
    expect(load(m, DATA)).toBe(0);
    expect(m.mem.read32(pte) & 0x60).toBe(0x20);
    code(m, [0xc7, 0x05, ...u32(DATA), 1, 0, 0, 0]);
    m.cpu.run(1);
    expect(m.mem.read32(pte) & 0x60).toBe(0x60);
  });
});
