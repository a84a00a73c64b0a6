import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadVmState, saveVmState } from "../migration/vmstate.js";
import { KVM_I8259_SECTION, VmStateError } from "../migration/vmstate.js";
import type { PcMachine } from "./pc.js";
import type { MachineEvent } from "./run-state.js";
import { QEMU_GUESTS_DIR, readGuest, runGuestRom } from "./testing/guest-harness.js";

/*
 * The NASM guests of packages/qemu/guests on the pc and isapc machines over @virtkit/kvm. Their
 * expected outputs were recorded from the real qemu-system-i386 7.2 with the same ROM and options
 * (guests/expected/*.txt); the differential test in apps/qemu-system re-checks that when QEMU is
 * installed.
 */
const expected = (name: string): string => readFileSync(`${QEMU_GUESTS_DIR}expected/${name}`, "latin1");

describe("pc-devices: every PC device through its registers, interrupts through the PIC", () => {
  it("prints on pc what QEMU's pc prints and exits through isa-debug-exit with (0x21 << 1) | 1", () => {
    const r = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"));
    expect(r.debugcon).toBe(expected("pc-devices.debugcon.txt"));
    expect(r.serial).toBe(expected("pc-devices.serial.txt"));
    expect(r.exitStatus).toBe(0x43);
  });

  it("prints on isapc what QEMU's isapc prints (no PCI, PAM or reset control; writable firmware)", () => {
    const r = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"), { type: "isapc" });
    expect(r.debugcon).toBe(expected("pc-devices.isapc.debugcon.txt"));
    expect(r.exitStatus).toBe(0x43);
  });
});

describe("reset: CF9h, port 92h, the i8042 pulse and a triple fault", () => {
  it("resets four times keeping RAM and CMOS, each a RESET event from the guest", () => {
    const events: MachineEvent[] = [];
    const r = runGuestRom(readGuest(QEMU_GUESTS_DIR, "reset.bin"), { setup: (pc) => pc.onEvent((e) => events.push(e)) });
    expect(r.debugcon).toBe(expected("reset.debugcon.txt"));
    expect(r.exitStatus).toBe(0x23);
    expect(events.filter((e) => e.event === "RESET")).toEqual(
      Array.from({ length: 4 }, () => ({ event: "RESET", data: { guest: true, reason: "guest-reset" } })),
    );
  });

  it("with -no-reboot the first reset request is a shutdown: SHUTDOWN (guest-reset) and exit status 0", () => {
    const events: MachineEvent[] = [];
    const r = runGuestRom(readGuest(QEMU_GUESTS_DIR, "reset.bin"), {
      setup: (pc) => {
        pc.noReboot = true;
        pc.onEvent((e) => events.push(e));
      },
    });
    expect(r.debugcon).toBe("boot 00\nreset via cf9\n");
    expect(r.exitStatus).toBe(0);
    expect(events.at(-1)).toEqual({ event: "SHUTDOWN", data: { guest: true, reason: "guest-reset" } });
  });
});

describe("the KVM memory listener", () => {
  it("programs RAM and ROM as memslots (ROM read-only) and follows PAM changes", () => {
    const r = runGuestRom(readGuest(QEMU_GUESTS_DIR, "reset.bin"), { keep: true, maxSteps: 1 });
    const pc = r.pc;
    const listener = (pc.accel as unknown as { memoryListener: { memslots(): { gpa: number; size: number }[] } }).memoryListener;
    const slots = (): string[] => listener.memslots().map((s) => `${s.gpa.toString(16)}+${s.size.toString(16)}`).sort();
    // Low RAM (the empty PCI window at A0000 shows RAM through, as in QEMU), pc.rom (C0000),
    // RAM again at E0000 (a 64 KiB BIOS leaves it), isa-bios (F0000), RAM from 1 MiB, pc.bios.
    expect(slots()).toEqual(["0+c0000", "100000+1f00000", "c0000+20000", "e0000+10000", "f0000+10000", "ffff0000+10000"]);
    // PAM0 = 0x30: F0000-FFFFF becomes RAM, merging with its neighbours' slots.
    const w = (port: number, size: number, value: number): void => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value, true);
      pc.ioAs.write(port, b, 0, size);
    };
    w(0xcf8, 4, 0x80000058);
    w(0xcfd, 1, 0x30);
    expect(slots()).toEqual(["0+c0000", "c0000+20000", "e0000+1f20000", "ffff0000+10000"]);
    expect(pc.memoryAs.find(0xf0000)?.mr.name).toBe("pc.ram");
    w(0xcfd, 1, 0x00);
    expect(pc.memoryAs.find(0xf0000)?.mr.name).toBe("pc.bios");
    pc.destroy();
  });
});

