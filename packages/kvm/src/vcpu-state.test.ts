/**
 * vCPU state ioctls with tiny guests: NMIs (KVM_NMI, the NMI window), INIT/SIPI start-up of an AP and
 * IPIs between two vCPUs, guest debugging (single-step through MTF, software breakpoints), vCPU events,
 * debug registers, FPU state, the KVM_RUN signal mask, TSC frequency and kvmclock — with their errno cases.
 */
import { describe, expect, it } from "vitest";
import { KvmError } from "./api.js";
import { ioctl } from "./kvm-main.js";
import * as IOC from "./uapi/ioctl.js";
import { EBUSY, EINVAL } from "./uapi/errno.js";
import {
  KVM_CLOCK_HOST_TSC, KVM_CLOCK_REALTIME, KVM_CLOCK_TSC_STABLE, KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_INJECT_BP,
  KVM_GUESTDBG_SINGLESTEP, KVM_GUESTDBG_USE_SW_BP, KVM_MP_STATE_HALTED, KVM_MP_STATE_INIT_RECEIVED,
  KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_UNINITIALIZED, KVM_VCPUEVENT_VALID_NMI_PENDING, KVM_VCPUEVENT_VALID_SHADOW,
  KVM_VCPUEVENT_VALID_SMM,
} from "./uapi/constants.js";
import { KVM_FPU_OFFSETS, KVM_VCPU_EVENTS_OFFSETS as EV } from "./uapi/irqchip-abi.js";
import { describe as d, load, setVector, tinyVcpu, tinyVm } from "./testing/tiny-guest.js";

const errno = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    if (e instanceof KvmError) return e.errno;
    throw e;
  }
  return 0;
};

// nmi_handler (org 2000h): mov al, 2; out 0E9h, al; iret
const NMI_HANDLER = [0xb0, 0x02, 0xe6, 0xe9, 0xcf];
// smp_bsp: SPIV=1FFh; ICR2 = APIC 1; ICR = 4500h (INIT assert); ICR = 4603h (SIPI, vector 3); sti; idle: hlt; jmp idle
const SMP_BSP = [0x66, 0x67, 0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x66, 0x67, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x03, 0x46, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd];
// smp_ap (org 0, runs at 0300h:0000h): wrmsr IA32_APIC_BASE = 000E0800h (relocate, enable); ds = 0E000h;
// [0F0h] = 1FFh (SPIV); [310h] = 0 (ICR2: APIC 0); [300h] = 4050h (fixed IPI, vector 50h); mov al, 41h; out 0E9h, al; idle: hlt; jmp idle
const SMP_AP = [0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00, 0x66, 0xb8, 0x00, 0x08, 0x0e, 0x00, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0xb8, 0x00, 0xe0, 0x8e, 0xd8, 0x66, 0xc7, 0x06, 0xf0, 0x00, 0xff, 0x01, 0x00, 0x00, 0x66, 0xc7, 0x06, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x66, 0xc7, 0x06, 0x00, 0x03, 0x50, 0x40, 0x00, 0x00, 0xb0, 0x41, 0xe6, 0xe9, 0xf4, 0xeb, 0xfd];
// apic_eoi_handler (org 2000h): out 0E9h, al; mov dword [dword 0FEE000B0h], 0; iret
const APIC_EOI_HANDLER = [0xe6, 0xe9, 0x66, 0x67, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xcf];

describe("NMIs", () => {
  it("KVM_NMI twice: the first runs its handler, the second waits for the IRET (NMI window) and then runs", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, [0xfb, 0xf4, 0xeb, 0xfd]); // sti; idle: hlt; jmp idle
    load(t, 0x2000, NMI_HANDLER);
    setVector(t, 2, 0x2000);
    const vcpu = tinyVcpu(t);
    vcpu.nmi();
    vcpu.nmi();
    const ev = vcpu.getVcpuEvents();
    expect([ev[EV.nmi_pending], ev[EV.nmi_masked], new DataView(ev.buffer).getUint32(EV.flags, true)])
      .toEqual([1, 0, KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM]);
    expect(d(vcpu.runExit())).toBe("io-out e9 2");
    // Inside the handler NMIs are masked and the second one is still pending.
    const ev2 = vcpu.getVcpuEvents();
    expect([ev2[EV.nmi_pending], ev2[EV.nmi_masked]]).toEqual([1, 1]);
    expect(d(vcpu.runExit())).toBe("io-out e9 2");
    expect(d(vcpu.runExit())).toBe("intr");
    const st = vcpu.stats();
    expect(st.nmi_injections).toBe(2);
    expect(st.nmi_window_exits).toBe(1);
  });
});

