/**
 * The deferred state switch (VmxCpuState.deferStateSwitch): an exit that finds the guest's segments, control
 * registers, descriptor tables and MSRs unchanged since the entry saves only RIP, RSP, RFLAGS and the
 * non-register state and loads only the host's RIP, RSP and RFLAGS; the next entry loads only those back.
 * Every test runs the same guest and the same hypervisor actions twice — once with the full switch, once
 * deferred — and requires the two to be indistinguishable: the VMCS (all of it, as VMREAD and VMCLEAR see
 * it), what the guest does, and the host state once something can observe it.
 */
import { describe, expect, it } from "vitest";
import { CR0_PE } from "../core/registers.js";
import { CPU_BASED_HLT_EXITING, CPU_BASED_UNCOND_IO_EXITING, TRUE_ENTRY_CAPS, TRUE_EXIT_CAPS, VM_ENTRY_LOAD_DEBUG_CONTROLS, VM_EXIT_SAVE_DEBUG_CONTROLS } from "./capabilities.js";
import { EXIT_REASON_HLT, EXIT_REASON_IO_INSTRUCTION } from "./exit-reasons.js";
import * as F from "./vmcs-fields.js";
import { VMX_SUCCEED, vmclear, vmlaunch, vmptrld } from "./vmx-instructions.js";
import { RIG_GUEST_CODE, RIG_HOST_RIP, RIG_VMCS, vmxRig, type VmxRig } from "./vmx-test-rig.js";

/** A rig whose entries load DR7 (as KVM's do), with the deferred switch on or off. */
function rig(deferred: boolean): VmxRig {
  const r = vmxRig({ proc: CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_HLT_EXITING });
  r.w(F.VM_EXIT_CONTROLS, TRUE_EXIT_CAPS.mustBe1 | VM_EXIT_SAVE_DEBUG_CONTROLS);
  r.w(F.VM_ENTRY_CONTROLS, TRUE_ENTRY_CAPS.mustBe1 | VM_ENTRY_LOAD_DEBUG_CONTROLS);
  r.w(F.GUEST_DR7, 0x400);
  r.cpu.vmx!.deferStateSwitch = deferred;
  return r;
}

/** What the two runs must agree on after an exit: every VMCS component and the guest's general registers. */
function observable(r: VmxRig): unknown {
  const v = r.cpu.vmx!.vmcs;
  return { lo: [...v.lo], hi: [...v.hi], launched: v.launched, gprs: [...r.cpu.reg] };
}

/** AL at each OUT exit of a rig (the rig leaves the guest's general registers in the processor). */
const outs = new Map<VmxRig, number[]>();

/** Skips the instruction that exited (as KVM's skip_emulated_instruction does through the VMCS). */
function skip(r: VmxRig): void {
  r.w(F.GUEST_RIP, r.r(F.GUEST_RIP) + r.r(F.VM_EXIT_INSTRUCTION_LEN));
}

/**
 * Loads `code` at the guest's RIP into both rigs, then for each step: enter, compare, run the step's
 * hypervisor action on both. Returns the rigs.
 */
function twin(code: number[], steps: ((r: VmxRig) => void)[], setup: (r: VmxRig) => void = () => undefined): [VmxRig, VmxRig] {
  const full = rig(false), deferred = rig(true);
  for (const r of [full, deferred]) {
    r.mem.writeBytes(RIG_GUEST_CODE, code);
    setup(r);
  }
  steps.forEach((action, i) => {
    for (const r of [full, deferred]) {
      expect(vmlaunch(r.cpu, i > 0)).toBe(VMX_SUCCEED);
      if (r.r(F.VM_EXIT_REASON) === EXIT_REASON_IO_INSTRUCTION) outs.set(r, [...(outs.get(r) ?? []), r.cpu.reg[0]! & 0xff]);
    }
    expect(observable(deferred)).toEqual(observable(full));
    for (const r of [full, deferred]) action(r);
  });
  return [full, deferred];
}

