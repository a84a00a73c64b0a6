/**
 * Tiny guests in the style of the kernel's KVM selftests: a few instructions, run, and the exact exit
 * sequence and register state (DESIGN.md "Tests to have" #2).
 */
import { describe, expect, it } from "vitest";
import { Kvm, type KvmExit, type VcpuFd, type VmFd } from "./api.js";
import { KVM_INTERNAL_ERROR_EMULATION, KVM_MEM_READONLY } from "./uapi/constants.js";
import { KVM_RUN } from "./uapi/ioctl.js";
import { EINVAL } from "./uapi/errno.js";
import { kvmTrace } from "./trace.js";
import { fdVcpu } from "./kvm-main.js";

interface Guest {
  vm: VmFd;
  vcpu: VcpuFd;
  mem: Uint8Array;
}

/** One 4 KiB slot at guest-physical 0x1000 holding `code`, real mode with CS base 0, RIP 0x1000. */
function guest(code: number[], regs: Record<string, number> = {}): Guest {
  const kvm = Kvm.open();
  const vm = kvm.createVm();
  const m = kvm.mmap(0x1000);
  m.bytes.set(code);
  vm.setUserMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0x1000, memory_size: 0x1000, userspace_addr: m.addr });
  const vcpu = vm.createVcpu(0);
  const s = vcpu.getSregs();
  s.cs.base = 0;
  s.cs.selector = 0;
  vcpu.setSregs(s);
  vcpu.setRegs({ rip: 0x1000, rflags: 2, rsp: 0x1ffe, ...regs });
  return { vm, vcpu, mem: m.bytes };
}

function describeExit(e: KvmExit): string {
  switch (e.reason) {
    case "io-in":
    case "io-out":
      return `${e.reason} ${e.port.toString(16)} size ${e.size} count ${e.count}${e.reason === "io-out" ? ` data ${[...e.data].join(",")}` : ""}`;
    case "mmio-read":
      return `mmio-read ${e.addr.toString(16)} len ${e.len}`;
    case "mmio-write":
      return `mmio-write ${e.addr.toString(16)} len ${e.len} data ${[...e.data.subarray(0, e.len)].join(",")}`;
    default:
      return e.reason;
  }
}

