/**
 * The in-kernel interrupt controllers through the KVM API: errno of the irqchip ioctls, the reset state of
 * each chip as KVM_GET_IRQCHIP / KVM_GET_LAPIC report it, and tiny guests whose interrupts come from the
 * PIC, the IOAPIC, the local APIC timer, MSIs, irqfds and the PIT, with HLT blocking in the kernel.
 */
import { describe, expect, it } from "vitest";
import { KvmError } from "../api.js";
import { eventfdRead, eventfdWrite, ioctl } from "../kvm-main.js";
import * as IOC from "../uapi/ioctl.js";
import { EBADF, EEXIST, EINVAL, ENOENT, ENXIO } from "../uapi/errno.js";
import { KVM_MP_STATE_HALTED, KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_UNINITIALIZED } from "../uapi/constants.js";
import { describe as d, load, setVector, tinyVcpu, tinyVm } from "../testing/tiny-guest.js";
import { kvmTrace } from "../trace.js";

const errno = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    if (e instanceof KvmError) return e.errno;
    throw e;
  }
  return 0;
};
const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);

// pic_main (org 1000h): ICW1 11h, ICW2 20h, ICW3 04h, ICW4 01h to ports 20h/21h; OCW1 FDh (IRQ1 only); sti; idle: hlt; jmp idle
const PIC_MAIN = [0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfd, 0xe6, 0x21, 0xfb, 0xf4, 0xeb, 0xfd];
// pic_handler (org 2000h): mov al, 20h; out 20h, al (EOI); mov al, 21h; out 0E9h, al; iret
const PIC_HANDLER = [0xb0, 0x20, 0xe6, 0x20, 0xb0, 0x21, 0xe6, 0xe9, 0xcf];
// apic_timer_main: SPIV=1FFh, TDCR=0Bh (divide by 1), LVTT=40h (one-shot), TMICT=1000 through [dword 0FEE00xxxh]; sti; idle: hlt; jmp idle
const APIC_TIMER_MAIN = [0x66, 0x67, 0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0xe0, 0x03, 0xe0, 0xfe, 0x0b, 0x00, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x20, 0x03, 0xe0, 0xfe, 0x40, 0x00, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe, 0xe8, 0x03, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd];
// apic_eoi_handler (org 2000h): out 0E9h, al; mov dword [dword 0FEE000B0h], 0 (EOI); iret
const APIC_EOI_HANDLER = [0xe6, 0xe9, 0x66, 0x67, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xcf];
// apic_enable_idle: SPIV=1FFh; sti; idle: hlt; jmp idle
const APIC_ENABLE_IDLE = [0x66, 0x67, 0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd];