describe("SMP in one thread: INIT/SIPI and IPIs", () => {
  it("the BSP starts the AP with INIT and SIPI; the AP's IPI wakes the halted BSP", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x1000, SMP_BSP);
    load(t, 0x3000, SMP_AP);
    load(t, 0x2000, APIC_EOI_HANDLER);
    setVector(t, 0x50, 0x2000);
    const bsp = tinyVcpu(t, 0);
    bsp.setRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, rax: 0x50 });
    const ap = t.vm.createVcpu(1);
    expect(ap.getMpState()).toBe(KVM_MP_STATE_UNINITIALIZED);
    // Before the BSP ran, nothing can wake the AP: its KVM_RUN is interrupted.
    expect(d(ap.runExit())).toBe("intr");
    expect(d(bsp.runExit())).toBe("intr");
    expect(bsp.getMpState()).toBe(KVM_MP_STATE_HALTED);
    // INIT then SIPI are latched at the AP; its first KVM_RUN processes them and returns EAGAIN.
    expect(ioctl(ap.fd, IOC.KVM_RUN, 0)).toBe(-11);
    expect(ap.getMpState()).toBe(KVM_MP_STATE_RUNNABLE);
    const s = ap.getSregs();
    expect([s.cs.selector, s.cs.base, ap.getRegs().rip]).toEqual([0x300, 0x3000, 0]);
    expect(d(ap.runExit())).toBe("io-out e9 41");
    expect(d(ap.runExit())).toBe("intr");
    // The AP relocated its APIC (IA32_APIC_BASE = E0000h) before sending vector 50h to APIC 0.
    expect(ap.getSregs().apic_base).toBe(0xe0800);
    expect(d(bsp.runExit())).toBe("io-out e9 50");
    expect(d(bsp.runExit())).toBe("intr");
  });

  it("a triple fault shuts down only its own vCPU (KVM_EXIT_SHUTDOWN); the other keeps running", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    // vCPU 0: lidt [1010h] (limit 0); int3 → triple fault. vCPU 1 (started by SIPI-free MP state): out 0E9h, al; hlt.
    load(t, 0x1000, [0x0f, 0x01, 0x1e, 0x10, 0x10, 0xcc]);
    load(t, 0x1010, [0, 0, 0, 0, 0, 0]);
    load(t, 0x1100, [0xb0, 0x31, 0xe6, 0xe9, 0xf4]);
    const v0 = tinyVcpu(t, 0);
    const v1 = tinyVcpu(t, 1, 0x1100);
    v1.setMpState(KVM_MP_STATE_RUNNABLE);
    expect(d(v0.runExit())).toBe("shutdown");
    expect(d(v1.runExit())).toBe("io-out e9 31");
    expect(d(v1.runExit())).toBe("intr");
    expect(d(v0.runExit())).toBe("shutdown");
  });

  it("KVM_SET_MP_STATE: INIT_RECEIVED waits for a SIPI; SIPI_RECEIVED resumes at the latched vector", () => {
    const t = tinyVm((vm) => vm.createIrqchip());
    load(t, 0x3000, [0xb0, 0x33, 0xe6, 0xe9, 0xf4]);
    t.vm.createVcpu(0);
    const ap = t.vm.createVcpu(1);
    ap.setMpState(KVM_MP_STATE_INIT_RECEIVED);
    expect(d(ap.runExit())).toBe("intr");
    const ev = ap.getVcpuEvents();
    new DataView(ev.buffer).setUint32(EV.sipi_vector, 3, true);
    new DataView(ev.buffer).setUint32(EV.flags, 2, true); // KVM_VCPUEVENT_VALID_SIPI_VECTOR
    ap.setVcpuEvents(ev);
    ap.setMpState(4); // KVM_MP_STATE_SIPI_RECEIVED
    expect(d(ap.runExit())).toBe("io-out e9 33");
    expect(errno(() => ap.setMpState(9))).toBe(EINVAL);
  });
});

