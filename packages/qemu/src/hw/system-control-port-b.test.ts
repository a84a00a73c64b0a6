import { describe, expect, it } from "vitest";
import { I8254, pitTickTime, pitTicksAt } from "./i8254.js";
import { IrqProbe } from "./irq-probe.js";
import { SystemControlPortB } from "./system-control-port-b.js";
import { VirtualClock } from "./virtual-clock.js";

describe("port 0x61 (NMI status and control)", () => {
  it("drives PIT counter 2 GATE and reads its OUT, the way BIOS/Linux calibrate the TSC", () => {
    const clock = new VirtualClock();
    const pit = new I8254(clock);
    const port = new SystemControlPortB(pit);
    port.write(0, 1, 0x00);
    pit.write(3, 1, 0xb0); // counter 2, mode 0
    pit.write(2, 1, 100);
    pit.write(2, 1, 0);
    port.write(0, 1, 0x01); // GATE on, speaker off
    expect(pit.gate(2)).toBe(true);
    const start = pitTicksAt(clock.now());
    expect(port.read(0, 1) & 0x21).toBe(0x01);
    clock.advanceTo(pitTickTime(start + 101));
    expect(port.read(0, 1) & 0x21).toBe(0x21);
    expect(port.speakerLevel).toBe(false);
    port.write(0, 1, 0x03);
    expect(port.speakerLevel).toBe(true);
  });

  it("toggles the refresh bit on every read", () => {
    const port = new SystemControlPortB(new I8254(new VirtualClock()));
    const a = port.read(0, 1) & 0x10;
    const b = port.read(0, 1) & 0x10;
    expect(a ^ b).toBe(0x10);
  });

  it("latches NMI sources while enabled and clears them through the disable bits", () => {
    const nmi = new IrqProbe();
    const port = new SystemControlPortB(new I8254(new VirtualClock()), { nmi });
    port.setIoChannelCheck();
    expect(port.read(0, 1) & 0xc0).toBe(0x40);
    expect(nmi.level).toBe(true);
    port.write(0, 1, 0x08);
    expect(port.read(0, 1) & 0xc0).toBe(0x00);
    expect(nmi.level).toBe(false);
    port.setIoChannelCheck(); // disabled: ignored
    expect(nmi.level).toBe(false);
    port.write(0, 1, 0x00);
    port.setParityError();
    expect(port.read(0, 1) & 0x8c).toBe(0x80);
    const copy = new SystemControlPortB(new I8254(new VirtualClock()));
    copy.fromState(port.state());
    expect(copy.state()).toEqual(port.state());
  });
});
