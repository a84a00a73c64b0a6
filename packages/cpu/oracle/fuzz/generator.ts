// Seeded generator of user-level instruction sequences for the native oracle, with the SDM's
// flag semantics per instruction: which flags it reads, which it defines, which it leaves
// undefined (SDM Vol. 2 "Flags Affected" of each instruction, Vol. 1 Appendix A "EFLAGS Cross-
// Reference"). Undefined flags are masked out of comparisons; an instruction never reads a flag
// that an earlier one left undefined (the generator inserts a CMP that defines all six first).
import {
  AF,
  CF,
  DF,
  ECX,
  EDX,
  MEM_BASE,
  MEM_SIZE,
  OF,
  PF,
  SF,
  STATUS_FLAGS,
  ZF,
  type CaseState,
  type NativeCase,
} from "../native/native-case.js";
import {
  anyReg,
  clValue,
  encode,
  freeReg,
  imm,
  memOperand,
  operandText,
  readOperand,
  regName,
  rmOperand,
  type RegOperand,
  type Size,
} from "./operands.js";
import type { Rng } from "./rng.js";

/** Status flags an instruction defines and leaves undefined; flags in neither keep their state. */
export interface FlagEffect {
  def: number;
  undef: number;
}

export interface GenInsn {
  bytes: Uint8Array;
  /** Intel-syntax text for reports. */
  text: string;
  /** Flags the instruction reads (status flags and DF). */
  reads: number;
  /** Flag effect given the state before the instruction; `undefined` asks for the worst case. */
  effect(pre: CaseState | undefined): FlagEffect;
  /** GPRs (bit per register number) whose value is undefined after the instruction. */
  undefRegs?(pre: CaseState): number;
}

/** A generated case with the instruction metadata the comparison needs. */
export interface FuzzCase {
  case: NativeCase;
  insns: GenInsn[];
}

const ALL = STATUS_FLAGS;
const fixed = (def: number, undef = 0) => (): FlagEffect => ({ def, undef });
const NONE = fixed(0);

/** Flags read by condition code cc (SDM Vol. 1 Table B-1 "Condition Codes"). */
export const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
export const CC_NAMES = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

function insn(bytes: number[], text: string, reads: number, effect: (pre: CaseState | undefined) => FlagEffect, undefRegs?: (pre: CaseState) => number): GenInsn {
  const g: GenInsn = { bytes: Uint8Array.from(bytes), text, reads, effect };
  if (undefRegs !== undefined) g.undefRegs = undefRegs;
  return g;
}

function pickSize(rng: Rng): Size {
  return rng.pick([1, 2, 4, 4] as const);
}

/** Opcode byte for size: 8-bit form at `op`, 16/32-bit at `op + 1`. */
const wop = (op: number, size: Size): number => (size === 1 ? op : op + 1);

function immFor(rng: Rng, size: Size): number {
  const v = rng.interesting32();
  return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
}

// ---- generators: each returns one or more instructions ----------------------------------------

type Gen = (rng: Rng) => GenInsn[];

const ALU_NAMES = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const ALU_EFFECT = (op: number) => (op === 1 || op === 4 || op === 6 ? fixed(ALL & ~AF, AF) : fixed(ALL));
const ALU_READS = (op: number) => (op === 2 || op === 3 ? CF : 0);

/** ADD OR ADC SBB AND SUB XOR CMP in all encodings (SDM Vol. 2 opcode map rows 0-3, 80-83). */
const alu: Gen = (rng) => {
  const op = rng.below(8);
  const size = pickSize(rng);
  const name = ALU_NAMES[op] ?? "";
  const writable = op !== 7;
  const form = rng.below(5);
  if (form === 0) {
    // r/m, reg
    const dst = rmOperand(rng, size, writable);
    const src = anyReg(rng, size);
    return [insn(encode([wop(op * 8, size)], src.reg, dst, size), `${name} ${operandText(dst)}, ${operandText(src)}`, ALU_READS(op), ALU_EFFECT(op))];
  }
  if (form === 1) {
    // reg, r/m
    const dst = writable ? freeReg(rng, size) : anyReg(rng, size);
    const src = rmOperand(rng, size, false);
    return [insn(encode([wop(op * 8 + 2, size)], dst.reg, src, size), `${name} ${operandText(dst)}, ${operandText(src)}`, ALU_READS(op), ALU_EFFECT(op))];
  }
  if (form === 2) {
    // accumulator, imm
    const v = immFor(rng, size);
    const pfx = size === 2 ? [0x66] : [];
    return [insn([...pfx, wop(op * 8 + 4, size), ...imm(v, size)], `${name} ${regName(0, size)}, 0x${v.toString(16)}`, ALU_READS(op), ALU_EFFECT(op))];
  }
  const dst = rmOperand(rng, size, writable);
  if (form === 3 || size === 1) {
    // 80 /op ib, 81 /op iz
    const v = immFor(rng, size);
    return [insn([...encode([size === 1 ? 0x80 : 0x81], op, dst, size), ...imm(v, size)], `${name} ${operandText(dst)}, 0x${v.toString(16)}`, ALU_READS(op), ALU_EFFECT(op))];
  }
  // 83 /op ib (sign-extended)
  const v = rng.below(256);
  return [insn([...encode([0x83], op, dst, size), v], `${name} ${operandText(dst)}, ${(v << 24) >> 24}`, ALU_READS(op), ALU_EFFECT(op))];
};

