// The x87 FPU: register stack, control/status/tag words, instruction and data pointers, and
// the executor for the whole D8–DF escape space plus FXSAVE/FXRSTOR and WAIT.
// Intel SDM vol. 1 chapter 8 (x87 FPU programming environment), vol. 2A instruction pages,
// vol. 3A §2.5 (CR0.EM/MP/TS/NE), §6.15 (#NM, #MF), vol. 1 §8.7 (MS-DOS compatible FERR#).
//
// The opcode map lives in x87-opcodes.ts; this file holds the state and the behaviour shared by
// all instructions (stack faults, exception reporting, pointers).

import { F80Context, F80_INDEFINITE_HI, F80_INDEFINITE_SE, classifyF80, F80_ZERO, F80_NORMAL } from "./float80.js";
import {
  FPU_CW_DEFAULT,
  FPU_CW_RESERVED_ONE,
  FPU_CW_WRITABLE,
  FPU_EX_ALL,
  FPU_EX_IE,
  FPU_SW_B,
  FPU_SW_C1,
  FPU_SW_ES,
  FPU_SW_SF,
  FPU_SW_TOP_MASK,
  FPU_SW_TOP_SHIFT,
  FPU_TAG_EMPTY,
  FPU_TAG_SPECIAL,
  FPU_TAG_VALID,
  FPU_TAG_ZERO,
} from "./x87-control-status.js";
import {
  FPU_SAVE_SIZE_16,
  FPU_SAVE_SIZE_32,
  FXSAVE_FCS,
  FXSAVE_FCW,
  FXSAVE_FDP,
  FXSAVE_FDS,
  FXSAVE_FIP,
  FXSAVE_FOP,
  FXSAVE_FSW,
  FXSAVE_FTW,
  FXSAVE_ST0,
  type X87EnvironmentFields,
  environmentSize,
  readEnvironment,
  writeEnvironment,
} from "./x87-environment.js";
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS, X87_VECTOR_MF, X87_VECTOR_NM, X87_VECTOR_UD, type X87Host, type X87Options } from "./x87-host.js";
import { X87_ATTR_CONTROL, X87_ATTR_FISTTP, X87_ATTR_NOWAIT, X87_ATTR_UD, memAttributes, memHandlers, regAttributes, regHandlers } from "./x87-opcodes.js";

/** Bytes of the FXSAVE image the FPU owns: 0..23 (control/status/pointers) and 32..159 (ST0..ST7). */
export const FXSAVE_X87_END = 160;

export class X87 implements X87EnvironmentFields {
  /** Physical registers R0..R7: sign/exponent, significand high and low words. */
  readonly regSe = new Uint16Array(8);
  readonly regHi = new Uint32Array(8);
  readonly regLo = new Uint32Array(8);
  /** Bit p set: physical register p is non-empty (the FXSAVE abridged tag, SDM vol. 1 §10.5.1.1). */
  tagValid = 0;
  /**
   * A cache of register values as host doubles for the direct entries (x87-decoded.ts): bit p of
   * f64Valid set means regF64[p] is exactly the value of physical register p (which is then a normal
   * double: float80-double-path.ts). Anything that writes a register's bits clears its bit; the
   * cache never decides a result, it only saves converting the same bits again.
   */
  readonly regF64 = new Float64Array(8);
  f64Valid = 0;
  /** Stack top (FSW bits 13..11). */
  top = 0;
  /** Status word without the TOP field. */
  swNoTop = 0;
  cw = FPU_CW_DEFAULT;
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;

  readonly ctx = new F80Context();
  readonly host: X87Host;
  readonly options: Required<X87Options>;

  /** Per-instruction state read by the handlers. */
  operandSize32 = true;
  protectedMode = true;
  /** Set when the current instruction raised an exception whose mask bit is clear. */
  unmaskedRaised = false;

  /** Scratch for memory images (FSAVE/FRSTOR/FXSAVE, m80, BCD). */
  readonly scratch = new Uint8Array(512);
  readonly scratchView = new DataView(this.scratch.buffer);
  private readonly envFields: X87EnvironmentFields = { cw: 0, sw: 0, tw: 0, fip: 0, fcs: 0, fop: 0, fdp: 0, fds: 0 };

