// `runVirtkit(cases)`: the native oracle's cases on virtkit's CPU model, in the environment the
// native harness gives them (native-case.ts): 32-bit protected mode at CPL 3 with flat segments,
// paging on with only the code page and the data window present, CR0.AM and WP set as Linux does.
// Exceptions are reported, not delivered (Cpu.reportExceptions), so each one ends its case the way
// a signal ends it on the host.
import {
  AR_UNUSABLE, CR0_AM, CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CS, Cpu, DS, ES, EXC_PF, FS, GS, PhysicalMemory, SS,
  STOP_BUDGET, STOP_EXCEPTION, STOP_NONE,
} from "../../src/index.js";
import {
  CASE_CODE_ADDRESS, CASE_FLAGS, type CaseFault, type CaseResult, type CaseRunner, caseCode, initialWindow, MEM_BASE,
  MEM_SIZE, type NativeCase,
} from "./native-case.js";

// Guest-physical layout of the case machine (1 MiB of RAM).
const PD = 0x1000;
const PT_WINDOW = 0x2000;
const PT_CODE = 0x3000;
const WINDOW = 0x5000;
const CODE = 0x6000;
const PTE_P = 1, PTE_RW = 2, PTE_US = 4;
/** Flat 4 GiB segments at DPL 3 in the VMCS access-rights format: code execute/read, data read/write; S, P, D/B, G. */
const CODE_AR = 0xb | 0x10 | 0x60 | 0x80 | 0x4000 | 0x8000;
const DATA_AR = 0x3 | 0x10 | 0x60 | 0x80 | 0x4000 | 0x8000;
/** Linux's user selectors (__USER_CS, __USER_DS). */
const USER_CS = 0x23;
const USER_DS = 0x2b;
/** A case never needs more steps than this (string instructions yield and resume within it). */
const STEP_GUARD = 1 << 20;

/** The machine every case runs on, built once (no allocation per case beyond the results). */
class CaseMachine {
  readonly ram = new ArrayBuffer(0x100000);
  readonly u8 = new Uint8Array(this.ram);
  readonly mem = new PhysicalMemory();
  readonly cpu: Cpu;

  constructor() {
    this.mem.mapRam(0, this.ram);
    this.cpu = new Cpu(this.mem, {
      ioRead: () => 0xff,
      ioWrite: () => undefined,
      acknowledgeInterrupt: () => -1,
    });
    this.cpu.reportExceptions = true;
    const dv = new DataView(this.ram);
    dv.setUint32(PD + (MEM_BASE >>> 22) * 4, PT_WINDOW | PTE_P | PTE_RW | PTE_US, true);
    dv.setUint32(PD + (CASE_CODE_ADDRESS >>> 22) * 4, PT_CODE | PTE_P | PTE_RW | PTE_US, true);
    dv.setUint32(PT_WINDOW + ((MEM_BASE >>> 12) & 0x3ff) * 4, WINDOW | PTE_P | PTE_RW | PTE_US, true);
    dv.setUint32(PT_CODE + ((CASE_CODE_ADDRESS >>> 12) & 0x3ff) * 4, CODE | PTE_P | PTE_RW | PTE_US, true);
  }

  /** Puts the processor in the case's starting state (what the harness's prologue establishes). */
  private load(c: NativeCase, code: Uint8Array): void {
    const cpu = this.cpu;
    this.u8.fill(0, CODE, CODE + 0x1000);
    this.u8.set(code, CODE);
    this.u8.set(initialWindow(c), WINDOW);
    cpu.reset();
    cpu.cr3 = PD;
    cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    for (const s of [ES, CS, SS, DS]) {
      cpu.segSel[s] = s === CS ? USER_CS : USER_DS;
      cpu.segBase[s] = 0;
      cpu.segLimit[s] = -1;
      cpu.segAr[s] = s === CS ? CODE_AR : DATA_AR;
    }
    for (const s of [FS, GS]) {
      cpu.segSel[s] = 0;
      cpu.segBase[s] = 0;
      cpu.segLimit[s] = 0;
      cpu.segAr[s] = AR_UNUSABLE;
    }
    cpu.cpl = 3;
    cpu.onModeChange();
    cpu.flushTlb(true);
    for (let r = 0; r < 8; r++) cpu.reg[r] = (c.regs[r] ?? 0) | 0;
    cpu.setFlags((c.eflags & CASE_FLAGS) | 0x202);
    cpu.eip = CASE_CODE_ADDRESS;
  }

  run(c: NativeCase): CaseResult {
    const cpu = this.cpu;
    const code = caseCode(c);
    this.load(c, code);
    const end = (CASE_CODE_ADDRESS + code.length) | 0;
    let fault: CaseFault | undefined;
    for (let n = 0; cpu.eip !== end; n++) {
      if (n >= STEP_GUARD) {
        fault = { vector: -1, errorCode: 0, insnIndex: -1, offset: (cpu.eip - CASE_CODE_ADDRESS) >>> 0 };
        break;
      }
      const stop = cpu.run(1);
      if (stop === STOP_BUDGET || stop === STOP_NONE) continue;
      const offset = (cpu.eip - CASE_CODE_ADDRESS) >>> 0;
      if (stop === STOP_EXCEPTION) {
        // Linux reports #PF with the hardware error code (U=4 from user mode); vectors without one as 0.
        const err = cpu.pendingError < 0 ? 0 : cpu.pendingError >>> 0;
        fault = { vector: cpu.pendingVector, errorCode: cpu.pendingVector === EXC_PF ? err : err & 0xffff, insnIndex: insnIndexAt(c, offset), offset };
      } else {
        // Anything else (shutdown, an internal error) is no outcome the host can produce: flag it.
        fault = { vector: -100 - stop, errorCode: 0, insnIndex: insnIndexAt(c, offset), offset };
      }
      break;
    }
    const result: CaseResult = {
      regs: Array.from(cpu.reg, (v) => v >>> 0),
      eflags: cpu.eflags >>> 0,
      mem: this.u8.slice(WINDOW, WINDOW + MEM_SIZE),
    };
    if (fault !== undefined) result.fault = fault;
    return result;
  }
}

/** 0-based index of the instruction that starts at or covers `offset` in the case's code. */
function insnIndexAt(c: NativeCase, offset: number): number {
  let at = 0;
  for (let i = 0; i < c.insns.length; i++) {
    const len = c.insns[i]?.length ?? 0;
    if (offset < at + len) return i;
    at += len;
  }
  return c.insns.length;
}

let machine: CaseMachine | undefined;

/** The CaseRunner for the fuzzer (`fuzz({ runVirtkit })`, `fuzz.mjs --runner`): every case on virtkit's CPU. */
export const runVirtkit: CaseRunner = (cases) => {
  machine ??= new CaseMachine();
  const m = machine;
  return Promise.resolve(cases.map((c) => m.run(c)));
};
