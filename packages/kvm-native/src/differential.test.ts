/**
 * Differential tests: the same KVM-selftest-style tiny guests and the same bad ioctls on virtkit's kvm
 * module and on the host's real /dev/kvm (through the Node-API addon) must give the same exit sequences,
 * register results, reset state and errno. Skipped, with the reason, where the addon or /dev/kvm is absent.
 */
import { describe, expect, it } from "vitest";
import { IOC, StructView, decodeRegs, decodeSregs, encodeMemoryRegion, encodeRegs, encodeSregs } from "./kvm-api.js";
import { nativeKvm, nativeUnavailable, virtkitKvm, type KvmSyscalls } from "./index.js";

if (nativeUnavailable) console.warn(`@virtkit/kvm-native differential tests skipped: ${nativeUnavailable}`);

interface Guest {
  sys: KvmSyscalls;
  vm: number;
  vcpu: number;
  mem: Uint8Array;
  run: StructView;
  runBytes: Uint8Array;
}

/** A 64 KiB slot at 0, `code` at 1000h, a real-mode vCPU at 0:1000h (with `irqchip` created first). */
function guest(sys: KvmSyscalls, code: number[], opts: { irqchip?: boolean; regs?: Record<string, number> } = {}): Guest {
  const kvm = sys.openDevKvm();
  const vm = sys.ioctl(kvm, IOC.KVM_CREATE_VM, 0);
  expect(vm).toBeGreaterThan(0);
  expect(sys.ioctl(vm, IOC.KVM_SET_TSS_ADDR, 0xfffbd000)).toBe(0);
  if (opts.irqchip) expect(sys.ioctl(vm, IOC.KVM_CREATE_IRQCHIP, 0)).toBe(0);
  const m = sys.mmap(0x10000);
  m.bytes.set(code, 0x1000);
  expect(sys.ioctl(vm, IOC.KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0, memory_size: 0x10000, userspace_addr: m.addr }))).toBe(0);
  const vcpu = sys.ioctl(vm, IOC.KVM_CREATE_VCPU, 0);
  expect(vcpu).toBeGreaterThan(0);
  const sb = new Uint8Array(312);
  expect(sys.ioctl(vcpu, IOC.KVM_GET_SREGS, sb)).toBe(0);
  const s = decodeSregs(sb);
  s.cs.base = 0;
  s.cs.selector = 0;
  expect(sys.ioctl(vcpu, IOC.KVM_SET_SREGS, encodeSregs(s))).toBe(0);
  expect(sys.ioctl(vcpu, IOC.KVM_SET_REGS, encodeRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, ...opts.regs }))).toBe(0);
  const runBytes = sys.mmapVcpu(vcpu, 3 * 4096);
  if (typeof runBytes === "number") throw new Error(`mmap of the vCPU failed: ${runBytes}`);
  return { sys, vm, vcpu, mem: m.bytes, run: new StructView(runBytes), runBytes };
}

/** KVM_RUN, then the exit as a line; IN exits are answered with `inData`. */
function step(g: Guest): string {
  const r = g.sys.ioctl(g.vcpu, IOC.KVM_RUN, 0);
  if (r < 0) return `errno ${-r}`;
  const reason = g.run.u32(8);
  switch (reason) {
    case 2: {
      const dir = g.run.u8(32), size = g.run.u8(33), port = g.run.u16(34), count = g.run.u32(36), off = g.run.u64(40);
      const data = [...g.runBytes.subarray(off, off + size * count)];
      return dir === 1 ? `out ${port.toString(16)} ${data.join(",")}` : `in ${port.toString(16)} size ${size}`;
    }
    case 6:
      return `mmio ${g.run.u8(52) ? "write" : "read"} ${g.run.u64(32).toString(16)} len ${g.run.u32(48)}${g.run.u8(52) ? ` ${[...g.runBytes.subarray(40, 40 + g.run.u32(48))].join(",")}` : ""}`;
    case 5:
      return "hlt";
    case 4:
      return `debug #${g.run.u32(32)} pc ${g.run.u64(40).toString(16)}${g.run.u32(32) === 1 ? ` dr6 ${g.run.u64(48).toString(16)}` : ""}`;
    default:
      return `exit ${reason}`;
  }
}

function both(f: (sys: KvmSyscalls) => unknown): [unknown, unknown] {
  return [f(virtkitKvm), f(nativeKvm)];
}