/** A tap on the debug console that hands every byte to `onBytes`. */
const debugconTap = (id: string, onBytes: (bytes: Uint8Array) => void): Parameters<NonNullable<PcMachine["debugcons"][number]>["attach"]>[0] => ({
  id,
  driver: "tap",
  connected: true,
  write: (bytes) => {
    onBytes(bytes);
    return bytes.length;
  },
  onData: () => () => undefined,
  acceptInput: () => undefined,
  onEvent: () => () => undefined,
  open: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

/**
 * Runs pc-devices to the end; the first time the debug console has printed `trigger` (inside
 * that OUT exit) the VM stops, is saved with saveVmState and goes on.
 */
const runWithSnapshot = (kernelIrqchip: "on" | "off", trigger: string): { run: ReturnType<typeof runGuestRom>; stream: Uint8Array; before: string; full: string } => {
  let stream: Uint8Array | undefined;
  let before = "";
  const out: number[] = [];
  const run = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"), {
    kernelIrqchip,
    keep: true,
    setup: (pc) => {
      pc.debugcons[0]?.attach(
        debugconTap("tap", (bytes) => {
          out.push(...bytes);
          if (stream === undefined && String.fromCharCode(...out).includes(trigger)) {
            pc.vmStop("paused");
            stream = saveVmState(pc);
            before = String.fromCharCode(...out);
            pc.vmStart();
          }
        }),
      );
    },
  });
  if (stream === undefined) throw new Error(`pc-devices never printed ${JSON.stringify(trigger)}`);
  return { run, stream, before, full: String.fromCharCode(...out) };
};

/** A fresh machine with the same configuration, loaded from `stream` and run to the guest's exit. */
const resumeFrom = (kernelIrqchip: "on" | "off", stream: Uint8Array): { pc: PcMachine; printed: string; status: number | undefined } => {
  const c = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"), { kernelIrqchip, keep: true, maxSteps: 0 });
  loadVmState(c.pc, stream);
  const out: number[] = [];
  c.pc.debugcons[0]!.attach(debugconTap("tap2", (bytes) => out.push(...bytes)));
  let status: number | undefined;
  c.pc.onExit((s) => (status = s));
  c.pc.vmStart();
  c.pc.runSync(() => c.pc.exited, 5_000_000);
  return { pc: c.pc, printed: String.fromCharCode(...out), status };
};

describe("snapshots", () => {
  it("a machine restored from a mid-run vmstate stream finishes with the same output as the original", () => {
    // In the middle of printing the RTC line.
    const a = runWithSnapshot("off", "rtc periodic");
    expect(a.run.exitStatus).toBe(0x43);
    const c = resumeFrom("off", a.stream);
    expect(a.before + c.printed).toBe(a.full);
    expect(c.status).toBe(0x43);
    a.run.pc.destroy();
    c.pc.destroy();
  });
});