describe("the deferred VM-exit state switch", () => {
  it("defers exits that find the guest's segments and control registers unchanged, and the VMCS is the full switch's", () => {
    // out 80h,al; mov ax,1234h; mov ds,ax; out 80h,al; inc ax; out 80h,al; hlt
    const code = [0xe6, 0x80, 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xe6, 0x80, 0x40, 0xe6, 0x80, 0xf4];
    const reasons: number[] = [];
    const [full, deferred] = twin(code, [skip, skip, skip, (r) => reasons.push(r.r(F.VM_EXIT_REASON))]);
    expect(reasons).toEqual([EXIT_REASON_HLT, EXIT_REASON_HLT]);
    expect(deferred.r(F.GUEST_DS_SELECTOR)).toBe(0x1234);
    expect(deferred.r(F.GUEST_DS_BASE)).toBe(0x12340);
    expect(outs.get(deferred)).toEqual([0, 0x34, 0x35]);
    // The second OUT follows MOV DS: that exit saves everything; the others (first OUT, third OUT, HLT) defer.
    expect(deferred.cpu.vmx!.deferredExits).toBe(3);
    expect(deferred.cpu.vmx!.liveEntries).toBe(2);
    expect(full.cpu.vmx!.deferredExits).toBe(0);
  });

  it("a guest that enters protected mode on its own (LGDT, MOV CR0, far JMP, MOV DS) gets a full save, then deferred exits", () => {
    const code = [
      0x0f, 0x01, 0x16, 0x00, 0x11, // lgdt [1100h]
      0x0f, 0x20, 0xc0, //             mov eax, cr0
      0x0c, 0x01, //                   or al, 1
      0x0f, 0x22, 0xc0, //             mov cr0, eax
      0xea, 0x12, 0x10, 0x08, 0x00, // jmp 08h:1012h (16-bit code segment)
      0xb8, 0x10, 0x00, //             mov ax, 10h
      0x8e, 0xd8, //                   mov ds, ax
      0xe6, 0x80, //                   out 80h, al   (CR0, GDTR, CS, DS changed: full save)
      0xe6, 0x80, //                   out 80h, al   (deferred)
      0xf4, //                         hlt           (deferred)
    ];
    const tables = (r: VmxRig): void => {
      r.mem.writeBytes(0x1100, [0x17, 0x00, 0x08, 0x11, 0x00, 0x00]);
      r.mem.writeBytes(0x1108, [0, 0, 0, 0, 0, 0, 0, 0]);
      r.mem.writeBytes(0x1110, [0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0x00, 0x00]);
      r.mem.writeBytes(0x1118, [0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0x00, 0x00]);
    };
    const [full, deferred] = twin(code, [skip, skip, () => undefined], tables);
    expect([deferred.r(F.VM_EXIT_REASON), deferred.r(F.GUEST_CR0) & CR0_PE, deferred.r(F.GUEST_CS_SELECTOR), deferred.r(F.GUEST_DS_SELECTOR)])
      .toEqual([EXIT_REASON_HLT, CR0_PE, 0x08, 0x10]);
    expect([deferred.r(F.GUEST_GDTR_BASE), deferred.r(F.GUEST_GDTR_LIMIT)]).toEqual([0x1108, 0x17]);
    expect(outs.get(deferred)).toEqual([0x10, 0x10]);
    expect(deferred.cpu.vmx!.deferredExits).toBe(2);
    expect(full.cpu.cpl).toBe(deferred.cpu.cpl);
  });

  it("reports the deferred exit through VMREAD: reason, qualification, RIP and the segment state", () => {
    const [, deferred] = twin([0xe6, 0x80, 0xf4], [() => undefined]);
    expect(deferred.cpu.vmx!.hostStatePending).toBe(true);
    expect(deferred.r(F.VM_EXIT_REASON)).toBe(EXIT_REASON_IO_INSTRUCTION);
    expect(deferred.r(F.EXIT_QUALIFICATION)).toBe((0x80 << 16) | 0x40);
    expect(deferred.r(F.GUEST_RIP)).toBe(RIG_GUEST_CODE);
    expect([deferred.r(F.GUEST_CS_SELECTOR), deferred.r(F.GUEST_CS_AR_BYTES), deferred.r(F.GUEST_CR0) & CR0_PE]).toEqual([0, 0x9b, 0]);
    // The host's RIP, RSP and RFLAGS are loaded at once.
    expect([deferred.cpu.eip, deferred.cpu.reg[4], deferred.cpu.getFlags()]).toEqual([RIG_HOST_RIP, 0x9000, 2]);
  });

  it("an entry after VMWRITEs to the guest's segment state loads them (the guest reads through the new DS base)", () => {
    // out 80h,al; mov al,[10h]; out 80h,al; hlt
    const code = [0xe6, 0x80, 0xa0, 0x10, 0x00, 0xe6, 0x80, 0xf4];
    const [full, deferred] = twin(code, [
      (r) => {
        r.mem.write8(0x2010, 0x5a);
        r.w(F.GUEST_DS_SELECTOR, 0x200);
        r.w(F.GUEST_DS_BASE, 0x2000);
        skip(r);
      },
      skip,
    ]);
    expect(outs.get(deferred)).toEqual([0, 0x5a]);
    expect(outs.get(full)).toEqual([0, 0x5a]);
    // The written components made the second entry load everything.
    expect(deferred.cpu.vmx!.liveEntries).toBe(0);
  });

  it("VMCLEAR after a deferred exit completes the host-state load and writes the same VMCS region", () => {
    const [full, deferred] = twin([0xe6, 0x80, 0xf4], [() => undefined]);
    for (const r of [full, deferred]) expect(vmclear(r.cpu, RIG_VMCS)).toBe(VMX_SUCCEED);
    expect(deferred.cpu.vmx!.hostStatePending).toBe(false);
    const state = (r: VmxRig): unknown => ({
      cr: [r.cpu.cr0, r.cpu.cr3, r.cpu.cr4], sel: [...r.cpu.segSel], base: [...r.cpu.segBase], limit: [...r.cpu.segLimit],
      ar: [...r.cpu.segAr], dt: [r.cpu.gdtrBase, r.cpu.gdtrLimit, r.cpu.idtrBase, r.cpu.idtrLimit], cpl: r.cpu.cpl,
      eip: r.cpu.eip, rsp: r.cpu.reg[4], flags: r.cpu.getFlags(), dr7: r.cpu.dr[7], region: [...r.mem.readBytes(RIG_VMCS, 4096)],
    });
    expect(state(deferred)).toEqual(state(full));
    expect(deferred.cpu.segSel[1]).toBe(0x10);
  });

  it("a VMWRITE to a host-state field after a deferred exit does not change what that exit loaded", () => {
    const [full, deferred] = twin([0xe6, 0x80, 0xf4], [() => undefined]);
    const hostCr3 = full.cpu.cr3;
    for (const r of [full, deferred]) {
      r.w(F.HOST_CR3, 0x300000);
      expect(vmptrld(r.cpu, RIG_VMCS)).toBe(VMX_SUCCEED);
    }
    expect(deferred.cpu.cr3).toBe(hostCr3);
    expect(full.cpu.cr3).toBe(hostCr3);
    expect(deferred.cpu.vmx!.hostStatePending).toBe(false);
  });

  it("stays off unless the hypervisor asks for it", () => {
    const r = vmxRig({ proc: CPU_BASED_UNCOND_IO_EXITING });
    r.mem.writeBytes(RIG_GUEST_CODE, [0xe6, 0x80]);
    expect(vmlaunch(r.cpu, false)).toBe(VMX_SUCCEED);
    expect(r.cpu.vmx!.deferredExits).toBe(0);
    expect(r.cpu.eip).toBe(RIG_HOST_RIP);
    expect(r.cpu.segSel[1]).toBe(0x10);
  });
});
