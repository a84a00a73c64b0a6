/**
 * The JIT's compile-time view of the six status flags. Each flag is known to live in one place:
 * the processor's own (lazy) flag state, a constant, a local holding 0/1, or the operands of an
 * instruction compiled earlier (kept in locals, evaluated only when something reads the flag) —
 * the same lazy scheme as the interpreter's, resolved at compile time. `writeback` produces code
 * leaving the processor's fields describing exactly the flags the interpreter would have.
 */
import type { Cpu } from "../cpu.js";
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_RESULT, LZ_SBB, LZ_SUB } from "../core/lazy-flags.js";

/** Flag numbering in the state arrays, and their EFLAGS bits. */
export const F_CF = 0, F_PF = 1, F_AF = 2, F_ZF = 3, F_SF = 4, F_OF = 5;
export const FLAG_BITS = [0x1, 0x4, 0x10, 0x40, 0x80, 0x800] as const;
const FLAG_SHIFT = [0, 2, 4, 6, 7, 11] as const;
export const ALL_FLAGS = 0x3f;

/** An instruction whose result defines flags lazily: kind (LZ_*), width, and the locals holding its operands. */
export interface Producer {
  kind: number;
  bits: number;
  a: string;
  b: string;
  r: string;
  /** Carry-in local for ADC/SBB. */
  cin: string;
}

export type FlagSource =
  | { t: 0 } // in the processor's state
  | { t: 1; p: Producer } // lazily from an instruction's operands
  | { t: 2; v: number } // constant 0/1
  | { t: 3; name: string }; // a local holding 0/1

export const CPU_SOURCE: FlagSource = { t: 0 };

export class FlagState {
  src: FlagSource[];

  constructor(src?: FlagSource[]) {
    this.src = src ?? [CPU_SOURCE, CPU_SOURCE, CPU_SOURCE, CPU_SOURCE, CPU_SOURCE, CPU_SOURCE];
  }

  clone(): FlagState {
    return new FlagState([...this.src]);
  }

  /** All six from one producer (`mask` of flag numbers as bits: which it defines). */
  define(mask: number, s: FlagSource): void {
    for (let f = 0; f < 6; f++) if (mask & (1 << f)) this.src[f] = s;
  }

  allCpu(): boolean {
    return this.src.every((s) => s.t === 0);
  }
}

function maskOf(bits: number): string {
  return bits === 32 ? "-1" : String((1 << bits) - 1);
}

/**
 * The processor's lazy flag fields from a producer, as `writeback` stores them (generated code calls it as
 * `L`): one short call per writeback instead of six stores spelt out, which V8 inlines where it is hot.
 */
export function setLazy(cpu: Cpu, kind: number, op1: number, op2: number, res: number, bits: number, mask: number): void {
  cpu.setLazy(kind, op1, op2, res, bits);
  // the producer covers only `mask`; the other flags were written to flagsRaw before this call
  cpu.lazyMask = mask;
}

