import type { Clock, Timer } from "./clock.js";
import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";

/*
 * Intel 8254 Programmable Interval Timer (Intel 8254 datasheet, order 231164), as wired in the PC/AT:
 * three counters clocked at 1.193182 MHz, counter 0 OUT -> IRQ0, counter 2 GATE/OUT on port 0x61.
 *
 * Counting is computed from the virtual clock rather than ticked: each counter remembers the CLK
 * tick at which its counting element (CE) was last loaded, and the CE value and OUT level follow
 * from how many CLK ticks have passed. Ticks are absolute (tick k happens at the first virtual
 * nanosecond t with floor(t * PIT_FREQ / 1e9) >= k), so the timer keeps the exact long-run rate.
 */

/** Input clock of the PC's 8254 (QEMU PIT_FREQ). */
export const PIT_FREQ = 1193182;
export const I8254_IOBASE = 0x40;
/** Counter 0 OUT drives ISA IRQ0. */
export const I8254_IRQ = 0;

/** Control word fields (datasheet "Control Word Format", figure 7). */
export const PIT_CW_BCD = 0x01;
const PIT_SC_READBACK = 3;
/** RW field: 0 = counter latch command, 1 = LSB only, 2 = MSB only, 3 = LSB then MSB. */
const RW_LATCH = 0;
const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD = 3;
/** Read-back command bits (datasheet "Read-Back Command", figure 10). */
const READBACK_NOT_COUNT = 0x20;
const READBACK_NOT_STATUS = 0x10;
/** Status byte (datasheet figure 11). */
const STATUS_OUTPUT = 0x80;
const STATUS_NULL_COUNT = 0x40;

const NS_PER_S = 1_000_000_000;

/** Number of PIT CLK ticks that have happened by virtual time `ns` (exact for any ns < 2^53). */
export function pitTicksAt(ns: number): number {
  const sec = Math.floor(ns / NS_PER_S);
  const rem = ns - sec * NS_PER_S;
  return sec * PIT_FREQ + Math.floor((rem * PIT_FREQ) / NS_PER_S);
}

/** The first virtual nanosecond at which tick `k` has happened. */
export function pitTickTime(k: number): number {
  const sec = Math.floor(k / PIT_FREQ);
  const rem = k - sec * PIT_FREQ;
  return sec * NS_PER_S + Math.ceil((rem * NS_PER_S) / PIT_FREQ);
}