/** INC DEC (FE/FF /0 /1 and the 40+r / 48+r short forms) keep CF; NEG NOT (F6/F7 /3 /2). */
const unary: Gen = (rng) => {
  const size = pickSize(rng);
  const kind = rng.below(5);
  if (kind === 4 && size !== 1) {
    const r = rng.pick([0, 1, 2, 3]);
    const dec = rng.chance(0.5);
    return [insn([...(size === 2 ? [0x66] : []), (dec ? 0x48 : 0x40) + r], `${dec ? "dec" : "inc"} ${regName(r, size)}`, 0, fixed(ALL & ~CF))];
  }
  const dst = rmOperand(rng, size, true);
  if (kind <= 1) return [insn(encode([wop(0xfe, size)], kind, dst, size), `${kind === 0 ? "inc" : "dec"} ${operandText(dst)}`, 0, fixed(ALL & ~CF))];
  if (kind === 2) return [insn(encode([wop(0xf6, size)], 3, dst, size), `neg ${operandText(dst)}`, 0, fixed(ALL))];
  return [insn(encode([wop(0xf6, size)], 2, dst, size), `not ${operandText(dst)}`, 0, NONE)];
};

/** TEST (84/85, A8/A9, F6/F7 /0). */
const test: Gen = (rng) => {
  const size = pickSize(rng);
  const eff = fixed(ALL & ~AF, AF);
  const form = rng.below(3);
  if (form === 0) {
    const a = rmOperand(rng, size, false);
    const b = anyReg(rng, size);
    return [insn(encode([wop(0x84, size)], b.reg, a, size), `test ${operandText(a)}, ${operandText(b)}`, 0, eff)];
  }
  const v = immFor(rng, size);
  if (form === 1) return [insn([...(size === 2 ? [0x66] : []), wop(0xa8, size), ...imm(v, size)], `test ${regName(0, size)}, 0x${v.toString(16)}`, 0, eff)];
  const a = rmOperand(rng, size, false);
  return [insn([...encode([wop(0xf6, size)], 0, a, size), ...imm(v, size)], `test ${operandText(a)}, 0x${v.toString(16)}`, 0, eff)];
};

const SHIFT_NAMES = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"];

/**
 * Flag effect of a shift or rotate by a count (SDM Vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR"):
 * the count is masked to 5 bits; a masked count of 0 changes nothing; OF is defined only for a
 * masked count of 1; shifts leave AF undefined; SHL/SHR with a count >= the width leave CF undefined.
 */
export function shiftEffect(op: number, size: Size, count: number | undefined): FlagEffect {
  const isRotate = op < 4;
  if (count === undefined) {
    // worst case over every count: nothing is reliably defined
    return { def: 0, undef: isRotate ? OF : OF | AF | CF };
  }
  const c = count & 0x1f;
  if (c === 0) return { def: 0, undef: 0 };
  if (isRotate) {
    // RCL/RCR 8/16 rotate by count mod 9/17: a rotate by 0 leaves CF as it was (defined)
    return c === 1 ? { def: CF | OF, undef: 0 } : { def: CF, undef: OF };
  }
  const width = size * 8;
  let def = CF | SF | ZF | PF;
  let undef = AF;
  if (c === 1) def |= OF;
  else undef |= OF;
  if ((op === 4 || op === 5 || op === 6) && c >= width) {
    def &= ~CF;
    undef |= CF;
  }
  return { def, undef };
}