/** A 0/1 expression for flag `f` computed from producer `p` (the interpreter's lazy formulas, cpu.ts). */
export function producerFlag(f: number, p: Producer): string {
  const { a, b, r, bits } = p;
  const M = maskOf(bits);
  const sh = bits - 1;
  switch (f) {
    case F_CF:
      switch (p.kind) {
        case LZ_ADD: return bits === 32 ? `((${r} >>> 0) < (${a} >>> 0) ? 1 : 0)` : `((${r} & ${M}) < (${a} & ${M}) ? 1 : 0)`;
        case LZ_ADC: return bits === 32 ? `((${a} >>> 0) + (${b} >>> 0) + ${p.cin} > 4294967295 ? 1 : 0)` : `((${a} & ${M}) + (${b} & ${M}) + ${p.cin} > ${M} ? 1 : 0)`;
        case LZ_SUB: return bits === 32 ? `((${a} >>> 0) < (${b} >>> 0) ? 1 : 0)` : `((${a} & ${M}) < (${b} & ${M}) ? 1 : 0)`;
        case LZ_SBB: return bits === 32 ? `((${a} >>> 0) < (${b} >>> 0) + ${p.cin} ? 1 : 0)` : `((${a} & ${M}) < (${b} & ${M}) + ${p.cin} ? 1 : 0)`;
        case LZ_LOGIC: return "0";
        default: throw new Error(`no lazy CF for kind ${p.kind}`);
      }
    case F_PF:
      return `PAR[${r} & 255]`;
    case F_AF:
      switch (p.kind) {
        case LZ_LOGIC:
        case LZ_RESULT:
          return "0";
        case LZ_INC: return `((${r} & 15) === 0 ? 1 : 0)`;
        case LZ_DEC: return `((${r} & 15) === 15 ? 1 : 0)`;
        default: return `(((${a} ^ ${b} ^ ${r}) >>> 4) & 1)`;
      }
    case F_ZF:
      return bits === 32 ? `((${r} | 0) === 0 ? 1 : 0)` : `((${r} & ${M}) === 0 ? 1 : 0)`;
    case F_SF:
      return `((${r} >>> ${sh}) & 1)`;
    default:
      switch (p.kind) {
        case LZ_ADD:
        case LZ_ADC:
          return `((((${a} ^ ${r}) & (${b} ^ ${r})) >>> ${sh}) & 1)`;
        case LZ_SUB:
        case LZ_SBB:
          return `((((${a} ^ ${b}) & (${a} ^ ${r})) >>> ${sh}) & 1)`;
        case LZ_INC: return bits === 32 ? `((${r} | 0) === -2147483648 ? 1 : 0)` : `((${r} & ${M}) === ${1 << sh} ? 1 : 0)`;
        case LZ_DEC: return bits === 32 ? `((${r} | 0) === 2147483647 ? 1 : 0)` : `((${r} & ${M}) === ${(1 << sh) - 1} ? 1 : 0)`;
        case LZ_LOGIC: return "0";
        default: throw new Error(`no lazy OF for kind ${p.kind}`);
      }
  }
}

const CPU_GETTERS = ["cpu.getCf()", "(cpu.getPf() ? 1 : 0)", "(cpu.getAf() ? 1 : 0)", "(cpu.getZf() ? 1 : 0)", "(cpu.getSf() ? 1 : 0)", "(cpu.getOf() ? 1 : 0)"];

/** A 0/1 expression for flag `f` in state `s`. */
export function flagExpr(s: FlagState, f: number): string {
  const src = s.src[f]!;
  switch (src.t) {
    case 0: return CPU_GETTERS[f]!;
    case 1: return producerFlag(f, src.p);
    case 2: return String(src.v);
    default: return src.name;
  }
}

/** Flags (as F_* bits) a condition code reads (SDM vol. 1 appendix B, table B-1). */
export const CC_FLAGS = [0x20, 0x20, 0x01, 0x01, 0x08, 0x08, 0x09, 0x09, 0x10, 0x10, 0x02, 0x02, 0x30, 0x30, 0x38, 0x38];

/** A boolean expression for condition code `cc` in state `s`. */
export function conditionExpr(s: FlagState, cc: number): string {
  const need = CC_FLAGS[cc]!;
  const neg = (cc & 1) !== 0;
  let allCpu = true;
  let single: Producer | null = null;
  let sameProducer = true;
  for (let f = 0; f < 6; f++) {
    if ((need & (1 << f)) === 0) continue;
    const src = s.src[f]!;
    if (src.t !== 0) allCpu = false;
    if (src.t !== 1) sameProducer = false;
    else if (single === null) single = src.p;
    else if (single !== src.p) sameProducer = false;
  }
  if (allCpu) return `cpu.condition(${cc})`;
  if (sameProducer && single !== null) {
    const fast = producerCondition(single, cc >> 1);
    if (fast !== null) return neg ? `!(${fast})` : fast;
  }
  const x = (f: number): string => flagExpr(s, f);
  let e: string;
  switch (cc >> 1) {
    case 0: e = x(F_OF); break;
    case 1: e = x(F_CF); break;
    case 2: e = x(F_ZF); break;
    case 3: e = `(${x(F_CF)} | ${x(F_ZF)})`; break;
    case 4: e = x(F_SF); break;
    case 5: e = x(F_PF); break;
    case 6: e = `(${x(F_SF)} ^ ${x(F_OF)})`; break;
    default: e = `(${x(F_ZF)} | (${x(F_SF)} ^ ${x(F_OF)}))`; break;
  }
  return neg ? `(${e} === 0)` : `(${e} !== 0)`;
}