describe("port I/O exits", () => {
  it("KVM_RUN with an argument is EINVAL and runs nothing (kvm_vcpu_ioctl: 'if (arg) goto out')", () => {
    const g = guest([0xb0, 0x07, 0xe6, 0x80, 0xf4]); // mov al,7; out 80h,al; hlt
    expect(g.vcpu.ioctl(KVM_RUN, 1)).toBe(-EINVAL);
    expect(g.vcpu.getRegs().rip).toBe(0x1000);
    expect(g.vcpu.ioctl(KVM_RUN, 0)).toBe(0);
    expect(describeExit(g.vcpu.runExit())).toBe("hlt");
  });

  it("each exit's data view has that exit's size, also when sizes alternate and repeat", () => {
    // l: out dx,al; out dx,al; out dx,ax; out dx,eax; out dx,eax; out dx,al; jmp l (16-bit code, EAX = 44332211h)
    const g = guest([0xee, 0xee, 0xef, 0x66, 0xef, 0x66, 0xef, 0xee, 0xeb, 0xf6], { rax: 0x44332211, rdx: 0x3f8 });
    const want = ["17", "17", "17,34", "17,34,51,68", "17,34,51,68", "17"];
    for (let round = 0; round < 2; round++) {
      for (const w of want) {
        const e = g.vcpu.runExit();
        expect(describeExit(e)).toBe(`io-out 3f8 size ${w.split(",").length} count 1 data ${w}`);
      }
    }
  });

  it("the kvmtest guest exits with two OUTs to 0x3f8 then HLT, and RIP ends after the HLT", () => {
    // mov dx,0x3f8; add al,bl; add al,'0'; out dx,al; mov al,'\n'; out dx,al; hlt
    const g = guest([0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4], { rax: 2, rbx: 2 });
    const seq = [describeExit(g.vcpu.runExit()), describeExit(g.vcpu.runExit()), describeExit(g.vcpu.runExit())];
    expect(seq).toEqual(["io-out 3f8 size 1 count 1 data 52", "io-out 3f8 size 1 count 1 data 10", "hlt"]);
    expect(g.vcpu.getRegs().rip).toBe(0x100c);
  });

  it("a loop compiled by the JIT whose first instruction exits to user space exits once per iteration, with the right data", () => {
    // mov dx,0x3f8; xor al,al; l: out dx,al; inc al; cmp al,100; jne l; hlt
    // The region compiled at l begins with the OUT, so every iteration's exit happens before the region
    // retired anything; user space must still see each port write once, in order, and the HLT after.
    // (That the processor is then in root operation at HOST_RIP is checked at the CPU level, in
    // packages/cpu/src/jit/vm-exit-in-region.test.ts.)
    const saved = process.env.VIRTKIT_JIT_THRESHOLD;
    process.env.VIRTKIT_JIT_THRESHOLD = "0";
    let g: Guest;
    try {
      g = guest([0xba, 0xf8, 0x03, 0x30, 0xc0, 0xee, 0xfe, 0xc0, 0x3c, 0x64, 0x75, 0xf9, 0xf4]);
    } finally {
      if (saved === undefined) delete process.env.VIRTKIT_JIT_THRESHOLD;
      else process.env.VIRTKIT_JIT_THRESHOLD = saved;
    }
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) seen.push(describeExit(g.vcpu.runExit()));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `io-out 3f8 size 1 count 1 data ${i}`));
    expect(g.vcpu.runExit().reason).toBe("hlt");
    expect(g.vcpu.getRegs().rip).toBe(0x100d);
  });

  it("completes IN with the data user space leaves in the PIO page (AL, then AX)", () => {
    // in al, 0x60; mov bl, al; in ax, dx; hlt
    const g = guest([0xe4, 0x60, 0x88, 0xc3, 0xed, 0xf4], { rdx: 0x71, rax: 0xaabbccdd });
    let e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("io-in 60 size 1 count 1");
    if (e.reason === "io-in") e.data[0] = 0x5a;
    e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("io-in 71 size 2 count 1");
    if (e.reason === "io-in") e.data.set([0x34, 0x12]);
    expect(g.vcpu.runExit().reason).toBe("hlt");
    const r = g.vcpu.getRegs();
    expect(r.rbx & 0xff).toBe(0x5a);
    expect(r.rax).toBe(0xaabb1234);
  });

  it("KVM_SET_REGS between an exit and the next KVM_RUN keeps the IN/OUT's completion: done once at the same RIP, dropped at another (kvm_is_linear_rip)", () => {
    // out 0x80, al; in al, 0x60; mov bl, al; hlt; (0x1007:) in al, 0x61; hlt
    const g = guest([0xe6, 0x80, 0xe4, 0x60, 0x88, 0xc3, 0xf4, 0xe4, 0x61, 0xf4], { rax: 0x11 });
    expect(describeExit(g.vcpu.runExit())).toBe("io-out 80 size 1 count 1 data 17");
    // A VMM that writes back every register at each exit (same RIP): the OUT is not performed again.
    g.vcpu.setRegs({ ...g.vcpu.getRegs(), rcx: 0x77 });
    let e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("io-in 60 size 1 count 1");
    if (e.reason === "io-in") e.data[0] = 0x5a;
    // RIP moved elsewhere: the IN at 0x1002 is abandoned and AL keeps what the VMM set.
    g.vcpu.setRegs({ ...g.vcpu.getRegs(), rip: 0x1007, rax: 0x33 });
    e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("io-in 61 size 1 count 1");
    expect(g.vcpu.getRegs().rax & 0xff).toBe(0x33);
    if (e.reason === "io-in") e.data[0] = 0x66;
    expect(g.vcpu.runExit().reason).toBe("hlt");
    const r = g.vcpu.getRegs();
    expect([r.rax & 0xff, r.rbx & 0xff, r.rcx, r.rip]).toEqual([0x66, 0, 0x77, 0x100a]);
  });

  it("OUTS goes through the instruction emulator, one element per exit", () => {
    // mov si, 0x1100; mov cx, 3; rep outsb; hlt   (dx = 0xe9)
    const g = guest([0xbe, 0x00, 0x11, 0xb9, 0x03, 0x00, 0xf3, 0x6e, 0xf4], { rdx: 0xe9 });
    g.mem.set([0x61, 0x62, 0x63], 0x100);
    const out: number[] = [];
    for (;;) {
      const e = g.vcpu.runExit();
      if (e.reason !== "io-out") {
        expect(e.reason).toBe("hlt");
        break;
      }
      expect([e.port, e.size, e.count]).toEqual([0xe9, 1, 1]);
      out.push(e.data[0]!);
    }
    expect(String.fromCharCode(...out)).toBe("abc");
    expect(g.vcpu.getRegs().rcx & 0xffff).toBe(0);
    expect(g.vcpu.getRegs().rsi & 0xffff).toBe(0x1103);
  });
});