/** ROL ROR RCL RCR SHL SHR SAL SAR by 1 (D0/D1), CL (D2/D3) and imm8 (C0/C1). */
const shift: Gen = (rng) => {
  const op = rng.below(8);
  const size = pickSize(rng);
  const dst = rmOperand(rng, size, true);
  const reads = op === 2 || op === 3 ? CF : 0;
  const name = SHIFT_NAMES[op] ?? "";
  const form = rng.below(3);
  if (form === 0) return [insn(encode([wop(0xd0, size)], op, dst, size), `${name} ${operandText(dst)}, 1`, reads, () => shiftEffect(op, size, 1))];
  if (form === 1) {
    const out: GenInsn[] = [];
    if (rng.chance(0.5)) {
      const cnt = rng.pick([0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, rng.below(256)]);
      out.push(insn([0xb1, cnt], `mov cl, 0x${cnt.toString(16)}`, 0, NONE));
    }
    out.push(insn(encode([wop(0xd2, size)], op, dst, size), `${name} ${operandText(dst)}, cl`, reads, (pre) => shiftEffect(op, size, pre === undefined ? undefined : clValue(pre))));
    return out;
  }
  const cnt = rng.pick([0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, rng.below(256)]);
  return [insn([...encode([wop(0xc0, size)], op, dst, size), cnt], `${name} ${operandText(dst)}, 0x${cnt.toString(16)}`, reads, () => shiftEffect(op, size, cnt))];
};

/** SHLD/SHRD r/m, r, imm8|CL (0F A4/A5/AC/AD), 16 and 32 bit. */
const shiftDouble: Gen = (rng) => {
  const size = rng.pick([2, 4] as const);
  const right = rng.chance(0.5);
  const dst = rmOperand(rng, size, true);
  const src = anyReg(rng, size);
  const name = right ? "shrd" : "shld";
  const effectFor = (count: number): FlagEffect => {
    const c = count & 0x1f;
    if (c === 0) return { def: 0, undef: 0 };
    if (c > size * 8) return { def: 0, undef: ALL };
    return c === 1 ? { def: ALL & ~AF, undef: AF } : { def: CF | SF | ZF | PF, undef: AF | OF };
  };
  const dstReg = dst.kind === "reg" ? 1 << dst.reg : 0;
  if (rng.chance(0.5)) {
    const cnt = size === 2 ? rng.range(0, 16) : rng.pick([0, 1, 2, 16, 31, 32, 33, rng.below(32)]);
    return [insn([...encode([0x0f, right ? 0xac : 0xa4], src.reg, dst, size), cnt], `${name} ${operandText(dst)}, ${operandText(src)}, 0x${cnt.toString(16)}`, 0, () => effectFor(cnt))];
  }
  const cnt = size === 2 ? rng.range(0, 16) : rng.below(64);
  return [
    insn([0xb1, cnt], `mov cl, 0x${cnt.toString(16)}`, 0, NONE),
    insn(
      encode([0x0f, right ? 0xad : 0xa5], src.reg, dst, size),
      `${name} ${operandText(dst)}, ${operandText(src)}, cl`,
      0,
      (pre) => (pre === undefined ? { def: 0, undef: ALL } : effectFor(clValue(pre))),
      (pre) => ((clValue(pre) & 0x1f) > size * 8 ? dstReg : 0),
    ),
  ];
};

const MULDIV_UNDEF = SF | ZF | AF | PF;

/** MUL IMUL (F6/F7 /4 /5, 0F AF, 69, 6B): CF OF defined, SF ZF AF PF undefined. */
const mul: Gen = (rng) => {
  const size = pickSize(rng);
  const eff = fixed(CF | OF, MULDIV_UNDEF);
  const form = size === 1 ? 0 : rng.below(3);
  if (form === 0) {
    const src = rmOperand(rng, size, false);
    const signed = rng.chance(0.5);
    return [insn(encode([wop(0xf6, size)], signed ? 5 : 4, src, size), `${signed ? "imul" : "mul"} ${operandText(src)}`, 0, eff)];
  }
  const dst = freeReg(rng, size);
  const src = rmOperand(rng, size, false);
  if (form === 1) return [insn(encode([0x0f, 0xaf], dst.reg, src, size), `imul ${operandText(dst)}, ${operandText(src)}`, 0, eff)];
  if (rng.chance(0.5)) {
    const v = rng.below(256);
    return [insn([...encode([0x6b], dst.reg, src, size), v], `imul ${operandText(dst)}, ${operandText(src)}, ${(v << 24) >> 24}`, 0, eff)];
  }
  const v = immFor(rng, size);
  return [insn([...encode([0x69], dst.reg, src, size), ...imm(v, size)], `imul ${operandText(dst)}, ${operandText(src)}, 0x${v.toString(16)}`, 0, eff)];
};

/**
 * DIV IDIV (F6/F7 /6 /7) behind guards that rule out #DE: a non-zero divisor loaded just before,
 * and a high half that keeps the quotient in range (zero for DIV; CBW/CWD/CDQ for IDIV with
 * |divisor| >= 2). All six status flags are undefined afterwards.
 */
