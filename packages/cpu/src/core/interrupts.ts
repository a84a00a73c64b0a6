/**
 * Event delivery: exceptions, external interrupts, NMI and software interrupts through the real-mode IVT
 * or the protected-mode IDT (SDM vol. 3A chapter 6; INT n pseudo-code in vol. 2A), with the double-fault
 * and triple-fault rules (§6.15 "Interrupt 8", table 6-5).
 */
import type { Cpu } from "../cpu.js";
import { STOP_SHUTDOWN } from "../cpu.js";
import {
  CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT, CPU_EXCEPTION, EXC_BP, EXC_DB, EXC_DF, EXC_GP, EXC_MC, EXC_NMI, EXC_NP,
  EXC_OF, exceptionClass,
} from "./exceptions.js";
import { commitDr6, DR6_FIXED1 } from "./debug.js";
import { TASK_FROM_INT, TASK_GATE, taskThroughGate } from "./task-switch.js";
import {
  CS, DS, ES, FLAG_AC, FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, FS, GS, SS, SEG_TYPE_CODE,
  SEG_TYPE_EXPDOWN_CONFORMING,
} from "./registers.js";
import {
  checkInnerStack, commitCodeSegment, commitSegment, descriptorBase, descriptorLimit, fetchDescriptor, loadNullSegment, markAccessed,
  tssStack, tssStackSelector,
} from "./segmentation.js";
import { vmxOnEvent, vmxOnTripleFault, vmxInterruptWindow } from "../vmx/vmx-events.js";

/**
 * Event types, numbered as the VMX interruption-information "type" field (SDM vol. 3C §24.8.3)
 * so VM exits and injection use them directly.
 */
export const EVENT_EXTERNAL = 0;
export const EVENT_NMI = 2;
export const EVENT_HW_EXCEPTION = 3;
export const EVENT_SOFT_INT = 4;
export const EVENT_PRIV_SOFT_EXCEPTION = 5;
export const EVENT_SOFT_EXCEPTION = 6;

/** Delivers the exception recorded by `cpu.raise`, applying the double/triple-fault rules to faults met on the way. */
export function deliverPendingException(cpu: Cpu): void {
  deliverWithNesting(cpu, cpu.pendingVector, cpu.pendingError, EVENT_HW_EXCEPTION);
}

/**
 * Delivers an event; a fault during delivery is combined with it per SDM table 6-5: contributory after
 * contributory, or contributory/#PF after #PF, becomes #DF; any of those during #DF is a triple fault.
 */
export function deliverWithNesting(cpu: Cpu, vector: number, errorCode: number, type: number): void {
  let v = vector, err = errorCode, t = type;
  for (;;) {
    try {
      deliverEvent(cpu, v, err, t);
      cpu.delivering = -1;
      cpu.deliveringInfo = 0;
      return;
    } catch (e) {
      if (e !== CPU_EXCEPTION) {
        cpu.delivering = -1;
        throw e;
      }
      const next = cpu.pendingVector;
      // A fault while delivering INT n / INT3 / INTO / INT1 is a fault of that instruction: the frame of the
      // new exception points at it, not after it (SDM vol. 2A INT n, "Protected Mode Exceptions").
      if (t === EVENT_SOFT_INT || t === EVENT_SOFT_EXCEPTION || t === EVENT_PRIV_SOFT_EXCEPTION) cpu.eip = cpu.insnStart;
      const first = t === EVENT_HW_EXCEPTION ? exceptionClass(v) : CLASS_BENIGN;
      const second = exceptionClass(next);
      if (t === EVENT_HW_EXCEPTION && v === EXC_DF && second !== CLASS_BENIGN) {
        tripleFault(cpu);
        return;
      }
      if ((first === CLASS_CONTRIBUTORY && second === CLASS_CONTRIBUTORY) || (first === CLASS_PAGE_FAULT && second !== CLASS_BENIGN)) {
        v = EXC_DF;
        err = 0;
      } else {
        v = next;
        err = cpu.pendingError;
      }
      t = EVENT_HW_EXCEPTION;
    }
  }
}

