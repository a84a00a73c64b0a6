/**
 * Integer arithmetic and logic (SDM vol. 2: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, INC, DEC, NEG, NOT,
 * TEST, MUL, IMUL, DIV, IDIV, shifts and rotates, the BCD adjusts, CBW/CWDE/CWD/CDQ).
 */
import type { Cpu } from "../cpu.js";
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_SBB, LZ_SUB } from "../cpu.js";
import { EXC_DE } from "../core/exceptions.js";
import { EAX, EDX, FLAG_AF, FLAG_CF, FLAG_OF } from "../core/registers.js";
import type { Handler } from "./table.js";

/** The eight group-1 operations in their /r order: ADD OR ADC SBB AND SUB XOR CMP. */
export function alu(cpu: Cpu, op: number, a: number, b: number, bits: number): number {
  let r: number;
  switch (op) {
    case 0: r = a + b; cpu.setLazy(LZ_ADD, a, b, r, bits); break;
    case 1: r = a | b; cpu.setLazy(LZ_LOGIC, a, b, r, bits); break;
    case 2: {
      const c = cpu.getCf();
      r = a + b + c;
      cpu.lzCarryIn = c;
      cpu.setLazy(LZ_ADC, a, b, r, bits);
      break;
    }
    case 3: {
      const c = cpu.getCf();
      r = a - b - c;
      cpu.lzCarryIn = c;
      cpu.setLazy(LZ_SBB, a, b, r, bits);
      break;
    }
    case 4: r = a & b; cpu.setLazy(LZ_LOGIC, a, b, r, bits); break;
    case 5:
    case 7: r = a - b; cpu.setLazy(LZ_SUB, a, b, r, bits); break;
    default: r = a ^ b; cpu.setLazy(LZ_LOGIC, a, b, r, bits); break;
  }
  return r;
}

function installGroup1(t: Handler[], base: number, op: number): void {
  // op r/m8, r8
  t[base] = (cpu) => {
    cpu.decodeModrm();
    if (op !== 7) cpu.checkRmWritable(1);
    const r = alu(cpu, op, cpu.readRm8(), cpu.getReg8(cpu.modrmReg), 8);
    if (op !== 7) cpu.writeRm8(r);
  };
  // op r/m16/32, r16/32
  t[base + 1] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.o32) {
      if (op !== 7) cpu.checkRmWritable(4);
      const r = alu(cpu, op, cpu.readRm32(), cpu.reg[cpu.modrmReg]!, 32);
      if (op !== 7) cpu.writeRm32(r);
    } else {
      if (op !== 7) cpu.checkRmWritable(2);
      const r = alu(cpu, op, cpu.readRm16(), cpu.reg[cpu.modrmReg]! & 0xffff, 16);
      if (op !== 7) cpu.writeRm16(r);
    }
  };
  // op r8, r/m8
  t[base + 2] = (cpu) => {
    cpu.decodeModrm();
    const reg = cpu.modrmReg;
    const r = alu(cpu, op, cpu.getReg8(reg), cpu.readRm8(), 8);
    if (op !== 7) cpu.setReg8(reg, r);
  };
  // op r16/32, r/m16/32
  t[base + 3] = (cpu) => {
    cpu.decodeModrm();
    const reg = cpu.modrmReg;
    if (cpu.o32) {
      const r = alu(cpu, op, cpu.reg[reg]!, cpu.readRm32(), 32);
      if (op !== 7) cpu.reg[reg] = r;
    } else {
      const r = alu(cpu, op, cpu.reg[reg]! & 0xffff, cpu.readRm16(), 16);
      if (op !== 7) cpu.setReg16(reg, r);
    }
  };
  // op AL, imm8
  t[base + 4] = (cpu) => {
    const r = alu(cpu, op, cpu.reg[EAX]! & 0xff, cpu.fetch8(), 8);
    if (op !== 7) cpu.setReg8(EAX, r);
  };
  // op eAX, imm16/32
  t[base + 5] = (cpu) => {
    if (cpu.o32) {
      const r = alu(cpu, op, cpu.reg[EAX]!, cpu.fetch32(), 32);
      if (op !== 7) cpu.reg[EAX] = r;
    } else {
      const r = alu(cpu, op, cpu.reg[EAX]! & 0xffff, cpu.fetch16(), 16);
      if (op !== 7) cpu.setReg16(EAX, r);
    }
  };
}