const div: Gen = (rng) => {
  const size = pickSize(rng);
  const signed = rng.chance(0.5);
  const out: GenInsn[] = [];
  // divisor: a free register other than the dividend's (EAX/EDX; AX for bytes)
  const dreg = size === 1 ? rng.pick([1, 3, 5, 7]) : rng.pick([ECX, 3]);
  let dv = rng.interesting32();
  if (signed) {
    // |divisor| >= 2
    const mag = Math.max(2, (dv >>> 0) % (size === 1 ? 0x7f : size === 2 ? 0x7fff : 0x7fffffff));
    dv = rng.chance(0.5) ? mag : -mag;
  } else if ((size === 1 ? dv & 0xff : size === 2 ? dv & 0xffff : dv) === 0) dv = 1;
  const d = size === 1 ? dv & 0xff : size === 2 ? dv & 0xffff : dv >>> 0;
  if (size === 1) out.push(insn([0xb0 + dreg, d], `mov ${regName(dreg, 1)}, 0x${d.toString(16)}`, 0, NONE));
  else out.push(insn([...(size === 2 ? [0x66] : []), 0xb8 + dreg, ...imm(d, size)], `mov ${regName(dreg, size)}, 0x${d.toString(16)}`, 0, NONE));
  if (signed) {
    out.push(size === 1 ? insn([0x66, 0x98], "cbw", 0, NONE) : size === 2 ? insn([0x66, 0x99], "cwd", 0, NONE) : insn([0x99], "cdq", 0, NONE));
  } else {
    out.push(size === 1 ? insn([0xb4, 0], "mov ah, 0", 0, NONE) : insn([...(size === 2 ? [0x66] : []), 0xba, ...imm(0, size)], `mov ${regName(EDX, size)}, 0`, 0, NONE));
  }
  const src: RegOperand = { kind: "reg", reg: dreg, size };
  out.push(insn(encode([wop(0xf6, size)], signed ? 7 : 6, src, size), `${signed ? "idiv" : "div"} ${operandText(src)}`, 0, fixed(0, ALL)));
  return out;
};

/** An unguarded DIV/IDIV on r/m: #DE (vector 0) is a comparable outcome too. */
const divRaw: Gen = (rng) => {
  const size = pickSize(rng);
  const signed = rng.chance(0.5);
  const src = rmOperand(rng, size, false);
  return [insn(encode([wop(0xf6, size)], signed ? 7 : 6, src, size), `${signed ? "idiv" : "div"} ${operandText(src)}`, 0, fixed(0, ALL))];
};

/** DAA DAS AAA AAS AAM AAD (SDM Vol. 2; AAM 0 raises #DE, so the base is non-zero). */
const bcd: Gen = (rng) => {
  switch (rng.below(6)) {
    case 0:
      return [insn([0x27], "daa", AF | CF, fixed(ALL & ~OF, OF))];
    case 1:
      return [insn([0x2f], "das", AF | CF, fixed(ALL & ~OF, OF))];
    case 2:
      return [insn([0x37], "aaa", AF, fixed(AF | CF, OF | SF | ZF | PF))];
    case 3:
      return [insn([0x3f], "aas", AF, fixed(AF | CF, OF | SF | ZF | PF))];
    case 4: {
      const base = rng.chance(0.7) ? 10 : rng.range(1, 255);
      return [insn([0xd4, base], `aam ${base}`, 0, fixed(SF | ZF | PF, OF | AF | CF))];
    }
    default: {
      const base = rng.chance(0.7) ? 10 : rng.below(256);
      return [insn([0xd5, base], `aad ${base}`, 0, fixed(SF | ZF | PF, OF | AF | CF))];
    }
  }
};

/**
 * BT BTS BTR BTC (0F A3/AB/B3/BB with a register offset, 0F BA /4-7 with imm8): CF defined,
 * OF SF AF PF undefined, ZF unchanged. With a memory operand and a register offset the bit
 * string extends beyond the operand (SDM Vol. 2 "BT"), so the offset register is loaded with a
 * small signed value first.
 */
