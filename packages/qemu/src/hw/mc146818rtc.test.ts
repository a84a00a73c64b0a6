import { describe, expect, it } from "vitest";
import { IrqProbe } from "./irq-probe.js";
import {
  Mc146818Rtc,
  RTC_CENTURY,
  RTC_DAY_OF_MONTH,
  RTC_DAY_OF_WEEK,
  RTC_HOURS,
  RTC_HOURS_ALARM,
  RTC_MINUTES,
  RTC_MINUTES_ALARM,
  RTC_MONTH,
  RTC_REG_A,
  RTC_REG_B,
  RTC_REG_C,
  RTC_REG_D,
  RTC_SECONDS,
  RTC_SECONDS_ALARM,
  RTC_YEAR,
  civilFromDays,
  daysFromCivil,
} from "./mc146818rtc.js";
import { VirtualClock } from "./virtual-clock.js";

const BASE = Date.UTC(2024, 1, 29, 23, 59, 58); // a leap day, two seconds before midnight

function setup(baseMs = BASE) {
  const clock = new VirtualClock();
  const irq = new IrqProbe();
  const rtc = new Mc146818Rtc(clock, { irq, baseMs });
  const reg = (i: number): number => {
    rtc.write(0, 1, i);
    return rtc.read(1, 1);
  };
  const set = (i: number, v: number): void => {
    rtc.write(0, 1, i);
    rtc.write(1, 1, v);
  };
  return { clock, irq, rtc, reg, set };
}

function dateRegs(reg: (i: number) => number): number[] {
  return [RTC_CENTURY, RTC_YEAR, RTC_MONTH, RTC_DAY_OF_MONTH, RTC_HOURS, RTC_MINUTES, RTC_SECONDS, RTC_DAY_OF_WEEK].map(reg);
}

describe("calendar arithmetic", () => {
  it("converts civil dates and day numbers both ways, including leap years", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(Date.UTC(2000, 2, 1) / 864e5);
    expect(civilFromDays(Date.UTC(2100, 1, 28) / 864e5 + 1)).toEqual({ year: 2100, month: 3, day: 1 });
    expect(civilFromDays(-1)).toEqual({ year: 1969, month: 12, day: 31 });
  });
});