describe("guest debugging", () => {
  it("single-steps through the monitor trap flag: KVM_EXIT_DEBUG #DB with DR6.BS after each instruction", () => {
    const t = tinyVm();
    load(t, 0x1000, [0x40, 0x40, 0xf4]); // inc ax; inc ax; hlt
    const vcpu = tinyVcpu(t);
    vcpu.setGuestDebug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
    const e = vcpu.runExit();
    expect(d(e)).toBe("debug #1 pc 1001");
    if (e.reason === "debug") expect(e.dr6).toBe(0xffff4ff0);
    expect(d(vcpu.runExit())).toBe("debug #1 pc 1002");
    expect(vcpu.getRegs().rax & 0xffff).toBe(2);
    expect(vcpu.runExit().reason).toBe("hlt");
    // RFLAGS.TF is not used: the guest never sees a trap flag.
    expect(vcpu.getRegs().rflags & 0x100).toBe(0);
  });

  it("software breakpoints: INT3 exits to the debugger, and goes to the guest's handler once debugging is off", () => {
    const t = tinyVm();
    load(t, 0x1000, [0x90, 0xcc, 0xf4]); // nop; int3; hlt
    load(t, 0x2000, [0xb0, 0x03, 0xe6, 0xe9, 0xcf]);
    setVector(t, 3, 0x2000);
    const vcpu = tinyVcpu(t);
    vcpu.setGuestDebug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
    expect(d(vcpu.runExit())).toBe("debug #3 pc 1001");
    expect(vcpu.getRegs().rip).toBe(0x1001);
    vcpu.setGuestDebug(0);
    expect(d(vcpu.runExit())).toBe("io-out e9 3");
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(vcpu.stats().debug_exits).toBe(1);
  });

  it("hardware breakpoints: the debugger's DR0/DR7 stop the guest before the instruction (KVM_EXIT_DEBUG, DR6.B0)", () => {
    const t = tinyVm();
    load(t, 0x1000, [0x40, 0x40, 0x40, 0xf4]); // inc ax x3; hlt
    const vcpu = tinyVcpu(t);
    vcpu.setGuestDebug(KVM_GUESTDBG_ENABLE | 0x20000 /* KVM_GUESTDBG_USE_HW_BP */, [0x1002, 0, 0, 0, 0, 0, 0, 0x401]);
    const e = vcpu.runExit();
    expect(d(e)).toBe("debug #1 pc 1002");
    if (e.reason === "debug") expect([e.dr6, e.dr7]).toEqual([0xffff0ff1, 0x401]);
    expect(vcpu.getRegs().rax & 0xffff).toBe(2);
    // The guest's own debug registers are untouched by the debugger's.
    expect(vcpu.getDebugRegs()).toEqual({ db: [0, 0, 0, 0], dr6: 0xffff0ff0, dr7: 0x400 });
    vcpu.setGuestDebug(0);
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(vcpu.getRegs().rax & 0xffff).toBe(3);
  });

  it("ignores unknown control bits (as x86 KVM does) and refuses injecting over a pending exception (EBUSY)", () => {
    const t = tinyVm();
    const vcpu = tinyVcpu(t);
    expect(errno(() => vcpu.setGuestDebug(0x8))).toBe(0);
    vcpu.setGuestDebug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_BP);
    expect(errno(() => vcpu.setGuestDebug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_BP))).toBe(EBUSY);
  });
});

describe("vCPU events", () => {
  it("an interrupt set with KVM_SET_VCPU_EVENTS is delivered; NMI as an exception and unknown flags are EINVAL", () => {
    const t = tinyVm();
    load(t, 0x1000, [0xfb, 0x90, 0xf4]); // sti; nop; hlt
    load(t, 0x2000, [0xb0, 0x30, 0xe6, 0xe9, 0xcf]);
    setVector(t, 0x30, 0x2000);
    const vcpu = tinyVcpu(t);
    const ev = vcpu.getVcpuEvents();
    ev[EV.interrupt_injected] = 1;
    ev[EV.interrupt_nr] = 0x30;
    vcpu.setVcpuEvents(ev);
    expect(vcpu.getVcpuEvents()[EV.interrupt_nr]).toBe(0x30);
    expect(d(vcpu.runExit())).toBe("io-out e9 30");
    const bad = vcpu.getVcpuEvents();
    bad[EV.exception_injected] = 1;
    bad[EV.exception_nr] = 2;
    expect(errno(() => vcpu.setVcpuEvents(bad))).toBe(EINVAL);
    const bad2 = vcpu.getVcpuEvents();
    new DataView(bad2.buffer).setUint32(EV.flags, 0x40, true);
    expect(errno(() => vcpu.setVcpuEvents(bad2))).toBe(EINVAL);
    const smm = vcpu.getVcpuEvents();
    smm[EV.smi_smm] = 1;
    expect(errno(() => vcpu.setVcpuEvents(smm))).toBe(EINVAL);
  });
});