describe("MMIO exits", () => {
  it("a read outside every slot exits as MMIO and completes with user space's data", () => {
    // mov al, [0x3000]; mov [0x4000], al; hlt
    const g = guest([0xa0, 0x00, 0x30, 0xa2, 0x00, 0x40, 0xf4]);
    let e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("mmio-read 3000 len 1");
    if (e.reason === "mmio-read") e.data[0] = 0x7e;
    e = g.vcpu.runExit();
    expect(describeExit(e)).toBe("mmio-write 4000 len 1 data 126");
    expect(g.vcpu.runExit().reason).toBe("hlt");
    expect(g.vcpu.getRegs().rax & 0xff).toBe(0x7e);
  });

  it("a write to a read-only slot is MMIO, and the slot's memory stays unchanged", () => {
    const g = guest([0xc6, 0x06, 0x00, 0x20, 0x55, 0xa0, 0x00, 0x20, 0xf4]);
    const rom = Kvm.open().mmap(0x1000);
    rom.bytes[0] = 0x99;
    g.vm.setUserMemoryRegion({ slot: 1, flags: KVM_MEM_READONLY, guest_phys_addr: 0x2000, memory_size: 0x1000, userspace_addr: rom.addr });
    expect(describeExit(g.vcpu.runExit())).toBe("mmio-write 2000 len 1 data 85");
    expect(g.vcpu.runExit().reason).toBe("hlt");
    expect(rom.bytes[0]).toBe(0x99);
    expect(g.vcpu.getRegs().rax & 0xff).toBe(0x99);
  });
});

describe("architectural outcomes, never host exceptions", () => {
  it("a guest that runs off its memory ends in KVM_EXIT_INTERNAL_ERROR (emulation) with the EPT-violation exit info", () => {
    const g = guest(new Array<number>(4096).fill(0x90));
    const e = g.vcpu.runExit();
    expect(e.reason).toBe("internal-error");
    if (e.reason !== "internal-error") return;
    expect(e.suberror).toBe(KVM_INTERNAL_ERROR_EMULATION);
    expect(e.data.length).toBe(6);
    // Exit reason 48 (EPT violation), qualification: fetch, not present, linear address valid.
    expect(e.data[0]).toBe(48);
    expect(e.data[1]).toBe(0x184);
  });

  it("invalid guest state from KVM_SET_SREGS fails entry with reason 0x80000021", () => {
    const g = guest([0xf4]);
    const s = g.vcpu.getSregs();
    s.cs.present = 0;
    g.vcpu.setSregs(s);
    const e = g.vcpu.runExit();
    expect(e).toMatchObject({ reason: "fail-entry", hardwareEntryFailureReason: 0x80000021, cpu: 0 });
  });

  it("CR0.PG without PE in KVM_SET_SREGS fails entry too", () => {
    const g = guest([0xf4]);
    const s = g.vcpu.getSregs();
    s.cr0 = 0x80000010;
    g.vcpu.setSregs(s);
    expect(g.vcpu.runExit()).toMatchObject({ reason: "fail-entry", hardwareEntryFailureReason: 0x80000021 });
  });

  it("a triple fault (no usable IDT) is KVM_EXIT_SHUTDOWN", () => {
    // lidt [0x1008] (limit 0, base 0); int3
    const g = guest([0x0f, 0x01, 0x1e, 0x08, 0x10, 0xcc, 0x90, 0x90, 0, 0, 0, 0, 0, 0]);
    expect(g.vcpu.runExit().reason).toBe("shutdown");
  });

  it("random bytes in real mode end only in architectural outcomes", () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >>> 16;
    };
    const outcomes = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const g = guest(Array.from({ length: 4096 }, () => rand() & 0xff));
      g.vcpu.alarm(200_000);
      for (let i = 0; i < 50; i++) {
        const e = g.vcpu.runExit();
        outcomes.add(e.reason);
        if (e.reason === "intr" || e.reason === "shutdown" || e.reason === "internal-error" || e.reason === "fail-entry" || e.reason === "hlt") break;
      }
    }
    for (const o of outcomes) expect(["io-in", "io-out", "mmio-read", "mmio-write", "hlt", "shutdown", "internal-error", "intr", "exception"]).toContain(o);
  });
});