/** Triple fault: in VMX non-root operation a VM exit (reason 2), otherwise the processor shuts down. */
export function tripleFault(cpu: Cpu): void {
  cpu.delivering = -1;
  cpu.deliveringInfo = 0;
  if (cpu.nonRoot) vmxOnTripleFault(cpu);
  cpu.shutdown = true;
  cpu.halted = true;
  cpu.stopReason = STOP_SHUTDOWN;
}

/** Exceptions of the fault class other than #DB: their frame carries RF = 1 (SDM vol. 3A §6.5, vol. 3B §17.3.1.1). */
function setsResumeFlag(vector: number): boolean {
  return vector !== EXC_DB && vector !== EXC_BP && vector !== EXC_OF && vector !== EXC_MC && vector < 32;
}

function deliverEvent(cpu: Cpu, vector: number, errorCode: number, type: number): void {
  // Any event discards the debug traps the interrupted instruction collected (it did not complete);
  // a #DB being delivered reports them.
  const debugBits = cpu.debugTrap;
  cpu.debugTrap = 0;
  let vmxChecked = false;
  if (type === EVENT_HW_EXCEPTION && !cpu.injecting) {
    if (vector === EXC_DB) {
      if (cpu.nonRoot) {
        // A #DB that causes a VM exit leaves DR6 alone and reports this event's bits (B0-B3, BD, BS) in
        // the exit qualification (SDM vol. 3C §27.1, table 27-1): the VMX code reads them from DR6, so DR6
        // holds just them while it decides, and its old value comes back either way.
        const saved = cpu.dr[6]!;
        cpu.dr[6] = (debugBits & 0x600f) | DR6_FIXED1;
        try {
          vmxOnEvent(cpu, vector, errorCode, type);
        } finally {
          cpu.dr[6] = saved;
        }
        vmxChecked = true;
      }
      cpu.debugTrap = debugBits;
      commitDr6(cpu);
      cpu.debugTrap = 0;
    } else if (setsResumeFlag(vector)) {
      cpu.flagsRaw |= FLAG_RF;
    }
  }
  if (cpu.nonRoot && !vmxChecked) vmxOnEvent(cpu, vector, errorCode, type);
  cpu.delivering = type === EVENT_HW_EXCEPTION ? vector : -1;
  // Real-address mode delivers no error code, so the vectoring information reports none there.
  const hasError = errorCode >= 0 && !(cpu.realAddressing && !cpu.v86);
  cpu.deliveringInfo = (vector | (type << 8) | (hasError ? 1 << 11 : 0) | (1 << 31)) | 0;
  cpu.deliveringError = errorCode;
  const soft = type === EVENT_SOFT_INT || type === EVENT_SOFT_EXCEPTION || type === EVENT_PRIV_SOFT_EXCEPTION;
  cpu.deliveringRip = soft ? cpu.insnStart : cpu.eip;
  cpu.deliveringLen = soft ? (cpu.eip - cpu.insnStart) & 0xf : 0;
  cpu.halted = false;
  if (cpu.realAddressing && !cpu.v86) deliverReal(cpu, vector);
  else deliverProtected(cpu, vector, errorCode, type);
}

/** Real-address mode: the IVT entry is CS:IP at vector * 4 (SDM vol. 3A §20.1.4). */
function deliverReal(cpu: Cpu, vector: number): void {
  const off = vector * 4;
  if (off + 3 > cpu.idtrLimit) cpu.raise(EXC_GP, 0);
  const ip = cpu.read16((cpu.idtrBase + off) | 0);
  const cs = cpu.read16((cpu.idtrBase + off + 2) | 0);
  cpu.push16(cpu.getFlags());
  cpu.push16(cpu.segSel[CS]!);
  cpu.push16(cpu.eip);
  cpu.setFlags(cpu.getFlags() & ~(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF));
  cpu.loadRealSegment(CS, cs);
  cpu.eip = ip;
  cpu.resetFetch();
}

// The inner-privilege frame being built (module state: no closure or allocation per interrupt).
let frameBase = 0;
let frameSp = 0;
let frame32 = false;

