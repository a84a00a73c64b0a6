/**
 * String instructions (SDM vol. 2: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE.
 * Registers are updated after every element, so a fault in the middle leaves ECX/ESI/EDI describing the
 * remaining work and EIP at the instruction, which then restarts (SDM vol. 2B REP "interrupted").
 * A long REP yields after a chunk of iterations the same way, so interrupts are taken during it.
 */
import type { Cpu } from "../cpu.js";
import { LZ_SUB } from "../cpu.js";
import { EAX, ECX, EDI, EDX, ES, ESI, DS, FLAG_DF, FLAG_TF } from "../core/registers.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../core/physical-memory.js";
import { ioRead, ioWrite, checkIoPermission } from "./io.js";
import { vmxIo } from "../vmx/intercepts.js";
import type { Handler } from "./table.js";

const MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;
/** Iterations executed before a REP instruction yields to let events in. */
const REP_CHUNK = 4096;

function readElem(cpu: Cpu, s: number, off: number, size: number): number {
  return size === 1 ? cpu.rd8(s, off) : size === 2 ? cpu.rd16(s, off) : cpu.rd32(s, off);
}

function writeElem(cpu: Cpu, s: number, off: number, size: number, v: number): void {
  if (size === 1) cpu.wr8(s, off, v);
  else if (size === 2) cpu.wr16(s, off, v);
  else cpu.wr32(s, off, v);
}

/**
 * REP MOVS / REP STOS forward, many elements at once: the elements from ESI/EDI up to the end of the current
 * page (of both pages for MOVS), the segment limit, the 16-bit offset wrap and `max`, when every page involved is
 * on the TLB's fast path (RAM the access may touch directly: no fault, no device, no translated code, no data
 * breakpoint). Returns the element count done (0: take the element-by-element path for the next one), with ESI,
 * EDI and ECX advanced as if the elements had run one by one. A MOVS whose destination overlaps the source ahead
 * of it copies at most the distance at a time, which is what element-by-element copying reads.
 */
function bulkForward(cpu: Cpu, kind: number, size: number, srcSeg: number, a32: boolean, max: number): number {
  const r = cpu.reg;
  const amask = a32 ? -1 : 0xffff;
  let k = Math.min((r[ECX]! & amask) >>> 0, max);
  const di = (r[EDI]! & amask) >>> 0;
  const dLin = (cpu.segBase[ES]! + di) | 0;
  const dPage = dLin >>> PAGE_SHIFT;
  if ((cpu.tlbFast[dPage]! & cpu.wrMask) === 0 || (cpu.segRw[ES]! & 2) === 0 || di < cpu.segLo[ES]!) return 0;
  k = Math.min(k, ((PAGE_SIZE - (dLin & PAGE_MASK)) / size) | 0, Math.floor((cpu.segHi[ES]! - di + 1) / size));
  if (!a32) k = Math.min(k, ((0x10000 - di) / size) | 0);
  const dChunk = cpu.tlbChunk[dPage]!;
  const dO = cpu.tlbOffset[dPage]! | (dLin & PAGE_MASK);
  const dU8 = cpu.u8s[dChunk]!;
  let si = 0;
  if (kind === MOVS) {
    si = (r[ESI]! & amask) >>> 0;
    const sLin = (cpu.segBase[srcSeg]! + si) | 0;
    const sPage = sLin >>> PAGE_SHIFT;
    if ((cpu.tlbFast[sPage]! & cpu.rdMask) === 0 || (cpu.segRw[srcSeg]! & 1) === 0 || si < cpu.segLo[srcSeg]!) return 0;
    k = Math.min(k, ((PAGE_SIZE - (sLin & PAGE_MASK)) / size) | 0, Math.floor((cpu.segHi[srcSeg]! - si + 1) / size));
    if (!a32) k = Math.min(k, ((0x10000 - si) / size) | 0);
    const sChunk = cpu.tlbChunk[sPage]!;
    const sO = cpu.tlbOffset[sPage]! | (sLin & PAGE_MASK);
    if (sChunk === dChunk && dO > sO && dO < sO + k * size) k = Math.min(k, ((dO - sO) / size) | 0);
    if (k <= 0) return 0;
    dU8.set(cpu.u8s[sChunk]!.subarray(sO, sO + k * size), dO);
  } else {
    if (k <= 0) return 0;
    const v = r[EAX]!;
    if (size === 1) dU8.fill(v & 0xff, dO, dO + k);
    else if (size === 4 && (dO & 3) === 0) cpu.i32s[dChunk]!.fill(v, dO >>> 2, (dO >>> 2) + k);
    else for (let i = 0; i < k * size; i++) dU8[dO + i] = (v >>> (8 * (i % size))) & 0xff;
  }
  const bytes = k * size;
  if (kind === MOVS) r[ESI] = a32 ? (si + bytes) | 0 : (r[ESI]! & ~0xffff) | ((si + bytes) & 0xffff);
  r[EDI] = a32 ? (di + bytes) | 0 : (r[EDI]! & ~0xffff) | ((di + bytes) & 0xffff);
  const c = ((r[ECX]! & amask) - k) & amask;
  r[ECX] = a32 ? c : (r[ECX]! & ~0xffff) | c;
  return k;
}