describe("irqchip ioctls: errno as the kernel returns it", () => {
  it("KVM_CREATE_IRQCHIP twice is EEXIST, after a vCPU exists EINVAL", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    expect(errno(() => t.vm.createIrqchip())).toBe(EEXIST);
    const t2 = tinyVm();
    t2.vm.createVcpu(0);
    expect(errno(() => t2.vm.createIrqchip())).toBe(EINVAL);
  });

  it("without an irqchip: IRQ_LINE and GET_IRQCHIP are ENXIO, routing and MSIs EINVAL, GET_LAPIC EINVAL, PIT2 ENOENT", () => {
    const t = tinyVm();
    const vcpu = t.vm.createVcpu(0);
    expect(errno(() => t.vm.irqLine(4, 1))).toBe(ENXIO);
    expect(ioctl(t.vm.fd, IOC.KVM_IRQ_LINE, new Uint8Array(8))).toBe(-ENXIO);
    expect(errno(() => t.vm.getIrqchip(0))).toBe(ENXIO);
    expect(errno(() => t.vm.setGsiRouting([]))).toBe(EINVAL);
    expect(errno(() => t.vm.signalMsi(0xfee00000, 0x30))).toBe(EINVAL);
    expect(errno(() => vcpu.getLapic())).toBe(EINVAL);
    expect(errno(() => t.vm.createPit2())).toBe(ENOENT);
    expect(errno(() => t.vm.getPit2())).toBe(ENXIO);
    // Only RUNNABLE is a valid MP state without the in-kernel local APIC.
    expect(errno(() => vcpu.setMpState(KVM_MP_STATE_HALTED))).toBe(EINVAL);
    vcpu.setMpState(KVM_MP_STATE_RUNNABLE);
  });

  it("with an irqchip: a bad chip id is EINVAL, KVM_INTERRUPT ENXIO, a second PIT EEXIST", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    const vcpu = t.vm.createVcpu(0);
    expect(errno(() => t.vm.getIrqchip(3))).toBe(EINVAL);
    expect(errno(() => vcpu.interrupt(0x20))).toBe(ENXIO);
    t.vm.createPit2();
    expect(errno(() => t.vm.createPit2())).toBe(EEXIST);
  });

  it("KVM_SET_GSI_ROUTING rejects bad pins, unknown types, a GSI on one chip twice, and flags", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    expect(errno(() => t.vm.setGsiRouting([{ gsi: 1, irqchip: 0, pin: 8 }]))).toBe(EINVAL);
    expect(errno(() => t.vm.setGsiRouting([{ gsi: 1, irqchip: 2, pin: 24 }]))).toBe(EINVAL);
    expect(errno(() => t.vm.setGsiRouting([{ gsi: 1, irqchip: 3, pin: 0 }]))).toBe(EINVAL);
    expect(errno(() => t.vm.setGsiRouting([{ gsi: 1, irqchip: 2, pin: 1 }, { gsi: 1, irqchip: 2, pin: 2 }]))).toBe(EINVAL);
    expect(errno(() => t.vm.setGsiRouting([{ gsi: 1, irqchip: 2, pin: 1 }, { gsi: 1, addressLo: 0xfee00000, data: 0x30 }]))).toBe(EINVAL);
    t.vm.setGsiRouting([{ gsi: 1, irqchip: 2, pin: 1 }, { gsi: 1, irqchip: 0, pin: 1 }]);
  });

  it("KVM_IRQFD needs an eventfd (EBADF) and the irqchip (EINVAL); KVM_IOEVENTFD checks length, duplicates and deassign", () => {
    const t = tinyVm();
    const { fd } = t.kvm.eventfd();
    expect(errno(() => t.vm.irqfd(fd, 5))).toBe(EINVAL);
    const t2 = tinyVm((vm) => vm.createIrqchip());
    expect(errno(() => t2.vm.irqfd(9999, 5))).toBe(EBADF);
    t2.vm.irqfd(fd, 5);
    expect(errno(() => t2.vm.ioeventfd(fd, 0x500, 3, { pio: true }))).toBe(EINVAL);
    expect(errno(() => t2.vm.ioeventfd(fd, 0x500, 0, { pio: true, datamatch: 1 }))).toBe(EINVAL);
    expect(errno(() => t2.vm.ioeventfd(9999, 0x500, 1, { pio: true }))).toBe(EBADF);
    t2.vm.ioeventfd(fd, 0x500, 1, { pio: true, datamatch: 0x42 });
    expect(errno(() => t2.vm.ioeventfd(fd, 0x500, 1, { pio: true, datamatch: 0x42 }))).toBe(EEXIST);
    expect(errno(() => t2.vm.ioeventfd(fd, 0x500, 2, { pio: true, deassign: true }))).toBe(ENOENT);
    t2.vm.ioeventfd(fd, 0x500, 1, { pio: true, datamatch: 0x42, deassign: true });
  });
});

