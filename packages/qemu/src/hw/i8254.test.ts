import { describe, expect, it } from "vitest";
import { I8254, PIT_FREQ, pitTickTime, pitTicksAt } from "./i8254.js";
import { IrqProbe } from "./irq-probe.js";
import { VirtualClock } from "./virtual-clock.js";

const CTRL = 3;

function setup(): { clock: VirtualClock; pit: I8254; irq0: IrqProbe } {
  const clock = new VirtualClock();
  const irq0 = new IrqProbe();
  const pit = new I8254(clock, { irq0 });
  return { clock, pit, irq0 };
}

/** Latches counter `ch` and reads the 16-bit latched value (LSB then MSB). */
function latchRead(pit: I8254, ch: number): number {
  pit.write(CTRL, 1, ch << 6);
  const lo = pit.read(ch, 1);
  const hi = pit.read(ch, 1);
  return lo | (hi << 8);
}

function readStatus(pit: I8254, ch: number): number {
  pit.write(CTRL, 1, 0xe0 | (2 << ch)); // read-back: status only
  return pit.read(ch, 1);
}

describe("tick conversion", () => {
  it("maps virtual nanoseconds to 1.193182 MHz ticks exactly and back", () => {
    expect(pitTicksAt(1_000_000_000)).toBe(PIT_FREQ);
    expect(pitTicksAt(3600 * 1e9)).toBe(3600 * PIT_FREQ);
    for (const k of [1, 2, 1193181, 1193183, 7_000_000_123, 123_456_789_012]) {
      const t = pitTickTime(k);
      expect(pitTicksAt(t)).toBe(k);
      expect(pitTicksAt(t - 1)).toBe(k - 1);
    }
  });
});

