/**
 * VMX from the hypervisor's side: the VMX instructions' success/failure outcomes (VMfailInvalid,
 * VMfailValid with the SDM error numbers, #UD/#GP), VM-entry checks, and VM exits that really save the
 * guest state into the VMCS and load the host state from it.
 */
import { describe, expect, it } from "vitest";
import { Cpu, type CpuHost } from "../cpu.js";
import { PhysicalMemory } from "../core/physical-memory.js";
import { CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PSE, CR4_VMXE, FLAG_CF, FLAG_ZF } from "../core/registers.js";
import {
  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, CPU_BASED_HLT_EXITING, CPU_BASED_UNCOND_IO_EXITING, CPU_BASED_USE_IO_BITMAPS,
  FEATURE_CONTROL_LOCKED, FEATURE_CONTROL_VMXON_OUTSIDE_SMX, PIN_CAPS, SECONDARY_EXEC_ENABLE_EPT,
  SECONDARY_EXEC_UNRESTRICTED_GUEST, TRUE_ENTRY_CAPS, TRUE_EXIT_CAPS, TRUE_PROC_CAPS, VMCS_REVISION_ID,
} from "./capabilities.js";
import * as F from "./vmcs-fields.js";
import {
  VMX_FAIL_INVALID, VMX_FAIL_VALID, VMX_FAULT_GP, VMX_FAULT_UD, VMX_SUCCEED, vmclear, vmlaunch, vmptrld, vmread,
  vmreadValue, vmwrite, vmxon,
} from "./vmx-instructions.js";

const HOST_RIP = 0xc0100000 | 0;
const VMXON_REGION = 0x100000;
const VMCS = 0x101000;
const EPT_PML4 = 0x102000;
const EPT_PDPT = 0x103000;
const EPT_PD = 0x104000;
const IO_BITMAP_A = 0x105000;
const IO_BITMAP_B = 0x106000;
const GUEST_CODE = 0x1000;

interface Rig {
  cpu: Cpu;
  mem: PhysicalMemory;
  ports: number[][];
}

/** A host processor in flat protected mode with paging and CR4.VMXE, as a hypervisor runs it. */
function hostRig(opts: { vmxe?: boolean; locked?: boolean } = {}): Rig {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(4 << 20));
  const ports: number[][] = [];
  const host: CpuHost = {
    ioRead: () => 0xff,
    ioWrite: (port, size, value) => ports.push([port, size, value]),
    acknowledgeInterrupt: () => 0xec,
  };
  const cpu = new Cpu(mem, host);
  cpu.syncChunks();
  // Identity page directory with 4 MiB pages at 0x200000.
  for (let i = 0; i < 1024; i++) mem.write32(0x200000 + i * 4, (i << 22) | 0x83);
  cpu.cr3 = 0x200000;
  cpu.cr4 = CR4_PSE | (opts.vmxe === false ? 0 : CR4_VMXE);
  cpu.cr0 = CR0_PE | CR0_NE | CR0_ET | CR0_PG;
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = s === 1 ? 0x10 : 0x18;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAr[s] = s === 1 ? 0xc09b : 0xc093;
  }
  cpu.onModeChange();
  if (opts.locked !== false) cpu.featureControl = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
  mem.write32(VMXON_REGION, VMCS_REVISION_ID);
  mem.write32(VMCS, VMCS_REVISION_ID);
  return { cpu, mem, ports };
}

function w(cpu: Cpu, field: number, value: number): void {
  expect(vmwrite(cpu, field, value)).toBe(VMX_SUCCEED);
}

function r(cpu: Cpu, field: number): number {
  expect(vmread(cpu, field)).toBe(VMX_SUCCEED);
  return vmreadValue;
}

