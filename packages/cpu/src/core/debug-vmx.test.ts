/**
 * Debug exceptions under VMX non-root operation: a single-step #DB selected by the exception bitmap is a
 * VM exit (reason 0) whose qualification carries this event's DR6 bits while DR6 keeps its old value
 * (SDM vol. 3C §27.1, table 27-1), and nothing of the guest's debug state leaks into the host.
 */
import { describe, expect, it } from "vitest";
import { Cpu } from "../cpu.js";
import { PhysicalMemory } from "./physical-memory.js";
import { CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PSE, CR4_VMXE, FLAG_TF } from "./registers.js";
import { DR6_BS } from "./debug.js";
import {
  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, FEATURE_CONTROL_LOCKED, FEATURE_CONTROL_VMXON_OUTSIDE_SMX, PIN_CAPS,
  SECONDARY_EXEC_ENABLE_EPT, SECONDARY_EXEC_UNRESTRICTED_GUEST, TRUE_ENTRY_CAPS, TRUE_EXIT_CAPS, TRUE_PROC_CAPS,
  VMCS_REVISION_ID,
} from "../vmx/capabilities.js";
import * as F from "../vmx/vmcs-fields.js";
import { VMX_SUCCEED, vmclear, vmlaunch, vmptrld, vmread, vmreadValue, vmwrite, vmxon } from "../vmx/vmx-instructions.js";

const VMXON_REGION = 0x100000;
const VMCS = 0x101000;
const EPT_PML4 = 0x102000;
const EPT_PDPT = 0x103000;
const EPT_PD = 0x104000;
const GUEST_CODE = 0x1000;
const HOST_RIP = 0x5000;

function w(cpu: Cpu, field: number, value: number): void {
  expect(vmwrite(cpu, field, value)).toBe(VMX_SUCCEED);
}
function r(cpu: Cpu, field: number): number {
  expect(vmread(cpu, field)).toBe(VMX_SUCCEED);
  return vmreadValue;
}

/** A flat protected-mode host with VMX on and a real-mode unrestricted guest over an identity EPT. */
function vmxMachine(): Cpu {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(4 << 20));
  const cpu = new Cpu(mem, { ioRead: () => 0xff, ioWrite: () => undefined, acknowledgeInterrupt: () => -1 });
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
  mem.write32(VMXON_REGION, VMCS_REVISION_ID);
  mem.write32(VMCS, VMCS_REVISION_ID);
  expect(vmxon(cpu, VMXON_REGION)).toBe(VMX_SUCCEED);
  expect(vmclear(cpu, VMCS)).toBe(VMX_SUCCEED);
  expect(vmptrld(cpu, VMCS)).toBe(VMX_SUCCEED);
  mem.write32(EPT_PML4, EPT_PDPT | 7);
  mem.write32(EPT_PDPT, EPT_PD | 7);
  mem.write32(EPT_PD, 0x80 | (6 << 3) | 7);
  mem.write32(EPT_PD + 8, 0x200000 | 0x80 | (6 << 3) | 7);
  w(cpu, F.PIN_BASED_VM_EXEC_CONTROL, PIN_CAPS.mustBe1 | 1);
  w(cpu, F.CPU_BASED_VM_EXEC_CONTROL, TRUE_PROC_CAPS.mustBe1 | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
  w(cpu, F.SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST);
  w(cpu, F.VM_EXIT_CONTROLS, TRUE_EXIT_CAPS.mustBe1);
  w(cpu, F.VM_ENTRY_CONTROLS, TRUE_ENTRY_CAPS.mustBe1);
  w(cpu, F.EPT_POINTER, EPT_PML4 | 6 | (3 << 3));
  w(cpu, F.VMCS_LINK_POINTER, -1);
  w(cpu, F.VMCS_LINK_POINTER + 1, -1);
  w(cpu, F.HOST_CR0, cpu.cr0);
  w(cpu, F.HOST_CR3, cpu.cr3);
  w(cpu, F.HOST_CR4, cpu.cr4);
  w(cpu, F.HOST_CS_SELECTOR, 0x10);
  w(cpu, F.HOST_SS_SELECTOR, 0x18);
  w(cpu, F.HOST_DS_SELECTOR, 0x18);
  w(cpu, F.HOST_ES_SELECTOR, 0x18);
  w(cpu, F.HOST_TR_SELECTOR, 0x20);
  w(cpu, F.HOST_RIP, HOST_RIP);
  w(cpu, F.HOST_RSP, 0x9000);
  for (let s = 0; s < 6; s++) {
    w(cpu, F.GUEST_SEG_SELECTOR[s]!, 0);
    w(cpu, F.GUEST_SEG_BASE[s]!, 0);
    w(cpu, F.GUEST_SEG_LIMIT[s]!, 0xffff);
    w(cpu, F.GUEST_SEG_AR[s]!, s === 1 ? 0x9b : 0x93);
  }
  w(cpu, F.GUEST_LDTR_AR_BYTES, 0x82);
  w(cpu, F.GUEST_LDTR_LIMIT, 0xffff);
  w(cpu, F.GUEST_TR_AR_BYTES, 0x8b);
  w(cpu, F.GUEST_TR_LIMIT, 0xffff);
  w(cpu, F.GUEST_GDTR_LIMIT, 0xffff);
  w(cpu, F.GUEST_IDTR_LIMIT, 0xffff);
  w(cpu, F.GUEST_CR0, CR0_NE | CR0_ET);
  w(cpu, F.GUEST_CR4, CR4_VMXE);
  w(cpu, F.GUEST_RIP, GUEST_CODE);
  w(cpu, F.GUEST_RSP, 0x8000);
  return cpu;
}

describe("#DB in VMX non-root operation", () => {
  it("a single step selected by the exception bitmap exits with DR6.BS in the qualification and DR6 unchanged", () => {
    const cpu = vmxMachine();
    // nop; nop; hlt — the guest runs with TF set
    cpu.mem.writeBytes(GUEST_CODE, [0x90, 0x90, 0xf4]);
    // host: hlt at HOST_RIP
    cpu.mem.writeBytes(HOST_RIP, [0xf4]);
    w(cpu, F.GUEST_RFLAGS, 2 | FLAG_TF);
    w(cpu, F.EXCEPTION_BITMAP, 1 << 1);
    cpu.dr[6] = 0xffff0ff0 | 0x1; // a stale B0 from earlier
    expect(vmlaunch(cpu, false)).toBe(VMX_SUCCEED);
    expect(r(cpu, F.VM_EXIT_REASON)).toBe(0);
    expect(r(cpu, F.VM_EXIT_INTR_INFO) & 0x7ff).toBe(0x301); // hardware exception, vector 1
    expect(r(cpu, F.EXIT_QUALIFICATION)).toBe(DR6_BS);
    expect(r(cpu, F.GUEST_RIP)).toBe(GUEST_CODE + 1);
    expect(cpu.dr[6] >>> 0).toBe(0xffff0ff1);
    // Back in the host: no trap of the guest's follows it.
    expect(cpu.debugTrap).toBe(0);
    expect(cpu.eip).toBe(HOST_RIP);
  });
});