describe("events interrupted by VM exits", () => {
  it("re-injects an INT whose delivery met an unmapped IVT page (vmx_complete_interrupts)", () => {
    // One slot at 0 holding the IVT and the code; INT 0x21's vector points at a handler that OUTs and IRETs.
    const kvm = Kvm.open();
    const vm = kvm.createVm();
    const m = kvm.mmap(0x2000);
    const ivt = new DataView(m.bytes.buffer, m.bytes.byteOffset);
    ivt.setUint16(0x21 * 4, 0x1800, true);
    ivt.setUint16(0x21 * 4 + 2, 0, true);
    // 0x1000: int 0x21; hlt      0x1800: mov al, 0x42; out 0xe9, al; iret
    m.bytes.set([0xcd, 0x21, 0xf4], 0x1000);
    m.bytes.set([0xb0, 0x42, 0xe6, 0xe9, 0xcf], 0x1800);
    vm.setUserMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0, memory_size: 0x2000, userspace_addr: m.addr });
    const vcpu = vm.createVcpu(0);
    const s = vcpu.getSregs();
    s.cs.base = 0;
    s.cs.selector = 0;
    vcpu.setSregs(s);
    vcpu.setRegs({ rip: 0x1000, rflags: 2, rsp: 0x1f00 });
    const e = vcpu.runExit();
    expect(e).toMatchObject({ reason: "io-out", port: 0xe9 });
    if (e.reason === "io-out") expect(e.data[0]).toBe(0x42);
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(vcpu.getRegs().rip).toBe(0x1003);
    expect(vcpu.getRegs().rsp).toBe(0x1f00);
  });

  it("MMIO in the IVT during delivery is KVM_INTERNAL_ERROR_DELIVERY_EV with the vectoring information", () => {
    // int3 with the IVT (gpa 0) outside every slot.
    const g = guest([0xcc]);
    const e = g.vcpu.runExit();
    expect(e.reason).toBe("internal-error");
    if (e.reason !== "internal-error") return;
    expect(e.suberror).toBe(3);
    // Vectoring info: vector 3, type 6 (software exception), valid; exit reason 48; gpa 0xc (IVT entry 3).
    expect(e.data[0]).toBe((0x80000000 | (6 << 8) | 3) >>> 0);
    expect(e.data[1]).toBe(48);
    expect(e.data[3]).toBe(0xc);
  });
});