describe("debug registers, FPU, signal mask, TSC, kvmclock", () => {
  it("KVM_GET/SET_DEBUGREGS round-trip; flags and bits above 31 are EINVAL; the guest reads them with MOV DR", () => {
    const t = tinyVm();
    load(t, 0x1000, [0x0f, 0x21, 0xc0, 0x0f, 0x21, 0xfb, 0xf4]); // mov eax, dr0; mov ebx, dr7; hlt
    const vcpu = tinyVcpu(t);
    expect(vcpu.getDebugRegs()).toEqual({ db: [0, 0, 0, 0], dr6: 0xffff0ff0, dr7: 0x400 });
    vcpu.setDebugRegs({ db: [0x1234, 0, 0, 0x5678], dr6: 0xffff0ff0, dr7: 0x401 });
    expect(vcpu.getDebugRegs()).toEqual({ db: [0x1234, 0, 0, 0x5678], dr6: 0xffff0ff0, dr7: 0x401 });
    expect(errno(() => vcpu.setDebugRegs({ db: [0, 0, 0, 0], dr6: 0, dr7: 0x400, flags: 1 }))).toBe(EINVAL);
    expect(errno(() => vcpu.setDebugRegs({ db: [0, 0, 0, 0], dr6: 0, dr7: 2 ** 33 }))).toBe(EINVAL);
    expect(vcpu.runExit().reason).toBe("hlt");
    expect([vcpu.getRegs().rax, vcpu.getRegs().rbx]).toEqual([0x1234, 0x401]);
  });

  it("KVM_GET_FPU reports the reset FCW 37Fh and MXCSR 0 (as Linux); KVM_SET_FPU round-trips", () => {
    const vcpu = tinyVcpu(tinyVm());
    const f = vcpu.getFpu();
    const dv = new DataView(f.buffer);
    expect([dv.getUint16(KVM_FPU_OFFSETS.fcw, true), dv.getUint32(KVM_FPU_OFFSETS.mxcsr, true)]).toEqual([0x37f, 0]);
    dv.setUint16(KVM_FPU_OFFSETS.fcw, 0x27f, true);
    f[KVM_FPU_OFFSETS.fpr + 9] = 0x3f;
    f[KVM_FPU_OFFSETS.xmm + 15 * 16] = 0xaa;
    vcpu.setFpu(f);
    const g = vcpu.getFpu();
    expect([new DataView(g.buffer).getUint16(KVM_FPU_OFFSETS.fcw, true), g[KVM_FPU_OFFSETS.fpr + 9], g[KVM_FPU_OFFSETS.xmm + 15 * 16]]).toEqual([0x27f, 0x3f, 0xaa]);
  });

  it("KVM_SET_SIGNAL_MASK: a blocked signal does not interrupt KVM_RUN; unblocked it does; a bad length is EINVAL", () => {
    const t = tinyVm();
    load(t, 0x1000, [0xf4]);
    const vcpu = tinyVcpu(t);
    vcpu.setSignalMask([10]);
    vcpu.kick(10);
    expect(vcpu.runExit().reason).toBe("hlt");
    vcpu.setSignalMask(null);
    expect(vcpu.runExit().reason).toBe("intr");
    const b = new Uint8Array(12);
    new DataView(b.buffer).setUint32(0, 4, true);
    expect(ioctl(vcpu.fd, IOC.KVM_SET_SIGNAL_MASK, b)).toBe(-EINVAL);
  });

  it("KVM_GET_TSC_KHZ is the host's 1 GHz; a slower rate is EINVAL (no TSC scaling), a faster one catches up", () => {
    const t = tinyVm();
    // rdtsc; mov ebx, eax; mov cx, 1000; l: loop l; rdtsc; hlt
    load(t, 0x1000, [0x0f, 0x31, 0x66, 0x89, 0xc3, 0xb9, 0xe8, 0x03, 0xe2, 0xfe, 0x0f, 0x31, 0xf4]);
    const vcpu = tinyVcpu(t);
    expect(vcpu.getTscKhz()).toBe(1_000_000);
    expect(errno(() => vcpu.setTscKhz(500_000))).toBe(EINVAL);
    vcpu.setTscKhz(1_000_100);
    expect(vcpu.getTscKhz()).toBe(1_000_100);
    vcpu.setTscKhz(0);
    expect(vcpu.getTscKhz()).toBe(1_000_000);
    vcpu.setTscKhz(3_000_000);
    expect(vcpu.getTscKhz()).toBe(3_000_000);
    expect(ioctl(vcpu.fd, IOC.KVM_GET_TSC_KHZ, 0)).toBe(3_000_000);
  });

  it("KVM_GET_CLOCK / KVM_SET_CLOCK: kvmclock follows the host clock from the value set; unknown flags are EINVAL", () => {
    const t = tinyVm();
    load(t, 0x1000, [0xb9, 0x00, 0x10, 0xe2, 0xfe, 0xf4]); // mov cx, 4096; l: loop l; hlt
    const vcpu = tinyVcpu(t);
    const c = t.vm.getClock();
    expect(c.flags).toBe(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC);
    t.vm.setClock(5_000_000_000);
    expect(vcpu.runExit().reason).toBe("hlt");
    const after = t.vm.getClock().clock;
    expect(after).toBeGreaterThanOrEqual(5_000_000_000 + 4096);
    expect(after).toBeLessThan(5_000_000_000 + 4096 + 1000);
    expect(errno(() => t.vm.setClock(0, 1))).toBe(EINVAL);
  });
});

