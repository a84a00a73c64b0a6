// Operands of generated instructions and their ModRM/SIB encoding (SDM Vol. 2 2.1.5, Tables 2-2
// and 2-3: 32-bit addressing forms). Memory operands are built so that their effective address
// stays inside the case's data window whatever the earlier instructions of the case do: bases are
// ESI/EDI (only string instructions move them, by a bounded amount), the only index is EBP (kept
// small, never a destination), absolute forms point into the window.
import { EBP, ECX, EDI, ESI, ESP, MEM_BASE, REG_NAMES, type CaseState } from "../native/native-case.js";
import type { Rng } from "./rng.js";

export type Size = 1 | 2 | 4;

export interface RegOperand {
  kind: "reg";
  /** Register number; for Size 1, 0-7 = AL CL DL BL AH CH DH BH. */
  reg: number;
  size: Size;
}

export interface MemOperand {
  kind: "mem";
  size: Size;
  /** ModRM mod and rm fields, optional SIB byte and displacement bytes. */
  mod: number;
  rm: number;
  sib?: number;
  disp: number[];
  /** Segment-override prefix byte (0x26 ES, 0x36 SS, 0x3E DS) or undefined. */
  seg?: number;
  /** Effective address in the pre-state. */
  ea(pre: CaseState): number;
  text: string;
}

export type Operand = RegOperand | MemOperand;

const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];

export function regName(reg: number, size: Size): string {
  return (size === 1 ? R8 : size === 2 ? R16 : REG_NAMES)[reg] ?? "?";
}

export const SIZE_NAME: Record<Size, string> = { 1: "byte", 2: "word", 4: "dword" };

export function operandText(op: Operand): string {
  return op.kind === "reg" ? regName(op.reg, op.size) : `${SIZE_NAME[op.size]} ${op.text}`;
}

/** Registers generated instructions may write freely: EAX ECX EDX EBX (and their byte halves). */
export const FREE_REGS = [0, 1, 2, 3] as const;

export function freeReg(rng: Rng, size: Size): RegOperand {
  // byte registers 0-7 are all parts of EAX..EBX
  return { kind: "reg", reg: size === 1 ? rng.below(8) : rng.pick(FREE_REGS), size };
}

/** Any register as a source (pointers and ESP included: their values are fixed by the case). */
export function anyReg(rng: Rng, size: Size): RegOperand {
  return { kind: "reg", reg: rng.below(8), size };
}

