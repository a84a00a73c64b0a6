/**
 * Test support: the x87 unit's host (fpu/x87-host.ts) without a processor around it, for the FPU's own
 * tests — 64 KiB of flat memory where addresses from `faultFrom` on raise #PF like a missing page (0: every
 * access faults, for register forms that must not touch memory), and EFLAGS, AX, CR0 and FERR# recorded.
 */
import { CR0_MP, CR0_NE, type X87Host } from "../fpu/x87-host.js";

/** An exception the FPU raised through its host (its vector). */
export class X87Fault extends Error {
  constructor(readonly vector: number) {
    super(`vector ${vector}`);
  }
}

export class X87TestHost implements X87Host {
  readonly mem = new Uint8Array(0x10000);
  readonly view = new DataView(this.mem.buffer);
  cr0 = CR0_NE | CR0_MP;
  eflags = 0x202;
  ax = 0;
  ferr = 0;
  faultFrom = 0x10000;
  private check(a: number, n = 1): void {
    if (a + n > this.faultFrom) throw new X87Fault(14);
  }
  read8(a: number): number {
    this.check(a);
    return this.mem[a]!;
  }
  read16(a: number): number {
    this.check(a, 2);
    return this.view.getUint16(a, true);
  }
  read32(a: number): number {
    this.check(a, 4);
    return this.view.getUint32(a, true);
  }
  write8(a: number, v: number): void {
    this.check(a);
    this.mem[a] = v;
  }
  write16(a: number, v: number): void {
    this.check(a, 2);
    this.view.setUint16(a, v, true);
  }
  write32(a: number, v: number): void {
    this.check(a, 4);
    this.view.setUint32(a, v >>> 0, true);
  }
  probeWrite(a: number, n: number): void {
    this.check(a, n);
  }
  getEflags(): number {
    return this.eflags;
  }
  setEflags(v: number): void {
    this.eflags = v;
  }
  setAx(v: number): void {
    this.ax = v & 0xffff;
  }
  getCr0(): number {
    return this.cr0;
  }
  raiseException(vector: number): never {
    throw new X87Fault(vector);
  }
  signalFerr(): void {
    this.ferr++;
  }
}