function fromBcd(v: number): number {
  return (((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf)) % 10000;
}

function toBcd(v: number): number {
  return (
    (Math.floor(v / 1000) % 10) * 0x1000 +
    (Math.floor(v / 100) % 10) * 0x100 +
    (Math.floor(v / 10) % 10) * 0x10 +
    (v % 10)
  );
}

export interface PitChannelState {
  modeBits: number;
  rw: number;
  bcd: boolean;
  gate: boolean;
  cr: number;
  crValid: boolean;
  writeMsbNext: boolean;
  writeLatch: number;
  readMsbNext: boolean;
  latchState: number;
  latchedCount: number;
  statusLatched: boolean;
  statusByte: number;
  running: boolean;
  base: number;
  start: number;
  phase: number;
  expired: boolean;
  held: number;
  outIdle: boolean;
  pendingCount: number;
  pendingAt: number;
  pendingEndsHigh: boolean;
  nullUntil: number;
}

class PitChannel {
  /** Control word M2-M0 as written (status byte reports them); `mode` is the effective 0-5. */
  modeBits = 3;
  mode = 3;
  rw = RW_WORD;
  bcd = false;
  gate: boolean;
  /** Count register: the last full count written, decoded (1..modulus, 0 written means modulus). */
  cr = 0x10000;
  crValid = true;
  private writeMsbNext = false;
  private writeLatch = 0;
  private readMsbNext = false;
  /** Output latch state: 0 = not latched, else which bytes remain (RW_LSB, RW_MSB, RW_WORD). */
  private latchState = 0;
  private latchedCount = 0;
  private statusLatched = false;
  private statusByte = 0;

  /** CE counting since tick `base`, where it held `start` (one-shot modes) or the period (2, 3). */
  private running = false;
  private base = 0;
  private start = 0x10000;
  /** Mode 3: position within the period at `base` (a count loaded at a half-cycle boundary). */
  private phase = 0;
  /** Mode 0/4: terminal count already passed before `base` (resumed after GATE went low). */
  private expired = false;
  /** CE while not counting, and before `base`. */
  private held = 0;
  /** OUT while not counting, and before `base`. */
  private outIdle = true;
  /** Mode 2/3: a count written while counting, loaded at tick `pendingAt` (end of the period/half-cycle). */
  private pendingCount = 0;
  private pendingAt = 0;
  private pendingEndsHigh = false;
  /** NULL COUNT (status bit 6) stays set until the CR has been moved into the CE at this tick. */
  private nullUntil = 0;

  constructor(readonly index: number) {
    this.gate = index !== 2;
  }

  private get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  private get halfHigh(): number {
    return Math.ceil(this.start / 2);
  }

  /** Applies a pending mode 2/3 reload that is due by tick `k`. */
  sync(k: number): void {
    if (this.pendingCount !== 0 && this.pendingAt <= k) {
      this.base = this.pendingAt;
      this.start = this.pendingCount;
      this.phase = this.pendingEndsHigh ? Math.ceil(this.start / 2) : 0;
      this.pendingCount = 0;
    }
  }

  ceAt(k: number): number {
    if (!this.running || k < this.base) {
      return this.held;
    }
    const d = k - this.base;
    const n = this.start;
    const m = this.modulus;
    switch (this.mode) {
      case 2:
        return (n - (d % n)) % m;
      case 3: {
        const p = (d + this.phase) % n;
        const h = this.halfHigh;
        const j = p < h ? p : p - h;
        return (((n & 1) === 0 ? n : n - 1) - 2 * j) % m;
      }
      default:
        return (((n - d) % m) + m) % m;
    }
  }

  outAt(k: number): boolean {
    if (!this.running || k < this.base) {
      return this.outIdle;
    }
    const d = k - this.base;
    const n = this.start;
    switch (this.mode) {
      case 0:
        return this.expired || d >= n;
      case 1:
        return d >= n;
      case 2:
        return n !== 1 && d % n !== n - 1;
      case 3:
        return (d + this.phase) % n < this.halfHigh;
      default: // 4, 5: one CLK low strobe when the count expires
        return this.expired || d !== n;
    }
  }

  /** The next tick after `k` at which OUT may change or a reload happens; Infinity for none. */
  nextEvent(k: number): number {
    let next = Infinity;
    if (this.pendingCount !== 0 && this.pendingAt > k) {
      next = this.pendingAt;
    }
    if (!this.running) {
      return next;
    }
    if (k < this.base) {
      return Math.min(next, this.base);
    }
    const d = k - this.base;
    const n = this.start;
    let at = Infinity;
    switch (this.mode) {
      case 0:
      case 1:
        if (!this.expired && d < n) {
          at = this.base + n;
        }
        break;
      case 2:
        if (n !== 1) {
          const p = d % n;
          at = p < n - 1 ? k + (n - 1 - p) : k + 1;
        }
        break;
      case 3: {
        const h = this.halfHigh;
        if (n - h !== 0) {
          const p = (d + this.phase) % n;
          at = p < h ? k + (h - p) : k + (n - p);
        }
        break;
      }
      default:
        if (!this.expired) {
          if (d < n) {
            at = this.base + n;
          } else if (d === n) {
            at = k + 1;
          }
        }
        break;
    }
    return Math.min(next, at);
  }

  private decodeCount(raw: number): number {
    const v = this.bcd ? fromBcd(raw) : raw & 0xffff;
    return v === 0 ? this.modulus : v;
  }

  /** Stops the CE where it is (keeping its value and OUT), e.g. GATE low in modes 0/2/3/4. */
  private freeze(k: number): void {
    if (this.running) {
      const d = k - this.base;
      this.held = this.ceAt(k);
      this.outIdle = this.outAt(k);
      if (k >= this.base && (this.mode === 0 || this.mode === 4) && d >= this.start) {
        this.expired = true;
      }
    }
    this.running = false;
  }

  /** Starts counting: the CE holds `start` at tick `base` (the CLK after the write or trigger). */
  private load(k: number, start: number, outBefore: boolean): void {
    this.held = this.ceAt(k);
    this.outIdle = outBefore;
    this.running = true;
    this.base = k + 1;
    this.start = start;
    this.phase = 0;
    this.expired = false;
    this.pendingCount = 0;
    this.nullUntil = this.base;
  }

  writeControl(value: number, k: number): void {
    this.sync(k);
    const rw = (value >> 4) & 3;
    if (rw === RW_LATCH) {
      this.latchCount(k);
      return;
    }
    this.freeze(k);
    this.rw = rw;
    this.modeBits = (value >> 1) & 7;
    // X10 and X11 select modes 2 and 3 (datasheet figure 7 note).
    this.mode = this.modeBits >= 6 ? this.modeBits - 4 : this.modeBits;
    this.bcd = (value & PIT_CW_BCD) !== 0;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.crValid = false;
    this.pendingCount = 0;
    this.expired = false;
    this.nullUntil = Infinity;
    // "OUT goes to a known initial state": low in mode 0, high otherwise (datasheet "Mode Definitions").
    this.outIdle = this.mode !== 0;
  }

  writeCount(value: number, k: number): void {
    this.sync(k);
    value &= 0xff;
    let raw: number;
    switch (this.rw) {
      case RW_LATCH: // only before the first control word (QEMU treats it as LSB)
      case RW_LSB:
        raw = value;
        break;
      case RW_MSB:
        raw = value << 8;
        break;
      default:
        if (!this.writeMsbNext) {
          this.writeLatch = value;
          this.writeMsbNext = true;
          if (this.mode === 0) {
            // Mode 0: writing the first byte disables counting and sets OUT low immediately.
            this.freeze(k);
            this.outIdle = false;
          }
          return;
        }
        this.writeMsbNext = false;
        raw = this.writeLatch | (value << 8);
        break;
    }
    this.countWritten(this.decodeCount(raw), k);
  }

  private countWritten(n: number, k: number): void {
    this.cr = n;
    this.crValid = true;
    switch (this.mode) {
      case 0:
        this.load(k, n, false);
        if (!this.gate) {
          this.freeze(this.base);
          this.held = n % this.modulus;
          this.outIdle = false;
        }
        break;
      case 4:
        this.load(k, n, true);
        if (!this.gate) {
          this.freeze(this.base);
          this.held = n % this.modulus;
          this.outIdle = true;
        }
        break;
      case 1:
      case 5:
        // Loaded only by a GATE trigger; a new count does not disturb a one-shot in progress.
        this.nullUntil = Infinity;
        break;
      default: // 2, 3
        if (!this.gate) {
          this.nullUntil = Infinity;
        } else if (!this.running || k < this.base) {
          this.load(k, n, true);
        } else {
          // Takes effect at the end of the current period (mode 2) or half-cycle (mode 3).
          const d = k - this.base;
          if (this.mode === 2) {
            this.pendingAt = k + (this.start - (d % this.start));
            this.pendingEndsHigh = false;
          } else {
            const p = (d + this.phase) % this.start;
            const h = this.halfHigh;
            this.pendingEndsHigh = p < h;
            this.pendingAt = p < h ? k + (h - p) : k + (this.start - p);
          }
          this.pendingCount = n;
          this.nullUntil = this.pendingAt;
        }
        break;
    }
  }

  setGate(level: boolean, k: number): void {
    this.sync(k);
    const rising = level && !this.gate;
    const falling = !level && this.gate;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (falling) {
          this.freeze(k);
        } else if (rising && this.crValid && !this.running) {
          const wasExpired = this.expired;
          const start = this.held === 0 ? this.modulus : this.held;
          this.load(k, start, this.outIdle);
          this.expired = wasExpired;
          this.nullUntil = 0;
        }
        break;
      case 1:
      case 5:
        if (rising && this.crValid) {
          // Trigger: CE reloaded on the next CLK; mode 1 OUT goes low there until terminal count.
          this.load(k, this.cr, this.outAt(k));
        }
        break;
      default: // 2, 3
        if (falling) {
          this.freeze(k);
          this.outIdle = true;
        } else if (rising && this.crValid) {
          this.load(k, this.cr, true);
        }
        break;
    }
  }

  latchCount(k: number): void {
    if (this.latchState === 0) {
      const ce = this.ceAt(k);
      this.latchedCount = this.bcd ? toBcd(ce) : ce;
      this.latchState = this.rw;
    }
  }

  latchStatus(k: number): void {
    if (!this.statusLatched) {
      this.statusByte =
        (this.outAt(k) ? STATUS_OUTPUT : 0) |
        (this.nullCount(k) ? STATUS_NULL_COUNT : 0) |
        (this.rw << 4) |
        (this.modeBits << 1) |
        (this.bcd ? PIT_CW_BCD : 0);
      this.statusLatched = true;
    }
  }

  nullCount(k: number): boolean {
    return k < this.nullUntil;
  }

  read(k: number): number {
    this.sync(k);
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusByte;
    }
    if (this.latchState !== 0) {
      switch (this.latchState) {
        case RW_LSB:
          this.latchState = 0;
          return this.latchedCount & 0xff;
        case RW_MSB:
          this.latchState = 0;
          return (this.latchedCount >> 8) & 0xff;
        default:
          this.latchState = RW_MSB;
          return this.latchedCount & 0xff;
      }
    }
    const ce = this.ceAt(k);
    const count = this.bcd ? toBcd(ce) : ce;
    switch (this.rw) {
      case RW_LATCH:
      case RW_LSB:
        return count & 0xff;
      case RW_MSB:
        return (count >> 8) & 0xff;
      default:
        this.readMsbNext = !this.readMsbNext;
        return this.readMsbNext ? count & 0xff : (count >> 8) & 0xff;
    }
  }

  /**
   * Power-on state as QEMU's pit_reset_common: mode 3, count 0 (65536), counting if GATE is high,
   * and the access field left 0 (QEMU never sets it before a control word: the read-back status
   * shows RW=00 and counts are read and written LSB-only).
   */
  reset(k: number): void {
    this.modeBits = 3;
    this.mode = 3;
    this.rw = RW_LATCH;
    this.bcd = false;
    this.gate = this.index !== 2;
    this.cr = 0x10000;
    this.crValid = true;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latchState = 0;
    this.statusLatched = false;
    this.running = false;
    this.held = 0;
    this.outIdle = true;
    this.pendingCount = 0;
    this.expired = false;
    if (this.gate) {
      this.load(k, this.cr, true);
    }
    this.nullUntil = 0; // nothing was written: no count is pending transfer
  }

  state(): PitChannelState {
    return {
      modeBits: this.modeBits,
      rw: this.rw,
      bcd: this.bcd,
      gate: this.gate,
      cr: this.cr,
      crValid: this.crValid,
      writeMsbNext: this.writeMsbNext,
      writeLatch: this.writeLatch,
      readMsbNext: this.readMsbNext,
      latchState: this.latchState,
      latchedCount: this.latchedCount,
      statusLatched: this.statusLatched,
      statusByte: this.statusByte,
      running: this.running,
      base: this.base,
      start: this.start,
      phase: this.phase,
      expired: this.expired,
      held: this.held,
      outIdle: this.outIdle,
      pendingCount: this.pendingCount,
      pendingAt: this.pendingAt,
      pendingEndsHigh: this.pendingEndsHigh,
      nullUntil: this.nullUntil === Infinity ? -1 : this.nullUntil,
    };
  }

  fromState(s: PitChannelState): void {
    this.modeBits = s.modeBits & 7;
    this.mode = this.modeBits >= 6 ? this.modeBits - 4 : this.modeBits;
    this.rw = s.rw & 3;
    this.bcd = s.bcd;
    this.gate = s.gate;
    const m = this.modulus;
    const count = (v: number): number => Math.min(Math.max(Math.trunc(v) || m, 1), m);
    this.cr = count(s.cr);
    this.crValid = s.crValid;
    this.writeMsbNext = s.writeMsbNext;
    this.writeLatch = s.writeLatch & 0xff;
    this.readMsbNext = s.readMsbNext;
    this.latchState = s.latchState & 3;
    this.latchedCount = s.latchedCount & 0xffff;
    this.statusLatched = s.statusLatched;
    this.statusByte = s.statusByte & 0xff;
    this.running = s.running;
    this.base = s.base;
    this.start = count(s.start);
    this.phase = s.phase % this.start;
    this.expired = s.expired;
    this.held = (s.held & 0xffff) % m;
    this.outIdle = s.outIdle;
    this.pendingCount = s.pendingCount === 0 ? 0 : count(s.pendingCount);
    this.pendingAt = s.pendingAt;
    this.pendingEndsHigh = s.pendingEndsHigh;
    this.nullUntil = s.nullUntil < 0 ? Infinity : s.nullUntil;
  }
}

