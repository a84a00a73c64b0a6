import type { Clock, Timer } from "./clock.js";
import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/*
 * Motorola MC146818A real-time clock plus 114 bytes of CMOS RAM (MC146818A datasheet, "Address
 * Map", "Registers", "Update Cycle", "Interrupts"), as the PC/AT's port 0x70/0x71 device.
 *
 * Time runs off the virtual clock: the divider chain's phase is an anchor (a virtual time at which a
 * second boundary, i.e. an update cycle, happens) and the guest time there. Registers are regenerated
 * from that when read; interrupt flags are accounted lazily up to "now" and a timer exists only for
 * events whose interrupt is enabled while IRQF is clear.
 */

export const RTC_ISA_IOBASE = 0x70;
export const RTC_ISA_IRQ = 8;

/** Register indexes (datasheet figure 3, "Address Map"). */
export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** PC/AT CMOS layout: the century, kept by the RTC device as QEMU does (and its IBM PS/2 alias). */
export const RTC_CENTURY = 0x32;
export const RTC_IBM_PS2_CENTURY_BYTE = 0x37;

export const REG_A_UIP = 0x80;
/** Divider bits DV2-DV0 (6-4): 010 is the 32.768 kHz time base; 11x holds the chain in reset. */
export const REG_A_DV_MASK = 0x70;
export const REG_A_RS_MASK = 0x0f;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_B_DSE = 0x01;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
export const REG_D_VRT = 0x80;

/** Port 0x70 bit 7: NMI disable (PIIX3 4.2.1.5, "NMI Enable and Real-Time Clock Address"). */
export const RTC_INDEX_NMI_DISABLE = 0x80;

const NS_PER_S = 1_000_000_000;
const RTC_CLOCK_RATE = 32768;
/** UIP rises 244 us (8 cycles of 32.768 kHz) before the update cycle (datasheet "Update Cycle", tBUC). */
const UIP_HOLD_NS = (8 * NS_PER_S) / RTC_CLOCK_RATE;
const SECONDS_PER_DAY = 86400;

/** Days since 1970-01-01 of a proleptic Gregorian date (month may be out of 1-12; it is carried). */
export function daysFromCivil(year: number, month: number, day: number): number {
  year += Math.floor((month - 1) / 12);
  month = ((((month - 1) % 12) + 12) % 12) + 1;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  civilInto(days, civilScratch);
  return { year: civilScratch[0]!, month: civilScratch[1]!, day: civilScratch[2]! };
}

/** Scratch for the register refresh path, which must not allocate per port access. */
const civilScratch = new Float64Array(3);

function civilInto(days: number, out: Float64Array): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = day;
}

export interface Mc146818RtcState {
  cmos: number[];
  index: number;
  nmiMasked: boolean;
  anchorNs: number;
  anchorEpoch: number;
  syncedNs: number;
}

export interface Mc146818RtcOptions {
  irq?: IrqLine;
  /**
   * The guest's wall-clock time (Unix epoch milliseconds, stored as UTC fields like QEMU's
   * -rtc base=utc) at the moment the device is created. Default: the host's current time.
   */
  baseMs?: number;
}

export class Mc146818Rtc implements IoDevice, Stateful<Mc146818RtcState> {
  /** Registers 0x00-0x0D and the CMOS RAM 0x0E-0x7F. */
  readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiMask = false;
  /** A virtual time at which an update cycle (second boundary) of the divider chain happens. */
  private anchorNs = 0;
  /** Guest time (epoch seconds) at anchorNs; meaningful while the clock runs (SET = 0). */
  private anchorEpoch = 0;
  /** Interrupt flags are accounted up to this virtual time. */
  private syncedNs = 0;
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly timer: Timer;