function stringOp(cpu: Cpu, kind: number, size: number): void {
  const srcSeg = cpu.segOverride >= 0 ? cpu.segOverride : DS;
  const a32 = cpu.a32;
  const amask = a32 ? -1 : 0xffff;
  const flags = cpu.getFlags();
  const step = flags & FLAG_DF ? -size : size;
  const rep = cpu.rep;
  // Single-stepping traps after every iteration and alignment checks look at every element: those go one by one.
  const bulk = rep !== 0 && (kind === MOVS || kind === STOS) && step > 0 && (flags & FLAG_TF) === 0 && cpu.acMask === 0;
  const bits = size * 8;
  const r = cpu.reg;
  if (kind === INS || kind === OUTS) {
    const port = r[EDX]! & 0xffff;
    checkIoPermission(cpu, port, size);
    if (cpu.nonRoot) {
      const off = kind === INS ? r[EDI]! & amask : r[ESI]! & amask;
      const seg = kind === INS ? ES : srcSeg;
      if (vmxIo(cpu, port, size, kind === INS, true, false, seg, (cpu.segBase[seg]! + off) | 0)) return;
    }
  }
  let n = 0;
  for (;;) {
    if (rep !== 0 && (r[ECX]! & amask) === 0) return;
    if (bulk && cpu.stopReason === 0 && cpu.debugTrap === 0) {
      const k = bulkForward(cpu, kind, size, srcSeg, a32, REP_CHUNK - n);
      if (k > 0) {
        if ((r[ECX]! & amask) === 0) return;
        n += k;
        if (n >= REP_CHUNK) {
          cpu.eip = cpu.insnStart;
          return;
        }
        continue;
      }
    }
    const si = r[ESI]! & amask;
    const di = r[EDI]! & amask;
    let cmpA = 0, cmpB = 0;
    switch (kind) {
      case MOVS: writeElem(cpu, ES, di, size, readElem(cpu, srcSeg, si, size)); break;
      case STOS: writeElem(cpu, ES, di, size, r[EAX]!); break;
      case LODS: {
        const v = readElem(cpu, srcSeg, si, size);
        if (size === 1) cpu.setReg8(EAX, v);
        else if (size === 2) cpu.setReg16(EAX, v);
        else r[EAX] = v;
        break;
      }
      case CMPS:
        cmpA = readElem(cpu, srcSeg, si, size);
        cmpB = readElem(cpu, ES, di, size);
        break;
      case SCAS:
        cmpA = size === 4 ? r[EAX]! : r[EAX]! & (size === 1 ? 0xff : 0xffff);
        cmpB = readElem(cpu, ES, di, size);
        break;
      case INS: {
        // The destination is probed before the port is read, so a fault does not lose the input.
        cpu.segAddr(ES, di, size, true);
        writeElem(cpu, ES, di, size, ioRead(cpu, r[EDX]! & 0xffff, size));
        break;
      }
      default: ioWrite(cpu, r[EDX]! & 0xffff, size, readElem(cpu, srcSeg, si, size)); break;
    }
    if (kind === MOVS || kind === CMPS || kind === LODS || kind === OUTS) r[ESI] = a32 ? (si + step) | 0 : (r[ESI]! & ~0xffff) | ((si + step) & 0xffff);
    if (kind === MOVS || kind === CMPS || kind === STOS || kind === SCAS || kind === INS) r[EDI] = a32 ? (di + step) | 0 : (r[EDI]! & ~0xffff) | ((di + step) & 0xffff);
    if (kind === CMPS || kind === SCAS) cpu.setLazy(LZ_SUB, cmpA, cmpB, cmpA - cmpB, bits);
    if (rep === 0) return;
    const c = ((r[ECX]! & amask) - 1) & amask;
    r[ECX] = a32 ? c : (r[ECX]! & ~0xffff) | c;
    if (c === 0) return;
    if (kind === CMPS || kind === SCAS) {
      // REPE stops on a difference, REPNE on equality.
      const zf = cpu.getZf();
      if (rep === 1 ? !zf : zf) return;
    }
    // A debug trap (single step, data or I/O breakpoint) is reported after the iteration that caused it.
    if (++n >= REP_CHUNK || cpu.stopReason !== 0 || cpu.debugTrap !== 0) {
      // Yield: resume this same instruction later with the updated registers.
      cpu.eip = cpu.insnStart;
      return;
    }
  }
}

export function installString(t: Handler[], _t0f: Handler[]): void {
  const v = (kind: number): Handler => (cpu) => stringOp(cpu, kind, cpu.o32 ? 4 : 2);
  const b = (kind: number): Handler => (cpu) => stringOp(cpu, kind, 1);
  t[0xa4] = b(MOVS);
  t[0xa5] = v(MOVS);
  t[0xa6] = b(CMPS);
  t[0xa7] = v(CMPS);
  t[0xaa] = b(STOS);
  t[0xab] = v(STOS);
  t[0xac] = b(LODS);
  t[0xad] = v(LODS);
  t[0xae] = b(SCAS);
  t[0xaf] = v(SCAS);
  t[0x6c] = b(INS);
  t[0x6d] = v(INS);
  t[0x6e] = b(OUTS);
  t[0x6f] = v(OUTS);
}