/** Controls, host state and a real-mode unrestricted guest at 0:GUEST_CODE over an identity EPT. */
function setupVmcs(rig: Rig, extraProc = CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_HLT_EXITING): void {
  const { cpu, mem } = rig;
  expect(vmxon(cpu, VMXON_REGION)).toBe(VMX_SUCCEED);
  expect(vmclear(cpu, VMCS)).toBe(VMX_SUCCEED);
  expect(vmptrld(cpu, VMCS)).toBe(VMX_SUCCEED);
  // EPT: PML4[0] → PDPT[0] → PD with 2 MiB pages mapping the first 4 MiB 1:1, WB, RWX.
  mem.write32(EPT_PML4, EPT_PDPT | 7);
  mem.write32(EPT_PDPT, EPT_PD | 7);
  mem.write32(EPT_PD, 0x000000 | 0x80 | (6 << 3) | 7);
  mem.write32(EPT_PD + 8, 0x200000 | 0x80 | (6 << 3) | 7);
  w(cpu, F.PIN_BASED_VM_EXEC_CONTROL, PIN_CAPS.mustBe1 | 1);
  w(cpu, F.CPU_BASED_VM_EXEC_CONTROL, TRUE_PROC_CAPS.mustBe1 | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS | extraProc);
  w(cpu, F.SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST);
  w(cpu, F.VM_EXIT_CONTROLS, TRUE_EXIT_CAPS.mustBe1);
  w(cpu, F.VM_ENTRY_CONTROLS, TRUE_ENTRY_CAPS.mustBe1);
  w(cpu, F.EPT_POINTER, EPT_PML4 | 6 | (3 << 3));
  w(cpu, F.IO_BITMAP_A, IO_BITMAP_A);
  w(cpu, F.IO_BITMAP_B, IO_BITMAP_B);
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
  // Guest: real mode, CS base 0, the RESET-style attributes, CR0 with NE (unrestricted: PE/PG may be 0).
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
  w(cpu, F.GUEST_RFLAGS, 2);
  w(cpu, F.GUEST_RIP, GUEST_CODE);
  w(cpu, F.GUEST_RSP, 0x8000);
}