  constructor(
    private readonly clock: Clock,
    options: Mc146818RtcOptions = {},
  ) {
    this.irq = options.irq ?? NO_IRQ;
    this.timer = clock.newTimer(() => {
      this.sync();
      this.schedule();
    });
    // Power-on register values as QEMU's rtc_realizefn: 32.768 kHz divider, 1024 Hz rate, 24-hour BCD.
    this.cmos[RTC_REG_A] = 0x26;
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_C] = 0;
    this.cmos[RTC_REG_D] = REG_D_VRT;
    this.setTime(options.baseMs ?? Date.now());
  }

  /** Sets the guest's RTC to `epochMs` now (as QEMU's rtc_set_date_from_host). */
  setTime(epochMs: number): void {
    const now = this.clock.now();
    const sec = Math.floor(epochMs / 1000);
    this.anchorEpoch = sec;
    this.anchorNs = now - Math.round((epochMs - sec * 1000) * 1e6);
    this.syncedNs = now;
    this.writeTimeRegisters(sec);
    this.schedule();
  }

  /** The guest's current RTC time as epoch seconds (QEMU's "rtc-time" property), from the registers. */
  guestTime(): number {
    this.refreshTimeRegisters();
    return this.registersToEpoch();
  }

  get nmiMasked(): boolean {
    return this.nmiMask;
  }

  private dividerRunning(): boolean {
    return (this.cmos[RTC_REG_A]! & REG_A_DV_MASK) <= 0x20;
  }

  private clockRunning(): boolean {
    return this.dividerRunning() && !(this.cmos[RTC_REG_B]! & REG_B_SET);
  }

  private binary(): boolean {
    return (this.cmos[RTC_REG_B]! & REG_B_DM) !== 0;
  }

  /** Periodic interrupt period in 32.768 kHz cycles (datasheet table 5), 0 for none. */
  private periodCycles(): number {
    const rs = this.cmos[RTC_REG_A]! & REG_A_RS_MASK;
    if (rs === 0) {
      return 0;
    }
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
  }

  private toReg(v: number): number {
    return this.binary() ? v : (Math.floor(v / 10) << 4) | v % 10;
  }

  private fromReg(v: number): number {
    return this.binary() ? v : (v >> 4) * 10 + (v & 0x0f);
  }

  private hourToReg(h: number): number {
    if (this.cmos[RTC_REG_B]! & REG_B_24H) {
      return this.toReg(h);
    }
    return this.toReg(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
  }

  private hourFromReg(v: number): number {
    if (this.cmos[RTC_REG_B]! & REG_B_24H) {
      return this.fromReg(v);
    }
    return (this.fromReg(v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
  }

  private writeTimeRegisters(epoch: number): void {
    const days = Math.floor(epoch / SECONDS_PER_DAY);
    const tod = epoch - days * SECONDS_PER_DAY;
    civilInto(days, civilScratch);
    const year = civilScratch[0]!;
    const month = civilScratch[1]!;
    const day = civilScratch[2]!;
    this.cmos[RTC_SECONDS] = this.toReg(tod % 60);
    this.cmos[RTC_MINUTES] = this.toReg(Math.floor(tod / 60) % 60);
    this.cmos[RTC_HOURS] = this.hourToReg(Math.floor(tod / 3600));
    this.cmos[RTC_DAY_OF_WEEK] = this.toReg((((days + 4) % 7) + 7) % 7 + 1);
    this.cmos[RTC_DAY_OF_MONTH] = this.toReg(day);
    this.cmos[RTC_MONTH] = this.toReg(month);
    this.cmos[RTC_YEAR] = this.toReg(((year % 100) + 100) % 100);
    this.cmos[RTC_CENTURY] = this.toReg(Math.floor(year / 100) & 0xff);
  }

  private registersToEpoch(): number {
    const c = this.cmos;
    const year = this.fromReg(c[RTC_CENTURY]!) * 100 + this.fromReg(c[RTC_YEAR]!);
    const days = daysFromCivil(year, this.fromReg(c[RTC_MONTH]!), this.fromReg(c[RTC_DAY_OF_MONTH]!));
    return (
      days * SECONDS_PER_DAY +
      this.hourFromReg(c[RTC_HOURS]!) * 3600 +
      this.fromReg(c[RTC_MINUTES]!) * 60 +
      this.fromReg(c[RTC_SECONDS]!)
    );
  }

  /** Whole seconds (update cycles) between the anchor and `t`. */
  private secondsSinceAnchor(t: number): number {
    return Math.floor((t - this.anchorNs) / NS_PER_S);
  }

  /** 32.768 kHz divider cycles between the anchor and `t` (exact for any t - anchor < 2^53 ns). */
  private cyclesSinceAnchor(t: number): number {
    const d = t - this.anchorNs;
    const sec = Math.floor(d / NS_PER_S);
    const rem = d - sec * NS_PER_S;
    return sec * RTC_CLOCK_RATE + Math.floor((rem * RTC_CLOCK_RATE) / NS_PER_S);
  }

  private cycleTime(m: number): number {
    const sec = Math.floor(m / RTC_CLOCK_RATE);
    const rem = m - sec * RTC_CLOCK_RATE;
    return this.anchorNs + sec * NS_PER_S + Math.ceil((rem * NS_PER_S) / RTC_CLOCK_RATE);
  }

  /** An alarm byte as a value, or -1 for "don't care" (two high bits set, datasheet "Alarm"). */
  private alarmValue(reg: number, hours: boolean): number {
    const v = this.cmos[reg]!;
    if ((v & 0xc0) === 0xc0) {
      return -1;
    }
    return hours ? this.hourFromReg(v) : this.fromReg(v);
  }

  /**
   * Seconds from time-of-day `tod` to the next second (1..86400 later) whose time matches the
   * alarm registers, or -1 if they can never match (invalid values).
   */
  private secondsToAlarm(tod: number): number {
    const ah = this.alarmValue(RTC_HOURS_ALARM, true);
    const am = this.alarmValue(RTC_MINUTES_ALARM, false);
    const as = this.alarmValue(RTC_SECONDS_ALARM, false);
    if (ah > 23 || am > 59 || as > 59) {
      return -1;
    }
    const start = tod + 1;
    for (let dh = 0; dh <= 24; dh++) {
      const hourStart = dh === 0 ? start : (Math.floor(start / 3600) + dh) * 3600;
      const h = Math.floor(hourStart / 3600) % 24;
      if (ah >= 0 && h !== ah) {
        continue;
      }
      const firstMin = Math.floor((hourStart % 3600) / 60);
      for (let m = firstMin; m < 60; m++) {
        if (am >= 0 && m !== am) {
          continue;
        }
        const minuteStart = Math.floor(hourStart / 3600) * 3600 + m * 60;
        const firstSec = m === firstMin ? hourStart % 60 : 0;
        const s = as < 0 ? firstSec : as >= firstSec ? as : -1;
        if (s >= 0) {
          return minuteStart + s - tod;
        }
      }
    }
    return -1;
  }

  /** Virtual time of the first update cycle after `t` at which the alarm matches, or Infinity. */
  private nextAlarmAfter(t: number): number {
    const k = this.secondsSinceAnchor(t);
    const epoch = this.anchorEpoch + k;
    const tod = ((epoch % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    const delta = this.secondsToAlarm(tod);
    return delta < 0 ? Infinity : this.anchorNs + (k + delta) * NS_PER_S;
  }

  /**
   * Accounts the periodic, update-ended and alarm events between the last sync and now into
   * register C, raises IRQF for enabled ones, and moves the anchor up to the last update cycle.
   */
  private sync(): void {
    const now = this.clock.now();
    const from = this.syncedNs;
    if (now <= from) {
      return;
    }
    let flags = 0;
    if (this.dividerRunning()) {
      const period = this.periodCycles();
      if (period !== 0 && Math.floor(this.cyclesSinceAnchor(now) / period) > Math.floor(this.cyclesSinceAnchor(from) / period)) {
        flags |= REG_C_PF;
      }
      const seconds = this.secondsSinceAnchor(now);
      if (this.clockRunning()) {
        if (seconds > this.secondsSinceAnchor(from)) {
          flags |= REG_C_UF;
          if (this.nextAlarmAfter(from) <= now) {
            flags |= REG_C_AF;
          }
        }
        this.anchorEpoch += seconds;
      }
      this.anchorNs += seconds * NS_PER_S;
    }
    this.syncedNs = now;
    if (flags !== 0) {
      this.raiseFlags(flags);
    }
  }

  private raiseFlags(flags: number): void {
    let c = this.cmos[RTC_REG_C]! | flags;
    if (c & this.cmos[RTC_REG_B]! & (REG_C_PF | REG_C_AF | REG_C_UF)) {
      c |= REG_C_IRQF;
    }
    this.cmos[RTC_REG_C] = c;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = (this.cmos[RTC_REG_C]! & REG_C_IRQF) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setLevel(level);
    }
  }

  /** Arms the timer for the next event whose interrupt is enabled, if IRQ is not already asserted. */
  private schedule(): void {
    const b = this.cmos[RTC_REG_B]!;
    if (this.cmos[RTC_REG_C]! & REG_C_IRQF || !this.dividerRunning()) {
      this.timer.del();
      return;
    }
    const now = this.clock.now();
    let next = Infinity;
    const period = this.periodCycles();
    if (b & REG_B_PIE && period !== 0) {
      next = this.cycleTime((Math.floor(this.cyclesSinceAnchor(now) / period) + 1) * period);
    }
    if (this.clockRunning()) {
      if (b & REG_B_UIE) {
        next = Math.min(next, this.anchorNs + (this.secondsSinceAnchor(now) + 1) * NS_PER_S);
      }
      if (b & REG_B_AIE) {
        next = Math.min(next, this.nextAlarmAfter(now));
      }
    }
    if (next === Infinity) {
      this.timer.del();
    } else {
      this.timer.mod(next);
    }
  }

  /** Brings the time registers up to date (only while the clock runs: SET freezes them). */
  private refreshTimeRegisters(): void {
    this.sync();
    if (this.clockRunning()) {
      this.writeTimeRegisters(this.anchorEpoch + this.secondsSinceAnchor(this.clock.now()));
    }
  }

  private updateInProgress(): boolean {
    if (!this.clockRunning()) {
      return false;
    }
    const phase = (((this.clock.now() - this.anchorNs) % NS_PER_S) + NS_PER_S) % NS_PER_S;
    return phase >= NS_PER_S - UIP_HOLD_NS;
  }

  read(offset: number, _size: AccessSize): number {
    if ((offset & 1) === 0) {
      return 0xff; // the index register is write-only
    }
    let index = this.index;
    if (index === RTC_IBM_PS2_CENTURY_BYTE) {
      index = RTC_CENTURY;
    }
    switch (index) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
      case RTC_CENTURY:
        this.refreshTimeRegisters();
        return this.cmos[index]!;
      case RTC_REG_A:
        return (this.cmos[RTC_REG_A]! & ~REG_A_UIP) | (this.updateInProgress() ? REG_A_UIP : 0);
      case RTC_REG_C: {
        // Reading C returns the flags and clears them all, releasing IRQ (datasheet "Register C").
        this.sync();
        const value = this.cmos[RTC_REG_C]!;
        this.cmos[RTC_REG_C] = 0;
        this.updateIrq();
        this.schedule();
        return value;
      }
      default:
        return this.cmos[index]!;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if ((offset & 1) === 0) {
      this.index = value & 0x7f;
      this.nmiMask = (value & RTC_INDEX_NMI_DISABLE) !== 0;
      return;
    }
    let index = this.index;
    if (index === RTC_IBM_PS2_CENTURY_BYTE) {
      index = RTC_CENTURY;
    }
    switch (index) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
      case RTC_CENTURY:
        this.refreshTimeRegisters();
        this.cmos[index] = value;
        if (this.clockRunning()) {
          // The divider chain is not disturbed: the written time is the current second's.
          this.anchorEpoch = this.registersToEpoch() - this.secondsSinceAnchor(this.clock.now());
        }
        this.schedule();
        return;
      case RTC_SECONDS_ALARM:
      case RTC_MINUTES_ALARM:
      case RTC_HOURS_ALARM:
        this.sync();
        this.cmos[index] = value;
        this.schedule();
        return;
      case RTC_REG_A:
        this.writeRegA(value);
        return;
      case RTC_REG_B:
        this.writeRegB(value);
        return;
      case RTC_REG_C:
      case RTC_REG_D:
        return; // read-only
      default:
        this.cmos[index] = value;
    }
  }

  private writeRegA(value: number): void {
    this.refreshTimeRegisters();
    const wasRunning = this.dividerRunning();
    const wasReset = (this.cmos[RTC_REG_A]! & 0x60) === 0x60;
    this.cmos[RTC_REG_A] = value & ~REG_A_UIP;
    const now = this.clock.now();
    if (!wasRunning && this.dividerRunning()) {
      // Leaving divider reset: "the first update cycle begins one-half second later".
      this.anchorNs = now - (wasReset ? NS_PER_S / 2 : 0);
      this.syncedNs = now;
      if (this.clockRunning()) {
        this.anchorEpoch = this.registersToEpoch();
      }
    }
    this.schedule();
  }

  private writeRegB(value: number): void {
    this.refreshTimeRegisters();
    const old = this.cmos[RTC_REG_B]!;
    if (value & REG_B_SET) {
      // SET stops updates and clears UIE (datasheet "Register B").
      value &= ~REG_B_UIE;
    }
    this.cmos[RTC_REG_B] = value;
    if (old & REG_B_SET && !(value & REG_B_SET) && this.dividerRunning()) {
      // Time set: it starts from the registers at the current divider phase.
      this.anchorEpoch = this.registersToEpoch() - this.secondsSinceAnchor(this.clock.now());
    }
    // IRQF = (PF & PIE) | (AF & AIE) | (UF & UIE), re-evaluated with the new enables.
    let c = this.cmos[RTC_REG_C]! & ~REG_C_IRQF;
    if (c & value & (REG_C_PF | REG_C_AF | REG_C_UF)) {
      c |= REG_C_IRQF;
    }
    this.cmos[RTC_REG_C] = c;
    this.updateIrq();
    this.schedule();
  }

  /** RESET pin (machine reset): clears PIE, AIE, UIE, SQWE and the flags; RAM and time survive. */
  reset(): void {
    this.refreshTimeRegisters();
    this.cmos[RTC_REG_B] = this.cmos[RTC_REG_B]! & ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    this.cmos[RTC_REG_C] = 0;
    // QEMU keeps a suspend marker in the shutdown status byte 0x0F and clears anything else.
    if (this.cmos[0x0f] !== 0xfe) {
      this.cmos[0x0f] = 0;
    }
    this.updateIrq();
    this.schedule();
  }

  state(): Mc146818RtcState {
    this.refreshTimeRegisters();
    return {
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiMasked: this.nmiMask,
      anchorNs: this.anchorNs,
      anchorEpoch: this.anchorEpoch,
      syncedNs: this.syncedNs,
    };
  }

  fromState(s: Mc146818RtcState): void {
    for (let i = 0; i < 128; i++) {
      this.cmos[i] = (s.cmos[i] ?? 0) & 0xff;
    }
    this.cmos[RTC_REG_D] = REG_D_VRT;
    this.index = s.index & 0x7f;
    this.nmiMask = s.nmiMasked;
    this.anchorNs = s.anchorNs;
    this.anchorEpoch = s.anchorEpoch;
    this.syncedNs = s.syncedNs;
    this.updateIrq();
    this.schedule();
  }
}