  constructor(host: X87Host, options: X87Options = {}) {
    this.host = host;
    this.options = {
      fdpOnUnmaskedExceptionOnly: options.fdpOnUnmaskedExceptionOnly ?? false,
      fopOnUnmaskedExceptionOnly: options.fopOnUnmaskedExceptionOnly ?? false,
      fcsFdsDeprecated: options.fcsFdsDeprecated ?? false,
      sse3: options.sse3 ?? false,
    };
    this.ctx.setControlWord(this.cw);
    this.fcsMask = this.options.fcsFdsDeprecated ? 0 : 0xffff;
    this.fopAlways = !this.options.fopOnUnmaskedExceptionOnly;
    this.fdpAlways = !this.options.fdpOnUnmaskedExceptionOnly;
  }

  /**
   * recordInstruction's model options as plain fields (compiled code reads them too): FCS kept
   * (0xFFFF) or deprecated (0); FOP written by every instruction, not only after an unmasked exception.
   */
  readonly fcsMask: number;
  readonly fopAlways: boolean;
  /** FDP/FDS written by every memory form, not only after an unmasked exception (recordData). */
  readonly fdpAlways: boolean;

  // -------------------------------------------------------------------------------------
  // Architectural words

  /** FSW with TOP merged in. */
  get sw(): number {
    return this.swNoTop | (this.top << FPU_SW_TOP_SHIFT);
  }

  set sw(v: number) {
    this.top = (v & FPU_SW_TOP_MASK) >>> FPU_SW_TOP_SHIFT;
    this.swNoTop = v & ~FPU_SW_TOP_MASK & 0xffff;
  }

  /** The full tag word, derived from the register contents as the hardware does (SDM vol. 1 §8.1.7). */
  get tw(): number {
    let tw = 0;
    for (let p = 0; p < 8; p++) tw |= this.tagOf(p) << (2 * p);
    return tw;
  }

  set tw(v: number) {
    let valid = 0;
    for (let p = 0; p < 8; p++) if (((v >>> (2 * p)) & 3) !== FPU_TAG_EMPTY) valid |= 1 << p;
    this.tagValid = valid;
  }

  /** Tag of physical register p. */
  tagOf(p: number): number {
    if (((this.tagValid >>> p) & 1) === 0) return FPU_TAG_EMPTY;
    const c = classifyF80(this.regSe[p]!, this.regHi[p]!, this.regLo[p]!);
    return c === F80_ZERO ? FPU_TAG_ZERO : c === F80_NORMAL ? FPU_TAG_VALID : FPU_TAG_SPECIAL;
  }

  /** Loads FCW: reserved bits 13..15 read as 0, bit 6 as 1 (measured). */
  setControlWord(cw: number): void {
    this.cw = (cw & FPU_CW_WRITABLE) | FPU_CW_RESERVED_ONE;
    this.ctx.setControlWord(this.cw);
    this.updateSummary();
  }

  /** Recomputes ES and B from the flags and masks (FLDCW, FLDENV, FRSTOR, FXRSTOR). */
  updateSummary(): void {
    if ((this.swNoTop & ~this.cw & FPU_EX_ALL) !== 0) this.swNoTop |= FPU_SW_ES | FPU_SW_B;
    else this.swNoTop &= ~(FPU_SW_ES | FPU_SW_B);
  }

  /** FNINIT (SDM vol. 2A FINIT: FCW 037FH, FSW 0, all tags empty, pointers 0). */
  reset(): void {
    this.setControlWord(FPU_CW_DEFAULT);
    this.swNoTop = 0;
    this.top = 0;
    this.tagValid = 0;
    this.fip = 0;
    this.fcs = 0;
    this.fop = 0;
    this.fdp = 0;
    this.fds = 0;
  }

  /**
   * State after RESET (SDM vol. 3A §9.1.1, Table 9-1): FCW 0040H, FSW 0, FTW 5555H (every
   * register holds +0.0), pointers and FOP 0. INIT leaves the x87 state alone.
   */
  powerOnReset(): void {
    this.setControlWord(0x0040);
    this.swNoTop = 0;
    this.top = 0;
    this.regSe.fill(0);
    this.regHi.fill(0);
    this.regLo.fill(0);
    this.f64Valid = 0;
    this.tagValid = 0xff;
    this.fip = 0;
    this.fcs = 0;
    this.fop = 0;
    this.fdp = 0;
    this.fds = 0;
  }