/** Group 1 with an immediate: 80 (r/m8, imm8), 81 (r/mv, immv), 82 (alias of 80), 83 (r/mv, sign-extended imm8). */
function group1Imm(cpu: Cpu, opcode: number): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  if (opcode === 0x80 || opcode === 0x82) {
    if (op !== 7) cpu.checkRmWritable(1);
    const a = cpu.readRm8();
    const r = alu(cpu, op, a, cpu.fetch8(), 8);
    if (op !== 7) cpu.writeRm8(r);
    return;
  }
  if (cpu.o32) {
    if (op !== 7) cpu.checkRmWritable(4);
    const a = cpu.readRm32();
    const b = opcode === 0x83 ? (cpu.fetch8() << 24) >> 24 : cpu.fetch32();
    const r = alu(cpu, op, a, b, 32);
    if (op !== 7) cpu.writeRm32(r);
  } else {
    if (op !== 7) cpu.checkRmWritable(2);
    const a = cpu.readRm16();
    const b = opcode === 0x83 ? ((cpu.fetch8() << 24) >> 24) & 0xffff : cpu.fetch16();
    const r = alu(cpu, op, a, b, 16);
    if (op !== 7) cpu.writeRm16(r);
  }
}

function incReg(cpu: Cpu, r: number, dec: boolean): void {
  if (cpu.o32) {
    const a = cpu.reg[r]!;
    const res = dec ? (a - 1) | 0 : (a + 1) | 0;
    cpu.reg[r] = res;
    cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, res, 32);
  } else {
    const a = cpu.reg[r]! & 0xffff;
    const res = dec ? a - 1 : a + 1;
    cpu.setReg16(r, res);
    cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, res, 16);
  }
}

function test(cpu: Cpu, a: number, b: number, bits: number): void {
  cpu.setLazy(LZ_LOGIC, a, b, a & b, bits);
}

// ---------- shifts and rotates (SDM vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR) ----------

/**
 * Group 2 operation `op` (ROL ROR RCL RCR SHL SHR SAL SAR) of `value` (`bits` wide) by `count`
 * (already masked to 5 bits). Returns the result; flags are left as the SDM defines them (OF is
 * defined only for 1-bit shifts; for larger counts we compute it as Intel hardware does for shifts and
 * from the final result for rotates — the oracle masks it as undefined).
 */
