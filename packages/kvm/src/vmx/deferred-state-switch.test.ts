/**
 * The VMX module asks the processor to defer the state switch of exits it handles (VmxCpuState.
 * deferStateSwitch): the guest's segments and control registers may stay in the processor across an exit
 * to user space. What user space sees through the KVM API must not change: KVM_GET_SREGS/KVM_GET_REGS after
 * such an exit report the guest's state, and KVM_SET_SREGS before the next KVM_RUN is what the guest runs with.
 */
import { describe, expect, it } from "vitest";
import { fdVcpu } from "../kvm-main.js";
import { describe as describeExit, load, tinyVcpu, tinyVm } from "../testing/tiny-guest.js";

describe("exits with the deferred state switch", () => {
  it("KVM_GET_SREGS/REGS after a deferred exit show the guest's state, and KVM_SET_SREGS reaches the guest", () => {
    const t = tinyVm();
    load(t, 0x1000, [
      0xb8, 0x34, 0x12, // mov ax, 1234h
      0x8e, 0xe0, //       mov fs, ax
      0xe6, 0x80, //       out 80h, al      (FS changed since the entry: a full switch)
      0x40, //             inc ax
      0xe6, 0x80, //       out 80h, al      (nothing changed: deferred)
      0x40, //             inc ax
      0xe6, 0x80, //       out 80h, al      (deferred, and the entry before it found the guest's state live)
      0x65, 0xa0, 0x10, 0x00, // mov al, [gs:10h]
      0xe6, 0x80, //       out 80h, al      (GS as KVM_SET_SREGS wrote it)
      0xf4, //             hlt
    ]);
    t.mem.bytes[0x3010] = 0x5a;
    const vcpu = tinyVcpu(t);
    const vmx = fdVcpu(vcpu.fd)!.vendor.cpu.vmx!;
    expect(describeExit(vcpu.runExit())).toBe("io-out 80 34");
    const deferredBefore = vmx.deferredExits;
    expect(describeExit(vcpu.runExit())).toBe("io-out 80 35");
    expect(vmx.deferredExits).toBe(deferredBefore + 1);
    expect(vmx.hostStatePending).toBe(true);
    const s = vcpu.getSregs();
    expect([s.fs.selector, s.fs.base, s.cs.selector, s.cs.base, s.ds.limit]).toEqual([0x1234, 0x12340, 0, 0, 0xffffffff]);
    expect([s.cr0 & 1, s.gdt.limit, s.idt.limit]).toEqual([0, 0xffff, 0xffff]);
    // (RIP stays at the OUT until the next KVM_RUN completes it, as complete_fast_pio_out does.)
    const r = vcpu.getRegs();
    expect([r.rip, r.rax & 0xffff, r.rsp]).toEqual([0x1008, 0x1235, 0xfff0]);

    const liveBefore = vmx.liveEntries;
    expect(describeExit(vcpu.runExit())).toBe("io-out 80 36");
    expect(vmx.liveEntries).toBe(liveBefore + 1);
    expect(vcpu.getRegs().rip).toBe(0x100b);

    const set = vcpu.getSregs();
    set.gs.selector = 0x300;
    set.gs.base = 0x3000;
    vcpu.setSregs(set);
    expect(describeExit(vcpu.runExit())).toBe("io-out 80 5a");
    const after = vcpu.getSregs();
    expect([after.gs.selector, after.gs.base, after.fs.selector]).toEqual([0x300, 0x3000, 0x1234]);
    expect(describeExit(vcpu.runExit())).toBe("hlt");
  });
});

describe("the emulator's copy of the guest's segments", () => {
  it("follows a segment load by the guest and a KVM_SET_SREGS between MMIO exits", () => {
    const t = tinyVm();
    load(t, 0x1000, [
      0x66, 0xb8, 0x00, 0x00, 0x00, 0xd0, // mov eax, 0D0000000h
      0x67, 0xc6, 0x00, 0x01, //             mov byte [eax], 1   (DS base 0)
      0x67, 0xc6, 0x00, 0x02, //             mov byte [eax], 2   (nothing changed: the copy is current)
      0xbb, 0x00, 0x01, //                   mov bx, 100h
      0x8e, 0xdb, //                         mov ds, bx          (DS base 1000h, limit kept: unreal mode)
      0x67, 0xc6, 0x00, 0x03, //             mov byte [eax], 3
      0x67, 0xc6, 0x00, 0x04, //             mov byte [eax], 4   (after KVM_SET_SREGS: DS base 2000h)
      0xf4, //                               hlt
    ]);
    const vcpu = tinyVcpu(t);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(describeExit(vcpu.runExit()));
    const s = vcpu.getSregs();
    s.ds.base = 0x2000;
    s.ds.selector = 0x200;
    vcpu.setSregs(s);
    for (let i = 0; i < 2; i++) seen.push(describeExit(vcpu.runExit()));
    expect(seen).toEqual(["mmio-write d0000000 len 1", "mmio-write d0000000 len 1", "mmio-write d0001000 len 1", "mmio-write d0002000 len 1", "hlt"]);
  });
});