/** Direct comparisons for the common producer/condition pairs (CMP then Jcc, TEST then Jcc), or null. */
function producerCondition(p: Producer, c: number): string | null {
  const { a, b, r, bits } = p;
  const M = maskOf(bits);
  const sx = bits === 32 ? (v: string): string => `(${v} | 0)` : (v: string): string => `((${v} << ${32 - bits}) >> ${32 - bits})`;
  const ux = bits === 32 ? (v: string): string => `(${v} >>> 0)` : (v: string): string => `(${v} & ${M})`;
  if (p.kind === LZ_SUB) {
    switch (c) {
      case 1: return `${ux(a)} < ${ux(b)}`;
      case 2: return bits === 32 ? `(${r} | 0) === 0` : `(${r} & ${M}) === 0`;
      case 3: return `${ux(a)} <= ${ux(b)}`;
      case 4: return `(${r} & ${1 << (bits - 1)}) !== 0`;
      case 6: return `${sx(a)} < ${sx(b)}`;
      case 7: return `${sx(a)} <= ${sx(b)}`;
      default: return null;
    }
  }
  if (p.kind === LZ_LOGIC) {
    switch (c) {
      case 0:
      case 1:
        return "false";
      case 2:
      case 3:
        return bits === 32 ? `(${r} | 0) === 0` : `(${r} & ${M}) === 0`;
      case 4:
      case 6:
        return `(${r} & ${1 << (bits - 1)}) !== 0`;
      case 7:
        return `(${r} & ${M}) === 0 || (${r} & ${1 << (bits - 1)}) !== 0`;
      default:
        return null;
    }
  }
  if ((p.kind === LZ_DEC || p.kind === LZ_INC || p.kind === LZ_ADD) && c === 2) {
    return bits === 32 ? `(${r} | 0) === 0` : `(${r} & ${M}) === 0`;
  }
  return null;
}

/**
 * Code that stores state `s` into the processor's flag fields (flagsRaw, the lazy operands and
 * lazyMask), so that every getter answers what the compiled code's flags are.
 */
export function writeback(s: FlagState): string {
  let cpuMask = 0;
  for (let f = 0; f < 6; f++) if (s.src[f]!.t === 0) cpuMask |= 1 << f;
  if (cpuMask === ALL_FLAGS) return "";
  // The producer covering most flags stays lazy; every other flag is computed now.
  const counts = new Map<Producer, number>();
  for (const src of s.src) if (src.t === 1) counts.set(src.p, (counts.get(src.p) ?? 0) + 1);
  let lazy: Producer | null = null;
  let best = 0;
  for (const [p, c] of counts) {
    if (c > best) {
      best = c;
      lazy = p;
    }
  }
  let lazyBits = 0;
  let eagerBits = 0;
  const eager: string[] = [];
  for (let f = 0; f < 6; f++) {
    const src = s.src[f]!;
    if (src.t === 0) continue;
    if (src.t === 1 && src.p === lazy) {
      lazyBits |= FLAG_BITS[f]!;
      continue;
    }
    eagerBits |= FLAG_BITS[f]!;
    if (src.t === 2) {
      if (src.v !== 0) eager.push(String(FLAG_BITS[f]!));
    } else {
      eager.push(FLAG_SHIFT[f] === 0 ? flagExpr(s, f) : `(${flagExpr(s, f)} << ${FLAG_SHIFT[f]!})`);
    }
  }
  let code = "";
  // Flags still in the processor's state are materialised before its lazy fields are reused — only those:
  // the rest are about to be replaced (eagerly or by the lazy producer).
  let cpuBits = 0;
  for (let f = 0; f < 6; f++) if (cpuMask & (1 << f)) cpuBits |= FLAG_BITS[f]!;
  if (cpuMask !== 0) code += `cpu.materializeFlags(${cpuBits});`;
  if (eagerBits !== 0) code += `cpu.flagsRaw = (cpu.flagsRaw & ${~eagerBits}) | ${eager.length === 0 ? "0" : eager.join(" | ")};`;
  if (lazy !== null) {
    code += `L(cpu, ${lazy.kind}, ${lazy.a}, ${lazy.b}, ${lazy.r}, ${lazy.bits}, ${lazyBits});`;
    if (lazy.kind === LZ_ADC || lazy.kind === LZ_SBB) code += `cpu.lzCarryIn = ${lazy.cin};`;
  } else {
    // every flag is in flagsRaw now (the processor's materialised, the region's stored eagerly)
    code += "cpu.lazyMask = 0;";
  }
  return code;
}