  // -------------------------------------------------------------------------------------
  // Entry points for the integer core

  /**
   * #NM check, called by the core when it decodes an escape opcode (isWait false: CR0.EM or
   * CR0.TS) or WAIT/FWAIT (isWait true: CR0.MP and CR0.TS) — SDM vol. 3A Table 2-2.
   */
  checkDeviceNotAvailable(isWait: boolean): void {
    const cr0 = this.host.getCr0();
    if (isWait ? (cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS) : (cr0 & (CR0_EM | CR0_TS)) !== 0) {
      this.host.raiseException(X87_VECTOR_NM);
    }
  }

  /**
   * Pending-exception check done by every waiting x87 instruction and WAIT: with FSW.ES set,
   * #MF when CR0.NE = 1, else FERR# is asserted (IRQ13 via the platform) and execution goes
   * on — SDM vol. 1 §8.6, §8.7.
   */
  checkPendingException(): void {
    if ((this.swNoTop & FPU_SW_ES) === 0) return;
    if ((this.host.getCr0() & CR0_NE) !== 0) this.host.raiseException(X87_VECTOR_MF);
    this.host.signalFerr();
  }

  /** WAIT/FWAIT (9B) after the core's checkDeviceNotAvailable(true). */
  fwait(): void {
    this.checkPendingException();
  }

  /** True when (opcode, modrm) is a defined x87 instruction for this model. */
  isValidEncoding(opcode: number, modrm: number): boolean {
    const attr = modrm < 0xc0 ? memAttributes[((opcode & 7) << 3) | ((modrm >>> 3) & 7)]! : regAttributes[((opcode & 7) << 6) | (modrm & 0x3f)]!;
    if ((attr & X87_ATTR_UD) !== 0) return false;
    return (attr & X87_ATTR_FISTTP) === 0 || this.options.sse3;
  }

  /** True for the no-wait forms (FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE, FNENI…). */
  isNoWait(opcode: number, modrm: number): boolean {
    const attr = modrm < 0xc0 ? memAttributes[((opcode & 7) << 3) | ((modrm >>> 3) & 7)]! : regAttributes[((opcode & 7) << 6) | (modrm & 0x3f)]!;
    return (attr & X87_ATTR_NOWAIT) !== 0;
  }

  /**
   * Executes one escape instruction. The core has already called checkDeviceNotAvailable(false)
   * and formed the memory operand.
   *
   * @param opcode 0xD8..0xDF
   * @param modrm the ModR/M byte
   * @param linear linear address of the memory operand (ignored for register forms, modrm ≥ 0xC0)
   * @param dataOffset effective address (segment offset) of the memory operand, recorded as FDP
   * @param dataSelector selector of the memory operand's segment, recorded as FDS
   * @param codeSelector CS of the instruction, recorded as FCS
   * @param instructionPointer offset of the instruction's first byte (including prefixes), recorded as FIP
   * @param operandSize32 operand-size attribute (selects the 14/28-byte environment formats)
   * @param protectedMode CR0.PE and not virtual-8086 (selects the environment layout)
   */
  execute(
    opcode: number,
    modrm: number,
    linear: number,
    dataOffset: number,
    dataSelector: number,
    codeSelector: number,
    instructionPointer: number,
    operandSize32: boolean,
    protectedMode: boolean,
  ): void {
    const esc = opcode & 7;
    const isMem = modrm < 0xc0;
    const index = isMem ? (esc << 3) | ((modrm >>> 3) & 7) : (esc << 6) | (modrm & 0x3f);
    const attr = isMem ? memAttributes[index]! : regAttributes[index]!;
    if ((attr & X87_ATTR_UD) !== 0 || ((attr & X87_ATTR_FISTTP) !== 0 && !this.options.sse3)) {
      this.host.raiseException(X87_VECTOR_UD);
    }
    if ((attr & X87_ATTR_NOWAIT) === 0) this.checkPendingException();
    this.operandSize32 = operandSize32;
    this.protectedMode = protectedMode;
    this.unmaskedRaised = false;
    if (isMem) memHandlers[index]!(this, linear);
    else regHandlers[index]!(this, modrm & 7);
    if ((attr & X87_ATTR_CONTROL) !== 0) return;
    this.recordInstruction(instructionPointer, codeSelector, (esc << 8) | modrm);
    if (isMem) this.recordData(dataOffset, dataSelector);
  }