const bitTest: Gen = (rng) => {
  const size = rng.pick([2, 4] as const);
  const op = rng.below(4); // bt bts btr btc
  const name = ["bt", "bts", "btr", "btc"][op] ?? "";
  const dst = rmOperand(rng, size, op !== 0);
  const eff = fixed(CF, OF | SF | AF | PF);
  if (rng.chance(0.5)) {
    const bit = rng.below(256);
    return [insn([...encode([0x0f, 0xba], 4 + op, dst, size), bit], `${name} ${operandText(dst)}, 0x${bit.toString(16)}`, 0, eff)];
  }
  const out: GenInsn[] = [];
  let off = anyReg(rng, size);
  if (dst.kind === "mem") {
    off = freeReg(rng, size);
    const v = rng.range(-96, 96);
    out.push(insn([...(size === 2 ? [0x66] : []), 0xb8 + off.reg, ...imm(v >>> 0, size)], `mov ${regName(off.reg, size)}, ${v}`, 0, NONE));
  }
  out.push(insn(encode([0x0f, 0xa3 + op * 8], off.reg, dst, size), `${name} ${operandText(dst)}, ${operandText(off)}`, 0, eff));
  return out;
};

/** BSF BSR (0F BC/BD): ZF defined, the rest undefined; a zero source leaves the destination undefined. */
const bitScan: Gen = (rng) => {
  const size = rng.pick([2, 4] as const);
  const rev = rng.chance(0.5);
  const dst = freeReg(rng, size);
  const src = rmOperand(rng, size, false);
  return [
    insn(encode([0x0f, rev ? 0xbd : 0xbc], dst.reg, src, size), `${rev ? "bsr" : "bsf"} ${operandText(dst)}, ${operandText(src)}`, 0, fixed(ZF, ALL & ~ZF), (pre) =>
      readOperand(pre, src) === 0 ? 1 << dst.reg : 0,
    ),
  ];
};

/** SETcc r/m8 (0F 90+cc) and CMOVcc r, r/m (0F 40+cc). */
const condMove: Gen = (rng) => {
  const cc = rng.below(16);
  const reads = CC_READS[cc] ?? 0;
  if (rng.chance(0.5)) {
    const dst = rmOperand(rng, 1, true);
    return [insn(encode([0x0f, 0x90 + cc], 0, dst, 1), `set${CC_NAMES[cc] ?? ""} ${operandText(dst)}`, reads, NONE)];
  }
  const size = rng.pick([2, 4] as const);
  const dst = freeReg(rng, size);
  const src = rmOperand(rng, size, false);
  return [insn(encode([0x0f, 0x40 + cc], dst.reg, src, size), `cmov${CC_NAMES[cc] ?? ""} ${operandText(dst)}, ${operandText(src)}`, reads, NONE)];
};

/** XCHG (86/87, 90+r), XADD (0F C0/C1), CMPXCHG (0F B0/B1), CMPXCHG8B (0F C7 /1), BSWAP (0F C8+r). */
const exchange: Gen = (rng) => {
  const size = pickSize(rng);
  switch (rng.below(6)) {
    case 0: {
      const a = rmOperand(rng, size, true);
      const b = freeReg(rng, size);
      return [insn(encode([wop(0x86, size)], b.reg, a, size), `xchg ${operandText(a)}, ${operandText(b)}`, 0, NONE)];
    }
    case 1: {
      const r = rng.pick([0, 1, 2, 3]);
      const s = size === 1 ? 4 : size;
      return [insn([...(s === 2 ? [0x66] : []), 0x90 + r], `xchg ${regName(0, s)}, ${regName(r, s)}`, 0, NONE)];
    }
    case 2: {
      const a = rmOperand(rng, size, true);
      const b = freeReg(rng, size);
      return [insn(encode([0x0f, wop(0xc0, size)], b.reg, a, size), `xadd ${operandText(a)}, ${operandText(b)}`, 0, fixed(ALL))];
    }
    case 3: {
      const a = rmOperand(rng, size, true);
      const b = freeReg(rng, size);
      return [insn(encode([0x0f, wop(0xb0, size)], b.reg, a, size), `cmpxchg ${operandText(a)}, ${operandText(b)}`, 0, fixed(ALL))];
    }
    case 4: {
      const m = memOperand(rng, 4);
      m.size = 4;
      return [insn(encode([0x0f, 0xc7], 1, m, 4), `cmpxchg8b q${m.text}`, 0, fixed(ZF))];
    }
    default: {
      const r = rng.pick([0, 1, 2, 3]);
      return [insn([0x0f, 0xc8 + r], `bswap ${regName(r, 4)}`, 0, NONE)];
    }
  }
};

