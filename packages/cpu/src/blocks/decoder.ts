/**
 * The x86 instruction decoder for translated blocks (SDM vol. 2A chapter 2 and the opcode maps of
 * vol. 2D appendix A): legacy prefixes, one-byte and 0F opcodes, ModRM/SIB with 16- and 32-bit
 * addressing, displacements and immediates. It reads bytes the block builder has already proved
 * fetchable (inside one page, inside the CS limit) and consumes exactly what the interpreter's
 * handlers fetch, so a decoded instruction has the interpreter's length.
 *
 * An instruction that would need more bytes than are available, or more than 15, is not decoded:
 * the block ends before it and the interpreter runs it (and raises the fault it deserves).
 */
import { DS, SS } from "../core/registers.js";
import type { DecodedInsn } from "./decoded-insn.js";
import { ATTR_BRANCH, ATTR_TERMINAL, ATTR_UNCONDITIONAL } from "./decoded-insn.js";

/** Operand-format bits per opcode. */
const M = 1; // ModRM follows
const I8 = 2; // 8-bit immediate
const IV = 4; // 16/32-bit immediate by operand size
const I16 = 8; // 16-bit immediate
const IA = 16; // offset of the address size (moffs)
const G3 = 32; // F6/F7: an immediate only with /0 and /1
const FAR = 64; // ptr16:16/32: offset of the operand size, then a selector
const J8 = 128; // 8-bit relative branch
const JV = 256; // 16/32-bit relative branch
/** The instruction always ends a block. */
const T = 512;
/** Not decodable here: the block ends before it. */
const X = 1024;

const ONE = new Uint16Array(256);
const TWO = new Uint16Array(256).fill(X);

function set(table: Uint16Array, ops: readonly number[], bits: number): void {
  for (const op of ops) table[op] = bits;
}
function range(from: number, to: number): number[] {
  const r: number[] = [];
  for (let i = from; i <= to; i++) r.push(i);
  return r;
}

// One-byte map. Group 1 ALU blocks: xx0-xx3 ModRM, xx4 AL,imm8, xx5 eAX,immv.
for (let g = 0; g < 8; g++) {
  set(ONE, [g * 8, g * 8 + 1, g * 8 + 2, g * 8 + 3], M);
  ONE[g * 8 + 4] = I8;
  ONE[g * 8 + 5] = IV;
}
set(ONE, [0x62, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f], M);
set(ONE, [0xc4, 0xc5, 0xd0, 0xd1, 0xd2, 0xd3, 0xfe], M);
set(ONE, range(0xd8, 0xdf), M);
ONE[0x69] = M | IV;
ONE[0x6b] = M | I8;
ONE[0x80] = M | I8;
ONE[0x81] = M | IV;
ONE[0x82] = M | I8;
ONE[0x83] = M | I8;
ONE[0xc0] = M | I8;
ONE[0xc1] = M | I8;
ONE[0xc6] = M | I8;
ONE[0xc7] = M | IV;
ONE[0xf6] = M | G3;
ONE[0xf7] = M | G3;
ONE[0xff] = M;
ONE[0x68] = IV;
set(ONE, [0x6a, 0xa8, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xd4, 0xd5, 0xe4, 0xe5, 0xe6, 0xe7], I8);
set(ONE, [0xcd], I8 | T);
ONE[0xa9] = IV;
set(ONE, range(0xb8, 0xbf), IV);
set(ONE, [0xa0, 0xa1, 0xa2, 0xa3], IA);
set(ONE, range(0x70, 0x7f), J8);
set(ONE, [0xe0, 0xe1, 0xe2, 0xe3], J8);
ONE[0xeb] = J8;
ONE[0xe8] = JV;
ONE[0xe9] = JV;
ONE[0xc2] = I16 | T;
ONE[0xca] = I16 | T;
ONE[0xc8] = I16 | I8;
ONE[0x9a] = FAR | T;
ONE[0xea] = FAR | T;
// RET, RETF, IRET, INT3, INTO, INT1, HLT: control leaves the block.
set(ONE, [0xc3, 0xcb, 0xcf, 0xcc, 0xce, 0xf1, 0xf4], T);
// The escape and the prefixes are handled by the decoder itself.
set(ONE, [0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3], X);