export function shift(cpu: Cpu, op: number, value: number, count: number, bits: number): number {
  if (count === 0) return value;
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  const sign = bits - 1;
  const v = value & mask;
  let cf: boolean, of: boolean, r: number;
  switch (op) {
    case 0: { // ROL
      const n = count % bits;
      r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & mask;
      cf = (r & 1) !== 0;
      of = (((r >>> sign) & 1) ^ (r & 1)) !== 0;
      cpu.getFlags();
      cpu.flagsRaw = (cpu.flagsRaw & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
      return r;
    }
    case 1: { // ROR
      const n = count % bits;
      r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & mask;
      cf = ((r >>> sign) & 1) !== 0;
      of = (((r >>> sign) ^ (r >>> (sign - 1))) & 1) !== 0;
      cpu.getFlags();
      cpu.flagsRaw = (cpu.flagsRaw & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
      return r;
    }
    case 2: { // RCL: rotate through CF, a (bits+1)-bit rotation
      const n = count % (bits + 1);
      let c = cpu.getCf();
      r = v;
      for (let i = 0; i < n; i++) {
        const out = (r >>> sign) & 1;
        r = ((r << 1) | c) & mask;
        c = out;
      }
      cf = c !== 0;
      of = ((((r >>> sign) & 1) ^ c) & 1) !== 0;
      cpu.getFlags();
      cpu.flagsRaw = (cpu.flagsRaw & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
      return r;
    }
    case 3: { // RCR
      const n = count % (bits + 1);
      let c = cpu.getCf();
      r = v;
      for (let i = 0; i < n; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (c << sign)) & mask;
        c = out;
      }
      cf = c !== 0;
      of = (((r >>> sign) ^ (r >>> (sign - 1))) & 1) !== 0;
      cpu.getFlags();
      cpu.flagsRaw = (cpu.flagsRaw & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
      return r;
    }
    case 4:
    case 6: { // SHL/SAL
      if (count > bits) {
        r = 0;
        cf = false;
      } else {
        cf = ((v >>> (bits - count)) & 1) !== 0;
        r = count === 32 ? 0 : (v << count) & mask;
      }
      of = ((((r >>> sign) & 1) ^ (cf ? 1 : 0)) & 1) !== 0;
      cpu.setResultFlags(r, bits, cf, of);
      return r;
    }
    case 5: { // SHR
      cf = count > bits ? false : ((v >>> (count - 1)) & 1) !== 0;
      r = count >= bits ? 0 : v >>> count;
      of = ((v >>> sign) & 1) !== 0;
      cpu.setResultFlags(r, bits, cf, of);
      return r;
    }
    default: { // SAR
      const sv = (v << (32 - bits)) >> (32 - bits);
      const n = count >= bits ? bits - 1 : count;
      cf = ((sv >> (count >= bits ? bits - 1 : count - 1)) & 1) !== 0;
      r = (sv >> n) & mask;
      of = false;
      cpu.setResultFlags(r, bits, cf, of);
      return r;
    }
  }
}

function group2(cpu: Cpu, byte: boolean, countKind: number): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  // C0/C1: imm8 count, D0/D1: 1, D2/D3: CL. The count is masked to 5 bits (SDM: "masked to 5 bits").
  const count = (countKind === 0 ? cpu.fetch8() : countKind === 1 ? 1 : cpu.reg[1]! & 0xff) & 0x1f;
  const size = byte ? 1 : cpu.o32 ? 4 : 2;
  cpu.checkRmWritable(size);
  if (byte) {
    const r = shift(cpu, op, cpu.readRm8(), count, 8);
    if (count !== 0) cpu.writeRm8(r);
  } else if (cpu.o32) {
    const r = shift(cpu, op, cpu.readRm32(), count, 32);
    if (count !== 0) cpu.writeRm32(r);
  } else {
    const r = shift(cpu, op, cpu.readRm16(), count, 16);
    if (count !== 0) cpu.writeRm16(r);
  }
}

// ---------- multiply and divide ----------

function mul8(cpu: Cpu, signed: boolean, src: number): void {
  const a = cpu.reg[EAX]! & 0xff;
  const r = signed ? ((a << 24) >> 24) * ((src << 24) >> 24) : a * src;
  cpu.setReg16(EAX, r);
  const over = signed ? r !== ((r << 24) >> 24) : (r & 0xff00) !== 0;
  cpu.setResultFlags(r, 8, over, over);
}

function mul16(cpu: Cpu, signed: boolean, src: number): void {
  const a = cpu.reg[EAX]! & 0xffff;
  const r = signed ? ((a << 16) >> 16) * ((src << 16) >> 16) : a * src;
  cpu.setReg16(EAX, r);
  cpu.setReg16(EDX, r >> 16);
  const over = signed ? r !== ((r << 16) >> 16) : (r >>> 16) !== 0;
  cpu.setResultFlags(r, 16, over, over);
}

function mul32(cpu: Cpu, signed: boolean, src: number): void {
  const a = cpu.reg[EAX]!;
  let lo: number, hi: number;
  if (signed) {
    const p = BigInt(a) * BigInt(src | 0);
    lo = Number(BigInt.asIntN(32, p));
    hi = Number(BigInt.asIntN(32, p >> 32n));
    cpu.setResultFlags(lo, 32, hi !== lo >> 31, hi !== lo >> 31);
  } else {
    const al = a & 0xffff, ah = a >>> 16, bl = src & 0xffff, bh = src >>> 16;
    const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    lo = ((mid << 16) | (ll & 0xffff)) | 0;
    hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
    cpu.setResultFlags(lo, 32, hi !== 0, hi !== 0);
  }
  cpu.reg[EAX] = lo;
  cpu.reg[EDX] = hi;
}

function div8(cpu: Cpu, signed: boolean, src: number): void {
  if (src === 0) cpu.raise(EXC_DE);
  const a = cpu.reg[EAX]! & 0xffff;
  let q: number, r: number;
  if (signed) {
    const n = (a << 16) >> 16, d = (src << 24) >> 24;
    q = Math.trunc(n / d);
    r = n % d;
    if (q > 127 || q < -128) cpu.raise(EXC_DE);
  } else {
    q = Math.floor(a / src);
    r = a % src;
    if (q > 0xff) cpu.raise(EXC_DE);
  }
  cpu.setReg16(EAX, (q & 0xff) | ((r & 0xff) << 8));
}

function div16(cpu: Cpu, signed: boolean, src: number): void {
  if (src === 0) cpu.raise(EXC_DE);
  const n0 = ((cpu.reg[EDX]! & 0xffff) << 16) | (cpu.reg[EAX]! & 0xffff);
  let q: number, r: number;
  if (signed) {
    const d = (src << 16) >> 16;
    q = Math.trunc(n0 / d);
    r = n0 % d;
    if (q > 0x7fff || q < -0x8000) cpu.raise(EXC_DE);
  } else {
    const n = n0 >>> 0;
    q = Math.floor(n / src);
    r = n % src;
    if (q > 0xffff) cpu.raise(EXC_DE);
  }
  cpu.setReg16(EAX, q);
  cpu.setReg16(EDX, r);
}

function div32(cpu: Cpu, signed: boolean, src: number): void {
  if (src === 0) cpu.raise(EXC_DE);
  const hi = cpu.reg[EDX]!, lo = cpu.reg[EAX]!;
  let q: bigint, r: bigint;
  if (signed) {
    const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    const d = BigInt(src | 0);
    q = n / d;
    r = n % d;
    if (q > 0x7fffffffn || q < -0x80000000n) cpu.raise(EXC_DE);
  } else {
    if (hi === 0) {
      const n = lo >>> 0, d = src >>> 0;
      cpu.reg[EAX] = Math.floor(n / d);
      cpu.reg[EDX] = n % d;
      return;
    }
    const n = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const d = BigInt(src >>> 0);
    q = n / d;
    r = n % d;
    if (q > 0xffffffffn) cpu.raise(EXC_DE);
  }
  cpu.reg[EAX] = Number(BigInt.asIntN(32, q));
  cpu.reg[EDX] = Number(BigInt.asIntN(32, r));
}

/** Group 3: TEST, TEST (alias), NOT, NEG, MUL, IMUL, DIV, IDIV. */
function group3(cpu: Cpu, byte: boolean): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  const bits = byte ? 8 : cpu.o32 ? 32 : 16;
  const read = (): number => (byte ? cpu.readRm8() : cpu.o32 ? cpu.readRm32() : cpu.readRm16());
  const write = (v: number): void => {
    if (byte) cpu.writeRm8(v);
    else if (cpu.o32) cpu.writeRm32(v);
    else cpu.writeRm16(v);
  };
  switch (op) {
    case 0:
    case 1: {
      const a = read();
      const imm = byte ? cpu.fetch8() : cpu.o32 ? cpu.fetch32() : cpu.fetch16();
      test(cpu, a, imm, bits);
      return;
    }
    case 2:
      cpu.checkRmWritable(bits >> 3);
      write(~read());
      return;
    case 3: {
      cpu.checkRmWritable(bits >> 3);
      const a = read();
      const r = -a;
      cpu.setLazy(LZ_SUB, 0, a, r, bits);
      write(r);
      return;
    }
    case 4:
    case 5: {
      const s = read();
      const signed = op === 5;
      if (bits === 8) mul8(cpu, signed, s);
      else if (bits === 16) mul16(cpu, signed, s);
      else mul32(cpu, signed, s);
      return;
    }
    default: {
      const s = read();
      const signed = op === 7;
      if (bits === 8) div8(cpu, signed, s);
      else if (bits === 16) div16(cpu, signed, s);
      else div32(cpu, signed, s);
    }
  }
}

/** Two- and three-operand IMUL (0F AF, 69, 6B): the truncated product, CF = OF = "did not fit". */
export function imulTrunc(cpu: Cpu, a: number, b: number): number {
  if (cpu.o32) {
    const p = BigInt(a | 0) * BigInt(b | 0);
    const r = Number(BigInt.asIntN(32, p));
    const over = BigInt(r) !== p;
    cpu.setResultFlags(r, 32, over, over);
    return r;
  }
  const p = ((a << 16) >> 16) * ((b << 16) >> 16);
  const over = p !== ((p << 16) >> 16);
  cpu.setResultFlags(p, 16, over, over);
  return p & 0xffff;
}

// ---------- BCD (SDM vol. 2A AAA, AAS, DAA, DAS, AAM, AAD) ----------

function daa(cpu: Cpu, sub: boolean): void {
  const oldAl = cpu.reg[EAX]! & 0xff;
  const oldCf = cpu.getCf() !== 0;
  const af = cpu.getAf();
  let al = oldAl;
  let cf = false, newAf = false;
  if ((al & 0xf) > 9 || af) {
    al = sub ? al - 6 : al + 6;
    cf = oldCf || (sub ? oldAl < 6 : al > 0xff);
    newAf = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = sub ? al - 0x60 : al + 0x60;
    cf = true;
  }
  al &= 0xff;
  cpu.setReg8(EAX, al);
  cpu.setResultFlags(al, 8, cf, false);
  cpu.getFlags();
  if (newAf) cpu.flagsRaw |= FLAG_AF;
}

function aaa(cpu: Cpu, sub: boolean): void {
  let ax = cpu.reg[EAX]! & 0xffff;
  const adjust = (ax & 0xf) > 9 || cpu.getAf();
  // The adjustment works on all of AX, so the borrow out of AL reaches AH: AAS is AX - 106h and AAA
  // AX + 106h (P6 behaviour; SDM vol. 2A AAA/AAS describe the AH +/- 1 but not the carry from AL).
  if (adjust) ax = (sub ? ax - 0x106 : ax + 0x106) & 0xffff;
  ax &= 0xff0f;
  cpu.setReg16(EAX, ax);
  // AF = CF = adjust; OF, SF, ZF, PF undefined (computed from AL here).
  cpu.setResultFlags(ax & 0xff, 8, adjust, false);
  cpu.getFlags();
  if (adjust) cpu.flagsRaw |= FLAG_AF;
}

function aam(cpu: Cpu): void {
  const base = cpu.fetch8();
  if (base === 0) cpu.raise(EXC_DE);
  const al = cpu.reg[EAX]! & 0xff;
  const r = al % base;
  cpu.setReg16(EAX, (Math.floor(al / base) << 8) | r);
  cpu.setLazy(LZ_LOGIC, r, r, r, 8);
}

function aad(cpu: Cpu): void {
  const base = cpu.fetch8();
  const ax = cpu.reg[EAX]! & 0xffff;
  const al = ((ax & 0xff) + (ax >> 8) * base) & 0xff;
  cpu.setReg16(EAX, al);
  cpu.setLazy(LZ_LOGIC, al, al, al, 8);
}

export function installAlu(t: Handler[], t0f: Handler[]): void {
  for (let op = 0; op < 8; op++) installGroup1(t, op * 8, op);
  t[0x80] = (cpu) => group1Imm(cpu, 0x80);
  t[0x81] = (cpu) => group1Imm(cpu, 0x81);
  t[0x82] = (cpu) => group1Imm(cpu, 0x82);
  t[0x83] = (cpu) => group1Imm(cpu, 0x83);
  for (let r = 0; r < 8; r++) {
    t[0x40 + r] = (cpu) => incReg(cpu, r, false);
    t[0x48 + r] = (cpu) => incReg(cpu, r, true);
  }
  t[0x84] = (cpu) => {
    cpu.decodeModrm();
    test(cpu, cpu.readRm8(), cpu.getReg8(cpu.modrmReg), 8);
  };
  t[0x85] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.o32) test(cpu, cpu.readRm32(), cpu.reg[cpu.modrmReg]!, 32);
    else test(cpu, cpu.readRm16(), cpu.reg[cpu.modrmReg]! & 0xffff, 16);
  };
  t[0xa8] = (cpu) => test(cpu, cpu.reg[EAX]! & 0xff, cpu.fetch8(), 8);
  t[0xa9] = (cpu) => {
    if (cpu.o32) test(cpu, cpu.reg[EAX]!, cpu.fetch32(), 32);
    else test(cpu, cpu.reg[EAX]! & 0xffff, cpu.fetch16(), 16);
  };
  t[0xc0] = (cpu) => group2(cpu, true, 0);
  t[0xc1] = (cpu) => group2(cpu, false, 0);
  t[0xd0] = (cpu) => group2(cpu, true, 1);
  t[0xd1] = (cpu) => group2(cpu, false, 1);
  t[0xd2] = (cpu) => group2(cpu, true, 2);
  t[0xd3] = (cpu) => group2(cpu, false, 2);
  t[0xf6] = (cpu) => group3(cpu, true);
  t[0xf7] = (cpu) => group3(cpu, false);
  // FE: INC/DEC r/m8.
  t[0xfe] = (cpu) => {
    cpu.decodeModrm();
    const op = cpu.modrmReg;
    if (op > 1) cpu.ud();
    cpu.checkRmWritable(1);
    const a = cpu.readRm8();
    const r = op === 0 ? a + 1 : a - 1;
    cpu.writeRm8(r);
    cpu.setLazyKeepCf(op === 0 ? LZ_INC : LZ_DEC, a, r, 8);
  };
  t[0x69] = (cpu) => {
    cpu.decodeModrm();
    const a = cpu.readRmV();
    const b = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
    const r = imulTrunc(cpu, a, b);
    if (cpu.o32) cpu.reg[cpu.modrmReg] = r;
    else cpu.setReg16(cpu.modrmReg, r);
  };
  t[0x6b] = (cpu) => {
    cpu.decodeModrm();
    const a = cpu.readRmV();
    const b = (cpu.fetch8() << 24) >> 24;
    const r = imulTrunc(cpu, a, b);
    if (cpu.o32) cpu.reg[cpu.modrmReg] = r;
    else cpu.setReg16(cpu.modrmReg, r);
  };
  t0f[0xaf] = (cpu) => {
    cpu.decodeModrm();
    const b = cpu.readRmV();
    const reg = cpu.modrmReg;
    const r = imulTrunc(cpu, cpu.reg[reg]!, b);
    if (cpu.o32) cpu.reg[reg] = r;
    else cpu.setReg16(reg, r);
  };
  t[0x27] = (cpu) => daa(cpu, false);
  t[0x2f] = (cpu) => daa(cpu, true);
  t[0x37] = (cpu) => aaa(cpu, false);
  t[0x3f] = (cpu) => aaa(cpu, true);
  t[0xd4] = aam;
  t[0xd5] = aad;
  // CBW/CWDE and CWD/CDQ.
  t[0x98] = (cpu) => {
    if (cpu.o32) cpu.reg[EAX] = (cpu.reg[EAX]! << 16) >> 16;
    else cpu.setReg16(EAX, (cpu.reg[EAX]! << 24) >> 24);
  };
  t[0x99] = (cpu) => {
    if (cpu.o32) cpu.reg[EDX] = cpu.reg[EAX]! >> 31;
    else cpu.setReg16(EDX, ((cpu.reg[EAX]! << 16) >> 31) & 0xffff);
  };
  // Flag instructions that touch only CF.
  t[0xf5] = (cpu) => cpu.setStatusFlag(FLAG_CF, cpu.getCf() === 0);
  t[0xf8] = (cpu) => cpu.setStatusFlag(FLAG_CF, false);
  t[0xf9] = (cpu) => cpu.setStatusFlag(FLAG_CF, true);
}