/** MOV forms, MOVZX/MOVSX, LEA (any addressing form: LEA never touches memory), XLAT. */
const moves: Gen = (rng) => {
  switch (rng.below(6)) {
    case 0: {
      const size = pickSize(rng);
      const dst = rmOperand(rng, size, true);
      const src = anyReg(rng, size);
      return [insn(encode([wop(0x88, size)], src.reg, dst, size), `mov ${operandText(dst)}, ${operandText(src)}`, 0, NONE)];
    }
    case 1: {
      const size = pickSize(rng);
      const dst = freeReg(rng, size);
      const src = rmOperand(rng, size, false);
      return [insn(encode([wop(0x8a, size)], dst.reg, src, size), `mov ${operandText(dst)}, ${operandText(src)}`, 0, NONE)];
    }
    case 2: {
      const from = rng.pick([1, 2] as const);
      const size = from === 1 ? rng.pick([2, 4] as const) : 4;
      const sx = rng.chance(0.5);
      const dst = freeReg(rng, size);
      const src = rmOperand(rng, from, false);
      return [insn(encode([0x0f, (sx ? 0xbe : 0xb6) + (from === 2 ? 1 : 0)], dst.reg, src, size), `${sx ? "movsx" : "movzx"} ${operandText(dst)}, ${operandText(src)}`, 0, NONE)];
    }
    case 3: {
      // LEA with an arbitrary ModRM/SIB (32-bit addressing) or a 16-bit addressing form (67h)
      const size = rng.pick([2, 4] as const);
      const dst = freeReg(rng, size);
      const a16 = rng.chance(0.3);
      const mod = rng.below(3);
      const rm = rng.below(8);
      const bytes = [...(a16 ? [0x67] : []), ...(size === 2 ? [0x66] : []), 0x8d, (mod << 6) | (dst.reg << 3) | rm];
      const sib = rng.below(256);
      if (!a16 && rm === 4) bytes.push(sib);
      // mod 00 with rm 101 (or SIB base 101) means disp32 and no base; 16-bit mod 00 rm 110 means disp16
      const noBase32 = !a16 && mod === 0 && (rm === 5 || (rm === 4 && (sib & 7) === 5));
      const noBase16 = a16 && mod === 0 && rm === 6;
      const dispLen = noBase32 ? 4 : noBase16 ? 2 : mod === 1 ? 1 : mod === 2 ? (a16 ? 2 : 4) : 0;
      for (let i = 0; i < dispLen; i++) bytes.push(rng.below(256));
      return [insn(bytes, `lea ${regName(dst.reg, size)}, [modrm ${bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}]`, 0, NONE)];
    }
    case 4: {
      const size = pickSize(rng);
      const dst = rmOperand(rng, size, true);
      const v = immFor(rng, size);
      if (dst.kind === "reg" && rng.chance(0.5)) {
        return [insn([...(size === 2 ? [0x66] : []), (size === 1 ? 0xb0 : 0xb8) + dst.reg, ...imm(v, size)], `mov ${operandText(dst)}, 0x${v.toString(16)}`, 0, NONE)];
      }
      return [insn([...encode([wop(0xc6, size)], 0, dst, size), ...imm(v, size)], `mov ${operandText(dst)}, 0x${v.toString(16)}`, 0, NONE)];
    }
    default: {
      const table = MEM_BASE + 0x100 + rng.below(0x700);
      return [insn([0xbb, ...imm(table, 4)], `mov ebx, 0x${table.toString(16)}`, 0, NONE), insn([0xd7], "xlatb", 0, NONE)];
    }
  }
};

/** CBW CWDE CWD CDQ, CLC STC CMC CLD STD, LAHF SAHF, NOP. */
const misc: Gen = (rng) => {
  switch (rng.below(12)) {
    case 0:
      return [insn([0x66, 0x98], "cbw", 0, NONE)];
    case 1:
      return [insn([0x98], "cwde", 0, NONE)];
    case 2:
      return [insn([0x66, 0x99], "cwd", 0, NONE)];
    case 3:
      return [insn([0x99], "cdq", 0, NONE)];
    case 4:
      return [insn([0xf8], "clc", 0, fixed(CF))];
    case 5:
      return [insn([0xf9], "stc", 0, fixed(CF))];
    case 6:
      return [insn([0xf5], "cmc", CF, fixed(CF))];
    case 7:
      return [insn([0xfc], "cld", 0, NONE)];
    case 8:
      return [insn([0xfd], "std", 0, NONE)];
    case 9:
      return [insn([0x9f], "lahf", SF | ZF | AF | PF | CF, NONE)];
    case 10:
      return [insn([0x9e], "sahf", 0, fixed(SF | ZF | AF | PF | CF))];
    default:
      return [insn([0x90], "nop", 0, NONE)];
  }
};