describe("reset state", () => {
  it("KVM_GET_IRQCHIP: zeroed PICs with the PIIX ELCR masks, an IOAPIC at FEC00000h with every pin masked", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    const master = t.vm.getIrqchip(0).slice(0, 16), slave = t.vm.getIrqchip(1).slice(0, 16);
    expect([...master]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8]);
    expect(slave[15]).toBe(0xde);
    const io = t.vm.getIrqchip(2);
    expect(u32(io, 0)).toBe(0xfec00000);
    for (let pin = 0; pin < 24; pin++) expect([u32(io, 24 + pin * 8), u32(io, 28 + pin * 8)]).toEqual([0x10000, 0]);
  });

  it("KVM_GET_LAPIC: ID from the vCPU id, version 50014h, LVTs masked, the BSP's LINT0 ExtINT, DFR all ones, SPIV FFh", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    const bsp = t.vm.createVcpu(0), ap = t.vm.createVcpu(1);
    const a = bsp.getLapic(), b = ap.getLapic();
    expect([u32(a, 0x20), u32(a, 0x30), u32(a, 0xe0), u32(a, 0xf0), u32(a, 0x350), u32(a, 0x320)]).toEqual([0, 0x50014, 0xffffffff, 0xff, 0x700, 0x10000]);
    expect([u32(b, 0x20), u32(b, 0x350), u32(b, 0x360), u32(b, 0x370)]).toEqual([0x01000000, 0x10000, 0x10000, 0x10000]);
    // The BSP starts runnable; an AP waits for INIT/SIPI.
    expect([bsp.getMpState(), ap.getMpState()]).toEqual([KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_UNINITIALIZED]);
    expect(bsp.getSregs().apic_base).toBe(0xfee00900);
    expect(ap.getSregs().apic_base).toBe(0xfee00800);
  });
});

