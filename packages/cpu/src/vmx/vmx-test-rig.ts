/**
 * A minimal hypervisor for tests of the VMX model: a host processor in flat protected mode with paging,
 * VMXON, one VMCS with controls from the capability MSRs, identity EPT over the first 4 MiB, and a
 * real-mode unrestricted guest at 0:1000h. Used by the *.test.ts files of this folder.
 */
import { Cpu, type CpuHost } from "../cpu.js";
import { PhysicalMemory } from "../core/physical-memory.js";
import { CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PSE, CR4_VMXE } from "../core/registers.js";
import {
  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, FEATURE_CONTROL_LOCKED, FEATURE_CONTROL_VMXON_OUTSIDE_SMX, PIN_CAPS,
  SECONDARY_EXEC_ENABLE_EPT, SECONDARY_EXEC_UNRESTRICTED_GUEST, TRUE_ENTRY_CAPS, TRUE_EXIT_CAPS, TRUE_PROC_CAPS,
  VMCS_REVISION_ID,
} from "./capabilities.js";
import * as F from "./vmcs-fields.js";
import { VMX_SUCCEED, vmclear, vmptrld, vmread, vmreadValue, vmwrite, vmxon } from "./vmx-instructions.js";

export const RIG_HOST_RIP = 0xc0100000 | 0;
export const RIG_VMXON = 0x100000;
export const RIG_VMCS = 0x101000;
export const RIG_EPT_PML4 = 0x102000;
export const RIG_GUEST_CODE = 0x1000;

export interface VmxRig {
  cpu: Cpu;
  mem: PhysicalMemory;
  ports: number[][];
  w(field: number, value: number): void;
  r(field: number): number;
}

export function vmxRig(opts: { pin?: number; proc?: number; proc2?: number } = {}): VmxRig {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(4 << 20));
  const ports: number[][] = [];
  const host: CpuHost = { ioRead: () => 0xff, ioWrite: (p, s, v) => ports.push([p, s, v]), acknowledgeInterrupt: () => 0xec };
  const cpu = new Cpu(mem, host);
  cpu.syncChunks();
  for (let i = 0; i < 1024; i++) mem.write32(0x200000 + i * 4, (i << 22) | 0x83);
  cpu.cr3 = 0x200000;
  cpu.cr4 = CR4_PSE | CR4_VMXE;
  cpu.cr0 = CR0_PE | CR0_NE | CR0_ET | CR0_PG;
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = s === 1 ? 0x10 : 0x18;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAr[s] = s === 1 ? 0xc09b : 0xc093;
  }
  cpu.onModeChange();
  cpu.featureControl = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
  mem.write32(RIG_VMXON, VMCS_REVISION_ID);
  mem.write32(RIG_VMCS, VMCS_REVISION_ID);
  const check = (ok: number, what: string): void => {
    if (ok !== VMX_SUCCEED) throw new Error(`${what} failed (${ok})`);
  };
  const w = (field: number, value: number): void => check(vmwrite(cpu, field, value), `vmwrite ${field.toString(16)}`);
  const r = (field: number): number => {
    check(vmread(cpu, field), `vmread ${field.toString(16)}`);
    return vmreadValue;
  };
  check(vmxon(cpu, RIG_VMXON), "VMXON");
  check(vmclear(cpu, RIG_VMCS), "VMCLEAR");
  check(vmptrld(cpu, RIG_VMCS), "VMPTRLD");
  // EPT: 2 MiB pages mapping the first 4 MiB 1:1, WB, RWX.
  mem.write32(RIG_EPT_PML4, 0x103000 | 7);
  mem.write32(0x103000, 0x104000 | 7);
  mem.write32(0x104000, 0x000000 | 0x80 | (6 << 3) | 7);
  mem.write32(0x104008, 0x200000 | 0x80 | (6 << 3) | 7);
  w(F.PIN_BASED_VM_EXEC_CONTROL, PIN_CAPS.mustBe1 | (opts.pin ?? 1));
  w(F.CPU_BASED_VM_EXEC_CONTROL, TRUE_PROC_CAPS.mustBe1 | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS | (opts.proc ?? 0));
  w(F.SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST | (opts.proc2 ?? 0));
  w(F.VM_EXIT_CONTROLS, TRUE_EXIT_CAPS.mustBe1);
  w(F.VM_ENTRY_CONTROLS, TRUE_ENTRY_CAPS.mustBe1);
  w(F.EPT_POINTER, RIG_EPT_PML4 | 6 | (3 << 3));
  w(F.VMCS_LINK_POINTER, -1);
  w(F.VMCS_LINK_POINTER + 1, -1);
  w(F.HOST_CR0, cpu.cr0);
  w(F.HOST_CR3, cpu.cr3);
  w(F.HOST_CR4, cpu.cr4);
  w(F.HOST_CS_SELECTOR, 0x10);
  for (const f of [F.HOST_SS_SELECTOR, F.HOST_DS_SELECTOR, F.HOST_ES_SELECTOR]) w(f, 0x18);
  w(F.HOST_TR_SELECTOR, 0x20);
  w(F.HOST_RIP, RIG_HOST_RIP);
  w(F.HOST_RSP, 0x9000);
  for (let s = 0; s < 6; s++) {
    w(F.GUEST_SEG_SELECTOR[s]!, 0);
    w(F.GUEST_SEG_BASE[s]!, 0);
    w(F.GUEST_SEG_LIMIT[s]!, 0xffff);
    w(F.GUEST_SEG_AR[s]!, s === 1 ? 0x9b : 0x93);
  }
  w(F.GUEST_LDTR_AR_BYTES, 0x82);
  w(F.GUEST_LDTR_LIMIT, 0xffff);
  w(F.GUEST_TR_AR_BYTES, 0x8b);
  w(F.GUEST_TR_LIMIT, 0xffff);
  w(F.GUEST_GDTR_LIMIT, 0xffff);
  w(F.GUEST_IDTR_LIMIT, 0x3ff);
  w(F.GUEST_CR0, CR0_NE | CR0_ET);
  w(F.GUEST_CR4, CR4_VMXE);
  w(F.GUEST_RFLAGS, 2);
  w(F.GUEST_RIP, RIG_GUEST_CODE);
  w(F.GUEST_RSP, 0x8000);
  return { cpu, mem, ports, w, r };
}

/** Sets real-mode IVT entry `vector` to 0:`handler`. */
export function setIvt(mem: PhysicalMemory, vector: number, handler: number): void {
  mem.write16(vector * 4, handler);
  mem.write16(vector * 4 + 2, 0);
}