/** PUSH/POP (reg, r/m, imm, flags), PUSHA/POPA as a pair, ENTER/LEAVE as a pair. */
const stack: Gen = (rng) => {
  const size = rng.pick([2, 4, 4] as const);
  const p66 = size === 2 ? [0x66] : [];
  switch (rng.below(8)) {
    case 0: {
      const r = rng.below(8);
      return [insn([...p66, 0x50 + r], `push ${regName(r, size)}`, 0, NONE)];
    }
    case 1: {
      const r = rng.pick([0, 1, 2, 3]);
      return [insn([...p66, 0x50 + rng.below(8)], `push (for pop)`, 0, NONE), insn([...p66, 0x58 + r], `pop ${regName(r, size)}`, 0, NONE)];
    }
    case 2: {
      const m = memOperand(rng, size);
      return [insn(encode([0xff], 6, m, size), `push ${operandText(m)}`, 0, NONE)];
    }
    case 3: {
      if (rng.chance(0.5)) {
        const v = rng.below(256);
        return [insn([...p66, 0x6a, v], `push ${(v << 24) >> 24}`, 0, NONE)];
      }
      const v = immFor(rng, size);
      return [insn([...p66, 0x68, ...imm(v, size)], `push 0x${v.toString(16)}`, 0, NONE)];
    }
    case 4: {
      // POPF of a pushed value with only status flags and DF: TF/AC would trap at CPL 3
      const v = (rng.u32() & (STATUS_FLAGS | DF)) >>> 0;
      return [insn([0x68, ...imm(v, 4)], `push 0x${v.toString(16)}`, 0, NONE), insn([0x9d], "popfd", 0, fixed(ALL))];
    }
    case 5:
      return [insn([...p66, 0x9c], size === 2 ? "pushf" : "pushfd", ALL | DF, NONE)];
    case 6:
      return [insn([...p66, 0x60], size === 2 ? "pusha" : "pushad", 0, NONE), insn([...p66, 0x61], size === 2 ? "popa" : "popad", 0, NONE)];
    default: {
      const frame = rng.below(64);
      return [
        insn([0xc8, frame, 0, 0], `enter ${frame}, 0`, 0, NONE),
        insn([0x6a, rng.below(128)], "push (in frame)", 0, NONE),
        insn([0xc9], "leave", 0, NONE),
      ];
    }
  }
};

const STR_NAMES: Record<number, string> = { 0xa4: "movs", 0xa6: "cmps", 0xaa: "stos", 0xac: "lods", 0xae: "scas" };

/** MOVS CMPS STOS LODS SCAS in b/w/d, plain or with REP/REPE/REPNE and a small ECX. */
const string: Gen = (rng) => {
  const base = rng.pick([0xa4, 0xa6, 0xaa, 0xac, 0xae]);
  const size = pickSize(rng);
  const out: GenInsn[] = [];
  const cmp = base === 0xa6 || base === 0xae;
  const rep = rng.chance(0.6) ? (cmp ? rng.pick([0xf3, 0xf2]) : 0xf3) : 0;
  if (rep !== 0) {
    const n = rng.range(0, 8);
    out.push(insn([0xb9, ...imm(n, 4)], `mov ecx, ${n}`, 0, NONE));
  }
  // CMPS/SCAS define all six flags, unless a REP prefix with ECX=0 runs no iteration
  const eff = (pre: CaseState | undefined): FlagEffect => {
    if (!cmp) return { def: 0, undef: 0 };
    if (rep !== 0 && (pre === undefined || (pre.regs[ECX] ?? 0) === 0)) return { def: 0, undef: 0 };
    return { def: ALL, undef: 0 };
  };
  // a segment override applies to the DS:ESI source only (ES:EDI cannot be overridden)
  const seg = (base === 0xa4 || base === 0xa6 || base === 0xac) && rng.chance(0.2) ? [rng.pick([0x26, 0x36])] : [];
  const bytes = [...(rep !== 0 ? [rep] : []), ...(size === 2 ? [0x66] : []), ...seg, base + (size === 1 ? 0 : 1)];
  const suffix = size === 1 ? "b" : size === 2 ? "w" : "d";
  const repName = rep === 0 ? "" : rep === 0xf2 ? "repne " : cmp ? "repe " : "rep ";
  out.push(insn(bytes, `${repName}${STR_NAMES[base] ?? ""}${suffix}`, DF, eff));
  return out;
};

/**
 * BOUND r, m (62 /r): the signed bounds pair comes from the window; an index outside raises #BR
 * (vector 5), compared like any other exception. POP r/m32 (8F /0) of a pushed value.
 */
const boundPop: Gen = (rng) => {
  if (rng.chance(0.5)) {
    const size = rng.pick([2, 4] as const);
    const idx = anyReg(rng, size);
    const m = memOperand(rng, size);
    return [insn(encode([0x62], idx.reg, m, size), `bound ${operandText(idx)}, ${m.text}`, 0, NONE)];
  }
  const m = memOperand(rng, 4);
  return [insn([0x68, ...imm(rng.interesting32(), 4)], "push imm32 (for pop)", 0, NONE), insn(encode([0x8f], 0, m, 4), `pop ${operandText(m)}`, 0, NONE)];
};

