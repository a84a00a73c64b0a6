/**
 * The in-kernel 8254 PIT (arch/x86/kvm/i8254.c; Intel 82C54 datasheet): three counters at ports 0x40-0x42,
 * the mode/command register at 0x43, and the speaker gate at 0x61. Counter 0 raises GSI 0 through the
 * irqchip. The state is struct kvm_pit_state2 (112 bytes: three 24-byte kvm_pit_channel_state + flags),
 * with count_load_time on the VM clock in ns. The input clock is PIT_FREQ = 1193182 Hz.
 */
import type { KvmIoDevice } from "../io-bus.js";

export const PIT_FREQ = 1193182;
export const KVM_PIT_STATE2_SIZE = 112;
export const KVM_PIT_CHANNEL_STATE_SIZE = 24;
export const KVM_PIT_FLAGS_HPET_LEGACY = 1;
export const KVM_PIT_SPEAKER_DUMMY = 1;
export const KVM_PIT_VALID_FLAGS = KVM_PIT_SPEAKER_DUMMY;

// struct kvm_pit_channel_state offsets.
const C_COUNT = 0;
const C_LATCHED_COUNT = 4;
const C_COUNT_LATCHED = 6;
const C_STATUS_LATCHED = 7;
const C_STATUS = 8;
const C_READ_STATE = 9;
const C_WRITE_STATE = 10;
const C_WRITE_LATCH = 11;
const C_RW_MODE = 12;
const C_MODE = 13;
const C_BCD = 14;
const C_GATE = 15;
const C_COUNT_LOAD_TIME = 16;
const FLAGS = 72;

// rw_mode / read_state / write_state values (i8254.c RW_STATE_*).
const RW_STATE_LSB = 1;
const RW_STATE_MSB = 2;
const RW_STATE_WORD0 = 3;
const RW_STATE_WORD1 = 4;

export interface KvmPitHost {
  /** VM clock in ns. */
  now(): number;
  /** Pulse GSI 0 (kvm_set_irq 1 then 0 from the PIT's irq source). */
  pulseIrq0(): void;
}

export class KvmPit {
  readonly state = new Uint8Array(KVM_PIT_STATE2_SIZE);
  private readonly dv = new DataView(this.state.buffer);
  /** Next counter-0 interrupt on the VM clock, or -1; its period for periodic modes. */
  timerTarget = -1;
  private period = 0;
  /** Reinjection (KVM_REINJECT_CONTROL default): ticks not yet delivered, and whether the last one was acknowledged. */
  pending = 0;
  private acked = true;
  readonly ports: KvmIoDevice;
  readonly speaker: KvmIoDevice;
  speakerDataOn = 0;

  constructor(private readonly host: KvmPitHost, readonly configFlags: number) {
    for (let c = 0; c < 3; c++) {
      // Gates: counters 0 and 1 enabled; counter 2 by port 0x61 bit 0 (kvm_pit_reset).
      this.setU8(c, C_GATE, c === 2 ? 0 : 1);
      this.loadCount(c, 0);
    }
    this.ports = {
      read: (offset, size) => (size === 1 ? this.ioRead(offset) : 0),
      write: (offset, size, value) => {
        if (size === 1) this.ioWrite(offset, value & 0xff);
        return true;
      },
    };
    this.speaker = {
      read: (_o, size) => {
        if (size !== 1) return 0;
        const out = this.getOut(2) ? 1 : 0;
        // Bit 4 toggles with the refresh clock (about every 15 µs); bit 5 is counter 2's output.
        const refresh = Math.floor(this.host.now() / 15085) & 1;
        return (this.getU8(2, C_GATE) & 1) | (this.speakerDataOn << 1) | (refresh << 4) | (out << 5);
      },
      write: (_o, size, value) => {
        if (size !== 1) return true;
        this.speakerDataOn = (value >>> 1) & 1;
        this.setGate(2, value & 1);
        return true;
      },
    };
  }

