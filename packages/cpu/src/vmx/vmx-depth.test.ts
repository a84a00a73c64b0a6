/**
 * VMX controls beyond the basic exits, from a hypervisor's point of view: the monitor trap flag, NMI
 * injection with virtual NMIs and NMI-window exiting, INIT and SIPI signals, the VMX-preemption timer,
 * RDTSC with TSC offsetting, MOV-DR exits, the exception bitmap with #BP, and INVEPT/INVVPID against a
 * TLB that keeps tagged translations across entries.
 */
import { describe, expect, it } from "vitest";
import {
  CPU_BASED_HLT_EXITING, CPU_BASED_MONITOR_TRAP_FLAG, CPU_BASED_MOV_DR_EXITING, CPU_BASED_NMI_WINDOW_EXITING,
  CPU_BASED_RDTSC_EXITING, CPU_BASED_UNCOND_IO_EXITING, CPU_BASED_USE_TSC_OFFSETTING, PIN_BASED_EXT_INTR_MASK,
  PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS, PIN_BASED_VMX_PREEMPTION_TIMER, PREEMPTION_TIMER_RATE,
  SECONDARY_EXEC_ENABLE_VPID, TRUE_EXIT_CAPS, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER, readVmxCapabilityMsr, MSR_IA32_VMX_MISC,
  MSR_IA32_VMX_TRUE_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS,
} from "./capabilities.js";
import * as F from "./vmcs-fields.js";
import { VMX_FAIL_VALID, VMX_SUCCEED, invept, invvpid, vmlaunch, DEFAULT_HOST_INTERRUPTS } from "./vmx-instructions.js";
import { vmxSignalInit, vmxSignalSipi } from "./vmx-events.js";
import { RIG_EPT_PML4, RIG_GUEST_CODE, setIvt, vmxRig } from "./vmx-test-rig.js";

const EXT = PIN_BASED_EXT_INTR_MASK;

describe("monitor trap flag", () => {
  it("exits with reason 37 after each instruction, trap-like; an instruction's own exit wins", () => {
    const rig = vmxRig({ proc: CPU_BASED_MONITOR_TRAP_FLAG | CPU_BASED_HLT_EXITING });
    rig.mem.writeBytes(RIG_GUEST_CODE, [0x90, 0x40, 0xf4]); // nop; inc ax; hlt
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([37, RIG_GUEST_CODE + 1]);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([37, RIG_GUEST_CODE + 2]);
    expect(rig.cpu.reg[0]! & 0xffff).toBe(1);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([12, RIG_GUEST_CODE + 2]);
  });

  it("exits right after an injected event is delivered, before the handler's first instruction", () => {
    const rig = vmxRig({ proc: CPU_BASED_MONITOR_TRAP_FLAG });
    setIvt(rig.mem, 0x20, 0x2000);
    rig.mem.writeBytes(0x2000, [0x90]);
    rig.w(F.GUEST_RFLAGS, 0x202);
    rig.w(F.VM_ENTRY_INTR_INFO_FIELD, (0x80000000 | 0x20) | 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP), rig.r(F.GUEST_RSP)]).toEqual([37, 0x2000, 0x8000 - 6]);
    expect(rig.mem.read16(0x8000 - 6)).toBe(RIG_GUEST_CODE);
  });

  it("is offered by IA32_VMX_TRUE_PROCBASED_CTLS (allowed-1 bit 27)", () => {
    expect(readVmxCapabilityMsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS)![1] & CPU_BASED_MONITOR_TRAP_FLAG).not.toBe(0);
  });
});

describe("NMIs", () => {
  const pin = EXT | PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS;

  it("an injected NMI sets virtual-NMI blocking until the handler's IRET, which opens the NMI window", () => {
    const rig = vmxRig({ pin, proc: CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_HLT_EXITING | CPU_BASED_NMI_WINDOW_EXITING });
    setIvt(rig.mem, 2, 0x2000);
    rig.mem.writeBytes(0x2000, [0xe6, 0x80, 0xcf]); // out 0x80, al; iret
    rig.mem.writeBytes(RIG_GUEST_CODE, [0xf4]);
    rig.w(F.VM_ENTRY_INTR_INFO_FIELD, (0x80000000 | (2 << 8) | 2) | 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    // The handler runs with virtual-NMI blocking: no NMI-window exit before its IRET.
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([30, 0x2000]);
    expect(rig.r(F.GUEST_INTERRUPTIBILITY_INFO) & 8).toBe(8);
    rig.w(F.GUEST_RIP, 0x2002);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([8, RIG_GUEST_CODE]);
    expect(rig.r(F.GUEST_INTERRUPTIBILITY_INFO) & 8).toBe(0);
  });

  it("injecting an NMI while virtual-NMI blocking is set is invalid guest state; NMI-window exiting needs virtual NMIs", () => {
    const rig = vmxRig({ pin });
    rig.w(F.GUEST_INTERRUPTIBILITY_INFO, 8);
    rig.w(F.VM_ENTRY_INTR_INFO_FIELD, (0x80000000 | (2 << 8) | 2) | 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON) >>> 0).toBe(0x80000021);
    const rig2 = vmxRig({ pin: EXT | PIN_BASED_NMI_EXITING, proc: CPU_BASED_NMI_WINDOW_EXITING });
    expect(vmlaunch(rig2.cpu, false)).toBe(VMX_FAIL_VALID);
    expect(rig2.r(F.VM_INSTRUCTION_ERROR)).toBe(7);
  });

  it("the capability MSRs offer NMI exiting and virtual NMIs", () => {
    const [, allowed1] = readVmxCapabilityMsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS)!;
    expect(allowed1 & (PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS)).toBe(PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS);
  });
});

