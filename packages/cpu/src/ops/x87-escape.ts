/**
 * The x87 escape opcodes D8-DF and WAIT/FWAIT (9B). CR0.EM or CR0.TS make ESC raise #NM; WAIT raises
 * #NM only with TS and MP both set (SDM vol. 3A §2.5, table 2-2). The arithmetic itself lives in the FPU
 * module the processor is given (cpu.fpu); without one the processor behaves as with CR0.EM = 1.
 */
import type { Cpu } from "../cpu.js";
import { EXC_NM } from "../core/exceptions.js";
import { CR0_EM, CR0_MP, CR0_TS } from "../core/registers.js";
import type { Handler } from "./table.js";

export function installX87(t: Handler[], _t0f: Handler[]): void {
  for (let op = 0xd8; op <= 0xdf; op++) {
    t[op] = (cpu: Cpu) => {
      if (cpu.cr0 & (CR0_EM | CR0_TS) || cpu.fpu === null) cpu.raise(EXC_NM);
      cpu.fpu.execute(cpu, op);
    };
  }
  t[0x9b] = (cpu: Cpu) => {
    if ((cpu.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) cpu.raise(EXC_NM);
    cpu.fpu?.wait(cpu);
  };
}
