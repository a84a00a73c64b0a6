/**
 * String instructions (SDM vol. 2: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE.
 * Registers are updated after every element, so a fault in the middle leaves ECX/ESI/EDI describing the
 * remaining work and EIP at the instruction, which then restarts (SDM vol. 2B REP "interrupted").
 * A long REP yields after a chunk of iterations the same way, so interrupts are taken during it.
 */
import type { Cpu } from "../cpu.js";
import { LZ_SUB } from "../cpu.js";
import { EAX, ECX, EDI, EDX, ES, ESI, DS, FLAG_DF } from "../core/registers.js";
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

function stringOp(cpu: Cpu, kind: number, size: number): void {
  const srcSeg = cpu.segOverride >= 0 ? cpu.segOverride : DS;
  const a32 = cpu.a32;
  const amask = a32 ? -1 : 0xffff;
  const step = cpu.getFlags() & FLAG_DF ? -size : size;
  const rep = cpu.rep;
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
