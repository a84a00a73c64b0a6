/**
 * The native oracle's case environment (oracle/native/native-case.ts: 32-bit protected mode, CPL 3,
 * flat user segments, paging with only the code page and the 4 KiB data window present, CR0.AM/WP as
 * Linux sets them, exceptions reported) on a processor running with a chosen engine, for the JIT
 * differential tests. Unlike the oracle's own runner, which single-steps, a case runs in one run()
 * call, so blocks and compiled regions execute it as they would any code; a HLT after the code (a
 * #GP(0) at CPL 3) marks its end.
 */
import { Cpu, STOP_EXCEPTION, type CpuHost } from "../cpu.js";
import { PhysicalMemory } from "../core/physical-memory.js";
import { AR_UNUSABLE, CR0_AM, CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CS, DS, ES, FS, GS, SS } from "../core/registers.js";
import { EXC_GP, EXC_PF } from "../core/exceptions.js";
import { useEngine, type Engine } from "./engine-state.js";

export const CASE_CODE_ADDRESS = 0x30001000;
export const MEM_BASE = 0x10000000;
export const MEM_SIZE = 0x1000;
const PD = 0x1000, PT_WINDOW = 0x2000, PT_CODE = 0x3000, WINDOW = 0x5000, CODE = 0x6000;
const CODE_AR = 0xb | 0x10 | 0x60 | 0x80 | 0x4000 | 0x8000;
const DATA_AR = 0x3 | 0x10 | 0x60 | 0x80 | 0x4000 | 0x8000;

export interface CaseInput {
  code: Uint8Array;
  regs: readonly number[];
  eflags: number;
  window: Uint8Array;
}

export interface CaseOutcome {
  regs: number[];
  /** The whole EFLAGS (defined and undefined bits: engines must agree on all of them). */
  eflags: number;
  mem: Uint8Array;
  fault?: { vector: number; errorCode: number; offset: number };
  retired: number;
}

export class CaseMachine {
  readonly ram = new ArrayBuffer(0x100000);
  readonly u8 = new Uint8Array(this.ram);
  readonly mem = new PhysicalMemory();
  readonly cpu: Cpu;

  constructor(engine: Engine) {
    this.mem.mapRam(0, this.ram);
    const host: CpuHost = { ioRead: () => 0xff, ioWrite: () => undefined, acknowledgeInterrupt: () => -1 };
    this.cpu = new Cpu(this.mem, host);
    this.cpu.reportExceptions = true;
    useEngine(this.cpu, engine);
    const dv = new DataView(this.ram);
    dv.setUint32(PD + (MEM_BASE >>> 22) * 4, PT_WINDOW | 7, true);
    dv.setUint32(PD + (CASE_CODE_ADDRESS >>> 22) * 4, PT_CODE | 7, true);
    dv.setUint32(PT_WINDOW + ((MEM_BASE >>> 12) & 0x3ff) * 4, WINDOW | 7, true);
    dv.setUint32(PT_CODE + ((CASE_CODE_ADDRESS >>> 12) & 0x3ff) * 4, CODE | 7, true);
  }

  /** Runs a case to its end marker or its first exception. */
  run(c: CaseInput, budget = 1 << 20): CaseOutcome {
    const cpu = this.cpu;
    // The host writes the code and the window, as the oracle's harness does.
    this.u8.fill(0xf4, CODE, CODE + 0x1000);
    this.u8.set(c.code, CODE);
    this.u8.set(c.window, WINDOW);
    cpu.reset();
    cpu.instructionsRetired = 0;
    cpu.cr3 = PD;
    cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    for (const s of [ES, CS, SS, DS]) {
      cpu.segSel[s] = s === CS ? 0x23 : 0x2b;
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
    cpu.setFlags((c.eflags & 0xcd5) | 0x202);
    cpu.eip = CASE_CODE_ADDRESS;
    const end = (CASE_CODE_ADDRESS + c.code.length) | 0;
    const stop = cpu.run(budget);
    const out: CaseOutcome = {
      regs: Array.from(cpu.reg, (v) => v >>> 0),
      eflags: cpu.eflags >>> 0,
      mem: this.u8.slice(WINDOW, WINDOW + MEM_SIZE),
      retired: cpu.instructionsRetired,
    };
    if (stop === STOP_EXCEPTION && !(cpu.eip === end && cpu.pendingVector === EXC_GP)) {
      const err = cpu.pendingError < 0 ? 0 : cpu.pendingError >>> 0;
      out.fault = { vector: cpu.pendingVector, errorCode: cpu.pendingVector === EXC_PF ? err : err & 0xffff, offset: (cpu.eip - CASE_CODE_ADDRESS) >>> 0 };
    } else if (stop !== STOP_EXCEPTION) {
      out.fault = { vector: -100 - stop, errorCode: 0, offset: (cpu.eip - CASE_CODE_ADDRESS) >>> 0 };
    }
    return out;
  }
}
