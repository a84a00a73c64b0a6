/** Exception and interrupt vectors (SDM vol. 3A §6.3.1, table 6-1). */
export const EXC_DE = 0;
export const EXC_DB = 1;
export const EXC_NMI = 2;
export const EXC_BP = 3;
export const EXC_OF = 4;
export const EXC_BR = 5;
export const EXC_UD = 6;
export const EXC_NM = 7;
export const EXC_DF = 8;
export const EXC_TS = 10;
export const EXC_NP = 11;
export const EXC_SS = 12;
export const EXC_GP = 13;
export const EXC_PF = 14;
export const EXC_MF = 16;
export const EXC_AC = 17;
export const EXC_MC = 18;
export const EXC_XM = 19;

export const EXCEPTION_MNEMONICS: readonly string[] = [
  "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
  "#MF", "#AC", "#MC", "#XM", "#VE",
];

/** Vectors that push an error code (SDM vol. 3A §6.13). */
export function exceptionHasErrorCode(vector: number): boolean {
  return vector === EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector === EXC_AC;
}

/**
 * Exception classes for the double-fault rules (SDM vol. 3A §6.15, "Interrupt 8", tables 6-4 and 6-5):
 * 0 benign, 1 contributory, 2 page fault.
 */
export const CLASS_BENIGN = 0;
export const CLASS_CONTRIBUTORY = 1;
export const CLASS_PAGE_FAULT = 2;
export function exceptionClass(vector: number): number {
  if (vector === EXC_PF) return CLASS_PAGE_FAULT;
  if (vector === EXC_DE || (vector >= EXC_TS && vector <= EXC_GP)) return CLASS_CONTRIBUTORY;
  return CLASS_BENIGN;
}

/** Page-fault error code bits (SDM vol. 3A §4.7). */
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;
export const PF_RSVD = 8;
export const PF_I = 16;

/**
 * An unwinding signal, not an error: thrown as one preallocated object (never allocated per fault)
 * to abandon the instruction in progress. The CPU's run loop catches it by identity.
 */
export class Unwind extends Error {
  constructor(kind: string) {
    super(kind);
    this.name = "Unwind";
  }
}

/** Unwinds an instruction that raised an exception; the run loop delivers the event recorded in the CPU. */
export const CPU_EXCEPTION = new Unwind("cpu-exception");
/** Unwinds an instruction that caused a VM exit; the VM-exit information is already recorded. */
export const VM_EXIT = new Unwind("vm-exit");