describe("INIT and SIPI", () => {
  it("an INIT latched in root operation is a VM exit (reason 3) before the guest's first instruction", () => {
    const rig = vmxRig();
    rig.mem.writeBytes(RIG_GUEST_CODE, [0x40, 0xf4]);
    vmxSignalInit(rig.cpu);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([3, RIG_GUEST_CODE]);
    expect(rig.cpu.reg[0]! & 0xffff).toBe(0);
  });

  it("a guest in wait-for-SIPI idles; a SIPI arriving then exits with reason 4 and the vector as qualification", () => {
    const rig = vmxRig();
    rig.w(F.GUEST_ACTIVITY_STATE, 3);
    // Without a SIPI the processor only leaves on the host's timer interrupt, still waiting for SIPI.
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(1);
    expect(rig.r(F.GUEST_ACTIVITY_STATE)).toBe(3);
    // A SIPI sent while the host is in root operation is discarded.
    vmxSignalSipi(rig.cpu, 0x12);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(1);
    // Another processor's SIPI arriving while this one waits in non-root operation.
    let sent = false;
    const host = { ...DEFAULT_HOST_INTERRUPTS, poll: (c: typeof rig.cpu): boolean => {
      if (sent) return false;
      sent = true;
      vmxSignalSipi(c, 0x9a);
      return true;
    } };
    expect(vmlaunch(rig.cpu, true, host)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.EXIT_QUALIFICATION), rig.r(F.GUEST_ACTIVITY_STATE)]).toEqual([4, 0x9a, 3]);
  });

  it("IA32_VMX_MISC reports the HLT, shutdown and wait-for-SIPI activity states", () => {
    expect((readVmxCapabilityMsr(MSR_IA32_VMX_MISC)![0] >>> 6) & 7).toBe(7);
  });
});

describe("VMX-preemption timer", () => {
  it("exits (reason 52) after exactly value x 2^rate instructions of a guest that never exits", () => {
    const rig = vmxRig({ pin: EXT | PIN_BASED_VMX_PREEMPTION_TIMER });
    rig.mem.writeBytes(RIG_GUEST_CODE, [0xeb, 0xfe]); // jmp $
    rig.w(F.VMX_PREEMPTION_TIMER_VALUE, 10);
    const before = rig.cpu.instructionsRetired;
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(52);
    expect(rig.cpu.instructionsRetired - before).toBe(10 * 2 ** PREEMPTION_TIMER_RATE);
    expect(rig.r(F.GUEST_RIP)).toBe(RIG_GUEST_CODE);
  });

  it("value 0 exits before the first instruction; another exit first saves the remaining value when asked to", () => {
    const rig = vmxRig({ pin: EXT | PIN_BASED_VMX_PREEMPTION_TIMER, proc: CPU_BASED_HLT_EXITING });
    rig.mem.writeBytes(RIG_GUEST_CODE, [0x90, 0x90, 0xf4]);
    rig.w(F.VMX_PREEMPTION_TIMER_VALUE, 0);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.GUEST_RIP)]).toEqual([52, RIG_GUEST_CODE]);
    rig.w(F.VM_EXIT_CONTROLS, TRUE_EXIT_CAPS.mustBe1 | VM_EXIT_SAVE_VMX_PREEMPTION_TIMER);
    rig.w(F.VMX_PREEMPTION_TIMER_VALUE, 10);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(12);
    // Two instructions ran: 318 ticks left, 10 timer units (rounded up).
    expect(rig.r(F.VMX_PREEMPTION_TIMER_VALUE)).toBe(10);
  });
});