export interface I8254State {
  channels: PitChannelState[];
}

export interface I8254Options {
  /** Counter 0 OUT (ISA IRQ0). */
  irq0?: IrqLine;
  /** Counter 1 OUT (DRAM refresh request on the PC/AT; usually unconnected). */
  out1?: IrqLine;
  /** Counter 2 OUT (the speaker, through port 0x61 bit 1). */
  out2?: IrqLine;
}

/**
 * The 8254 as an I/O device at 0x40-0x43 (byte access). Counter OUT pins that have a line
 * connected are driven with exact transitions through virtual-clock timers; the others are
 * computed when read (port 0x61 reads counter 2's OUT).
 */
export class I8254 implements IoDevice, Stateful<I8254State> {
  private readonly channels: PitChannel[];
  private readonly outLines: (IrqLine | undefined)[];
  private readonly outLevels = [false, false, false];
  private readonly timers: (Timer | undefined)[];

  constructor(
    private readonly clock: Clock,
    options: I8254Options = {},
  ) {
    this.channels = [new PitChannel(0), new PitChannel(1), new PitChannel(2)];
    this.outLines = [options.irq0, options.out1, options.out2];
    this.timers = this.outLines.map((line, i) =>
      line === undefined ? undefined : clock.newTimer(() => { this.refresh(i); }),
    );
    this.reset();
  }