describe("interrupts into tiny guests", () => {
  it("HLT blocks in the kernel; IRQ1 through the PIC wakes it, the handler's EOI stays in the kernel", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, PIC_MAIN);
    load(t, 0x2000, PIC_HANDLER);
    setVector(t, 0x21, 0x2000);
    const vcpu = tinyVcpu(t);
    // Nothing can wake the halted vCPU: KVM_RUN is interrupted (KVM_EXIT_INTR), never KVM_EXIT_HLT.
    expect(d(vcpu.runExit())).toBe("intr");
    expect(vcpu.getMpState()).toBe(KVM_MP_STATE_HALTED);
    const pic = t.vm.getIrqchip(0);
    expect([pic[2], pic[5]]).toEqual([0xfd, 0x20]); // IMR, irq_base
    expect(t.vm.irqLine(1, 1)).toBe(1);
    // A second edge while the first is still in IRR (not yet acknowledged) is coalesced.
    t.vm.irqLine(1, 0);
    expect(t.vm.irqLine(1, 1)).toBe(0);
    t.vm.irqLine(1, 0);
    expect(d(vcpu.runExit())).toBe("io-out e9 21");
    expect(d(vcpu.runExit())).toBe("intr");
    expect(t.vm.getIrqchip(0)[3]).toBe(0); // ISR cleared by the EOI
    // A masked line reports -1.
    expect(t.vm.irqLine(3, 1)).toBe(-1);
    expect(vcpu.stats().halt_exits).toBeGreaterThanOrEqual(2);
  });

  it("the local APIC timer (one-shot, divide 1) wakes the halted guest after 1000 host ns", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, APIC_TIMER_MAIN);
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x40, 0x2000);
    const vcpu = tinyVcpu(t, 0);
    vcpu.setRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, rax: 0x77 });
    const start = t.vm.getClock().clock;
    expect(d(vcpu.runExit())).toBe("io-out e9 77");
    const fired = t.vm.getClock().clock;
    expect(fired - start).toBeGreaterThanOrEqual(1000);
    expect(fired - start).toBeLessThan(1000 + 500);
    const st = vcpu.stats();
    expect(st.apic_timer_fired).toBe(1);
    expect(u32(vcpu.getLapic(), 0x390)).toBe(0); // TMCCT after a one-shot expiry
    expect(d(vcpu.runExit())).toBe("intr");
    expect(u32(vcpu.getLapic(), 0x100 + 0x20)).toBe(0); // ISR (vector 40h) retired by the EOI
  });

  it("a halted vCPU hands the VMM's thread back while a sibling vCPU is runnable, and waits for its timer once none is", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    // apic_timer_main with TMICT = 10,000,000 (10 ms at divide 1).
    load(t, 0x1000, [...APIC_TIMER_MAIN.slice(0, 44), 0x80, 0x96, 0x98, 0x00, ...APIC_TIMER_MAIN.slice(48)]);
    load(t, 0x1100, [0xeb, 0xfe]); // the sibling: jmp $
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x40, 0x2000);
    const bsp = tinyVcpu(t);
    bsp.setRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, rax: 0x77 });
    const ap = tinyVcpu(t, 1, 0x1100);
    ap.setMpState(KVM_MP_STATE_RUNNABLE);
    const c0 = t.vm.getClock().clock;
    expect(d(bsp.runExit())).toBe("intr");
    expect(bsp.getMpState()).toBe(KVM_MP_STATE_HALTED);
    // No idling happened: the clock moved only by the instructions the BSP ran.
    expect(t.vm.getClock().clock - c0).toBeLessThan(1_000_000);
    ap.setMpState(KVM_MP_STATE_HALTED);
    expect(d(bsp.runExit())).toBe("io-out e9 77");
    expect(t.vm.getClock().clock - c0).toBeGreaterThanOrEqual(10_000_000);
  });

  it("a level-triggered IOAPIC pin: Remote IRR until EOI, delivered again while the line stays high", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, APIC_ENABLE_IDLE);
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x55, 0x2000);
    const vcpu = tinyVcpu(t);
    vcpu.setRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, rax: 0x55 });
    expect(d(vcpu.runExit())).toBe("intr");
    // Pin 5: vector 55h, fixed, physical destination 0, level-triggered, unmasked.
    const io = t.vm.getIrqchip(2).slice();
    const dv = new DataView(io.buffer);
    dv.setUint32(24 + 5 * 8, 0x55 | (1 << 15), true);
    dv.setUint32(28 + 5 * 8, 0, true);
    t.vm.setIrqchip(2, io);
    // GSI 5 to the IOAPIC only (by default it also reaches the PIC, whose output is the BSP's LINT0).
    t.vm.setGsiRouting([{ gsi: 5, irqchip: 2, pin: 5 }]);
    expect(t.vm.irqLine(5, 1)).toBe(1);
    expect(u32(t.vm.getIrqchip(2), 24 + 5 * 8) & (1 << 14)).not.toBe(0); // Remote IRR
    expect(t.vm.irqLine(5, 1)).toBe(0); // coalesced while Remote IRR is set
    expect(d(vcpu.runExit())).toBe("io-out e9 55");
    // Still asserted at EOI: the pin is delivered again.
    expect(d(vcpu.runExit())).toBe("io-out e9 55");
    t.vm.irqLine(5, 0);
    expect(d(vcpu.runExit())).toBe("intr");
    expect(u32(t.vm.getIrqchip(2), 24 + 5 * 8) & (1 << 14)).toBe(0);
  });

  it("KVM_SIGNAL_MSI and an MSI GSI route set the vector in the target APIC's IRR; a missing target is -1", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, APIC_ENABLE_IDLE);
    const vcpu = tinyVcpu(t);
    expect(d(vcpu.runExit())).toBe("intr");
    const irrHas = (v: number): boolean => (u32(vcpu.getLapic(), 0x200 + (v >>> 5) * 0x10) & (1 << (v & 31))) !== 0;
    expect(t.vm.signalMsi(0xfee00000, 0x66)).toBe(1);
    expect(irrHas(0x66)).toBe(true);
    expect(ioctl(t.vm.fd, IOC.KVM_SIGNAL_MSI, (() => {
      const b = new Uint8Array(32);
      new DataView(b.buffer).setUint32(0, 0xfee05000, true);
      new DataView(b.buffer).setUint32(8, 0x67, true);
      return b;
    })())).toBe(-1);
    t.vm.setGsiRouting([{ gsi: 30, addressLo: 0xfee00000, data: 0x70 }]);
    expect(t.vm.irqLine(30, 1)).toBe(1);
    expect(irrHas(0x70)).toBe(true);
  });

  it("an irqfd injects its GSI when the eventfd is written; an ioeventfd swallows matching doorbell writes", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, APIC_ENABLE_IDLE);
    const vcpu = tinyVcpu(t);
    expect(d(vcpu.runExit())).toBe("intr");
    t.vm.setGsiRouting([{ gsi: 31, addressLo: 0xfee00000, data: 0x71 }]);
    const e = t.kvm.eventfd();
    t.vm.irqfd(e.fd, 31);
    const events: string[] = [];
    const off = kvmTrace.on("kvm_irqfd", (ev) => events.push(`irqfd ${ev.gsi}`));
    expect(eventfdWrite(e.fd, 1)).toBe(8);
    off();
    expect(events).toEqual(["irqfd 31"]);
    expect(u32(vcpu.getLapic(), 0x200 + 0x30) & (1 << (0x71 & 31))).not.toBe(0);
    expect(eventfdRead(e.fd)).toBe(-11); // consumed by the irqfd (EAGAIN)
    // ioeventfd: out 0500h with AL = 41h exits; with 42h it signals the eventfd and the guest goes on.
    const t2 = tinyVm();
    // mov dx, 500h; mov al, 41h; out dx, al; mov al, 42h; out dx, al; hlt
    load(t2, 0x1000, [0xba, 0x00, 0x05, 0xb0, 0x41, 0xee, 0xb0, 0x42, 0xee, 0xf4]);
    const v2 = tinyVcpu(t2);
    const door = t2.kvm.eventfd();
    t2.vm.ioeventfd(door.fd, 0x500, 1, { pio: true, datamatch: 0x42 });
    expect(d(v2.runExit())).toBe("io-out 500 41");
    expect(d(v2.runExit())).toBe("hlt");
    expect(door.eventfd.count).toBe(1);
    expect(t2.vm.stats().ioeventfd_signals).toBe(1);
  });
});