/** A CMP that defines all six status flags (used before an instruction reads flags). */
function flagDefiner(rng: Rng): GenInsn {
  const r = rng.pick([0, 1, 2, 3]);
  const v = rng.interesting32();
  return insn([0x81, 0xf8 + r, ...imm(v, 4)], `cmp ${regName(r, 4)}, 0x${v.toString(16)}`, 0, fixed(ALL));
}

export interface GeneratorWeights {
  alu: number;
  unary: number;
  test: number;
  shift: number;
  shiftDouble: number;
  mul: number;
  div: number;
  divRaw: number;
  bcd: number;
  bitTest: number;
  bitScan: number;
  condMove: number;
  exchange: number;
  moves: number;
  misc: number;
  stack: number;
  string: number;
  boundPop: number;
}

export const DEFAULT_WEIGHTS: GeneratorWeights = {
  alu: 10,
  unary: 4,
  test: 2,
  shift: 6,
  shiftDouble: 2,
  mul: 3,
  div: 3,
  divRaw: 0.3,
  bcd: 3,
  bitTest: 3,
  bitScan: 2,
  condMove: 3,
  exchange: 3,
  moves: 4,
  misc: 3,
  stack: 3,
  string: 3,
  boundPop: 1,
};

const GENS: Record<keyof GeneratorWeights, Gen> = {
  alu,
  unary,
  test,
  shift,
  shiftDouble,
  mul,
  div,
  divRaw,
  bcd,
  bitTest,
  bitScan,
  condMove,
  exchange,
  moves,
  misc,
  stack,
  string,
  boundPop,
};

export interface GenerateOptions {
  /** Instruction groups per case, at least 1 (guards and flag definers come on top). */
  maxGroups?: number;
  weights?: Partial<GeneratorWeights>;
}

/** Initial stack pointer: 0xC00 bytes of room below, 0x400 above (POPs). */
export const CASE_STACK = MEM_BASE + 0xc00;

/** One random case. The same Rng state always gives the same case. */
export function generateCase(rng: Rng, opts: GenerateOptions = {}): FuzzCase {
  const weights = { ...DEFAULT_WEIGHTS, ...opts.weights };
  const names = Object.keys(GENS) as (keyof GeneratorWeights)[];
  const total = names.reduce((a, n) => a + weights[n], 0);
  const groups = rng.range(1, Math.max(1, opts.maxGroups ?? 6));
  const insns: GenInsn[] = [];
  let undefNow = 0;
  let strings = 0;
  for (let g = 0; g < groups; g++) {
    let x = (rng.u32() / 0x100000000) * total;
    let chosen: keyof GeneratorWeights = "alu";
    for (const n of names) {
      x -= weights[n];
      if (x < 0) {
        chosen = n;
        break;
      }
    }
    if (chosen === "string" && ++strings > 4) chosen = "alu";
    for (const i of GENS[chosen](rng)) {
      if ((i.reads & undefNow) !== 0) {
        const d = flagDefiner(rng);
        insns.push(d);
        undefNow = 0;
      }
      insns.push(i);
      const e = i.effect(undefined);
      undefNow = (undefNow & ~e.def) | e.undef;
    }
  }
  const regs = [rng.interesting32(), rng.interesting32(), rng.interesting32(), rng.interesting32(), CASE_STACK, rng.below(0x40), MEM_BASE + 0x300 + rng.below(0x400), MEM_BASE + 0x300 + rng.below(0x400)];
  const mem = new Uint8Array(MEM_SIZE);
  for (let i = 0; i < MEM_SIZE; i += 4) {
    const v = rng.chance(0.3) ? rng.interesting32() : rng.u32();
    mem[i] = v & 0xff;
    mem[i + 1] = (v >>> 8) & 0xff;
    mem[i + 2] = (v >>> 16) & 0xff;
    mem[i + 3] = (v >>> 24) & 0xff;
  }
  const eflags = (rng.u32() & (STATUS_FLAGS | (rng.chance(0.2) ? DF : 0))) >>> 0;
  return { case: { insns: insns.map((i) => i.bytes), regs, eflags, mem: [{ offset: 0, bytes: mem }] }, insns };
}

/** `count` cases from one Rng, in order: case i of a seed is always the same. */
export function generateCases(rng: Rng, count: number, opts: GenerateOptions = {}): FuzzCase[] {
  return Array.from({ length: count }, () => generateCase(rng, opts));
}