describe.skipIf(nativeUnavailable !== null)("virtkit's kvm module against the host's /dev/kvm", () => {
  it("the kvmtest guest: two OUTs to 3F8h, then HLT, with the same registers", () => {
    const [a, b] = both((sys) => {
      const g = guest(sys, [0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4], { regs: { rax: 2, rbx: 2 } });
      const seq = [step(g), step(g), step(g)];
      const rb = new Uint8Array(144);
      g.sys.ioctl(g.vcpu, IOC.KVM_GET_REGS, rb);
      const r = decodeRegs(rb);
      return { seq, rip: r.rip, rax: r.rax, rdx: r.rdx };
    });
    expect(a).toEqual(b);
    expect((a as { seq: string[] }).seq).toEqual(["out 3f8 52", "out 3f8 10", "hlt"]);
  });

  it("IN completes with the data left in the PIO page; MMIO outside every slot exits for reads and writes", () => {
    const [a, b] = both((sys) => {
      // in al, 60h; mov bl, al; mov al, [3000h]; mov [4000h], al; hlt — but [3000h] is RAM here, so use ES = 2000h (20000h).
      const g = guest(sys, [0xe4, 0x60, 0x88, 0xc3, 0xb8, 0x00, 0x20, 0x8e, 0xc0, 0x26, 0xa0, 0x00, 0x00, 0x26, 0xa2, 0x10, 0x00, 0xf4]);
      const out: string[] = [step(g)];
      g.runBytes[4096] = 0x5a;
      out.push(step(g));
      g.runBytes[40] = 0x7e;
      out.push(step(g), step(g));
      const rb = new Uint8Array(144);
      g.sys.ioctl(g.vcpu, IOC.KVM_GET_REGS, rb);
      const r = decodeRegs(rb);
      out.push(`rax ${(r.rax & 0xff).toString(16)} rbx ${(r.rbx & 0xff).toString(16)}`);
      return out;
    });
    expect(a).toEqual(b);
    expect(a).toEqual(["in 60 size 1", "mmio read 20000 len 1", "mmio write 20010 len 1 126", "hlt", "rax 7e rbx 5a"]);
  });

  it("reset state is byte-identical: KVM_GET_IRQCHIP (all three chips), KVM_GET_LAPIC, MP state, FPU, debug registers, events", () => {
    const [a, b] = both((sys) => {
      const g = guest(sys, [0xf4], { irqchip: true });
      const chips = [0, 1, 2].map((id) => {
        const c = new Uint8Array(520);
        new DataView(c.buffer).setUint32(0, id, true);
        expect(g.sys.ioctl(g.vm, IOC.KVM_GET_IRQCHIP, c)).toBe(0);
        return [...c.subarray(8, id === 2 ? 8 + 216 : 8 + 16)];
      });
      const lapic = new Uint8Array(1024);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_GET_LAPIC, lapic)).toBe(0);
      const mp = new Uint8Array(4);
      g.sys.ioctl(g.vcpu, IOC.KVM_GET_MP_STATE, mp);
      const fpu = new Uint8Array(416);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_GET_FPU, fpu)).toBe(0);
      const dr = new Uint8Array(128);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_GET_DEBUGREGS, dr)).toBe(0);
      const ev = new Uint8Array(64);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_GET_VCPU_EVENTS, ev)).toBe(0);
      return { chips, lapic: [...lapic], mp: mp[0], fpu: [...fpu], dr: [...dr], ev: [...ev] };
    });
    expect(a).toEqual(b);
  });

  it("IRQ1 through the in-kernel PIC: the guest programs the PIC, takes the interrupt after STI and sends EOI in the kernel", () => {
    // ICW1-4 (base 20h) and OCW1 FDh; out 0E9h, 'P'; sti; hlt. Handler at 2000h: EOI; out 0E9h, 21h; iret.
    const code = [0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfd, 0xe6, 0x21, 0xb0, 0x50, 0xe6, 0xe9, 0xfb, 0xf4];
    const [a, b] = both((sys) => {
      const g = guest(sys, code, { irqchip: true });
      g.mem.set([0xb0, 0x20, 0xe6, 0x20, 0xb0, 0x21, 0xe6, 0xe9, 0xcf], 0x2000);
      g.mem.set([0x00, 0x20, 0x00, 0x00], 0x21 * 4);
      const out = [step(g)];
      const lvl = new Uint8Array(8);
      const dv = new DataView(lvl.buffer);
      dv.setUint32(0, 1, true);
      dv.setUint32(4, 1, true);
      expect(g.sys.ioctl(g.vm, IOC.KVM_IRQ_LINE_STATUS, lvl)).toBe(0);
      out.push(`status ${dv.getInt32(0, true)}`);
      dv.setUint32(0, 1, true);
      dv.setUint32(4, 0, true);
      g.sys.ioctl(g.vm, IOC.KVM_IRQ_LINE, lvl);
      out.push(step(g));
      const pic = new Uint8Array(520);
      g.sys.ioctl(g.vm, IOC.KVM_GET_IRQCHIP, pic);
      out.push(`imr ${pic[8 + 2]} isr ${pic[8 + 3]} irq_base ${pic[8 + 5]}`);
      return out;
    });
    expect(a).toEqual(b);
    expect(a).toEqual(["out e9 80", "status 1", "out e9 33", "imr 253 isr 0 irq_base 32"]);
  });

  // Software breakpoints (KVM_GUESTDBG_USE_SW_BP) are left out: on this machine's nested /dev/kvm an INT3 in a
  // real-mode guest is delivered to the guest instead of exiting, unlike virtkit (and Linux's vmx.c logic).
  it("guest debugging: single-steps report each next PC with DR6.BS", () => {
    const [a, b] = both((sys) => {
      // inc ax; inc ax; int3; hlt
      const g = guest(sys, [0x40, 0x40, 0xcc, 0xf4]);
      const dbg = new Uint8Array(72);
      new DataView(dbg.buffer).setUint32(0, 0x1 | 0x2, true);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_SET_GUEST_DEBUG, dbg)).toBe(0);
      const out = [step(g), step(g)];
      new DataView(dbg.buffer).setUint32(0, 0, true);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_SET_GUEST_DEBUG, dbg)).toBe(0);
      const rb = new Uint8Array(144);
      g.sys.ioctl(g.vcpu, IOC.KVM_GET_REGS, rb);
      const r = decodeRegs(rb);
      out.push(`rip ${r.rip.toString(16)} rax ${r.rax & 0xffff} tf ${(r.rflags >>> 8) & 1}`);
      return out;
    });
    expect(a).toEqual(b);
    expect(a).toEqual(["debug #1 pc 1001 dr6 ffff4ff0", "debug #1 pc 1002 dr6 ffff4ff0", "rip 1002 rax 2 tf 0"]);
  });

  it("guest debugging: a hardware breakpoint from the debugger's DR0/DR7 stops the guest before the instruction", () => {
    const [a, b] = both((sys) => {
      const g = guest(sys, [0x40, 0x40, 0x40, 0xf4]);
      const dbg = new Uint8Array(72);
      const v = new DataView(dbg.buffer);
      v.setUint32(0, 0x1 | 0x20000, true);
      v.setUint32(8, 0x1002, true);
      v.setUint32(8 + 7 * 8, 0x401, true);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_SET_GUEST_DEBUG, dbg)).toBe(0);
      // kvm_run.debug.arch.dr7 is left out: this machine's nested /dev/kvm reports 0 there, where Linux's vmx.c
      // copies GUEST_DR7 (virtkit reports 401h, the DR7 in force).
      const out = [step(g)];
      const dr = new Uint8Array(128);
      g.sys.ioctl(g.vcpu, IOC.KVM_GET_DEBUGREGS, dr);
      out.push(`guest dr6 ${new DataView(dr.buffer).getUint32(32, true).toString(16)} dr7 ${new DataView(dr.buffer).getUint32(40, true).toString(16)}`);
      return out;
    });
    expect(a).toEqual(b);
  });

  it("KVM_NMI twice: the handler runs once per NMI, the second after the first handler's IRET", () => {
    const [a, b] = both((sys) => {
      // main: mov al, 4Dh; out 0E9h, al; mov al, 4Eh; out 0E9h, al — NMI handler at 2000h: push ax; mov al, 2; out 0E9h, al; pop ax; iret
      const g = guest(sys, [0xb0, 0x4d, 0xe6, 0xe9, 0xb0, 0x4e, 0xe6, 0xe9], { irqchip: true });
      g.mem.set([0x50, 0xb0, 0x02, 0xe6, 0xe9, 0x58, 0xcf], 0x2000);
      g.mem.set([0x00, 0x20, 0x00, 0x00], 2 * 4);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_NMI, 0)).toBe(0);
      expect(g.sys.ioctl(g.vcpu, IOC.KVM_NMI, 0)).toBe(0);
      return [step(g), step(g), step(g), step(g)];
    });
    // Both deliver both NMIs before the end. With virtual NMIs (virtkit's processor, and current hardware) the
    // second goes in at the NMI window right after the IRET; a host without them (this machine's nested
    // /dev/kvm: KVM's soft-NMI fallback) only notices the IRET at the next exit, one OUT later.
    expect([...(a as string[])].sort()).toEqual([...(b as string[])].sort());
    expect(a).toEqual(["out e9 2", "out e9 2", "out e9 77", "out e9 78"]);
  });

  it("dirty logging reports the same pages for a guest's known write pattern", () => {
    const [a, b] = both((sys) => {
      // mov ax, 1000h; mov es, ax; mov byte [es:0], 1; mov byte [es:2000h], 2; mov word [es:5FFFh], 3; mov al, [es:7000h]; hlt
      const g = guest(sys, [0xb8, 0x00, 0x10, 0x8e, 0xc0, 0x26, 0xc6, 0x06, 0x00, 0x00, 0x01, 0x26, 0xc6, 0x06, 0x00, 0x20, 0x02,
        0x26, 0xc7, 0x06, 0xff, 0x5f, 0x03, 0x00, 0x26, 0xa0, 0x00, 0x70, 0xf4]);
      const m = g.sys.mmap(16 * 4096);
      expect(g.sys.ioctl(g.vm, IOC.KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion({ slot: 1, flags: 1, guest_phys_addr: 0x10000, memory_size: 16 * 4096, userspace_addr: m.addr }))).toBe(0);
      const out = [step(g)];
      const bitmap = g.sys.mmap(4096);
      const log = new Uint8Array(16);
      const v = new DataView(log.buffer);
      v.setUint32(0, 1, true);
      v.setFloat64(8, 0);
      v.setUint32(8, bitmap.addr >>> 0, true);
      v.setUint32(12, Math.floor(bitmap.addr / 0x100000000), true);
      expect(g.sys.ioctl(g.vm, IOC.KVM_GET_DIRTY_LOG, log)).toBe(0);
      out.push(`dirty ${[...bitmap.bytes.subarray(0, 8)].join(",")}`);
      return out;
    });
    expect(a).toEqual(b);
    expect(a).toEqual(["hlt", "dirty 101,0,0,0,0,0,0,0"]);
  });

  it("the same errno for bad calls", () => {
    const [a, b] = both((sys) => {
      const kvm = sys.openDevKvm();
      const vm = sys.ioctl(kvm, IOC.KVM_CREATE_VM, 0);
      const r: number[] = [];
      r.push(sys.ioctl(kvm, IOC.KVM_GET_API_VERSION, 0));
      r.push(sys.ioctl(kvm, IOC.KVM_CREATE_VM, 99));
      r.push(sys.ioctl(vm, IOC.KVM_CREATE_PIT2, new Uint8Array(64)));
      r.push(sys.ioctl(vm, IOC.KVM_IRQ_LINE, new Uint8Array(8)));
      const ic = new Uint8Array(520);
      r.push(sys.ioctl(vm, IOC.KVM_GET_IRQCHIP, ic));
      const vcpu = sys.ioctl(vm, IOC.KVM_CREATE_VCPU, 0);
      r.push(sys.ioctl(vm, IOC.KVM_CREATE_VCPU, 0));
      r.push(sys.ioctl(vm, IOC.KVM_CREATE_IRQCHIP, 0));
      r.push(sys.ioctl(vcpu, IOC.KVM_GET_LAPIC, new Uint8Array(1024)));
      const mp = new Uint8Array(4);
      mp[0] = 3;
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_MP_STATE, mp));
      r.push(sys.ioctl(vm, IOC.KVM_SET_GSI_ROUTING, new Uint8Array(8)));
      r.push(sys.ioctl(vm, IOC.KVM_SIGNAL_MSI, new Uint8Array(32)));
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_GUEST_DEBUG, (() => {
        const g = new Uint8Array(72);
        g[0] = 0x8;
        return g;
      })()));
      const dr = new Uint8Array(128);
      dr[48] = 1;
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_DEBUGREGS, dr));
      r.push(sys.ioctl(vcpu, IOC.KVM_NMI, 0));
      const ev = new Uint8Array(64);
      ev[20] = 0x40;
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_VCPU_EVENTS, ev));
      const sm = new Uint8Array(12);
      sm[0] = 4;
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_SIGNAL_MASK, sm));
      r.push(sys.ioctl(kvm, IOC.KVM_CHECK_EXTENSION, 195 /* KVM_CAP_SET_GUEST_DEBUG2 */));
      r.push(sys.ioctl(vcpu, IOC.KVM_SET_TSC_KHZ, 1000));
      return r;
    });
    expect(a).toEqual(b);
  });
});