describe("VMXON", () => {
  it("raises #UD without CR4.VMXE and #GP unless IA32_FEATURE_CONTROL is locked with VMXON enabled", () => {
    expect(vmxon(hostRig({ vmxe: false }).cpu, VMXON_REGION)).toBe(VMX_FAULT_UD);
    expect(vmxon(hostRig({ locked: false }).cpu, VMXON_REGION)).toBe(VMX_FAULT_GP);
  });
  it("fails invalid for a region without the revision identifier, and VMXON twice is error 15", () => {
    const rig = hostRig();
    rig.mem.write32(VMXON_REGION, 0x1234);
    expect(vmxon(rig.cpu, VMXON_REGION)).toBe(VMX_FAIL_INVALID);
    expect(rig.cpu.getFlags() & FLAG_CF).toBe(FLAG_CF);
    rig.mem.write32(VMXON_REGION, VMCS_REVISION_ID);
    expect(vmxon(rig.cpu, VMXON_REGION)).toBe(VMX_SUCCEED);
    expect(vmptrld(rig.cpu, VMCS)).toBe(VMX_SUCCEED);
    expect(vmxon(rig.cpu, VMXON_REGION)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(15);
  });
});

describe("VMREAD and VMWRITE by SDM encoding", () => {
  it("fail invalid (CF = 1) when no VMCS is current", () => {
    const rig = hostRig();
    vmxon(rig.cpu, VMXON_REGION);
    expect(vmread(rig.cpu, F.GUEST_RIP)).toBe(VMX_FAIL_INVALID);
    expect(rig.cpu.getFlags() & (FLAG_CF | FLAG_ZF)).toBe(FLAG_CF);
  });
  it("report error 12 for an unsupported component and 13 for writing a read-only one", () => {
    const rig = hostRig();
    vmxon(rig.cpu, VMXON_REGION);
    vmptrld(rig.cpu, VMCS);
    expect(vmwrite(rig.cpu, 0x6ffe, 1)).toBe(VMX_FAIL_VALID);
    expect(rig.cpu.getFlags() & (FLAG_CF | FLAG_ZF)).toBe(FLAG_ZF);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(12);
    expect(vmread(rig.cpu, F.GUEST_RIP + 1)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(12);
    expect(vmwrite(rig.cpu, F.VM_EXIT_REASON, 5)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(13);
  });
  it("takes the width from the encoding: 16-bit fields truncate, 64-bit fields have a high half", () => {
    const rig = hostRig();
    vmxon(rig.cpu, VMXON_REGION);
    vmptrld(rig.cpu, VMCS);
    w(rig.cpu, F.GUEST_CS_SELECTOR, 0x12345678);
    expect(r(rig.cpu, F.GUEST_CS_SELECTOR)).toBe(0x5678);
    w(rig.cpu, F.TSC_OFFSET + 1, 0xaabbccdd);
    w(rig.cpu, F.TSC_OFFSET, 0x11223344);
    // A full write from a 32-bit operand clears the high half.
    expect(r(rig.cpu, F.TSC_OFFSET + 1)).toBe(0);
    w(rig.cpu, F.TSC_OFFSET + 1, 0xaabbccdd);
    expect([r(rig.cpu, F.TSC_OFFSET), r(rig.cpu, F.TSC_OFFSET + 1)]).toEqual([0x11223344, 0xaabbccdd]);
  });
  it("keeps a VMCS's data in its memory region across VMCLEAR and VMPTRLD", () => {
    const rig = hostRig();
    vmxon(rig.cpu, VMXON_REGION);
    vmptrld(rig.cpu, VMCS);
    w(rig.cpu, F.GUEST_RIP, 0xabcd);
    expect(vmclear(rig.cpu, VMCS)).toBe(VMX_SUCCEED);
    expect(vmread(rig.cpu, F.GUEST_RIP)).toBe(VMX_FAIL_INVALID);
    rig.mem.write32(0x180000, VMCS_REVISION_ID);
    vmptrld(rig.cpu, 0x180000);
    w(rig.cpu, F.GUEST_RIP, 0x1111);
    vmptrld(rig.cpu, VMCS);
    expect(r(rig.cpu, F.GUEST_RIP)).toBe(0xabcd);
  });
  it("rejects VMPTRLD of a region with the wrong revision (11) and of the VMXON region (10)", () => {
    const rig = hostRig();
    vmxon(rig.cpu, VMXON_REGION);
    vmptrld(rig.cpu, VMCS);
    rig.mem.write32(0x180000, 0x42);
    expect(vmptrld(rig.cpu, 0x180000)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(11);
    expect(vmptrld(rig.cpu, VMXON_REGION)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(10);
    expect(vmptrld(rig.cpu, 0x180010)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(9);
  });
});

describe("VM entry", () => {
  it("fails valid with error 7 for controls outside the capability MSRs", () => {
    const rig = hostRig();
    setupVmcs(rig);
    w(rig.cpu, F.PIN_BASED_VM_EXEC_CONTROL, 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(7);
  });
  it("fails valid with error 8 for bad host state (HOST_CR4 without VMXE, a null host CS)", () => {
    const rig = hostRig();
    setupVmcs(rig);
    w(rig.cpu, F.HOST_CR4, 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(8);
    w(rig.cpu, F.HOST_CR4, rig.cpu.cr4);
    w(rig.cpu, F.HOST_CS_SELECTOR, 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(8);
  });
  it("refuses VMRESUME before VMLAUNCH (5)", () => {
    const rig = hostRig();
    setupVmcs(rig);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(5);
  });
  it("reports invalid guest state as an exit with bit 31 set and reason 33, back at HOST_RIP", () => {
    const rig = hostRig();
    setupVmcs(rig);
    // An unusable CS is never valid guest state (SDM §26.3.1.2).
    w(rig.cpu, F.GUEST_CS_AR_BYTES, 0x10000);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON) >>> 0).toBe(0x80000021);
    expect(r(rig.cpu, F.EXIT_QUALIFICATION)).toBe(0);
    expect(rig.cpu.eip).toBe(HOST_RIP);
    expect(rig.cpu.nonRoot).toBe(false);
    // The launch state stays clear: a later VMRESUME is still error 5.
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(5);
  });
  it("reports a bad VMCS link pointer with qualification 4", () => {
    const rig = hostRig();
    setupVmcs(rig);
    w(rig.cpu, F.VMCS_LINK_POINTER, 0x3000);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON) >>> 0).toBe(0x80000021);
    expect(r(rig.cpu, F.EXIT_QUALIFICATION)).toBe(4);
  });
});

describe("VM exits", () => {
  /** mov dx, 0x3f8; mov al, 'A'; out dx, al; out 0x80, al; hlt */
  const code = [0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xe6, 0x80, 0xf4];

  it("exit on OUT with unconditional I/O exiting: reason 30, qualification, guest state saved, host state loaded", () => {
    const rig = hostRig();
    setupVmcs(rig);
    rig.mem.writeBytes(GUEST_CODE, code);
    rig.cpu.reg[0] = 0x1234;
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(30);
    // size 1 (0), out (bit 3 clear), DX operand (bit 6 clear), port in 31:16.
    expect(r(rig.cpu, F.EXIT_QUALIFICATION) >>> 0).toBe(0x3f80000);
    expect(r(rig.cpu, F.VM_EXIT_INSTRUCTION_LEN)).toBe(1);
    expect(r(rig.cpu, F.GUEST_RIP)).toBe(GUEST_CODE + 5);
    expect(r(rig.cpu, F.GUEST_RSP)).toBe(0x8000);
    expect(rig.cpu.reg[0] & 0xff).toBe(0x41);
    expect(rig.cpu.eip).toBe(HOST_RIP);
    expect(rig.cpu.reg[4]).toBe(0x9000);
    expect(rig.cpu.segSel[1]).toBe(0x10);
    expect(rig.cpu.cr0).toBe(r(rig.cpu, F.HOST_CR0) | 0);
    expect(rig.ports).toEqual([]);
    // VMRESUME at the next instruction: the immediate form reports bit 6 and port 0x80.
    w(rig.cpu, F.GUEST_RIP, GUEST_CODE + 6);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(30);
    expect(r(rig.cpu, F.EXIT_QUALIFICATION) >>> 0).toBe((0x80 << 16) | 0x40);
    expect(r(rig.cpu, F.VM_EXIT_INSTRUCTION_LEN)).toBe(2);
  });

  it("VMLAUNCH of a launched VMCS is error 4", () => {
    const rig = hostRig();
    setupVmcs(rig);
    rig.mem.writeBytes(GUEST_CODE, code);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_FAIL_VALID);
    expect(r(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(4);
  });

  it("with I/O bitmaps, only ports whose bit is set exit; the others reach the platform", () => {
    const rig = hostRig();
    setupVmcs(rig, CPU_BASED_USE_IO_BITMAPS | CPU_BASED_HLT_EXITING);
    rig.mem.writeBytes(GUEST_CODE, code);
    // Bitmap A bit 0x80 set: port 0x80 exits, port 0x3F8 does not.
    rig.mem.write8(IO_BITMAP_A + (0x80 >>> 3), 1 << (0x80 & 7));
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.ports).toEqual([[0x3f8, 1, 0x41]]);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(30);
    expect(r(rig.cpu, F.EXIT_QUALIFICATION) >>> 16).toBe(0x80);
    expect(r(rig.cpu, F.GUEST_RIP)).toBe(GUEST_CODE + 6);
  });

  it("HLT exiting: reason 12 at the HLT, length 1", () => {
    const rig = hostRig();
    setupVmcs(rig, CPU_BASED_USE_IO_BITMAPS | CPU_BASED_HLT_EXITING);
    rig.mem.writeBytes(GUEST_CODE, code);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(12);
    expect(r(rig.cpu, F.GUEST_RIP)).toBe(GUEST_CODE + 8);
    expect(r(rig.cpu, F.VM_EXIT_INSTRUCTION_LEN)).toBe(1);
  });

  it("an EPT violation reports the access, the guest-physical and the guest-linear address", () => {
    const rig = hostRig();
    setupVmcs(rig);
    // Replace the first 2 MiB page with a page table mapping only the first 64 KiB.
    const PT = 0x107000;
    for (let i = 0; i < 16; i++) rig.mem.write32(PT + i * 8, (i << 12) | (6 << 3) | 7);
    rig.mem.write32(EPT_PD, PT | 7);
    // mov ax, 0x1000; mov ds, ax; mov al, [0xfff0]  → guest-physical 0x1fff0, outside the mapping.
    rig.mem.writeBytes(GUEST_CODE, [0xb8, 0x00, 0x10, 0x8e, 0xd8, 0xa0, 0xf0, 0xff]);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(48);
    expect(r(rig.cpu, F.GUEST_PHYSICAL_ADDRESS)).toBe(0x1fff0);
    expect(r(rig.cpu, F.GUEST_LINEAR_ADDRESS)).toBe(0x1fff0);
    // Read access, not present (permissions 0), linear address valid, access to the translated address.
    expect(r(rig.cpu, F.EXIT_QUALIFICATION)).toBe(0x181);
    expect(r(rig.cpu, F.GUEST_RIP)).toBe(GUEST_CODE + 5);
    expect(r(rig.cpu, F.GUEST_DS_SELECTOR)).toBe(0x1000);
    expect(r(rig.cpu, F.GUEST_DS_BASE)).toBe(0x10000);
  });
});

describe("CR0 and CR4 in non-root operation", () => {
  it("a MOV to CR0 that does not exit keeps the host-owned bits (NE stays set)", () => {
    const rig = hostRig();
    setupVmcs(rig);
    // Host owns NE (bit 5) with shadow 0: the guest writes CR0 = PE|ET (NE clear, as the shadow shows), then HLT.
    w(rig.cpu, F.CR0_GUEST_HOST_MASK, 0x20);
    w(rig.cpu, F.CR0_READ_SHADOW, 0x10);
    // mov eax, 0x11; mov cr0, eax; hlt  (32-bit operand in real mode via 66h)
    rig.mem.writeBytes(GUEST_CODE, [0x66, 0xb8, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x22, 0xc0, 0xf4]);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(12);
    expect(r(rig.cpu, F.GUEST_CR0) & 0x31).toBe(0x31);
    // Re-entry passes the CR0 fixed-bit checks because NE was kept.
    w(rig.cpu, F.GUEST_RIP, GUEST_CODE + 9);
    rig.mem.writeBytes(GUEST_CODE + 9, [0xf4]);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(r(rig.cpu, F.VM_EXIT_REASON)).toBe(12);
  });
});