describe("TSC", () => {
  it("RDTSC returns the TSC plus TSC_OFFSET with offsetting, and exits (reason 16) with RDTSC exiting", () => {
    const rig = vmxRig({ proc: CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_HLT_EXITING });
    rig.mem.writeBytes(RIG_GUEST_CODE, [0x0f, 0x31, 0xf4]); // rdtsc; hlt
    rig.w(F.TSC_OFFSET, 0x10);
    rig.w(F.TSC_OFFSET + 1, 2);
    const tsc = rig.cpu.readTsc();
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(12);
    const edx = rig.cpu.reg[2]! >>> 0, eax = rig.cpu.reg[0]! >>> 0;
    expect(edx).toBe(2);
    expect(eax).toBeGreaterThanOrEqual(tsc + 0x10);
    expect(eax).toBeLessThan(tsc + 0x10 + 10);
    const rig2 = vmxRig({ proc: CPU_BASED_RDTSC_EXITING });
    rig2.mem.writeBytes(RIG_GUEST_CODE, [0x0f, 0x31]);
    expect(vmlaunch(rig2.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig2.r(F.VM_EXIT_REASON), rig2.r(F.VM_EXIT_INSTRUCTION_LEN), rig2.r(F.GUEST_RIP)]).toEqual([16, 2, RIG_GUEST_CODE]);
  });
});

describe("MOV DR exits", () => {
  it("report the debug register, the direction and the general register in the qualification", () => {
    const rig = vmxRig({ proc: CPU_BASED_MOV_DR_EXITING });
    rig.mem.writeBytes(RIG_GUEST_CODE, [0x0f, 0x21, 0xf8, 0x0f, 0x23, 0xc3]); // mov eax, dr7; mov dr0, ebx
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.EXIT_QUALIFICATION), rig.r(F.VM_EXIT_INSTRUCTION_LEN)]).toEqual([29, 0x17, 3]);
    rig.w(F.GUEST_RIP, RIG_GUEST_CODE + 3);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.EXIT_QUALIFICATION)]).toEqual([29, 0x300]);
  });
});

describe("exception bitmap", () => {
  it("#BP selected by the bitmap exits with reason 0, the INT3 as RIP and its length", () => {
    const rig = vmxRig();
    rig.w(F.EXCEPTION_BITMAP, 1 << 3);
    rig.mem.writeBytes(RIG_GUEST_CODE, [0xcc]);
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect([rig.r(F.VM_EXIT_REASON), rig.r(F.VM_EXIT_INTR_INFO) >>> 0, rig.r(F.VM_EXIT_INSTRUCTION_LEN), rig.r(F.GUEST_RIP)])
      .toEqual([0, 0x80000603, 1, RIG_GUEST_CODE]);
  });
});

describe("INVEPT and INVVPID", () => {
  /** Guest: mov al, [0x3000]; hlt — with a 4 KiB EPT page table so page 3 can be remapped. */
  function tlbRig(): ReturnType<typeof vmxRig> {
    const rig = vmxRig({ proc: CPU_BASED_HLT_EXITING, proc2: SECONDARY_EXEC_ENABLE_VPID });
    rig.w(F.VIRTUAL_PROCESSOR_ID, 1);
    const PT = 0x107000;
    for (let i = 0; i < 512; i++) rig.mem.write32(PT + i * 8, (i << 12) | (6 << 3) | 7);
    rig.mem.write32(0x104000, PT | 7);
    rig.mem.writeBytes(RIG_GUEST_CODE, [0xa0, 0x00, 0x30, 0xf4]);
    rig.mem.write8(0x3000, 0x11);
    rig.mem.write8(0x5000, 0x22);
    return rig;
  }
  const rerun = (rig: ReturnType<typeof vmxRig>): number => {
    rig.w(F.GUEST_RIP, RIG_GUEST_CODE);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    return rig.cpu.reg[0]! & 0xff;
  };

  it("translations tagged with the VPID and EPTP survive entries until INVEPT single-context", () => {
    const rig = tlbRig();
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.cpu.reg[0]! & 0xff).toBe(0x11);
    rig.mem.write32(0x107000 + 3 * 8, 0x5000 | (6 << 3) | 7);
    expect(rerun(rig)).toBe(0x11);
    expect(invept(rig.cpu, 1, RIG_EPT_PML4 | 0x1e)).toBe(VMX_SUCCEED);
    expect(rerun(rig)).toBe(0x22);
  });

  it("INVVPID all-contexts flushes too; unsupported types and VPID 0 fail with error 28", () => {
    const rig = tlbRig();
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    rig.mem.write32(0x107000 + 3 * 8, 0x5000 | (6 << 3) | 7);
    expect(invvpid(rig.cpu, 1, 2, 0)).toBe(VMX_SUCCEED);
    expect(rerun(rig)).toBe(0x11);
    expect(invvpid(rig.cpu, 2, 0, 0)).toBe(VMX_SUCCEED);
    expect(rerun(rig)).toBe(0x22);
    expect(invvpid(rig.cpu, 1, 0, 0)).toBe(VMX_FAIL_VALID);
    expect(rig.r(F.VM_INSTRUCTION_ERROR)).toBe(28);
    expect(invept(rig.cpu, 3, RIG_EPT_PML4)).toBe(VMX_FAIL_VALID);
    expect(rig.r(F.VM_INSTRUCTION_ERROR)).toBe(28);
  });
});