/** Pushes one word or dword of an inner-privilege frame with a supervisor write (SP wraps on a 16-bit stack). */
function pushFrame(cpu: Cpu, size: number, v: number): void {
  frameSp = frame32 ? (frameSp - size) | 0 : (frameSp - size) & 0xffff;
  const lin = (frameBase + frameSp) | 0;
  if (size === 4) cpu.writeSys32(lin, v);
  else cpu.writeSys16(lin, v);
}

/** Protected mode and V86: through an interrupt or trap gate in the IDT (SDM vol. 3A §6.12). */
function deliverProtected(cpu: Cpu, vector: number, errorCode: number, type: number): void {
  const ext = type === EVENT_SOFT_INT || type === EVENT_SOFT_EXCEPTION ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtrLimit) cpu.raise(EXC_GP, idtErr);
  const lo = cpu.readSys32((cpu.idtrBase + vector * 8) | 0);
  const hi = cpu.readSys32((cpu.idtrBase + vector * 8 + 4) | 0);
  const gateType = (hi >>> 8) & 0x1f;
  if (gateType !== 0x05 && gateType !== 0x06 && gateType !== 0x07 && gateType !== 0x0e && gateType !== 0x0f) {
    cpu.raise(EXC_GP, idtErr);
  }
  // Software interrupts check the gate's DPL against CPL (not done for hardware events).
  if ((type === EVENT_SOFT_INT || type === EVENT_SOFT_EXCEPTION) && ((hi >>> 13) & 3) < cpu.cpl) cpu.raise(EXC_GP, vector * 8 + 2);
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, idtErr);
  if (gateType === TASK_GATE) {
    // A task gate: the handler is a task of its own; the error code goes on that task's stack (SDM vol. 3A §6.12.2).
    taskThroughGate(cpu, lo >>> 16, TASK_FROM_INT, ext, errorCode);
    return;
  }
  const gate32 = (gateType & 8) !== 0;
  const isInterruptGate = (gateType & 1) === 0;
  const selector = lo >>> 16;
  const offset = gate32 ? ((lo & 0xffff) | (hi & 0xffff0000)) | 0 : lo & 0xffff;
  if ((selector & 0xfffc) === 0) cpu.raise(EXC_GP, ext);
  fetchDescriptor(cpu, selector, EXC_GP);
  const dhi = cpu.descHi;
  const dlo = cpu.descLo;
  const ctype = (dhi >>> 8) & 0xf;
  const dpl = (dhi >>> 13) & 3;
  if ((dhi & (1 << 12)) === 0 || (ctype & SEG_TYPE_CODE) === 0 || dpl > cpu.cpl) cpu.raise(EXC_GP, (selector & 0xfffc) | ext);
  if ((dhi & (1 << 15)) === 0) cpu.raise(EXC_NP, (selector & 0xfffc) | ext);
  const conforming = (ctype & SEG_TYPE_EXPDOWN_CONFORMING) !== 0;
  const flags = cpu.getFlags();
  const v86 = (flags & FLAG_VM) !== 0;
  const oldCs = cpu.segSel[CS]!;
  const oldEip = cpu.eip;
  const size = gate32 ? 4 : 2;

  if (!conforming && dpl < cpu.cpl) {
    // Inner privilege: switch to the stack for the new level from the TSS.
    const esp = tssStack(cpu, dpl, ext);
    const ss = tssStackSelector();
    // From V86 mode the handler must be at privilege 0.
    if (v86 && dpl !== 0) cpu.raise(EXC_GP, (selector & 0xfffc) | ext);
    checkInnerStack(cpu, ss, dpl, ext);
    const ssLo = cpu.descLo, ssHi = cpu.descHi;
    if ((offset >>> 0) > (descriptorLimit(dlo, dhi) >>> 0)) cpu.raise(EXC_GP, 0);
    const newSs32 = (ssHi & (1 << 22)) !== 0;
    const oldSs = cpu.segSel[SS]!;
    const oldEsp = cpu.reg[4]!;
    // Build the frame on the new stack with supervisor accesses; nothing visible changes until it is written.
    frameBase = descriptorBase(ssLo, ssHi);
    frameSp = esp;
    frame32 = newSs32;
    if (v86) {
      pushFrame(cpu, size, cpu.segSel[GS]!);
      pushFrame(cpu, size, cpu.segSel[FS]!);
      pushFrame(cpu, size, cpu.segSel[DS]!);
      pushFrame(cpu, size, cpu.segSel[ES]!);
    }
    pushFrame(cpu, size, oldSs);
    pushFrame(cpu, size, oldEsp);
    pushFrame(cpu, size, flags);
    pushFrame(cpu, size, oldCs);
    pushFrame(cpu, size, oldEip);
    if (errorCode >= 0) pushFrame(cpu, size, errorCode);
    // Commit: SS, ESP, CS, EIP, flags. A 16-bit stack changes SP only.
    cpu.descLo = ssLo;
    cpu.descHi = ssHi;
    markAccessed(cpu, ss);
    cpu.cpl = dpl;
    commitSegment(cpu, SS, ss);
    if (newSs32) cpu.reg[4] = frameSp;
    else cpu.setReg16(4, frameSp);
    if (v86) {
      cpu.setFlags(flags & ~FLAG_VM);
      loadNullSegment(cpu, ES, 0);
      loadNullSegment(cpu, DS, 0);
      loadNullSegment(cpu, FS, 0);
      loadNullSegment(cpu, GS, 0);
    }
    cpu.descLo = dlo;
    cpu.descHi = dhi;
    commitCodeSegment(cpu, selector, dpl);
  } else {
    if (v86) cpu.raise(EXC_GP, (selector & 0xfffc) | ext);
    if (!conforming && dpl !== cpu.cpl) cpu.raise(EXC_GP, (selector & 0xfffc) | ext);
    if ((offset >>> 0) > (descriptorLimit(dlo, dhi) >>> 0)) cpu.raise(EXC_GP, 0);
    // Same privilege: the frame goes on the current stack; probe the whole frame first.
    const frame = (errorCode >= 0 ? 4 : 3) * size;
    const sp0 = cpu.stackSize32 ? (cpu.reg[4]! - frame) | 0 : (cpu.reg[4]! - frame) & 0xffff;
    cpu.segAddr(SS, sp0, frame, true);
    if (size === 4) {
      cpu.push32(flags);
      cpu.push32(oldCs);
      cpu.push32(oldEip);
      if (errorCode >= 0) cpu.push32(errorCode);
    } else {
      cpu.push16(flags);
      cpu.push16(oldCs);
      cpu.push16(oldEip);
      if (errorCode >= 0) cpu.push16(errorCode);
    }
    cpu.descLo = dlo;
    cpu.descHi = dhi;
    commitCodeSegment(cpu, selector, cpu.cpl);
  }
  let nf = cpu.getFlags() & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
  if (isInterruptGate) nf &= ~FLAG_IF;
  cpu.setFlags(nf);
  cpu.onModeChange();
  cpu.eip = offset;
  cpu.resetFetch();
}