  private at(c: number, f: number): number {
    return c * KVM_PIT_CHANNEL_STATE_SIZE + f;
  }
  private getU8(c: number, f: number): number {
    return this.state[this.at(c, f)]!;
  }
  private setU8(c: number, f: number, v: number): void {
    this.state[this.at(c, f)] = v;
  }
  private count(c: number): number {
    return this.dv.getUint32(this.at(c, C_COUNT), true);
  }
  private loadTime(c: number): number {
    const lo = this.dv.getUint32(this.at(c, C_COUNT_LOAD_TIME), true), hi = this.dv.getInt32(this.at(c, C_COUNT_LOAD_TIME) + 4, true);
    return hi * 0x100000000 + lo;
  }
  private setLoadTime(c: number, t: number): void {
    this.dv.setUint32(this.at(c, C_COUNT_LOAD_TIME), t >>> 0, true);
    this.dv.setInt32(this.at(c, C_COUNT_LOAD_TIME) + 4, Math.floor(t / 0x100000000), true);
  }
  get flags(): number {
    return this.dv.getUint32(FLAGS, true);
  }

  /** Input-clock ticks since the counter was loaded. */
  private elapsed(c: number): number {
    return Math.floor(((this.host.now() - this.loadTime(c)) * PIT_FREQ) / 1e9);
  }

  /** pit_get_count. */
  private getCount(c: number): number {
    const d = this.elapsed(c);
    const count = this.count(c);
    switch (this.getU8(c, C_MODE)) {
      case 0: case 1: case 4: case 5:
        return (count - d) & 0xffff;
      case 3:
        return count - ((2 * d) % count);
      default:
        return count - (d % count);
    }
  }

  /** pit_get_out: the counter's OUT pin. */
  private getOut(c: number): boolean {
    const d = this.elapsed(c);
    const count = this.count(c);
    switch (this.getU8(c, C_MODE)) {
      case 0: return d >= count;
      case 1: return d < count;
      case 2: return d % count === 0 && d !== 0;
      case 3: return d % count < ((count + 1) >>> 1);
      default: return d === count;
    }
  }

  private setGate(c: number, val: number): void {
    const mode = this.getU8(c, C_MODE);
    // A rising gate restarts counting in modes 1, 2, 3 and 5.
    if ((mode === 1 || mode === 2 || mode === 3 || mode === 5) && this.getU8(c, C_GATE) < val) {
      this.setLoadTime(c, this.host.now());
      if (c === 0) this.arm();
    }
    this.setU8(c, C_GATE, val);
  }

  /** pit_load_count: a count of 0 means 0x10000. */
  private loadCount(c: number, val: number): void {
    this.dv.setUint32(this.at(c, C_COUNT), val === 0 ? 0x10000 : val, true);
    this.setLoadTime(c, this.host.now());
    if (c === 0) this.arm();
  }

