/**
 * The VMX MSR areas (SDM vol. 3C §24.7.2, §24.8.2): 16-byte entries {u32 index, u32 reserved, u64 data}
 * loaded on VM entry, stored and loaded on VM exit.
 */
import type { Cpu } from "../cpu.js";
import { readMsr, writeMsr } from "../core/msr.js";
import {
  VM_ENTRY_MSR_LOAD_ADDR, VM_ENTRY_MSR_LOAD_COUNT, VM_EXIT_MSR_LOAD_ADDR, VM_EXIT_MSR_LOAD_COUNT,
  VM_EXIT_MSR_STORE_ADDR, VM_EXIT_MSR_STORE_COUNT,
} from "./vmcs-fields.js";
import type { VmxCpuState } from "./vmx-state.js";

/** MSRs that may not appear in a load list (SDM vol. 3C §26.4): FS/GS base and the x2APIC range. */
function loadable(index: number): boolean {
  return !(index === 0xc0000100 || index === 0xc0000101 || (index >>> 8) === 0x8 || index === 0x9e);
}

/**
 * VM-entry MSR loads. Returns 0 on success or the 1-based number of the entry that failed
 * (the exit qualification of an MSR-load-failure entry failure, SDM vol. 3C §26.8).
 */
export function vmxEntryMsrLoad(cpu: Cpu, vmx: VmxCpuState): number {
  const count = vmx.vmcs.get(VM_ENTRY_MSR_LOAD_COUNT);
  const base = vmx.vmcs.get(VM_ENTRY_MSR_LOAD_ADDR);
  for (let i = 0; i < count; i++) {
    const e = base + i * 16;
    const index = cpu.mem.read32(e) >>> 0;
    if (cpu.mem.read32(e + 4) !== 0 || !loadable(index)) return i + 1;
    if (!writeMsr(cpu, index, cpu.mem.read32(e + 8), cpu.mem.read32(e + 12))) return i + 1;
  }
  return 0;
}

export function vmxMsrListStore(cpu: Cpu, vmx: VmxCpuState): void {
  const count = vmx.vmcs.get(VM_EXIT_MSR_STORE_COUNT);
  const base = vmx.vmcs.get(VM_EXIT_MSR_STORE_ADDR);
  for (let i = 0; i < count; i++) {
    const e = base + i * 16;
    const v = readMsr(cpu, cpu.mem.read32(e) >>> 0);
    if (!v) continue;
    cpu.mem.write32(e + 8, v[0]);
    cpu.mem.write32(e + 12, v[1]);
  }
  // The stores bypass the translation cache's write tracking: code there is checked again before it runs.
  if (count > 0) cpu.newCodeEpoch();
}

/** VM-exit MSR loads; false means a VMX abort. */
export function vmxMsrListLoad(cpu: Cpu, vmx: VmxCpuState): boolean {
  const count = vmx.vmcs.get(VM_EXIT_MSR_LOAD_COUNT);
  const base = vmx.vmcs.get(VM_EXIT_MSR_LOAD_ADDR);
  for (let i = 0; i < count; i++) {
    const e = base + i * 16;
    const index = cpu.mem.read32(e) >>> 0;
    if (!loadable(index) || !writeMsr(cpu, index, cpu.mem.read32(e + 8), cpu.mem.read32(e + 12))) return false;
  }
  return true;
}