  /**
   * Last data pointer of a non-control memory form that just executed (SDM vol. 1 §8.1.8): FDP and
   * FDS, only after an unmasked exception on models with FDP_EXCPTN_ONLY.
   */
  recordData(dataOffset: number, dataSelector: number): void {
    if (this.fdpAlways || this.unmaskedRaised) {
      this.fdp = dataOffset >>> 0;
      this.fds = dataSelector & this.fcsMask;
    }
  }

  /**
   * Last-instruction pointers of a non-control instruction that just executed (SDM vol. 1 §8.1.8,
   * §8.1.9): FIP, FCS and the opcode's low 11 bits (FOP), the latter only after an unmasked exception
   * on models that record it only then. The data pointer is the caller's (memory forms).
   */
  recordInstruction(instructionPointer: number, codeSelector: number, fop: number): void {
    this.fip = instructionPointer >>> 0;
    this.fcs = codeSelector & this.fcsMask;
    if (this.fopAlways || this.unmaskedRaised) this.fop = fop;
  }

  // -------------------------------------------------------------------------------------
  // Stack helpers (physical index of ST(i) is (TOP + i) mod 8)

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(p: number): boolean {
    return ((this.tagValid >>> p) & 1) === 0;
  }

  writeReg(p: number, se: number, hi: number, lo: number): void {
    this.regSe[p] = se;
    this.regHi[p] = hi;
    this.regLo[p] = lo;
    this.f64Valid &= ~(1 << p);
    this.tagValid |= 1 << p;
  }