describe("MC146818 RTC", () => {
  it("reads the base time in BCD, 24-hour mode, with century and day of week", () => {
    const { reg } = setup();
    expect(dateRegs(reg)).toEqual([0x20, 0x24, 0x02, 0x29, 0x23, 0x59, 0x58, 5]); // Thursday
    expect(reg(RTC_REG_A)).toBe(0x26);
    expect(reg(RTC_REG_B)).toBe(0x02);
    expect(reg(RTC_REG_D)).toBe(0x80);
  });

  it("advances with the virtual clock across midnight and month end", () => {
    const { clock, reg } = setup();
    clock.advance(2e9);
    expect(dateRegs(reg)).toEqual([0x20, 0x24, 0x03, 0x01, 0x00, 0x00, 0x00, 6]);
    clock.advance(86400e9 * 366);
    expect(dateRegs(reg).slice(0, 4)).toEqual([0x20, 0x25, 0x03, 0x02]);
  });

  it("presents binary and 12-hour formats when register B asks for them", () => {
    const { reg, set } = setup();
    set(RTC_REG_B, 0x04); // DM binary, 12-hour
    expect(reg(RTC_HOURS)).toBe(0x80 | 11); // 11 PM
    expect(reg(RTC_MINUTES)).toBe(59);
    expect(reg(RTC_YEAR)).toBe(24);
  });

  it("sets UIP during the 244 us before each update cycle", () => {
    const { clock, reg } = setup(Date.UTC(2024, 0, 1, 0, 0, 0));
    clock.advanceTo(1e9 - 300_000);
    expect(reg(RTC_REG_A) & 0x80).toBe(0);
    clock.advanceTo(1e9 - 100_000);
    expect(reg(RTC_REG_A) & 0x80).toBe(0x80);
    expect(reg(RTC_SECONDS)).toBe(0x00); // not updated yet
    clock.advanceTo(1e9 + 1000);
    expect(reg(RTC_REG_A) & 0x80).toBe(0);
    expect(reg(RTC_SECONDS)).toBe(0x01);
  });

  it("raises update-ended interrupts once a second on IRQ8 until register C is read", () => {
    const { clock, irq, reg, set } = setup(Date.UTC(2024, 0, 1, 0, 0, 0, 250));
    set(RTC_REG_B, 0x12); // UIE, 24h
    expect(irq.level).toBe(false);
    clock.advanceTo(0.75e9 - 1);
    expect(irq.level).toBe(false);
    clock.advanceTo(0.75e9);
    expect(irq.level).toBe(true);
    clock.advance(2e9); // not acknowledged: IRQ stays asserted, no new edge
    expect(irq.risingEdges).toBe(1);
    expect(reg(RTC_REG_C)).toBe(0xd0); // IRQF, UF, and PF (the 1024 Hz rate runs without PIE)
    expect(irq.level).toBe(false);
    expect(reg(RTC_REG_C) & 0xb0).toBe(0x00); // read-to-clear
    for (let i = 0; i < 10; i++) {
      clock.advanceTo(clock.nextDeadline());
      expect(reg(RTC_REG_C) & 0x90).toBe(0x90);
    }
    expect(irq.risingEdges).toBe(11);
  });

  it("counts the periodic rate from register A and sets PF even when PIE is off", () => {
    const { clock, irq, reg, set } = setup();
    clock.advance(5e6);
    expect(reg(RTC_REG_C)).toBe(0x40); // PF without IRQF
    expect(irq.level).toBe(false);
    set(RTC_REG_B, 0x42); // PIE
    irq.resetCounts();
    const start = clock.now();
    while (clock.nextDeadline() <= start + 1e9) {
      clock.advanceTo(clock.nextDeadline());
      reg(RTC_REG_C);
    }
    expect(irq.risingEdges).toBe(1024); // rate 6: 1024 Hz
    set(RTC_REG_A, 0x2f); // rate 15: 2 Hz
    irq.resetCounts();
    clock.advance(3e9);
    expect(irq.risingEdges).toBe(1); // no acknowledgement, one edge
    reg(RTC_REG_C);
    clock.advance(0.5e9);
    expect(irq.risingEdges).toBe(2);
  });

  it("sets AF when the time matches the alarm, with don't-care bytes", () => {
    const { clock, irq, reg, set } = setup();
    set(RTC_HOURS_ALARM, 0x00);
    set(RTC_MINUTES_ALARM, 0x00);
    set(RTC_SECONDS_ALARM, 0x05);
    set(RTC_REG_B, 0x22); // AIE
    clock.advance(6.5e9);
    expect(irq.level).toBe(false);
    clock.advance(0.5e9); // 00:00:05
    expect(irq.level).toBe(true);
    expect(reg(RTC_REG_C)).toBe(0xf0); // IRQF, PF, AF, UF
    // Every second: hours and minutes don't care, seconds don't care.
    set(RTC_HOURS_ALARM, 0xc0);
    set(RTC_MINUTES_ALARM, 0xff);
    set(RTC_SECONDS_ALARM, 0xc0);
    clock.advance(1e9);
    expect(reg(RTC_REG_C) & 0xb0).toBe(0xb0);
  });

  it("stops updates while SET is on, clears UIE, and restarts from the written time", () => {
    const { clock, reg, set } = setup();
    set(RTC_REG_B, 0x12);
    set(RTC_REG_B, 0x80 | 0x12);
    expect(reg(RTC_REG_B)).toBe(0x82); // UIE cleared by SET
    set(RTC_CENTURY, 0x20);
    set(RTC_YEAR, 0x00);
    set(RTC_MONTH, 0x01);
    set(RTC_DAY_OF_MONTH, 0x01);
    set(RTC_HOURS, 0x12);
    set(RTC_MINUTES, 0x00);
    set(RTC_SECONDS, 0x00);
    clock.advance(5e9);
    expect(reg(RTC_SECONDS)).toBe(0x00);
    expect(reg(RTC_REG_C) & 0x10).toBe(0); // no update cycles
    set(RTC_REG_B, 0x02);
    clock.advance(1e9);
    expect(dateRegs(reg).slice(0, 7)).toEqual([0x20, 0x00, 0x01, 0x01, 0x12, 0x00, 0x01]);
  });

  it("holds time while the divider is in reset and updates half a second after release", () => {
    const { clock, reg, set } = setup(Date.UTC(2024, 0, 1, 0, 0, 0));
    set(RTC_REG_A, 0x76);
    clock.advance(10e9);
    expect(reg(RTC_SECONDS)).toBe(0x00);
    set(RTC_REG_A, 0x26);
    clock.advance(0.5e9 - 1);
    expect(reg(RTC_SECONDS)).toBe(0x00);
    clock.advance(1);
    expect(reg(RTC_SECONDS)).toBe(0x01);
  });

  it("keeps 114 bytes of CMOS RAM, the NMI mask bit of port 0x70 and the PS/2 century alias", () => {
    const { rtc, reg, set } = setup();
    set(0x40, 0x5a);
    set(0x7f, 0xa5);
    expect(reg(0x40)).toBe(0x5a);
    expect(reg(0x7f)).toBe(0xa5);
    rtc.write(0, 1, 0x80 | 0x40);
    expect(rtc.nmiMasked).toBe(true);
    expect(rtc.read(1, 1)).toBe(0x5a);
    rtc.write(0, 1, 0x40);
    expect(rtc.nmiMasked).toBe(false);
    expect(rtc.read(0, 1)).toBe(0xff);
    expect(reg(0x37)).toBe(0x20);
    set(RTC_REG_C, 0xff);
    set(RTC_REG_D, 0x00);
    expect(reg(RTC_REG_D)).toBe(0x80);
  });

  it("round-trips its state, including pending update interrupts", () => {
    const { clock, rtc, irq, set } = setup();
    set(RTC_REG_B, 0x12);
    set(0x50, 0x77);
    clock.advance(1.2e9);
    const saved = JSON.parse(JSON.stringify(rtc.state())) as ReturnType<Mc146818Rtc["state"]>;
    const clock2 = new VirtualClock();
    clock2.fromState(clock.state());
    const irq2 = new IrqProbe();
    const copy = new Mc146818Rtc(clock2, { irq: irq2, baseMs: 0 });
    copy.fromState(saved);
    expect(copy.state()).toEqual(rtc.state());
    expect(irq2.level).toBe(irq.level);
    clock.advance(3e9);
    clock2.advance(3e9);
    expect(copy.state()).toEqual(rtc.state());
  });
});