/** INT n / INT3 / INTO / INT1 from an instruction: a software event (EIP already past the instruction). */
export function softwareInterrupt(cpu: Cpu, vector: number, type: number): void {
  deliverWithNesting(cpu, vector, -1, type);
}

/**
 * At an instruction boundary: NMI first, then INTR if EFLAGS.IF allows (SDM vol. 3A §6.9 priorities).
 * Returns false when the run loop must stop now.
 */
export function acceptInterrupt(cpu: Cpu): boolean {
  if (cpu.nonRoot && vmxInterruptWindow(cpu)) return false;
  if (cpu.nmiPending && !cpu.nmiBlocked && cpu.interruptShadow === 0) {
    cpu.nmiPending = false;
    cpu.nmiBlocked = true;
    cpu.shutdown = false;
    deliverWithNesting(cpu, EXC_NMI, -1, EVENT_NMI);
    return cpu.stopReason === 0;
  }
  if (cpu.shutdown) return false;
  if (cpu.intr && (cpu.getFlags() & FLAG_IF) !== 0 && cpu.interruptShadow === 0) {
    const vector = cpu.host.acknowledgeInterrupt();
    cpu.hostCalled();
    if (vector >= 0) {
      deliverWithNesting(cpu, vector & 0xff, -1, EVENT_EXTERNAL);
      return cpu.stopReason === 0;
    }
  }
  return true;
}

