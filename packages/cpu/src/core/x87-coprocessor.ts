/**
 * The x87 FPU (fpu/) attached to the integer core: the core decodes the escape's ModRM and forms the
 * memory operand, checks #NM/#AC, and gives the FPU an X87Host whose linear accesses go through the
 * operand's segment (limit and type checks on each access), paging and the TLB. The FPU raises its
 * faults through the core's own mechanism (SDM vol. 1 chapter 8, vol. 3A §2.5 and §6.15).
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP } from "./exceptions.js";
import { CS, EAX } from "./registers.js";
import { X87 } from "../fpu/x87.js";
import type { X87Host } from "../fpu/x87-host.js";

/**
 * Alignment each memory form needs under alignment checking, by (escape & 7) << 3 | ModRM.reg
 * (SDM vol. 3A table 6-7): 2 for m16, 4 for m32, 8 for m64 and m80; 0 marks the environment and
 * state images (4 or 2 by operand size) and undefined forms (the FPU raises #UD for those).
 */
const ALIGNMENT = new Uint8Array([
  4, 4, 4, 4, 4, 4, 4, 4, // D8 m32real
  4, 4, 4, 4, 0, 2, 0, 2, // D9 FLD/FST/FSTP m32, FLDENV, FLDCW, FNSTENV, FNSTCW
  4, 4, 4, 4, 4, 4, 4, 4, // DA m32int
  4, 4, 4, 4, 1, 8, 1, 8, // DB m32int, FLD/FSTP m80
  8, 8, 8, 8, 8, 8, 8, 8, // DC m64real
  8, 8, 8, 8, 0, 1, 0, 2, // DD m64, FRSTOR, FNSAVE, FNSTSW m16
  2, 2, 2, 2, 2, 2, 2, 2, // DE m16int
  2, 2, 2, 2, 8, 8, 8, 8, // DF m16int, FBLD, FILD m64, FBSTP, FISTP m64
]);

/** FXSAVE/FXRSTOR need a 16-byte aligned operand: #GP(0) otherwise (SDM vol. 2A FXSAVE). */
const FXSAVE_ALIGN = 16;
const FXSAVE_SIZE = 512;

export class X87Coprocessor implements X87Host {
  readonly x87: X87;
  /** Segment register of the memory operand of the instruction being executed. */
  private seg = 0;

  constructor(private readonly cpu: Cpu) {
    this.x87 = new X87(this);
    this.x87.powerOnReset();
  }

  /** RESET (not INIT): FCW 0040H, all registers +0 (SDM vol. 3A table 9-1). */
  reset(): void {
    this.x87.powerOnReset();
  }

  /** One escape instruction D8-DF; the core already checked CR0.EM/TS (#NM). */
  execute(cpu: Cpu, opcode: number): void {
    cpu.decodeModrm();
    this.executeDecoded(cpu, opcode, cpu.modrm, cpu.eaSeg, cpu.eaOff, cpu.o32);
  }

  /**
   * One escape instruction whose ModRM the caller decoded (the block cache): the memory operand at
   * `offset` in segment `seg` (ignored for register forms), operand size `o32`. CR0.EM/TS checked already.
   */
  executeDecoded(cpu: Cpu, opcode: number, modrm: number, seg: number, offset: number, o32: boolean): void {
    let linear = 0;
    if (modrm < 0xc0) {
      this.seg = seg;
      linear = (cpu.segBase[seg]! + offset) | 0;
      let align = ALIGNMENT[((opcode & 7) << 3) | ((modrm >>> 3) & 7)]!;
      if (align === 0) align = o32 ? 4 : 2;
      if (cpu.acMask !== 0 && align > 1 && this.x87.isValidEncoding(opcode, modrm)) cpu.checkAlignment(linear, align);
    }
    this.x87.execute(opcode, modrm, linear, offset, cpu.segSel[seg]!, cpu.segSel[CS]!, cpu.insnStart, o32, cpu.protectedMode && !cpu.v86);
  }

  /** WAIT/FWAIT; the core already checked CR0.MP/TS. */
  wait(): void {
    this.x87.fwait();
  }

  /** FXSAVE m512 (0F AE /0): the x87 part; MXCSR and XMM registers do not exist on this processor. */
  fxsave(cpu: Cpu): void {
    const linear = this.fxsaveOperand(cpu);
    this.probeWrite(linear, FXSAVE_SIZE);
    this.x87.fxsave(linear);
  }

  /** FXRSTOR m512 (0F AE /1). */
  fxrstor(cpu: Cpu): void {
    // The FPU reads the whole image before it loads any of it.
    this.x87.fxrstor(this.fxsaveOperand(cpu));
  }

  private fxsaveOperand(cpu: Cpu): number {
    this.seg = cpu.eaSeg;
    const linear = (cpu.segBase[cpu.eaSeg]! + cpu.eaOff) | 0;
    if ((linear & (FXSAVE_ALIGN - 1)) !== 0) cpu.raise(EXC_GP, 0);
    return linear;
  }

  // ---- X87Host: accesses through the operand's segment, then paging ----

  /** The offset in the operand's segment for a linear address the FPU formed from the operand's. */
  private offset(linear: number): number {
    return (linear - this.cpu.segBase[this.seg]!) | 0;
  }

  read8(linear: number): number {
    const cpu = this.cpu;
    return cpu.read8(cpu.segAddr(this.seg, this.offset(linear), 1, false));
  }
  read16(linear: number): number {
    const cpu = this.cpu;
    return cpu.read16(cpu.segAddr(this.seg, this.offset(linear), 2, false));
  }
  read32(linear: number): number {
    const cpu = this.cpu;
    return cpu.read32(cpu.segAddr(this.seg, this.offset(linear), 4, false)) >>> 0;
  }
  write8(linear: number, value: number): void {
    const cpu = this.cpu;
    cpu.write8(cpu.segAddr(this.seg, this.offset(linear), 1, true), value);
  }
  write16(linear: number, value: number): void {
    const cpu = this.cpu;
    cpu.write16(cpu.segAddr(this.seg, this.offset(linear), 2, true), value);
  }
  write32(linear: number, value: number): void {
    const cpu = this.cpu;
    cpu.write32(cpu.segAddr(this.seg, this.offset(linear), 4, true), value | 0);
  }
  probeWrite(linear: number, length: number): void {
    const cpu = this.cpu;
    cpu.probeWrite(cpu.segAddr(this.seg, this.offset(linear), length, true), length);
  }
  getEflags(): number {
    return this.cpu.getFlags();
  }
  setEflags(value: number): void {
    this.cpu.setFlags(value);
  }
  setAx(value: number): void {
    this.cpu.setReg16(EAX, value);
  }
  getCr0(): number {
    return this.cpu.cr0;
  }
  raiseException(vector: number): never {
    return this.cpu.raise(vector);
  }
  signalFerr(): void {
    this.cpu.host.signalFerr?.();
    this.cpu.hostCalled();
  }
}