describe("8254 PIT", () => {
  it("mode 2 divides the clock: exact IRQ0 rate and counting element values", () => {
    const { clock, pit, irq0 } = setup();
    const n = 11932; // Linux/DOS 100 Hz divisor
    pit.write(CTRL, 1, 0x34); // counter 0, LSB/MSB, mode 2, binary
    pit.write(0, 1, n & 0xff);
    pit.write(0, 1, n >> 8);
    irq0.resetCounts();
    const base = pitTicksAt(clock.now()) + 1; // CE loaded on the next CLK
    clock.advanceTo(pitTickTime(base + 5));
    expect(latchRead(pit, 0)).toBe(n - 5);
    // OUT goes low for one CLK when CE reaches 1, then reloads: a rising edge every n ticks.
    clock.advanceTo(pitTickTime(base + n - 1));
    expect(irq0.level).toBe(false);
    expect(latchRead(pit, 0)).toBe(1);
    clock.advanceTo(pitTickTime(base + n));
    expect(irq0.level).toBe(true);
    expect(latchRead(pit, 0)).toBe(n);
    expect(irq0.risingEdges).toBe(1);
    clock.advanceTo(pitTickTime(base + 100 * n));
    expect(irq0.risingEdges).toBe(100);
    // Over a virtual minute the rate is PIT_FREQ / n, to the tick.
    irq0.resetCounts();
    const from = pitTicksAt(clock.now());
    clock.advance(60e9);
    const ticks = pitTicksAt(clock.now()) - from;
    expect(Math.abs(irq0.risingEdges - ticks / n)).toBeLessThanOrEqual(1);
  });

  it("mode 0 raises OUT once at terminal count, N+1 CLKs after the write, and keeps counting", () => {
    const { clock, pit, irq0 } = setup();
    pit.write(CTRL, 1, 0x30); // counter 0, LSB/MSB, mode 0
    expect(irq0.level).toBe(false); // OUT low after the control word
    irq0.resetCounts();
    const written = pitTicksAt(clock.now());
    pit.write(0, 1, 0xe8);
    pit.write(0, 1, 0x03); // 1000
    clock.advanceTo(pitTickTime(written + 1000));
    expect(irq0.level).toBe(false);
    clock.advanceTo(pitTickTime(written + 1001));
    expect(irq0.level).toBe(true);
    expect(latchRead(pit, 0)).toBe(0);
    clock.advanceTo(pitTickTime(written + 1011));
    expect(latchRead(pit, 0)).toBe(0xfff6); // wrapped past zero
    clock.advance(1e9);
    expect(irq0.risingEdges).toBe(1);
    expect(irq0.level).toBe(true);
  });

  it("mode 0: writing the first byte of a new count drops OUT and stops counting", () => {
    const { clock, pit, irq0 } = setup();
    pit.write(CTRL, 1, 0x30);
    pit.write(0, 1, 10);
    pit.write(0, 1, 0);
    clock.advanceTo(pitTickTime(50));
    expect(irq0.level).toBe(true);
    pit.write(0, 1, 100);
    expect(irq0.level).toBe(false);
    const held = latchRead(pit, 0);
    clock.advanceTo(pitTickTime(500));
    expect(latchRead(pit, 0)).toBe(held);
    pit.write(0, 1, 0);
    const written = pitTicksAt(clock.now());
    clock.advanceTo(pitTickTime(written + 101));
    expect(irq0.level).toBe(true);
  });

  it("counts in BCD when the control word's BCD bit is set", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0x31); // mode 0, BCD
    pit.write(0, 1, 0x00);
    pit.write(0, 1, 0x10); // 1000 decimal
    const base = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base + 1));
    expect(latchRead(pit, 0)).toBe(0x0999);
    clock.advanceTo(pitTickTime(base + 766));
    expect(latchRead(pit, 0)).toBe(0x0234);
    clock.advanceTo(pitTickTime(base + 1001));
    expect(latchRead(pit, 0)).toBe(0x9999); // wraps at BCD 0000 -> 9999
    expect(readStatus(pit, 0) & 0x3f).toBe(0x31);
  });

  it("holds a latched count until it is read, ignoring further latch commands", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0x34);
    pit.write(0, 1, 0);
    pit.write(0, 1, 0x40); // 0x4000
    const base = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base + 0x100));
    pit.write(CTRL, 1, 0x00);
    clock.advanceTo(pitTickTime(base + 0x200));
    pit.write(CTRL, 1, 0x00); // ignored: already latched
    expect(pit.read(0, 1)).toBe(0x00);
    clock.advanceTo(pitTickTime(base + 0x300));
    expect(pit.read(0, 1)).toBe(0x3f);
    // Unlatched reads follow the live counter.
    expect(pit.read(0, 1) | (pit.read(0, 1) << 8)).toBe(0x4000 - 0x300);
  });

  it("supports LSB-only and MSB-only access modes", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0x10 | 0x04); // counter 0, LSB only, mode 2
    pit.write(0, 1, 0x80);
    const base = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base + 0x10));
    expect(pit.read(0, 1)).toBe(0x70);
    pit.write(CTRL, 1, 0x20 | 0x04); // MSB only
    pit.write(0, 1, 0x02); // 0x0200
    const base2 = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base2 + 0x100));
    expect(pit.read(0, 1)).toBe(0x01);
    expect(readStatus(pit, 0) & 0x30).toBe(0x20);
  });

  it("reports OUT, NULL COUNT, access and mode in the read-back status byte", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0xb6); // counter 2, LSB/MSB, mode 3
    let status = readStatus(pit, 2);
    expect(status).toBe(0x80 | 0x40 | 0x36); // OUT high, null count (no count yet)
    pit.write(2, 1, 0x00);
    pit.write(2, 1, 0x10);
    pit.setGate(2, true);
    clock.advanceTo(pitTickTime(pitTicksAt(clock.now()) + 2));
    status = readStatus(pit, 2);
    expect(status & 0x40).toBe(0);
    // Read-back of count and status together: status first.
    pit.write(CTRL, 1, 0xc0 | 0x08);
    expect(pit.read(2, 1)).toBe(status);
    expect(pit.read(2, 1) | (pit.read(2, 1) << 8)).toBeGreaterThan(0);
  });

  it("mode 3 makes a square wave and decrements by two", () => {
    const { clock, pit, irq0 } = setup();
    pit.write(CTRL, 1, 0x36);
    pit.write(0, 1, 100);
    pit.write(0, 1, 0);
    const base = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base + 10));
    expect(latchRead(pit, 0)).toBe(80);
    expect(irq0.level).toBe(true);
    clock.advanceTo(pitTickTime(base + 50));
    expect(irq0.level).toBe(false);
    expect(latchRead(pit, 0)).toBe(100);
    clock.advanceTo(pitTickTime(base + 100));
    expect(irq0.level).toBe(true);
    // Odd count: high for (N+1)/2, low for (N-1)/2.
    pit.write(CTRL, 1, 0x36);
    pit.write(0, 1, 5);
    pit.write(0, 1, 0);
    const b2 = pitTicksAt(clock.now()) + 1;
    const levels: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      clock.advanceTo(pitTickTime(b2 + i));
      levels.push(pit.out(0));
    }
    expect(levels).toEqual([true, true, true, false, false, true, true, true, false, false]);
  });

  it("mode 2: a count written while counting takes effect at the end of the period", () => {
    const { clock, pit, irq0 } = setup();
    pit.write(CTRL, 1, 0x34);
    pit.write(0, 1, 100);
    pit.write(0, 1, 0);
    const base = pitTicksAt(clock.now()) + 1;
    clock.advanceTo(pitTickTime(base + 30));
    pit.write(0, 1, 50);
    pit.write(0, 1, 0);
    expect(readStatus(pit, 0) & 0x40).toBe(0x40); // null count until reloaded
    clock.advanceTo(pitTickTime(base + 99));
    expect(irq0.level).toBe(false); // old period still running
    irq0.resetCounts();
    clock.advanceTo(pitTickTime(base + 100 + 50 * 4));
    expect(irq0.risingEdges).toBe(5);
    expect(readStatus(pit, 0) & 0x40).toBe(0);
  });

  it("counter 2 GATE: mode 1 is a retriggerable one-shot", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0xb2); // counter 2, mode 1
    pit.write(2, 1, 100);
    pit.write(2, 1, 0);
    clock.advance(1e6);
    expect(pit.out(2)).toBe(true); // waits for a trigger
    pit.setGate(2, true);
    const trig = pitTicksAt(clock.now());
    clock.advanceTo(pitTickTime(trig + 1));
    expect(pit.out(2)).toBe(false);
    clock.advanceTo(pitTickTime(trig + 60));
    pit.setGate(2, false);
    pit.setGate(2, true); // retrigger restarts the pulse
    const trig2 = pitTicksAt(clock.now());
    clock.advanceTo(pitTickTime(trig + 101));
    expect(pit.out(2)).toBe(false);
    clock.advanceTo(pitTickTime(trig2 + 101));
    expect(pit.out(2)).toBe(true);
  });

  it("counter 2 GATE: mode 0 pauses while GATE is low (Linux's PIT calibration path)", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0xb0); // counter 2, mode 0
    pit.write(2, 1, 0xff);
    pit.write(2, 1, 0xff);
    clock.advance(1e6);
    expect(pit.count(2)).toBe(0xffff); // gate low: loaded, not counting
    pit.setGate(2, true);
    const g = pitTicksAt(clock.now());
    clock.advanceTo(pitTickTime(g + 1001));
    expect(pit.count(2)).toBe(0xffff - 1000);
    pit.setGate(2, false);
    clock.advance(5e6);
    expect(pit.count(2)).toBe(0xffff - 1000);
    expect(pit.out(2)).toBe(false);
  });

  it("mode 4 strobes OUT low for one CLK; mode 5 does so after a GATE trigger", () => {
    const { clock, pit, irq0 } = setup();
    pit.write(CTRL, 1, 0x38); // counter 0, mode 4
    pit.write(0, 1, 20);
    pit.write(0, 1, 0);
    const written = pitTicksAt(clock.now());
    irq0.resetCounts();
    clock.advanceTo(pitTickTime(written + 21));
    expect(irq0.level).toBe(false);
    clock.advanceTo(pitTickTime(written + 22));
    expect(irq0.level).toBe(true);
    clock.advance(1e8);
    expect(irq0.fallingEdges).toBe(1);
    pit.write(CTRL, 1, 0xba); // counter 2, mode 5
    pit.write(2, 1, 10);
    pit.write(2, 1, 0);
    clock.advance(1e5);
    expect(pit.out(2)).toBe(true);
    pit.setGate(2, true);
    const t = pitTicksAt(clock.now());
    clock.advanceTo(pitTickTime(t + 11));
    expect(pit.out(2)).toBe(false);
    clock.advanceTo(pitTickTime(t + 12));
    expect(pit.out(2)).toBe(true);
  });

  it("resets like QEMU: all counters in mode 3 with count 65536, counter 0 running", () => {
    const { clock, pit, irq0 } = setup();
    expect(pit.info(0)).toEqual({ mode: 3, initialCount: 0x10000, gate: true, out: true });
    expect(pit.gate(2)).toBe(false);
    irq0.resetCounts();
    clock.advance(1e9);
    expect(irq0.risingEdges).toBe(18); // 18.2 Hz
  });

  it("round-trips its state mid-count and keeps the same IRQ0 schedule", () => {
    const { clock, pit } = setup();
    pit.write(CTRL, 1, 0x34);
    pit.write(0, 1, 0x9c);
    pit.write(0, 1, 0x2e);
    pit.write(CTRL, 1, 0xb6);
    pit.write(2, 1, 0x34);
    clock.advance(12_345_678);
    pit.write(CTRL, 1, 0x00); // a pending latch survives too
    const saved = JSON.parse(JSON.stringify(pit.state())) as ReturnType<I8254["state"]>;
    const clock2 = new VirtualClock();
    clock2.fromState(clock.state());
    const irqCopy = new IrqProbe();
    const copy = new I8254(clock2, { irq0: irqCopy });
    copy.fromState(saved);
    expect(copy.state()).toEqual(pit.state());
    expect(copy.read(0, 1)).toBe(pit.read(0, 1));
    clock.advance(1e9);
    clock2.advance(1e9);
    expect(copy.count(0)).toBe(pit.count(0));
    expect(copy.out(0)).toBe(pit.out(0));
    expect(irqCopy.level).toBe(pit.out(0));
  });
});
