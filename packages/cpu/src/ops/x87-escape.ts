/**
 * The x87 escape opcodes D8-DF, WAIT/FWAIT (9B) and FXSAVE/FXRSTOR (0F AE /0 /1). CR0.EM or CR0.TS make
 * ESC and FXSAVE/FXRSTOR raise #NM; WAIT raises #NM only with TS and MP both set (SDM vol. 3A §2.5,
 * table 2-2). The arithmetic itself lives in the FPU the processor is given (cpu.fpu, fpu/); without
 * one the processor behaves as with CR0.EM = 1.
 */
import type { Cpu } from "../cpu.js";
import { EXC_NM } from "../core/exceptions.js";
import { CR0_EM, CR0_MP, CR0_TS } from "../core/registers.js";
import type { Handler } from "./table.js";

/** 0F AE: /0 FXSAVE, /1 FXRSTOR. The other forms (MXCSR, fences, CLFLUSH) need SSE/SSE2/CLFSH: #UD. */
function group0FAE(cpu: Cpu): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  if (cpu.modrm >= 0xc0 || op > 1) cpu.ud();
  if (cpu.cr0 & (CR0_EM | CR0_TS) || cpu.fpu === null) cpu.raise(EXC_NM);
  if (op === 0) cpu.fpu.fxsave(cpu);
  else cpu.fpu.fxrstor(cpu);
}

export function installX87(t: Handler[], t0f: Handler[]): void {
  for (let op = 0xd8; op <= 0xdf; op++) {
    t[op] = (cpu: Cpu) => {
      if (cpu.cr0 & (CR0_EM | CR0_TS) || cpu.fpu === null) cpu.raise(EXC_NM);
      cpu.fpu.execute(cpu, op);
    };
  }
  t[0x9b] = (cpu: Cpu) => {
    if ((cpu.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) cpu.raise(EXC_NM);
    cpu.fpu?.wait();
  };
  t0f[0xae] = group0FAE;
}
