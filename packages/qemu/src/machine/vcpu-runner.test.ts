import { describe, expect, it } from "vitest";
import { PcMachine } from "./pc.js";
import type { MachineEvent } from "./run-state.js";
import { type ScriptStep, ScriptedAccel } from "./testing/scripted-accel.js";

/** A pc machine on the scripted accelerator (the BIOS image is never executed). */
function machine(script: ScriptStep[], opts: { noReboot?: boolean } = {}): { pc: PcMachine; accel: ScriptedAccel; events: MachineEvent[]; errors: string[] } {
  const accel = new ScriptedAccel([script]);
  const errors: string[] = [];
  const pc = new PcMachine({
    type: "pc",
    accel,
    ramSize: 8 << 20,
    bios: new Uint8Array(0x10000),
    cpu: "host",
    rtcBaseMs: 0,
    noReboot: opts.noReboot ?? false,
    errorSink: (t) => errors.push(t),
  });
  const events: MachineEvent[] = [];
  pc.onEvent((e) => events.push(e));
  return { pc, accel, events, errors };
}

const ioOut = (port: number, size: number, bytes: number[]): ScriptStep => ({
  exit: { reason: "io-out", port, size, count: bytes.length / size, data: Uint8Array.from(bytes) },
});

describe("the vCPU run loop", () => {
  it("counts exits by reason through runs of equal reasons, read at any point", () => {
    const { pc } = machine([
      ioOut(0x80, 1, [1]),
      ioOut(0x80, 1, [2]),
      ioOut(0x80, 1, [3]),
      { exit: { reason: "intr" } },
      ioOut(0x80, 1, [4]),
      { exit: { reason: "intr" } },
      { exit: { reason: "intr" } },
    ]);
    const runner = pc.vcpus[0]!;
    pc.vmStart();
    pc.runSync(undefined, 2);
    // Read in the middle of a run of io-out exits: the run so far is counted.
    expect([...runner.exitCounts]).toEqual([["io-out", 2]]);
    pc.runSync(undefined, 3);
    expect([...runner.exitCounts]).toEqual([["io-out", 4], ["intr", 1]]);
    pc.runSync(undefined, 2);
    // Reading twice does not count the current run twice.
    expect([...runner.exitCounts]).toEqual([["io-out", 4], ["intr", 3]]);
    expect([...runner.exitCounts]).toEqual([["io-out", 4], ["intr", 3]]);
  });

  it("dispatches each element of a string I/O exit to the port (kvm_handle_io count x size)", () => {
    const { pc } = machine([ioOut(0x70, 1, [0x50]), ioOut(0x71, 1, [0x11]), ioOut(0x70, 2, [0x51, 0x00, 0x52, 0x00])]);
    pc.vmStart();
    pc.runSync(undefined, 3);
    // rep outsw to 0x70: two words, each split into the index (0x70) and data (0x71) bytes.
    expect(pc.rtc.cmos[0x50]).toBe(0x11);
    expect(pc.rtc.cmos[0x51]).toBe(0x00);
  });

  it("injects the PIC's vector when the guest can take it and asks for an interrupt window when it cannot", () => {
    const { pc, accel } = machine([
      // ICW1-4 for the master (vector base 0x20), unmask IRQ3, then raise IRQ3 edge through... COM2 is absent,
      // so raise it directly after these exits.
      ioOut(0x20, 1, [0x11]),
      ioOut(0x21, 1, [0x20]),
      ioOut(0x21, 1, [0x04]),
      ioOut(0x21, 1, [0x01]),
      ioOut(0x21, 1, [0xf7]),
      { exit: { reason: "io-out", port: 0x80, size: 1, count: 1, data: Uint8Array.of(0) }, interruptFlag: false },
      { exit: { reason: "irq-window-open" }, interruptFlag: true },
      { exit: { reason: "intr" } },
    ]);
    pc.vmStart();
    pc.runSync(undefined, 6);
    pc.pic.irq(3).setLevel(true);
    pc.runSync(undefined, 2);
    const v = accel.vcpus[0]!;
    // Interrupts were off after the 6th exit: the loop requested a window instead of injecting,
    // and injected at the next entry once the window was open.
    expect(v.windowRequests[5]).toBe(false);
    expect(v.windowRequests[6]).toBe(true);
    expect(v.injected).toEqual([0x23]);
    expect(pc.pic.master.isr).toBe(0x08);
    expect(v.windowRequests.at(-1)).toBe(false);
  });

  it("moves the virtual clock by the instructions retired and stops each run at the next timer deadline", () => {
    const { pc, accel } = machine([
      ioOut(0x43, 1, [0x34]),
      ioOut(0x40, 1, [0x00]),
      { ...ioOut(0x40, 1, [0x10]), instructions: 1000 },
      { exit: { reason: "intr" }, instructions: 5000 },
    ]);
    pc.vmStart();
    const t0 = pc.clock.now();
    pc.runSync(undefined, 4);
    expect(pc.clock.now() - t0).toBe(100 + 100 + 1000 + 5000);
    // After the PIT is programmed (count 0x1000 from t=1200 ns) the alarm ends the run at its deadline.
    const v = accel.vcpus[0]!;
    const deadline = pc.clock.nextDeadline();
    expect(deadline).toBeGreaterThan(pc.clock.now());
    expect(v.alarms[3]).toBeLessThanOrEqual(Math.ceil(3432_000 - 1200));
  });

  it("warps a halted vCPU to the next timer, moving its TSC too, and wakes it with the timer's interrupt", () => {
    const { pc, accel } = machine([
      ioOut(0x20, 1, [0x11]),
      ioOut(0x21, 1, [0x08]),
      ioOut(0x21, 1, [0x04]),
      ioOut(0x21, 1, [0x01]),
      ioOut(0x21, 1, [0xfe]),
      ioOut(0x43, 1, [0x34]),
      ioOut(0x40, 1, [0xa9]),
      ioOut(0x40, 1, [0x04]),
      { exit: { reason: "hlt" }, interruptFlag: true },
      { exit: { reason: "intr" }, interruptFlag: true },
    ]);
    pc.vmStart();
    pc.runSync(undefined, 9);
    const v = accel.vcpus[0]!;
    const runner = pc.vcpus[0]!;
    expect(runner.halted).toBe(true);
    const tscBefore = v.tsc;
    const clockBefore = pc.clock.now();
    pc.runSync(() => !runner.halted, 10);
    expect(runner.halted).toBe(false);
    // The clock jumped (mode 2, count 0x4a9: the rising edge of OUT about 1 ms later) and the
    // guest's TSC moved by the same number of 1 ns instructions.
    const warped = pc.clock.now() - clockBefore;
    expect(warped).toBeGreaterThan(990_000);
    expect(v.tsc - tscBefore).toBe(Math.ceil(warped));
    pc.runSync(undefined, 1);
    expect(v.injected).toEqual([0x08]);
  });

  it("reports an idle machine when the halted vCPU has interrupts off and nothing can wake it", () => {
    const { pc } = machine([{ exit: { reason: "hlt" } }]);
    pc.vmStart();
    let steps = 0;
    pc.runSync(() => ++steps > 50);
    expect(steps).toBeLessThan(50);
    expect(pc.vcpus[0]!.halted).toBe(true);
  });

  it("turns a triple fault into a guest reset, or with -no-reboot into a shutdown and exit 0", () => {
    const a = machine([{ exit: { reason: "shutdown" } }]);
    a.pc.vmStart();
    a.pc.runSync(undefined, 2);
    expect(a.events).toEqual([{ event: "RESUME" }, { event: "RESET", data: { guest: true, reason: "guest-reset" } }]);
    const b = machine([{ exit: { reason: "shutdown" } }], { noReboot: true });
    let status = -1;
    b.pc.onExit((s) => (status = s));
    b.pc.vmStart();
    b.pc.runSync(undefined, 2);
    expect(b.events.at(-1)).toEqual({ event: "SHUTDOWN", data: { guest: true, reason: "guest-reset" } });
    expect(status).toBe(0);
  });

  it("stops in internal-error with QEMU's report on an emulation failure", () => {
    const { pc, events, errors } = machine([{ exit: { reason: "internal-error", suberror: 1, data: [0x30, 0x184] } }]);
    pc.vmStart();
    pc.runSync(undefined, 3);
    expect(pc.runState).toBe("internal-error");
    expect(events.at(-1)).toEqual({ event: "STOP" });
    const report = errors.join("");
    expect(report).toMatch(/^KVM internal error\. Suberror: 1\nextra data\[0\]: 0x0000000000000030\nextra data\[1\]: 0x0000000000000184\nemulation failure\nEAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n/);
    expect(report).toMatch(/\nCode=(00 ){43}<00>( 00){6}\n$/);
    expect(pc.cont()).toBe("Resetting the Virtual Machine is required");
  });
});