describe("kernel_irqchip=on: the in-kernel PIC pair and PIT (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2)", () => {
  /** Runs pc-devices with the exits' ports recorded as user space sees them. */
  const runRecordingPorts = (kernelIrqchip: "on" | "off"): { run: ReturnType<typeof runGuestRom>; ports: Set<number> } => {
    const ports = new Set<number>();
    const run = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"), {
      kernelIrqchip,
      keep: true,
      setup: (pc) => {
        const vcpu = pc.vcpus[0]!.vcpu;
        const kvmRun = vcpu.run.bind(vcpu);
        vcpu.run = () => {
          const exit = kvmRun();
          if (exit.reason === "io-in" || exit.reason === "io-out") ports.add(exit.port);
          return exit;
        };
      },
    });
    return { run, ports };
  };

  it("pc-devices prints what QEMU prints: PIT ticks, RTC and UART interrupts all arrive through the kernel's PIC", () => {
    const { run } = runRecordingPorts("on");
    expect(run.debugcon).toBe(expected("pc-devices.debugcon.txt"));
    expect(run.serial).toBe(expected("pc-devices.serial.txt"));
    expect(run.exitStatus).toBe(0x43);
    const stats = (run.pc.accel as unknown as { vm: { stats(): Record<string, number> } }).vm.stats();
    // Counter 0 raised GSI 0 inside the kernel; the RTC and COM1 lines went down KVM_IRQ_LINE.
    expect(stats.pit_irqs).toBeGreaterThanOrEqual(5);
    expect(stats.irq_lines).toBeGreaterThan(0);
    run.pc.destroy();
  });

  it("ports 20h-21h, A0h-A1h, 40h-43h, 61h and 4D0h-4D1h are served by the kernel: none exits to user space", () => {
    const on = runRecordingPorts("on");
    const off = runRecordingPorts("off");
    const chipPorts = [0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x4d0, 0x4d1];
    // The same guest with the user-space chips does reach them from user space.
    expect(chipPorts.filter((p) => off.ports.has(p))).toEqual([0x20, 0x21, 0xa0, 0xa1, 0x40, 0x42, 0x43, 0x61, 0x4d0, 0x4d1]);
    expect(chipPorts.filter((p) => on.ports.has(p))).toEqual([]);
    // Other devices still exit (COM1, the debug console).
    expect(on.ports.has(0x3f8)).toBe(true);
    expect(on.ports.has(0xe9)).toBe(true);
    // Nor are they in the machine's I/O address space.
    expect(on.run.pc.ioAs.find(0x20)?.mr.name).toBe("io");
    expect(on.run.pc.ioAs.find(0x40)?.mr.name).toBe("io");
    expect(off.run.pc.ioAs.find(0x40)?.mr.name).toBe("pit");
    on.run.pc.destroy();
    off.run.pc.destroy();
  });

  it("info pic reads the kernel's chips with KVM_GET_IRQCHIP in QEMU's format; a reset restores them", () => {
    const { run } = runRecordingPorts("on");
    const pc = run.pc;
    // The guest initialised both chips (vectors 08h and 70h, the BIOS's) and left IRQ2 unmasked on the master.
    // (The kvm-ioapic comes first, as in QEMU's QOM tree; this guest does not program it.)
    expect(pc.infoPic()).toMatch(/^ioapic0: ver=0x11 id=0x00 sel=0x00\n(?: {2}pin [^\n]+masked fixed {2}physical\n){24} {2}IRR {6}\(none\)\n {2}Remote IRR \(none\)\npic1: irr=[0-9a-f]{2} imr=ff isr=00 hprio=0 irq_base=70 rr_sel=0 elcr=08 fnm=0\npic0: irr=[0-9a-f]{2} imr=fb isr=00 hprio=0 irq_base=08 rr_sel=0 elcr=00 fnm=0\n$/);
    pc.systemReset("none");
    expect(pc.infoPic()).toMatch(
      /^ioapic0: ver=0x11 id=0x00 sel=0x00\n(?: {2}pin [^\n]+masked fixed {2}physical\n){24} {2}IRR {6}\(none\)\n {2}Remote IRR \(none\)\npic1: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\npic0: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\n$/,
    );
    // The user-space devices do not exist; asking for them says where their state is.
    expect(() => pc.pic).toThrow(/i8259 is in the kernel with kernel_irqchip=on: .*KVM_GET_IRQCHIP/);
    pc.destroy();
  });
  it("savevm/loadvm: the kernel's PICs, IOAPIC, PIT and LAPIC travel in the stream; the restored guest keeps taking PIT interrupts", () => {
    // Saved right after counter 0 was programmed in mode 2 and before IRQ0 is unmasked: the five
    // ticks the guest then waits for (HLT between them) all happen on the restored machine.
    const a = runWithSnapshot("on", "pit status 34");
    expect(a.full).toBe(expected("pc-devices.debugcon.txt"));
    expect(a.before).not.toContain("ticks>=5");
    // The chips are separate sections holding the kernel's structures.
    const text = Buffer.from(a.stream).toString("latin1");
    expect(text).toContain(KVM_I8259_SECTION);
    expect(text).toContain("kvm-ioapic");
    expect(text).toContain("kvm-pit");
    const c = resumeFrom("on", a.stream);
    expect(a.before + c.printed).toBe(a.full);
    expect(c.status).toBe(0x43);
    const stats = (c.pc.accel as unknown as { vm: { stats(): Record<string, number> } }).vm.stats();
    expect(stats.pit_irqs).toBeGreaterThanOrEqual(5);
    // The kernel PIC came back as the guest had programmed it (vector bases 08h/70h), not at reset values.
    expect(c.pc.infoPic()).toMatch(/irq_base=70 .*\n.*irq_base=08 /);
    a.run.pc.destroy();
    c.pc.destroy();
  });

  it("a stream saved with kernel_irqchip=off is refused by a machine with kernel_irqchip=on, and the reverse, before anything is loaded", () => {
    const off = runWithSnapshot("off", "pit status 34");
    const on = runWithSnapshot("on", "pit status 34");
    for (const [stream, mode, message] of [
      [off.stream, "on", /^Missing section 'kvm-i8259' 0 in the migration stream\. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices: the stream was saved with kernel_irqchip=off and this machine has kernel_irqchip=on$/],
      [on.stream, "off", /^Unknown savevm section or instance 'kvm-i8259' 0\. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices: the stream was saved with kernel_irqchip=on and this machine has kernel_irqchip=off$/],
    ] as const) {
      const c = runGuestRom(readGuest(QEMU_GUESTS_DIR, "pc-devices.bin"), { kernelIrqchip: mode, keep: true, maxSteps: 0 });
      const ram = c.pc.ram.ram!.bytes.slice();
      const regs = c.pc.vcpus[0]!.vcpu.saveState().regs;
      c.pc.vmStart();
      let err: unknown;
      try {
        loadVmState(c.pc, stream);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VmStateError);
      expect((err as Error).message).toMatch(message);
      // Nothing was touched: still running, same RAM and registers.
      expect(c.pc.running).toBe(true);
      expect(Buffer.from(c.pc.ram.ram!.bytes).equals(Buffer.from(ram))).toBe(true);
      expect(c.pc.vcpus[0]!.vcpu.saveState().regs).toEqual(regs);
      c.pc.destroy();
    }
    off.run.pc.destroy();
    on.run.pc.destroy();
  });
});