  writeIndefinite(p: number): void {
    this.writeReg(p, F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
  }

  /** Loads physical register p as the context's first operand. */
  operandA(p: number): void {
    this.ctx.setA(this.regSe[p]!, this.regHi[p]!, this.regLo[p]!);
  }

  /** Loads physical register p as the context's second operand. */
  operandB(p: number): void {
    this.ctx.setB(this.regSe[p]!, this.regHi[p]!, this.regLo[p]!);
  }

  /** Writes the context's primary result to physical register p. */
  writeResult(p: number): void {
    const c = this.ctx;
    this.writeReg(p, c.se, c.hi, c.lo);
  }

  pop(): void {
    this.tagValid &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  push(se: number, hi: number, lo: number): void {
    this.top = (this.top - 1) & 7;
    this.writeReg(this.top, se, hi, lo);
  }

  /**
   * Folds exception flags into FSW, sets C1 to `c1` and updates ES/B (SDM vol. 1 §8.1.3).
   * Pass c1 = -1 to leave C1 alone.
   */
  finish(flags: number, c1: number): void {
    let sw = this.swNoTop | flags;
    if (c1 >= 0) sw = (sw & ~FPU_SW_C1) | (c1 !== 0 ? FPU_SW_C1 : 0);
    if ((flags & ~this.cw & FPU_EX_ALL) !== 0) {
      this.unmaskedRaised = true;
      sw |= FPU_SW_ES | FPU_SW_B;
    }
    this.swNoTop = sw;
  }

  /** IE masked? (stack faults and invalid operations deliver a default result only then). */
  invalidMasked(): boolean {
    return (this.cw & FPU_EX_IE) !== 0;
  }

  /**
   * Stack underflow on an instruction whose result goes to physical register `dst`
   * (SDM vol. 1 §8.5.1.1): IE+SF, C1=0; masked → real indefinite (then `pops` pops).
   */
  stackUnderflow(dst: number, pops: number): void {
    if (this.invalidMasked()) {
      if (dst >= 0) this.writeIndefinite(dst);
      for (let k = 0; k < pops; k++) this.pop();
    }
    this.finish(FPU_EX_IE | FPU_SW_SF, 0);
  }

  /** Stack overflow on a push: IE+SF, C1=1; masked → push the real indefinite. */
  stackOverflow(): void {
    if (this.invalidMasked()) this.push(F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
    this.finish(FPU_EX_IE | FPU_SW_SF, 1);
  }

  // -------------------------------------------------------------------------------------
  // Memory helpers

  /** Loads n bytes from linear into scratch (all loads happen before any state changes). */
  readBytes(linear: number, n: number): void {
    const s = this.scratch;
    const h = this.host;
    let i = 0;
    for (; i + 4 <= n; i += 4) this.scratchView.setUint32(i, h.read32((linear + i) >>> 0), true);
    for (; i < n; i++) s[i] = h.read8((linear + i) >>> 0);
  }

  /** Stores n bytes of scratch after probing the whole range. */
  writeBytes(linear: number, n: number): void {
    const h = this.host;
    h.probeWrite(linear, n);
    let i = 0;
    for (; i + 4 <= n; i += 4) h.write32((linear + i) >>> 0, this.scratchView.getUint32(i, true));
    for (; i + 2 <= n; i += 2) h.write16((linear + i) >>> 0, this.scratchView.getUint16(i, true));
    for (; i < n; i++) h.write8((linear + i) >>> 0, this.scratch[i]!);
  }

  // -------------------------------------------------------------------------------------
  // Environment and state images

  private snapshotEnvironment(): X87EnvironmentFields {
    const f = this.envFields;
    f.cw = this.cw;
    f.sw = this.sw;
    f.tw = this.tw;
    f.fip = this.fip;
    f.fcs = this.options.fcsFdsDeprecated ? 0 : this.fcs;
    f.fop = this.fop;
    f.fdp = this.fdp;
    f.fds = this.options.fcsFdsDeprecated ? 0 : this.fds;
    return f;
  }

  private applyEnvironment(f: X87EnvironmentFields): void {
    this.cw = (f.cw & FPU_CW_WRITABLE) | FPU_CW_RESERVED_ONE;
    this.ctx.setControlWord(this.cw);
    this.sw = f.sw;
    this.tw = f.tw;
    this.fip = f.fip;
    this.fcs = f.fcs;
    this.fop = f.fop;
    this.fdp = f.fdp;
    this.fds = f.fds;
    this.updateSummary();
  }

  /** FNSTENV: store the environment, then mask all exceptions (SDM vol. 2A FSTENV). */
  storeEnvironment(linear: number): void {
    const n = environmentSize(this.operandSize32);
    writeEnvironment(this.scratchView, this.snapshotEnvironment(), this.operandSize32, this.protectedMode);
    this.writeBytes(linear, n);
    this.cw |= FPU_EX_ALL;
    this.ctx.setControlWord(this.cw);
    this.updateSummary();
  }

  /** FLDENV. */
  loadEnvironment(linear: number): void {
    this.readBytes(linear, environmentSize(this.operandSize32));
    readEnvironment(this.scratchView, this.envFields, this.operandSize32, this.protectedMode);
    this.applyEnvironment(this.envFields);
  }

  /** FNSAVE: environment + ST0..ST7, then FNINIT. */
  saveState(linear: number): void {
    const envSize = environmentSize(this.operandSize32);
    writeEnvironment(this.scratchView, this.snapshotEnvironment(), this.operandSize32, this.protectedMode);
    for (let i = 0; i < 8; i++) this.storeRegisterImage(this.phys(i), envSize + 10 * i);
    this.writeBytes(linear, this.operandSize32 ? FPU_SAVE_SIZE_32 : FPU_SAVE_SIZE_16);
    this.reset();
  }

  /** FRSTOR. */
  restoreState(linear: number): void {
    const envSize = environmentSize(this.operandSize32);
    this.readBytes(linear, this.operandSize32 ? FPU_SAVE_SIZE_32 : FPU_SAVE_SIZE_16);
    readEnvironment(this.scratchView, this.envFields, this.operandSize32, this.protectedMode);
    const newTop = (this.envFields.sw & FPU_SW_TOP_MASK) >>> FPU_SW_TOP_SHIFT;
    for (let i = 0; i < 8; i++) this.loadRegisterImage((newTop + i) & 7, envSize + 10 * i);
    this.applyEnvironment(this.envFields);
  }

  private storeRegisterImage(p: number, off: number): void {
    const v = this.scratchView;
    v.setUint32(off, this.regLo[p]!, true);
    v.setUint32(off + 4, this.regHi[p]!, true);
    v.setUint16(off + 8, this.regSe[p]!, true);
  }

  private loadRegisterImage(p: number, off: number): void {
    const v = this.scratchView;
    this.regLo[p] = v.getUint32(off, true);
    this.regHi[p] = v.getUint32(off + 4, true);
    this.regSe[p] = v.getUint16(off + 8, true);
    this.f64Valid &= ~(1 << p);
  }

  /**
   * Writes the x87 part of an FXSAVE image into `image` (bytes 0..23 and 32..159; MXCSR and
   * the XMM registers belong to the SSE unit). `rexW` selects the 64-bit FIP/FDP layout
   * (SDM vol. 1 Table 10-2/10-3).
   */
  fxsaveImage(image: Uint8Array, rexW = false): void {
    const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
    v.setUint16(FXSAVE_FCW, this.cw, true);
    v.setUint16(FXSAVE_FSW, this.sw, true);
    image[FXSAVE_FTW] = this.tagValid;
    image[FXSAVE_FTW + 1] = 0;
    v.setUint16(FXSAVE_FOP, this.fop, true);
    const deprecated = this.options.fcsFdsDeprecated;
    v.setUint32(FXSAVE_FIP, this.fip, true);
    if (rexW) {
      v.setUint32(FXSAVE_FCS, 0, true);
      v.setUint32(FXSAVE_FDP + 4, 0, true);
    } else {
      v.setUint16(FXSAVE_FCS, deprecated ? 0 : this.fcs, true);
      v.setUint16(FXSAVE_FCS + 2, 0, true);
      v.setUint16(FXSAVE_FDS, deprecated ? 0 : this.fds, true);
      v.setUint16(FXSAVE_FDS + 2, 0, true);
    }
    v.setUint32(FXSAVE_FDP, this.fdp, true);
    for (let i = 0; i < 8; i++) {
      const p = this.phys(i);
      const off = FXSAVE_ST0 + 16 * i;
      v.setUint32(off, this.regLo[p]!, true);
      v.setUint32(off + 4, this.regHi[p]!, true);
      v.setUint16(off + 8, this.regSe[p]!, true);
      v.setUint16(off + 10, 0, true);
      v.setUint32(off + 12, 0, true);
    }
  }

  /** Loads the x87 part of an FXSAVE image (FXRSTOR). */
  fxrstorImage(image: Uint8Array, rexW = false): void {
    const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
    this.cw = (v.getUint16(FXSAVE_FCW, true) & FPU_CW_WRITABLE) | FPU_CW_RESERVED_ONE;
    this.ctx.setControlWord(this.cw);
    this.sw = v.getUint16(FXSAVE_FSW, true);
    this.tagValid = image[FXSAVE_FTW]!;
    this.fop = v.getUint16(FXSAVE_FOP, true) & 0x7ff;
    this.fip = v.getUint32(FXSAVE_FIP, true);
    this.fdp = v.getUint32(FXSAVE_FDP, true);
    this.fcs = rexW ? 0 : v.getUint16(FXSAVE_FCS, true);
    this.fds = rexW ? 0 : v.getUint16(FXSAVE_FDS, true);
    for (let i = 0; i < 8; i++) {
      const p = this.phys(i);
      const off = FXSAVE_ST0 + 16 * i;
      this.regLo[p] = v.getUint32(off, true);
      this.regHi[p] = v.getUint32(off + 4, true);
      this.regSe[p] = v.getUint16(off + 8, true);
    }
    this.f64Valid = 0;
    this.updateSummary();
  }

  /**
   * FXSAVE m512byte, x87 part: the core checks alignment (#GP) and writes MXCSR (24..31) and
   * the XMM area (160..511) itself. Probes bytes 0..159 before storing.
   */
  fxsave(linear: number, rexW = false): void {
    this.fxsaveImage(this.scratch, rexW);
    const h = this.host;
    h.probeWrite(linear, FXSAVE_X87_END);
    const v = this.scratchView;
    for (let i = 0; i < 24; i += 4) h.write32((linear + i) >>> 0, v.getUint32(i, true));
    for (let i = 32; i < FXSAVE_X87_END; i += 4) h.write32((linear + i) >>> 0, v.getUint32(i, true));
  }

  /** FXRSTOR m512byte, x87 part (bytes 0..23 and 32..159). */
  fxrstor(linear: number, rexW = false): void {
    const h = this.host;
    const v = this.scratchView;
    for (let i = 0; i < 24; i += 4) v.setUint32(i, h.read32((linear + i) >>> 0), true);
    for (let i = 32; i < FXSAVE_X87_END; i += 4) v.setUint32(i, h.read32((linear + i) >>> 0), true);
    this.fxrstorImage(this.scratch, rexW);
  }
}
