/**
 * Port I/O (SDM vol. 2: IN, OUT) with the protected-mode I/O permission checks of SDM vol. 1 §19.5
 * (IOPL, then the TSS I/O permission bitmap), I/O breakpoints, and the VMX I/O intercept.
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP } from "../core/exceptions.js";
import { EAX, EDX, FLAG_IOPL, TR } from "../core/registers.js";
import { vmxIo } from "../vmx/intercepts.js";
import { DR7_ENABLES, ioBreakpoint } from "../core/debug.js";
import type { Handler } from "./table.js";

/**
 * In protected mode with CPL > IOPL, and always in V86 mode, every port byte must be clear in the TSS
 * I/O permission bitmap (a 32-bit TSS's bitmap base at offset 0x66); otherwise #GP(0).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (!cpu.protectedMode) return;
  const iopl = (cpu.getFlags() & FLAG_IOPL) >>> 12;
  if (!cpu.v86 && cpu.cpl <= iopl) return;
  const type = cpu.segAr[TR]! & 0xf;
  if (type !== 0x9 && type !== 0xb) cpu.raise(EXC_GP, 0);
  const limit = cpu.segLimit[TR]! >>> 0;
  if (limit < 0x67) cpu.raise(EXC_GP, 0);
  const base = cpu.segBase[TR]!;
  const mapBase = cpu.readSys16((base + 0x66) | 0);
  const byte = mapBase + (port >>> 3);
  if (byte + 1 > limit) cpu.raise(EXC_GP, 0);
  const bits = cpu.readSys16((base + byte) | 0);
  if ((bits >>> (port & 7)) & ((1 << size) - 1)) cpu.raise(EXC_GP, 0);
}

export function ioRead(cpu: Cpu, port: number, size: number): number {
  if ((cpu.dr[7]! & DR7_ENABLES) !== 0) ioBreakpoint(cpu, port, size);
  const v = cpu.host.ioRead(port, size as 1 | 2 | 4);
  cpu.hostCalled();
  return v;
}

export function ioWrite(cpu: Cpu, port: number, size: number, value: number): void {
  if ((cpu.dr[7]! & DR7_ENABLES) !== 0) ioBreakpoint(cpu, port, size);
  const mask = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  cpu.host.ioWrite(port, size as 1 | 2 | 4, (value & mask) >>> 0);
  cpu.hostCalled();
}

function inOp(cpu: Cpu, port: number, size: number, immediate: boolean): void {
  checkIoPermission(cpu, port, size);
  if (cpu.nonRoot && vmxIo(cpu, port, size, true, false, immediate)) return;
  const v = ioRead(cpu, port, size);
  if (size === 1) cpu.setReg8(EAX, v);
  else if (size === 2) cpu.setReg16(EAX, v);
  else cpu.reg[EAX] = v;
}

function outOp(cpu: Cpu, port: number, size: number, immediate: boolean): void {
  checkIoPermission(cpu, port, size);
  if (cpu.nonRoot && vmxIo(cpu, port, size, false, false, immediate)) return;
  ioWrite(cpu, port, size, cpu.reg[EAX]!);
}

export function installIo(t: Handler[], _t0f: Handler[]): void {
  t[0xe4] = (cpu) => inOp(cpu, cpu.fetch8(), 1, true);
  t[0xe5] = (cpu) => inOp(cpu, cpu.fetch8(), cpu.o32 ? 4 : 2, true);
  t[0xe6] = (cpu) => outOp(cpu, cpu.fetch8(), 1, true);
  t[0xe7] = (cpu) => outOp(cpu, cpu.fetch8(), cpu.o32 ? 4 : 2, true);
  t[0xec] = (cpu) => inOp(cpu, cpu.reg[EDX]! & 0xffff, 1, false);
  t[0xed] = (cpu) => inOp(cpu, cpu.reg[EDX]! & 0xffff, cpu.o32 ? 4 : 2, false);
  t[0xee] = (cpu) => outOp(cpu, cpu.reg[EDX]! & 0xffff, 1, false);
  t[0xef] = (cpu) => outOp(cpu, cpu.reg[EDX]! & 0xffff, cpu.o32 ? 4 : 2, false);
}