// the new task's code at 1100h: out 0E9h, al; hlt
const OUT_AL_HLT = [0xe6, 0xe9, 0xf4];

describe("task switches", () => {
  /**
   * A flat protected-mode guest at 1000h whose TR is the busy TSS 18h (at 600h), with an available TSS 20h
   * (at 700h: EIP 1100h, EAX 54h, ESP 8000h, flat segments) running `taskCode`, and an IDT at 800h whose
   * `gates` are task gates to TSS 20h.
   */
  function taskGuest(code: number[], taskCode: number[], gates: number[] = []): { t: ReturnType<typeof tinyVm>; dv: DataView; vcpu: ReturnType<ReturnType<typeof tinyVm>["vm"]["createVcpu"]> } {
    const t = tinyVm();
    const dv = new DataView(t.mem.bytes.buffer, t.mem.bytes.byteOffset);
    // GDT at 500h: null, flat code 08h, flat data 10h, busy TSS 18h at 600h, available TSS 20h at 700h.
    dv.setUint32(0x508, 0x0000ffff, true);
    dv.setUint32(0x50c, 0x00cf9b00, true);
    dv.setUint32(0x510, 0x0000ffff, true);
    dv.setUint32(0x514, 0x00cf9300, true);
    dv.setUint32(0x518, 0x06000067, true);
    dv.setUint32(0x51c, 0x00008b00, true);
    dv.setUint32(0x520, 0x07000067, true);
    dv.setUint32(0x524, 0x00008900, true);
    // TSS at 700h: EIP 1100h, EFLAGS 2, EAX 54h, ES CS SS DS FS GS.
    dv.setUint32(0x720, 0x1100, true);
    dv.setUint32(0x724, 2, true);
    dv.setUint32(0x728, 0x54, true);
    [0x10, 0x08, 0x10, 0x10, 0x10, 0x10].forEach((sel, i) => dv.setUint16(0x748 + 4 * i, sel, true));
    dv.setUint32(0x738, 0x8000, true); // ESP
    // IDT at 800h: a task gate (type 5, present, DPL 0) to TSS 20h for each vector asked for.
    for (const v of gates) {
      dv.setUint32(0x800 + 8 * v, 0x20 << 16, true);
      dv.setUint32(0x804 + 8 * v, 0x8500, true);
    }
    load(t, 0x1000, code);
    load(t, 0x1100, taskCode);
    const vcpu = t.vm.createVcpu(0);
    const s = vcpu.getSregs();
    const flat = { base: 0, limit: 0xffffffff, present: 1, dpl: 0, db: 1, s: 1, l: 0, g: 1, avl: 0, unusable: 0 };
    s.cs = { ...flat, selector: 8, type: 11 };
    for (const k of ["ds", "es", "fs", "gs", "ss"] as const) s[k] = { ...flat, selector: 0x10, type: 3 };
    s.tr = { base: 0x600, limit: 0x67, selector: 0x18, type: 11, present: 1, dpl: 0, db: 0, s: 0, l: 0, g: 0, avl: 0, unusable: 0 };
    s.gdt = { base: 0x500, limit: 0x27 };
    s.idt = { base: 0x800, limit: 0x7ff };
    s.cr0 = 0x11;
    vcpu.setSregs(s);
    vcpu.setRegs({ rip: 0x1000, rflags: 2, rsp: 0x9000 });
    return { t, dv, vcpu };
  }

  it("a JMP to a TSS in a protected-mode guest exits (reason 9) and is emulated: the new task runs", () => {
    const { dv, vcpu } = taskGuest([0xea, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00], OUT_AL_HLT); // jmp 20h:0
    expect(d(vcpu.runExit())).toBe("io-out e9 54");
    expect(vcpu.runExit().reason).toBe("hlt");
    const after = vcpu.getSregs();
    expect([after.tr.selector, after.tr.base, after.tr.type]).toEqual([0x20, 0x700, 11]);
    // The old TSS is available again and holds the old task's EIP (after the JMP); CR0.TS is set.
    expect(dv.getUint8(0x51d) & 0xf).toBe(9);
    expect(dv.getUint32(0x620, true)).toBe(0x1007);
    expect(after.cr0 & 8).toBe(8);
    expect(vcpu.getRegs().rsp).toBe(0x8000);
  });

  it("#DE through an IDT task gate: the exit (reason 9, source 3) is emulated; the old task resumes at the DIV, nested under the new one", () => {
    // xor ecx, ecx; div ecx
    const { dv, vcpu } = taskGuest([0x31, 0xc9, 0xf7, 0xf1], OUT_AL_HLT, [0]);
    expect(d(vcpu.runExit())).toBe("io-out e9 54");
    expect(vcpu.runExit().reason).toBe("hlt");
    const after = vcpu.getSregs();
    expect([after.tr.selector, after.tr.type]).toEqual([0x20, 11]);
    // A fault: the old task's saved EIP is the DIV's. It stays busy, the new TSS links back to it, NT is set.
    expect(dv.getUint32(0x620, true)).toBe(0x1002);
    expect(dv.getUint8(0x51d) & 0xf).toBe(0xb);
    expect(dv.getUint16(0x700, true)).toBe(0x18);
    expect(vcpu.getRegs().rflags & 0x4000).toBe(0x4000);
    // No error code for #DE: the new task's stack is untouched.
    expect(vcpu.getRegs().rsp).toBe(0x8000);
    expect(vcpu.stats().by_reason.get(9)).toBe(1);
  });

  it("#GP through an IDT task gate pushes its error code on the new task's stack", () => {
    // mov ax, 33h; mov ds, ax (beyond the GDT's limit: #GP(30h)); the new task pops it: pop eax; out 0E9h, al; hlt
    const { dv, vcpu } = taskGuest([0x66, 0xb8, 0x33, 0x00, 0x8e, 0xd8], [0x58, 0xe6, 0xe9, 0xf4], [13]);
    expect(d(vcpu.runExit())).toBe("io-out e9 30");
    expect(dv.getUint32(0x620, true)).toBe(0x1004);
    expect(vcpu.getRegs().rsp).toBe(0x8000);
  });

  it("INT 40h through an IDT task gate: the old task resumes after the INT", () => {
    const { dv, vcpu } = taskGuest([0xcd, 0x40], OUT_AL_HLT, [0x40]);
    expect(d(vcpu.runExit())).toBe("io-out e9 54");
    expect(dv.getUint32(0x620, true)).toBe(0x1002);
    expect(vcpu.getSregs().tr.selector).toBe(0x20);
  });
});