// 0F map: what this processor implements (ops/*.ts); everything else is #UD, decoded as a one-shot terminal.
set(TWO, [0x00, 0x01, 0x02, 0x03, 0xa3, 0xa5, 0xab, 0xad, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5], M);
set(TWO, [0xb6, 0xb7, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc7, 0x78, 0x79, 0xae], M);
set(TWO, range(0x18, 0x1f), M);
set(TWO, range(0x40, 0x4f), M);
set(TWO, range(0x90, 0x9f), M);
set(TWO, [0xa4, 0xac, 0xba], M | I8);
set(TWO, range(0x80, 0x8f), JV);
set(TWO, [0x06, 0x08, 0x09, 0x30, 0x31, 0x32, 0x33, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9], 0);
set(TWO, range(0xc8, 0xcf), 0);
// SYSENTER/SYSEXIT and UD2 leave the block.
set(TWO, [0x34, 0x35, 0x0b], T);
// MOV to/from CR/DR: one ModRM-like byte, always a register operand (ops/system.ts fetches it raw).
set(TWO, [0x20, 0x21, 0x22, 0x23], I8);
// 0F 01 peeks at its ModRM to find VMCALL/MONITOR/...; it may also leave the mode: let it end the block.
TWO[0x01] = M | T;

/** 16-bit ModRM base/index pairs for rm 0-7 (SDM vol. 2A table 2-1); -1 none. */
const EA16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const EA16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

/**
 * Decodes the instruction at `bytes[at]` with EIP `eip`; `avail` bytes may be read (page and CS limit).
 * `size32` is the code segment's default size. Returns false when it cannot be decoded here.
 */