describe("the run loop", () => {
  it("immediate_exit makes KVM_RUN return KVM_EXIT_INTR without running the guest", () => {
    const g = guest([0xf4]);
    g.vcpu.immediateExit = true;
    expect(g.vcpu.runExit().reason).toBe("intr");
    expect(g.vcpu.getRegs().rip).toBe(0x1000);
    g.vcpu.immediateExit = false;
    expect(g.vcpu.runExit().reason).toBe("hlt");
  });

  it("a guest spinning forever returns to user space when a timer signal arrives", () => {
    const g = guest([0xeb, 0xfe]);
    g.vcpu.alarm(3_000_000);
    expect(g.vcpu.runExit().reason).toBe("intr");
    const vcpu = fdVcpu(g.vcpu.fd)!;
    // The host's timer interrupt took the guest out several times (external-interrupt exits).
    expect(vcpu.stats.irq_exits).toBeGreaterThanOrEqual(2);
    expect(vcpu.stats.by_reason.get(1)).toBe(vcpu.stats.irq_exits);
  });

  it("CPUID answers from KVM_SET_CPUID2 and reads as zeros before it is set", () => {
    // cpuid; hlt
    const g = guest([0x0f, 0xa2, 0xf4], { rax: 0 });
    expect(g.vcpu.runExit().reason).toBe("hlt");
    expect(g.vcpu.getRegs()).toMatchObject({ rax: 0, rbx: 0, rcx: 0, rdx: 0 });
    const g2 = guest([0x0f, 0xa2, 0xf4], { rax: 0 });
    g2.vcpu.setCpuid2(Kvm.open().getSupportedCpuid());
    expect(g2.vcpu.runExit().reason).toBe("hlt");
    const r = g2.vcpu.getRegs();
    const vendor = String.fromCharCode(...[r.rbx, r.rdx, r.rcx].flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]));
    expect(vendor).toBe("GenuineIntel");
  });

  it("emits kvm_entry / kvm_exit / kvm_userspace_exit trace events in order", () => {
    const g = guest([0xba, 0xf8, 0x03, 0xee, 0xf4]);
    const events: string[] = [];
    const off = kvmTrace.onAll((name, e) => {
      if (name === "kvm_entry") events.push(`entry ${(e as { instruction: string }).instruction}`);
      if (name === "kvm_exit") events.push(`exit ${(e as { reason: number }).reason}`);
      if (name === "kvm_userspace_exit") events.push(`user ${(e as { name: string }).name}`);
    });
    g.vcpu.runExit();
    g.vcpu.runExit();
    off();
    expect(events).toEqual([
      "entry VMLAUNCH", "exit 48", "entry VMRESUME", "exit 30", "user KVM_EXIT_IO", "entry VMRESUME", "exit 12", "user KVM_EXIT_HLT",
    ]);
  });
});

describe("code in read-only slots", () => {
  it("an instruction fetched from a read-only slot that touches MMIO is emulated (firmware running from ROM)", () => {
    const kvm = Kvm.open();
    const vm = kvm.createVm();
    const rom = kvm.mmap(0x1000);
    // mov al, [0x3000]; mov [0x2000], al; hlt   — code in a read-only slot; 0x3000 is MMIO; 0x2000 writes the ROM itself.
    rom.bytes.set([0xa0, 0x00, 0x30, 0xa2, 0x00, 0x20, 0xf4]);
    vm.setUserMemoryRegion({ slot: 0, flags: KVM_MEM_READONLY, guest_phys_addr: 0x1000, memory_size: 0x1000, userspace_addr: rom.addr });
    const rom2 = kvm.mmap(0x1000);
    vm.setUserMemoryRegion({ slot: 1, flags: KVM_MEM_READONLY, guest_phys_addr: 0x2000, memory_size: 0x1000, userspace_addr: rom2.addr });
    const vcpu = vm.createVcpu(0);
    const s = vcpu.getSregs();
    s.cs.base = 0;
    s.cs.selector = 0;
    vcpu.setSregs(s);
    vcpu.setRegs({ rip: 0x1000, rflags: 2 });
    let e = vcpu.runExit();
    expect(describeExit(e)).toBe("mmio-read 3000 len 1");
    if (e.reason === "mmio-read") e.data[0] = 0x5a;
    e = vcpu.runExit();
    expect(describeExit(e)).toBe("mmio-write 2000 len 1 data 90");
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(rom2.bytes[0]).toBe(0);
  });
});

