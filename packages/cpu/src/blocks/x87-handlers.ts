/**
 * The block interpreter's handlers for the x87 escape opcodes D8-DF and WAIT (9B): the ModRM and the
 * memory operand come from the decoded instruction instead of being fetched and decoded again at
 * every execution. Same order of checks as ops/x87-escape.ts: #NM for CR0.EM/TS (or no FPU) first,
 * then the FPU's own (#UD, the pending-exception check, stack faults) in X87.execute — or, for the
 * register forms, in the direct entries of fpu/x87-decoded.ts, which fall back to X87.execute for
 * everything they do not finish themselves (SDM vol. 3A §2.5 Table 2-2, vol. 1 §8.6).
 */
import type { Cpu } from "../cpu.js";
import { EXC_NM } from "../core/exceptions.js";
import { CR0_EM, CR0_MP, CR0_TS, CS, EAX, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from "../core/registers.js";
import { x87CompareToFlags, x87FormOperands, x87MemoryForm, x87RegisterForm, x87RunRegisterForm } from "../fpu/x87-decoded.js";
import type { DecodedInsn, Exec } from "./decoded-insn.js";
import { EXEC_NEXT } from "./decoded-insn.js";
import { effectiveOffset } from "./block-handlers.js";

function deviceNotAvailable(cpu: Cpu): boolean {
  return (cpu.cr0 & (CR0_EM | CR0_TS)) !== 0 || cpu.fpu === null;
}

/** Any escape instruction through X87.execute, with the decoded operand. */
function x87General(cpu: Cpu, d: DecodedInsn): number {
  const fpu = cpu.fpu;
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0 || fpu === null) return cpu.raise(EXC_NM);
  fpu.executeDecoded(cpu, d.op, d.modrm, d.seg, d.mem ? effectiveOffset(cpu, d) : 0, d.o32);
  // FERR# (CR0.NE = 0) went to the platform: the block ends so the interrupt is seen.
  return cpu.blockStop;
}

/** A register form with a direct entry (fpu/x87-decoded.ts); X87.execute for whatever it declines. */
function x87Direct(cpu: Cpu, d: DecodedInsn): number {
  if (deviceNotAvailable(cpu)) return cpu.raise(EXC_NM);
  if (x87RunRegisterForm(cpu.fpu!.x87, d.imm2, d.x, d.y, d.eip, cpu.segSel[CS]!)) return EXEC_NEXT;
  return x87General(cpu, d);
}

/** FNSTSW AX (DF E0): no-wait, a control instruction; AX's upper half stays. */
function x87FnstswAx(cpu: Cpu): number {
  if (deviceNotAvailable(cpu)) return cpu.raise(EXC_NM);
  const R = cpu.reg;
  R[EAX] = (R[EAX]! & ~0xffff) | cpu.fpu!.x87.sw;
  return EXEC_NEXT;
}

/** EFLAGS bits written by FCOMI/FUCOMI (SDM vol. 2A FCOMI): ZF PF CF by relation, OF SF AF cleared. */
const FCOMI_CLEARED = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** By relation (greater, less, equal; unordered never comes from the direct entry). */
const FCOMI_FLAGS = [0, FLAG_CF, FLAG_ZF];

/** FCOMI/FUCOMI(P) through x87CompareToFlags, EFLAGS written here; X87.execute for what it declines. */
function x87CompareFlags(cpu: Cpu, d: DecodedInsn): number {
  if (deviceNotAvailable(cpu)) return cpu.raise(EXC_NM);
  const rel = x87CompareToFlags(cpu.fpu!.x87, d.x & 7, (d.x & 8) !== 0, d.y, d.eip, cpu.segSel[CS]!);
  if (rel < 0) return x87General(cpu, d);
  cpu.setFlags((cpu.getFlags() & ~FCOMI_CLEARED) | FCOMI_FLAGS[rel]!);
  return EXEC_NEXT;
}

/** WAIT/FWAIT (9B): #NM only with CR0.MP and CR0.TS both set, then the pending-exception check. */
function fwait(cpu: Cpu): number {
  if ((cpu.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) return cpu.raise(EXC_NM);
  cpu.fpu?.wait();
  return cpu.blockStop;
}

/**
 * By form (X87_* of fpu/x87-decoded.ts): the general path, five direct entries, FNSTSW AX, the
 * memory forms the JIT reads and writes itself (here through the general path), FCOMI/FUCOMI(P).
 */
const EXEC_BY_FORM: readonly Exec[] = [x87General, x87Direct, x87Direct, x87Direct, x87Direct, x87Direct, x87FnstswAx, x87General, x87General, x87General, x87CompareFlags];

/**
 * Chooses the handler for an escape instruction or WAIT; returns false for other opcodes. A LOCK
 * prefix (#UD) is left to the interpreter by the caller.
 */
export function selectX87Handler(d: DecodedInsn): boolean {
  const op = d.op;
  if (op === 0x9b) {
    d.exec = fwait;
    return true;
  }
  if (op < 0xd8 || op > 0xdf) return false;
  const form = d.mem ? x87MemoryForm(op, d.reg) : x87RegisterForm(op, d.modrm);
  // The form in imm2 (the JIT compiles by it), its operand word in x, the FOP in y.
  d.imm2 = form;
  d.x = x87FormOperands.x;
  d.y = ((op & 7) << 8) | d.modrm;
  d.exec = EXEC_BY_FORM[form]!;
  return true;
}