export function decodeInsn(bytes: Uint8Array, at: number, avail: number, eip: number, size32: boolean, d: DecodedInsn): boolean {
  const limit = avail < 15 ? avail : 15;
  let p = 0;
  let o32 = size32, a32 = size32, seg = -1, rep = 0, lock = false;
  let op: number;
  for (;;) {
    if (p >= limit) return false;
    op = bytes[at + p++]!;
    switch (op) {
      case 0x26: seg = 0; continue;
      case 0x2e: seg = 1; continue;
      case 0x36: seg = 2; continue;
      case 0x3e: seg = 3; continue;
      case 0x64: seg = 4; continue;
      case 0x65: seg = 5; continue;
      case 0x66: o32 = !size32; continue;
      case 0x67: a32 = !size32; continue;
      case 0xf0: lock = true; continue;
      case 0xf2: rep = 2; continue;
      case 0xf3: rep = 1; continue;
    }
    break;
  }
  let bits: number;
  if (op === 0x0f) {
    if (p >= limit) return false;
    op = 0x100 | bytes[at + p++]!;
    bits = TWO[op & 0xff]!;
  } else {
    bits = ONE[op]!;
  }
  if (bits & X) {
    // An unimplemented 0F opcode is #UD after the two opcode bytes; anything else is not decoded.
    if (op < 0x100 || (op & 0xff) === 0x38) return false;
    bits = T;
  }
  d.eip = eip;
  d.op = op;
  d.o32 = o32;
  d.a32 = a32;
  d.segOverride = seg;
  d.rep = rep;
  d.lock = lock;
  d.modrm = -1;
  d.reg = 0;
  d.rm = 0;
  d.mem = false;
  d.seg = seg >= 0 ? seg : DS;
  d.base = -1;
  d.index = -1;
  d.scale = 0;
  d.disp = 0;
  d.imm = 0;
  d.imm2 = 0;
  d.attrs = bits & T ? ATTR_TERMINAL : 0;
  if (bits & M) {
    if (p >= limit) return false;
    const m = bytes[at + p++]!;
    d.modrm = m;
    d.reg = (m >> 3) & 7;
    d.rm = m & 7;
    if (m < 0xc0) {
      d.mem = true;
      const mod = m >> 6, rm = m & 7;
      let defSeg = DS;
      if (a32) {
        if (rm === 4) {
          if (p >= limit) return false;
          const sib = bytes[at + p++]!;
          const base = sib & 7, index = (sib >> 3) & 7;
          if (base === 5 && mod === 0) {
            if (p + 4 > limit) return false;
            d.disp = read32(bytes, at + p);
            p += 4;
          } else {
            d.base = base;
            if (base === 4 || base === 5) defSeg = SS;
          }
          if (index !== 4) {
            d.index = index;
            d.scale = sib >> 6;
          }
        } else if (rm === 5 && mod === 0) {
          if (p + 4 > limit) return false;
          d.disp = read32(bytes, at + p);
          p += 4;
        } else {
          d.base = rm;
          if (rm === 5) defSeg = SS;
        }
        if (mod === 1) {
          if (p >= limit) return false;
          d.disp = (d.disp + ((bytes[at + p++]! << 24) >> 24)) | 0;
        } else if (mod === 2) {
          if (p + 4 > limit) return false;
          d.disp = (d.disp + read32(bytes, at + p)) | 0;
          p += 4;
        }
      } else {
        if (rm === 6 && mod === 0) {
          if (p + 2 > limit) return false;
          d.disp = bytes[at + p]! | (bytes[at + p + 1]! << 8);
          p += 2;
        } else {
          d.base = EA16_BASE[rm]!;
          d.index = EA16_INDEX[rm]!;
          if (rm === 2 || rm === 3 || rm === 6) defSeg = SS;
        }
        if (mod === 1) {
          if (p >= limit) return false;
          d.disp = (d.disp + ((bytes[at + p++]! << 24) >> 24)) & 0xffff;
        } else if (mod === 2) {
          if (p + 2 > limit) return false;
          d.disp = (d.disp + (bytes[at + p]! | (bytes[at + p + 1]! << 8))) & 0xffff;
          p += 2;
        }
      }
      d.seg = seg >= 0 ? seg : defSeg;
    }
  }
  // Immediates, in the order the handlers fetch them.
  let immBytes = 0;
  if ((bits & (I16 | I8)) === (I16 | I8)) immBytes = 2;
  else if (bits & I8) immBytes = 1;
  else if (bits & IV) immBytes = o32 ? 4 : 2;
  else if (bits & I16) immBytes = 2;
  else if (bits & IA) immBytes = a32 ? 4 : 2;
  else if (bits & G3 && d.reg < 2) immBytes = op === 0xf6 ? 1 : o32 ? 4 : 2;
  else if (bits & FAR) immBytes = o32 ? 4 : 2;
  else if (bits & J8) immBytes = 1;
  else if (bits & JV) immBytes = o32 ? 4 : 2;
  if (immBytes !== 0) {
    if (p + immBytes > limit) return false;
    d.imm = immBytes === 1 ? bytes[at + p]! : immBytes === 2 ? bytes[at + p]! | (bytes[at + p + 1]! << 8) : read32(bytes, at + p);
    p += immBytes;
  }
  // ENTER imm16, imm8; far pointers: selector after the offset.
  if ((bits & (I16 | I8)) === (I16 | I8) || bits & FAR) {
    const n = bits & FAR ? 2 : 1;
    if (p + n > limit) return false;
    d.imm2 = n === 1 ? bytes[at + p]! : bytes[at + p]! | (bytes[at + p + 1]! << 8);
    p += n;
  }
  d.len = p;
  const next = (eip + p) | 0;
  d.next = next;
  d.after = next;
  if (bits & (J8 | JV)) {
    // Near relative branches: the target is next + displacement, truncated to 16 bits for a 16-bit
    // operand size (SDM vol. 2A Jcc/JMP/CALL); kept in imm.
    const disp = bits & J8 ? (d.imm << 24) >> 24 : o32 ? d.imm | 0 : (d.imm << 16) >> 16;
    d.imm = o32 ? (next + disp) | 0 : (next + disp) & 0xffff;
    if (op !== 0xe8) d.attrs |= ATTR_BRANCH;
    if (op === 0xe8 || op === 0xe9 || op === 0xeb) d.attrs |= ATTR_UNCONDITIONAL | ATTR_TERMINAL;
  }
  return true;
}

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}