describe("PIT", () => {
  it("counter 0 in mode 2 raises IRQ0 through the PIC every period; KVM_GET/SET_PIT2 round-trip", () => {
    const t = tinyVm((vm) => {
      vm.createIrqchip();
      vm.createPit2();
    });
    // PIC as in pic_main but unmasking IRQ0 (OCW1 FEh); PIT: 34h to 43h (counter 0, lobyte/hibyte, mode 2), 1193 = 1 ms.
    load(t, 0x1000, [...PIC_MAIN.slice(0, 16), 0xb0, 0xfe, 0xe6, 0x21, 0xb0, 0x34, 0xe6, 0x43, 0xb0, 0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40, 0xfb, 0xf4, 0xeb, 0xfd]);
    load(t, 0x2000, [0xb0, 0x20, 0xe6, 0x20, 0xb0, 0x08, 0xe6, 0xe9, 0xcf]);
    setVector(t, 0x20, 0x2000);
    const vcpu = tinyVcpu(t);
    const c0 = t.vm.getClock().clock;
    expect(d(vcpu.runExit())).toBe("io-out e9 8");
    const c1 = t.vm.getClock().clock;
    expect(d(vcpu.runExit())).toBe("io-out e9 8");
    const c2 = t.vm.getClock().clock;
    // 1193 input clocks at 1.193182 MHz = 999848 ns.
    expect(c1 - c0).toBeGreaterThanOrEqual(999_848);
    expect(Math.abs(c2 - c1 - 999_848)).toBeLessThan(1000);
    const st = t.vm.getPit2();
    expect([u32(st, 0) & 0xffff, st[13], st[12]]).toEqual([1193, 2, 3]); // count, mode, rw_mode (lobyte/hibyte)
    st[13] = 3;
    t.vm.setPit2(st);
    expect(t.vm.getPit2()[13]).toBe(3);
    expect(t.vm.stats().pit_irqs).toBeGreaterThanOrEqual(2);
  });

  it("a tick left unacknowledged at the PIC does not stall the PIT: unmasking IOAPIC pin 2 (GSI 0's) restarts reinjection", () => {
    const t = tinyVm((vm) => {
      vm.createIrqchip();
      vm.createPit2();
    });
    // QEMU's PC routing (kvm_pc_setup_irq_routing): GSI 0 to PIC pin 0 and IOAPIC pin 2.
    t.vm.setGsiRouting([{ gsi: 0, irqchip: 0, pin: 0 }, { gsi: 0, irqchip: 2, pin: 2 }]);
    // Linux's check_timer in miniature: PIC initialised with IRQ0 unmasked, PIT mode 2 at 1 ms, then ~1.2 ms
    // with IF clear (the first tick reaches the PIC and is never acknowledged); OCW1 FFh masks IRQ0 at the
    // PIC; the local APIC is enabled and IOAPIC pin 2 programmed (vector 30h, edge, physical dest 0,
    // unmasked); sti; hlt loop. The handler prints AL (30h) and EOIs the local APIC.
    //   pic init as pic_main with OCW1 FEh; mov al,34h/out 43h; mov al,0A9h/out 40h; mov al,4/out 40h
    //   mov ecx,1200000; spin: a32 loop spin; mov al,0FFh; out 21h,al
    //   mov dword [dword 0FEE000F0h],1FFh; mov dword [dword 0FEC00000h],15h; mov dword [dword 0FEC00010h],0
    //   mov dword [dword 0FEC00000h],14h; mov dword [dword 0FEC00010h],30h; mov al,30h; sti; idle: hlt; jmp idle
    load(t, 0x1000, [
      0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfe, 0xe6, 0x21,
      0xb0, 0x34, 0xe6, 0x43, 0xb0, 0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40, 0x66, 0xb9, 0x80, 0x4f, 0x12, 0x00, 0x67, 0xe2,
      0xfd, 0xb0, 0xff, 0xe6, 0x21, 0x66, 0x67, 0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0x66, 0x67, 0xc7,
      0x05, 0x00, 0x00, 0xc0, 0xfe, 0x15, 0x00, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00,
      0x00, 0x66, 0x67, 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x14, 0x00, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x10, 0x00, 0xc0,
      0xfe, 0x30, 0x00, 0x00, 0x00, 0xb0, 0x30, 0xfb, 0xf4, 0xeb, 0xfd,
    ]);
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x30, 0x2000);
    const vcpu = tinyVcpu(t);
    // A stalled PIT would leave the vCPU halted for good: the alarm turns that into KVM_EXIT_INTR.
    vcpu.alarm(20_000_000);
    expect(d(vcpu.runExit())).toBe("io-out e9 30");
    expect(d(vcpu.runExit())).toBe("io-out e9 30");
    // The tick at the masked PIC pin is still in its IRR, unacknowledged.
    expect(t.vm.getIrqchip(0)[1]! & 1).toBe(1);
  });
});