  private tick(): number {
    return pitTicksAt(this.clock.now());
  }

  private channel(index: number): PitChannel {
    const ch = this.channels[index];
    if (ch === undefined) {
      throw new RangeError(`i8254: no counter ${index}`);
    }
    return ch;
  }

  /** Re-evaluates counter `index`'s OUT pin and arms its timer for the next transition. */
  refresh(index: number): void {
    const line = this.outLines[index];
    if (line === undefined) {
      return;
    }
    const ch = this.channel(index);
    const k = this.tick();
    ch.sync(k);
    const level = ch.outAt(k);
    if (level !== this.outLevels[index]) {
      this.outLevels[index] = level;
      line.setLevel(level);
    }
    const next = ch.nextEvent(k);
    const timer = this.timers[index]!;
    if (next === Infinity) {
      timer.del();
    } else {
      timer.mod(pitTickTime(next));
    }
  }

  read(offset: number, _size: AccessSize): number {
    const port = offset & 3;
    if (port === 3) {
      return 0; // the control word register cannot be read (datasheet table 1); QEMU returns 0
    }
    return this.channel(port).read(this.tick());
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const port = offset & 3;
    const k = this.tick();
    value &= 0xff;
    if (port !== 3) {
      this.channel(port).writeCount(value, k);
      this.refresh(port);
      return;
    }
    const sc = value >> 6;
    if (sc !== PIT_SC_READBACK) {
      this.channel(sc).writeControl(value, k);
      this.refresh(sc);
      return;
    }
    for (let i = 0; i < 3; i++) {
      if (value & (2 << i)) {
        const ch = this.channel(i);
        ch.sync(k);
        if (!(value & READBACK_NOT_COUNT)) {
          ch.latchCount(k);
        }
        if (!(value & READBACK_NOT_STATUS)) {
          ch.latchStatus(k);
        }
      }
    }
  }