describe("guest GPRs across exits (kept in the vCPU's processor, RSP in the VMCS)", () => {
  it("keep every register the guest set, take KVM_SET_REGS between runs, and read RSP from the VMCS", () => {
    // l: inc eax; inc ecx; inc edx; inc ebx; inc ebp; inc esi; inc edi; push ax; pop ax; out 80h, al; jmp l
    // (16-bit code: each INC is 66h-prefixed, so all 32 bits count.)
    const code = [0x66, 0x40, 0x66, 0x41, 0x66, 0x42, 0x66, 0x43, 0x66, 0x45, 0x66, 0x46, 0x66, 0x47, 0x50, 0x58, 0xe6, 0x80, 0xeb, 0xec];
    const g = guest(code, { rax: 0, rcx: 0x10000, rdx: 0x20000, rbx: 0x30000, rbp: 0x40000, rsi: 0x50000, rdi: 0x60000 });
    const expectRegs = (k: number, base: Record<string, number>): void => {
      const r = g.vcpu.getRegs();
      expect([r.rax, r.rcx, r.rdx, r.rbx, r.rbp, r.rsi, r.rdi, r.rsp]).toEqual([
        base.rax! + k, base.rcx! + k, base.rdx! + k, base.rbx! + k, base.rbp! + k, base.rsi! + k, base.rdi! + k, 0x1ffe,
      ]);
    };
    const base = { rax: 0, rcx: 0x10000, rdx: 0x20000, rbx: 0x30000, rbp: 0x40000, rsi: 0x50000, rdi: 0x60000 };
    for (let k = 1; k <= 3; k++) {
      expect(describeExit(g.vcpu.runExit())).toBe(`io-out 80 size 1 count 1 data ${k}`);
      expectRegs(k, base);
    }
    // User space rewrites every GPR (and RSP) between exits and restarts the loop: the guest continues from
    // the new values.
    const next = { rax: 0x100, rcx: 0x1000000, rdx: 0x2000000, rbx: 0x3000000, rbp: 0x4000000, rsi: 0x5000000, rdi: 0x6000000 };
    const r = g.vcpu.getRegs();
    g.vcpu.setRegs({ ...r, ...next, rsp: 0x1f00, rip: 0x1000 });
    expect(describeExit(g.vcpu.runExit())).toBe("io-out 80 size 1 count 1 data 1");
    const after = g.vcpu.getRegs();
    expect([after.rax, after.rcx, after.rdi, after.rsp]).toEqual([0x101, 0x1000001, 0x6000001, 0x1f00]);
    // The PUSH/POP went through the new stack: the word below 0x1f00 holds AX (guest memory starts at 0x1000).
    expect(g.mem[0x1f00 - 0x1000 - 2]).toBe(0x01);
    expect(g.mem[0x1f00 - 0x1000 - 1]).toBe(0x01);
  });
});

describe("translated guest code across exits", () => {
  // l: mov ecx, 1Bh ; rdmsr ; out 80h, al ; jmp l
  const LOOP = [0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00, 0x0f, 0x32, 0xe6, 0x80, 0xeb, 0xf4];

  it("is checked again after every return to user space, so code user space patched in RAM runs", () => {
    // mov al, 1 ; out 80h, al ; jmp back to the MOV — then user space changes the immediate each time.
    const g = guest([0xb0, 0x01, 0xe6, 0x80, 0xeb, 0xfa]);
    for (let i = 1; i <= 20; i++) {
      const e = g.vcpu.runExit();
      expect(describeExit(e)).toBe(`io-out 80 size 1 count 1 data ${i}`);
      g.mem[1] = i + 1;
    }
  });

  it("keeps its code epoch when the kernel handled an exit without touching guest memory (RDMSR), and not after user space ran", () => {
    const g = guest(LOOP);
    const cpu = fdVcpu(g.vcpu.fd)!.vendor.cpu;
    expect(describeExit(g.vcpu.runExit())).toBe("io-out 80 size 1 count 1 data 0");
    for (let i = 0; i < 5; i++) {
      const before = cpu.codeEpoch;
      // One KVM_RUN: entry (user space ran: new epoch), RDMSR exit handled in the kernel, re-entry (same epoch), OUT exit.
      expect(describeExit(g.vcpu.runExit())).toBe("io-out 80 size 1 count 1 data 0");
      expect(cpu.codeEpoch - before).toBe(1);
    }
    // User space patches the OUT's port between runs: the guest runs the new instruction.
    g.mem[9] = 0x81;
    expect(describeExit(g.vcpu.runExit())).toBe("io-out 81 size 1 count 1 data 0");
  });
});