describe("trace points and statistics", () => {
  it("an IOAPIC interrupt shows as kvm_set_irq, kvm_apic_accept_irq, kvm_inj_virq and kvm_eoi; the VM's counters add up", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, APIC_ENABLE_IDLE);
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x60, 0x2000);
    const vcpu = tinyVcpu(t);
    expect(d(vcpu.runExit())).toBe("intr");
    const io = t.vm.getIrqchip(2).slice();
    new DataView(io.buffer).setUint32(24 + 9 * 8, 0x60, true);
    t.vm.setIrqchip(2, io);
    t.vm.setGsiRouting([{ gsi: 9, irqchip: 2, pin: 9 }]);
    const seen: string[] = [];
    const offs = [
      kvmTrace.on("kvm_set_irq", (e) => seen.push(`set_irq gsi ${e.gsi} level ${e.level}`)),
      kvmTrace.on("kvm_apic_accept_irq", (e) => seen.push(`accept apic ${e.apicid} vec ${e.vec.toString(16)}`)),
      kvmTrace.on("kvm_inj_virq", (e) => seen.push(`inj_virq ${e.irq.toString(16)}`)),
      kvmTrace.on("kvm_eoi", (e) => seen.push(`eoi ${e.vector.toString(16)} ${e.level ? "level" : "edge"}`)),
      kvmTrace.on("kvm_vcpu_wakeup", (e) => seen.push(`wakeup ${e.valid}`)),
    ];
    t.vm.irqLine(9, 1);
    t.vm.irqLine(9, 0);
    expect(d(vcpu.runExit())).toBe("io-out e9 0");
    expect(d(vcpu.runExit())).toBe("intr");
    for (const off of offs) off();
    expect(seen).toEqual([
      "set_irq gsi 9 level 1", "accept apic 0 vec 60", "set_irq gsi 9 level 0", "wakeup true", "inj_virq 60", "eoi 60 edge", "wakeup false",
    ]);
    const st = t.vm.stats();
    expect([st.irq_lines, st.irq_injections, st.halt_wakeup]).toEqual([2, 1, 1]);
    expect(st.exits).toBeGreaterThan(0);
  });
});