  /** Drives counter `index`'s GATE input (counter 2's is port 0x61 bit 0; 0 and 1 are tied high). */
  setGate(index: number, level: boolean): void {
    this.channel(index).setGate(level, this.tick());
    this.refresh(index);
  }

  gate(index: number): boolean {
    return this.channel(index).gate;
  }

  /** Counter `index`'s OUT pin now. */
  out(index: number): boolean {
    const ch = this.channel(index);
    const k = this.tick();
    ch.sync(k);
    return ch.outAt(k);
  }

  /** The counting element of counter `index` now, binary (what a latch would capture). */
  count(index: number): number {
    const ch = this.channel(index);
    const k = this.tick();
    ch.sync(k);
    return ch.ceAt(k);
  }

  /** The effective mode (0-5) and decoded initial count, as QEMU's "info pit". */
  info(index: number): { mode: number; initialCount: number; gate: boolean; out: boolean } {
    const ch = this.channel(index);
    return { mode: ch.mode, initialCount: ch.cr, gate: ch.gate, out: this.out(index) };
  }

  reset(): void {
    const k = this.tick();
    for (let i = 0; i < 3; i++) {
      this.channel(i).reset(k);
      this.refresh(i);
    }
  }

  state(): I8254State {
    return { channels: this.channels.map((ch) => ch.state()) };
  }

  fromState(state: I8254State): void {
    for (let i = 0; i < 3; i++) {
      const s = state.channels[i];
      if (s !== undefined) {
        this.channel(i).fromState(s);
      }
      const level = this.channel(i).outAt(this.tick());
      this.outLevels[i] = level;
      this.outLines[i]?.setLevel(level);
      this.refresh(i);
    }
  }
}
