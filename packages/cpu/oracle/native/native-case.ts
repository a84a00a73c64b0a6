// The state format of a native oracle case, shared by the native harness driver, the fuzzer and
// any other runner of the same cases (virtkit's `runVirtkit`).
//
// A case runs in 32-bit user mode (CPL 3, flat CS/DS/ES/SS with base 0) in this address space:
//   CASE_CODE_ADDRESS   the instructions, back to back (EIP starts here)
//   MEM_BASE..+MEM_SIZE the data window, zero-filled then patched with `mem`; every memory operand,
//                       string pointer and the stack of a generated case stay inside it
//   nothing else        (a runner should make every other page not present)

/** Linear address of the first instruction (harness.c CODE_BASE + CASE_ENTRY). */
export const CASE_CODE_ADDRESS = 0x30001000;
/** Linear address and size of the data window (harness.c MEM_BASE, MEM_SIZE). */
export const MEM_BASE = 0x10000000;
export const MEM_SIZE = 0x1000;
/** At most this many instructions per case (harness.c MAX_INSNS). */
export const MAX_CASE_INSNS = 64;

/** GPR indices in x86 register-number order (SDM Vol. 2 Table 2-1 "reg" field). */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
export const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

/** EFLAGS bits a case may set initially and that are compared afterwards (SDM Vol. 1 3.4.3). */
export const CF = 0x001, PF = 0x004, AF = 0x010, ZF = 0x040, SF = 0x080, DF = 0x400, OF = 0x800;
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;
export const CASE_FLAGS = STATUS_FLAGS | DF;

export interface MemPatch {
  /** Offset into the window. */
  offset: number;
  bytes: Uint8Array;
}

export interface NativeCase {
  /** One entry per instruction, in execution order (the runner places them back to back). */
  insns: readonly Uint8Array[];
  /** Eight GPRs in register-number order: eax ecx edx ebx esp ebp esi edi. */
  regs: readonly number[];
  /** Initial EFLAGS; only CASE_FLAGS bits are honoured (IF=1 and bit 1 are implied). */
  eflags: number;
  /** Patches over the zero-filled window. */
  mem?: readonly MemPatch[];
}

/** Architectural state after a case (or after one step of it). */
export interface CaseState {
  /** Eight GPRs in register-number order. */
  regs: number[];
  /** EFLAGS as PUSHFD sees it at CPL 3; compare only through a mask. */
  eflags: number;
  /** The whole window, MEM_SIZE bytes. */
  mem: Uint8Array;
}

export interface CaseFault {
  /** Exception vector (SDM Vol. 3A Table 6-1): 0 #DE, 6 #UD, 13 #GP, 14 #PF, ... */
  vector: number;
  /** Error code pushed by the exception (0 when it has none). */
  errorCode: number;
  /** 0-based index of the faulting instruction (for traps: the instruction just executed). */
  insnIndex: number;
  /** EIP at the exception minus CASE_CODE_ADDRESS. */
  offset: number;
}

/** A runner's answer for one case: the final state, or the state at the exception and the exception. */
export interface CaseResult extends CaseState {
  fault?: CaseFault;
  /** With tracing: the state after each completed instruction (steps[i] after insns[i]). */
  steps?: CaseState[];
}

/** Runs cases in order and answers one CaseResult per case; tracing is optional for runners. */
export type CaseRunner = (cases: readonly NativeCase[]) => Promise<CaseResult[]>;

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not a hex byte string: "${s}"`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The initial window of a case. */
export function initialWindow(c: NativeCase): Uint8Array {
  const mem = new Uint8Array(MEM_SIZE);
  for (const p of c.mem ?? []) {
    if (p.offset < 0 || p.offset + p.bytes.length > MEM_SIZE) {
      throw new Error(`memory patch at window offset ${p.offset} (${p.bytes.length} bytes) leaves the ${MEM_SIZE}-byte window`);
    }
    mem.set(p.bytes, p.offset);
  }
  return mem;
}

/** The case's instructions back to back, as placed at CASE_CODE_ADDRESS. */
export function caseCode(c: NativeCase): Uint8Array {
  const n = c.insns.reduce((a, i) => a + i.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const i of c.insns) {
    out.set(i, at);
    at += i.length;
  }
  return out;
}

/** JSON form of a case (hex strings), for saving failing cases and feeding them back. */
export interface NativeCaseJson {
  insns: string[];
  regs: number[];
  eflags: number;
  mem?: { offset: number; bytes: string }[];
}

export function caseToJson(c: NativeCase): NativeCaseJson {
  const j: NativeCaseJson = { insns: c.insns.map(hex), regs: [...c.regs], eflags: c.eflags };
  if (c.mem !== undefined && c.mem.length > 0) j.mem = c.mem.map((p) => ({ offset: p.offset, bytes: hex(p.bytes) }));
  return j;
}

export function caseFromJson(j: NativeCaseJson): NativeCase {
  if (j.regs.length !== 8) throw new Error(`a case needs 8 registers, got ${j.regs.length}`);
  const c: NativeCase = { insns: j.insns.map(fromHex), regs: j.regs.map((r) => r >>> 0), eflags: j.eflags >>> 0 };
  return j.mem === undefined ? c : { ...c, mem: j.mem.map((p) => ({ offset: p.offset, bytes: fromHex(p.bytes) })) };
}