function disp8(v: number): number[] {
  return [v & 0xff];
}
function disp32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function signedHex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`;
}

/** A memory operand inside the window (see the file comment for why it stays there). */
export function memOperand(rng: Rng, size: Size): MemOperand {
  const seg = rng.chance(0.15) ? rng.pick([0x26, 0x36, 0x3e]) : undefined;
  const segText = seg === undefined ? "" : `${{ 0x26: "es", 0x36: "ss", 0x3e: "ds" }[seg] ?? ""}:`;
  const base = rng.pick([ESI, EDI]);
  const bn = REG_NAMES[base] ?? "";
  const reg = (pre: CaseState, r: number): number => pre.regs[r] ?? 0;
  let op: Omit<MemOperand, "kind" | "size" | "seg" | "text"> & { t: string };
  switch (rng.below(7)) {
    case 0:
      op = { mod: 0, rm: base, disp: [], ea: (p) => reg(p, base), t: `[${bn}]` };
      break;
    case 1: {
      const d = rng.range(-128, 127);
      op = { mod: 1, rm: base, disp: disp8(d), ea: (p) => (reg(p, base) + d) >>> 0, t: `[${bn}${signedHex(d)}]` };
      break;
    }
    case 2: {
      const d = rng.range(-0x200, 0x200);
      op = { mod: 2, rm: base, disp: disp32(d), ea: (p) => (reg(p, base) + d) >>> 0, t: `[${bn}${signedHex(d)}] (disp32)` };
      break;
    }
    case 3: {
      const scale = rng.below(4);
      const d = rng.range(-128, 127);
      op = {
        mod: 1,
        rm: 4,
        sib: (scale << 6) | (EBP << 3) | base,
        disp: disp8(d),
        ea: (p) => (reg(p, base) + (reg(p, EBP) << scale) + d) >>> 0,
        t: `[${bn}+ebp*${1 << scale}${signedHex(d)}]`,
      };
      break;
    }
    case 4: {
      const off = rng.below(0x1000 - size - 8) + 4;
      const a = MEM_BASE + off;
      op = { mod: 0, rm: 5, disp: disp32(a), ea: () => a, t: `[0x${a.toString(16)}]` };
      break;
    }
    case 5: {
      const scale = rng.below(4);
      const a = MEM_BASE + 0x100 + rng.below(0x600);
      op = {
        mod: 0,
        rm: 4,
        sib: (scale << 6) | (EBP << 3) | 5,
        disp: disp32(a),
        ea: (p) => (a + (reg(p, EBP) << scale)) >>> 0,
        t: `[ebp*${1 << scale}+0x${a.toString(16)}]`,
      };
      break;
    }
    default: {
      const d = rng.range(-0x40, 0x40) & ~3;
      op = { mod: 1, rm: 4, sib: (4 << 3) | ESP, disp: disp8(d), ea: (p) => (reg(p, ESP) + d) >>> 0, t: `[esp${signedHex(d)}]` };
      break;
    }
  }
  const m: MemOperand = { kind: "mem", size, mod: op.mod, rm: op.rm, disp: op.disp, ea: op.ea, text: `${segText}${op.t}` };
  if (op.sib !== undefined) m.sib = op.sib;
  if (seg !== undefined) m.seg = seg;
  return m;
}

/** Register or memory operand (r/m). */
export function rmOperand(rng: Rng, size: Size, writable: boolean): Operand {
  if (rng.chance(0.4)) return memOperand(rng, size);
  return writable ? freeReg(rng, size) : anyReg(rng, size);
}

/**
 * Bytes of prefixes + opcode + ModRM (+SIB, displacement) for `opcode /regField rm`.
 * Operand-size 16 adds the 0x66 prefix.
 */
export function encode(opcode: readonly number[], regField: number, rm: Operand, opSize: Size, extraPrefix: number[] = []): number[] {
  const pre: number[] = [...extraPrefix];
  if (opSize === 2) pre.push(0x66);
  if (rm.kind === "mem" && rm.seg !== undefined) pre.push(rm.seg);
  if (rm.kind === "reg") return [...pre, ...opcode, 0xc0 | (regField << 3) | rm.reg];
  const out = [...pre, ...opcode, (rm.mod << 6) | (regField << 3) | rm.rm];
  if (rm.sib !== undefined) out.push(rm.sib);
  return [...out, ...rm.disp];
}

export function imm(v: number, size: Size): number[] {
  if (size === 1) return [v & 0xff];
  if (size === 2) return [v & 0xff, (v >>> 8) & 0xff];
  return disp32(v);
}

/** Reads an operand's value from a state (memory through the window). */
export function readOperand(pre: CaseState, op: Operand): number {
  if (op.kind === "reg") {
    if (op.size === 1) return op.reg < 4 ? (pre.regs[op.reg] ?? 0) & 0xff : ((pre.regs[op.reg - 4] ?? 0) >>> 8) & 0xff;
    return op.size === 2 ? (pre.regs[op.reg] ?? 0) & 0xffff : (pre.regs[op.reg] ?? 0) >>> 0;
  }
  const off = op.ea(pre) - MEM_BASE;
  let v = 0;
  for (let i = op.size - 1; i >= 0; i--) v = v * 256 + (pre.mem[off + i] ?? 0);
  return v >>> 0;
}

export function clValue(pre: CaseState): number {
  return (pre.regs[ECX] ?? 0) & 0xff;
}

export { EDI, ESI };