  /** create_pit_timer: counter 0 interrupts once (modes 0, 1, 4) or every period (modes 2, 3). */
  private arm(): void {
    const mode = this.getU8(0, C_MODE);
    const count = this.count(0);
    this.period = Math.max(1, Math.round((count * 1e9) / PIT_FREQ));
    this.timerTarget = this.loadTime(0) + this.period;
    // With HPET legacy routing the PIT's interrupt is disconnected.
    if (this.flags & KVM_PIT_FLAGS_HPET_LEGACY) this.timerTarget = -1;
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3 && mode !== 4) this.timerTarget = -1;
  }

  /** Checks counter 0 against the VM clock; queues ticks and injects one if the previous was acknowledged. */
  check(): boolean {
    if (this.timerTarget < 0) return false;
    const now = this.host.now();
    if (now < this.timerTarget) return false;
    const periodic = (this.getU8(0, C_MODE) & 3) === 2 || this.getU8(0, C_MODE) === 3;
    if (periodic) {
      while (this.timerTarget <= now) {
        this.timerTarget += this.period;
        this.pending++;
      }
    } else {
      this.timerTarget = -1;
      this.pending++;
    }
    this.inject();
    return true;
  }

  private inject(): void {
    if (this.pending === 0 || !this.acked) return;
    this.pending--;
    this.acked = false;
    this.host.pulseIrq0();
  }

  /**
   * kvm_pit_reset_reinject, from the mask notifier: GSI 0 was unmasked at the PIC or the IOAPIC. Ticks
   * queued while it was masked are dropped and the next one goes in without waiting for an acknowledgement
   * that can never come (a tick that went to a pin the guest then masked is never acknowledged — Linux's
   * check_timer moves IRQ 0 from the PIC to the IOAPIC exactly like that).
   */
  resetReinject(): void {
    this.pending = 0;
    this.acked = true;
  }

  /** The guest acknowledged IRQ 0 (ack notifier from the PIC or IOAPIC): the next queued tick may go. */
  ack(): void {
    this.acked = true;
    this.inject();
  }

  private ioWrite(port: number, val: number): void {
    port &= 3;
    if (port === 3) {
      const channel = val >>> 6;
      if (channel === 3) {
        // Read-back command.
        for (let c = 0; c < 3; c++) {
          if ((val & (2 << c)) === 0) continue;
          if ((val & 0x20) === 0) this.latchCount(c);
          if ((val & 0x10) === 0) this.latchStatus(c);
        }
        return;
      }
      const access = (val >>> 4) & 3;
      if (access === 0) {
        this.latchCount(channel);
      } else {
        this.setU8(channel, C_RW_MODE, access);
        this.setU8(channel, C_READ_STATE, access);
        this.setU8(channel, C_WRITE_STATE, access);
        this.setU8(channel, C_MODE, (val >>> 1) & 7);
        this.setU8(channel, C_BCD, val & 1);
      }
      return;
    }
    const c = port;
    switch (this.getU8(c, C_WRITE_STATE)) {
      case RW_STATE_LSB:
        this.loadCount(c, val);
        break;
      case RW_STATE_MSB:
        this.loadCount(c, val << 8);
        break;
      case RW_STATE_WORD0:
        this.setU8(c, C_WRITE_LATCH, val);
        this.setU8(c, C_WRITE_STATE, RW_STATE_WORD1);
        break;
      default:
        this.loadCount(c, this.getU8(c, C_WRITE_LATCH) | (val << 8));
        this.setU8(c, C_WRITE_STATE, RW_STATE_WORD0);
        break;
    }
  }

  private latchCount(c: number): void {
    if (this.getU8(c, C_COUNT_LATCHED)) return;
    this.dv.setUint16(this.at(c, C_LATCHED_COUNT), this.getCount(c) & 0xffff, true);
    this.setU8(c, C_COUNT_LATCHED, this.getU8(c, C_RW_MODE));
  }

  private latchStatus(c: number): void {
    if (this.getU8(c, C_STATUS_LATCHED)) return;
    this.setU8(c, C_STATUS, ((this.getOut(c) ? 1 : 0) << 7) | (this.getU8(c, C_RW_MODE) << 4) | (this.getU8(c, C_MODE) << 1) | this.getU8(c, C_BCD));
    this.setU8(c, C_STATUS_LATCHED, 1);
  }

  private ioRead(port: number): number {
    port &= 3;
    if (port === 3) return 0xff;
    const c = port;
    if (this.getU8(c, C_STATUS_LATCHED)) {
      this.setU8(c, C_STATUS_LATCHED, 0);
      return this.getU8(c, C_STATUS);
    }
    const latched = this.getU8(c, C_COUNT_LATCHED);
    const lc = this.dv.getUint16(this.at(c, C_LATCHED_COUNT), true);
    if (latched) {
      switch (latched) {
        case RW_STATE_MSB:
          this.setU8(c, C_COUNT_LATCHED, 0);
          return lc >>> 8;
        case RW_STATE_WORD0:
          this.setU8(c, C_COUNT_LATCHED, RW_STATE_MSB);
          return lc & 0xff;
        default:
          this.setU8(c, C_COUNT_LATCHED, 0);
          return lc & 0xff;
      }
    }
    const count = this.getCount(c);
    switch (this.getU8(c, C_READ_STATE)) {
      case RW_STATE_MSB:
        return (count >>> 8) & 0xff;
      case RW_STATE_WORD0:
        this.setU8(c, C_READ_STATE, RW_STATE_WORD1);
        return count & 0xff;
      case RW_STATE_WORD1:
        this.setU8(c, C_READ_STATE, RW_STATE_WORD0);
        return (count >>> 8) & 0xff;
      default:
        return count & 0xff;
    }
  }

  /** KVM_SET_PIT2: the state is replaced; counter 0 is re-armed from its count and load time. */
  setState(bytes: Uint8Array): void {
    this.state.set(bytes.subarray(0, KVM_PIT_STATE2_SIZE));
    // kvm_vm_ioctl_set_pit2 reloads every counter with its count: counting restarts now.
    for (let c = 0; c < 3; c++) this.loadCount(c, this.count(c) & 0xffff);
  }
}
