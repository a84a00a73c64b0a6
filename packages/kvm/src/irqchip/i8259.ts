/**
 * The in-kernel 8259A pair (arch/x86/kvm/i8259.c): master at ports 0x20-0x21, slave at 0xA0-0xA1 cascaded
 * on master IR2, and the PIIX edge/level control registers at 0x4D0-0x4D1. The state of each chip is
 * exactly struct kvm_pic_state (16 bytes), so KVM_GET/SET_IRQCHIP copy it. Register semantics follow the
 * Intel 8259A datasheet (ICW1-4, OCW1-3, poll mode, rotation, special mask, auto-EOI).
 */
import type { KvmIoDevice } from "../io-bus.js";

/** struct kvm_pic_state field offsets (arch/x86/include/uapi/asm/kvm.h). */
export const PIC_LAST_IRR = 0;
export const PIC_IRR = 1;
export const PIC_IMR = 2;
export const PIC_ISR = 3;
export const PIC_PRIORITY_ADD = 4;
export const PIC_IRQ_BASE = 5;
export const PIC_READ_REG_SELECT = 6;
export const PIC_POLL = 7;
export const PIC_SPECIAL_MASK = 8;
export const PIC_INIT_STATE = 9;
export const PIC_AUTO_EOI = 10;
export const PIC_ROTATE_ON_AUTO_EOI = 11;
export const PIC_SPECIAL_FULLY_NESTED_MODE = 12;
export const PIC_INIT4 = 13;
export const PIC_ELCR = 14;
export const PIC_ELCR_MASK = 15;
export const KVM_PIC_STATE_SIZE = 16;

export const PIC_NUM_PINS = 16;

/** kvm_irq_line_state: the line is the OR of every source's level (one bit per irq source id). */
export function lineState(states: Uint32Array, irq: number, source: number, level: number): number {
  if (level) states[irq] = states[irq]! | (1 << source);
  else states[irq] = states[irq]! & ~(1 << source);
  return states[irq] !== 0 ? 1 : 0;
}

export class KvmPic {
  /** Both chips' kvm_pic_state, master at 0, slave at 16. */
  readonly state = new Uint8Array(2 * KVM_PIC_STATE_SIZE);
  /** INTR output to the processors (kvm_pic.output). */
  output = false;
  private readonly irqStates = new Uint32Array(PIC_NUM_PINS);
  /** Called when an interrupt is acknowledged by EOI (kvm_notify_acked_irq): pin 0..15. */
  onAck: ((pin: number) => void) | null = null;
  /** Pin 0..15's IMR bit changed (kvm_fire_mask_notifiers). */
  onMaskChange: ((pin: number, masked: boolean) => void) | null = null;
  /** Called when the output rises, to kick the vCPUs that accept ExtINT. */
  onOutput: ((level: boolean) => void) | null = null;

  readonly master: KvmIoDevice;
  readonly slave: KvmIoDevice;
  readonly elcr: KvmIoDevice;

  constructor() {
    this.state[PIC_ELCR_MASK] = 0xf8;
    this.state[KVM_PIC_STATE_SIZE + PIC_ELCR_MASK] = 0xde;
    const port = (chip: number): KvmIoDevice => ({
      read: (offset, size) => (size === 1 ? this.ioportRead(chip, offset) : 0),
      write: (offset, size, value) => {
        if (size === 1) this.ioportWrite(chip, offset, value & 0xff);
        return true;
      },
    });
    this.master = port(0);
    this.slave = port(1);
    this.elcr = {
      read: (offset, size) => (size === 1 ? this.state[offset * KVM_PIC_STATE_SIZE + PIC_ELCR]! : 0),
      write: (offset, size, value) => {
        const b = offset * KVM_PIC_STATE_SIZE;
        if (size === 1) this.state[b + PIC_ELCR] = value & this.state[b + PIC_ELCR_MASK]!;
        return true;
      },
    };
  }

  private r(chip: number, f: number): number {
    return this.state[chip * KVM_PIC_STATE_SIZE + f]!;
  }
  private w(chip: number, f: number, v: number): void {
    this.state[chip * KVM_PIC_STATE_SIZE + f] = v;
  }

  /** Priority (0 highest) of the highest set bit in `mask` after rotation, 8 when none. */
  private priority(chip: number, mask: number): number {
    if (mask === 0) return 8;
    const add = this.r(chip, PIC_PRIORITY_ADD);
    let p = 0;
    while ((mask & (1 << ((p + add) & 7))) === 0) p++;
    return p;
  }

  /** pic_get_irq: the IR line the chip would present, or -1. */
  private getIrq(chip: number): number {
    const mask = this.r(chip, PIC_IRR) & ~this.r(chip, PIC_IMR);
    const p = this.priority(chip, mask);
    if (p === 8) return -1;
    let isr = this.r(chip, PIC_ISR);
    // Special fully nested mode: the slave's in-service cascade line does not block it.
    if (this.r(chip, PIC_SPECIAL_FULLY_NESTED_MODE) && chip === 0) isr &= ~(1 << 2);
    return p < this.priority(chip, isr) ? (p + this.r(chip, PIC_PRIORITY_ADD)) & 7 : -1;
  }

  /** pic_set_irq1: edge/level input on one chip; 1 delivered, 0 coalesced, -1 masked. */
  private setIrq1(chip: number, irq: number, level: number): number {
    const mask = 1 << irq;
    let ret = 1;
    let irr = this.r(chip, PIC_IRR), last = this.r(chip, PIC_LAST_IRR);
    if (this.r(chip, PIC_ELCR) & mask) {
      if (level) {
        ret = irr & mask ? 0 : 1;
        irr |= mask;
        last |= mask;
      } else {
        irr &= ~mask;
        last &= ~mask;
      }
    } else if (level) {
      if ((last & mask) === 0) {
        ret = irr & mask ? 0 : 1;
        irr |= mask;
      }
      last |= mask;
    } else {
      last &= ~mask;
    }
    this.w(chip, PIC_IRR, irr);
    this.w(chip, PIC_LAST_IRR, last);
    return this.r(chip, PIC_IMR) & mask ? -1 : ret;
  }

  /** pic_update_irq: cascade the slave into master IR2 and drive the output. */
  private update(): void {
    if (this.getIrq(1) >= 0) {
      this.setIrq1(0, 2, 1);
      this.setIrq1(0, 2, 0);
    }
    const level = this.getIrq(0) >= 0;
    const rose = level && !this.output;
    this.output = level;
    if (rose) this.onOutput?.(true);
  }

  /** kvm_pic_set_irq: input pin 0..15 from irq source `source`. */
  setIrq(pin: number, source: number, level: number): number {
    const l = lineState(this.irqStates, pin, source, level);
    const ret = this.setIrq1(pin >>> 3, pin & 7, l);
    this.update();
    return ret;
  }

  private clearIsr(chip: number, irq: number): void {
    this.w(chip, PIC_ISR, this.r(chip, PIC_ISR) & ~(1 << irq));
    this.onAck?.(chip * 8 + irq);
  }

  private intack(chip: number, irq: number): void {
    this.w(chip, PIC_ISR, this.r(chip, PIC_ISR) | (1 << irq));
    // A level-sensitive request stays in IRR until the device drops it.
    if ((this.r(chip, PIC_ELCR) & (1 << irq)) === 0) this.w(chip, PIC_IRR, this.r(chip, PIC_IRR) & ~(1 << irq));
    if (this.r(chip, PIC_AUTO_EOI)) {
      if (this.r(chip, PIC_ROTATE_ON_AUTO_EOI)) this.w(chip, PIC_PRIORITY_ADD, (irq + 1) & 7);
      this.clearIsr(chip, irq);
    }
  }

  /** kvm_pic_read_irq: the INTA cycle; returns the vector (spurious IR7 when nothing is pending). */
  readIrq(): number {
    let vector: number;
    const irq = this.getIrq(0);
    if (irq >= 0) {
      this.intack(0, irq);
      if (irq === 2) {
        let irq2 = this.getIrq(1);
        if (irq2 >= 0) this.intack(1, irq2);
        else irq2 = 7;
        vector = this.r(1, PIC_IRQ_BASE) + irq2;
      } else {
        vector = this.r(0, PIC_IRQ_BASE) + irq;
      }
    } else {
      vector = this.r(0, PIC_IRQ_BASE) + 7;
    }
    this.update();
    return vector & 0xff;
  }

  /** ICW1: re-initialisation (kvm_pic_reset). */
  private reset(chip: number): void {
    const edgeIrr = this.r(chip, PIC_IRR) & ~this.r(chip, PIC_ELCR);
    this.w(chip, PIC_LAST_IRR, 0);
    this.w(chip, PIC_IRR, this.r(chip, PIC_IRR) & this.r(chip, PIC_ELCR));
    this.w(chip, PIC_IMR, 0);
    this.w(chip, PIC_PRIORITY_ADD, 0);
    this.w(chip, PIC_SPECIAL_MASK, 0);
    this.w(chip, PIC_READ_REG_SELECT, 0);
    if (!this.r(chip, PIC_INIT4)) {
      this.w(chip, PIC_SPECIAL_FULLY_NESTED_MODE, 0);
      this.w(chip, PIC_AUTO_EOI, 0);
    }
    this.w(chip, PIC_INIT_STATE, 1);
    for (let irq = 0; irq < 8; irq++) if (edgeIrr & (1 << irq)) this.clearIsr(chip, irq);
  }

  private ioportWrite(chip: number, addr: number, val: number): void {
    if ((addr & 1) === 0) {
      if (val & 0x10) {
        // ICW1 (single mode and level-triggered ICW1 are not supported by KVM's PIC either).
        this.w(chip, PIC_INIT4, val & 1);
        this.reset(chip);
      } else if (val & 0x08) {
        // OCW3: poll, read-register select, special mask.
        if (val & 0x04) this.w(chip, PIC_POLL, 1);
        if (val & 0x02) this.w(chip, PIC_READ_REG_SELECT, val & 1);
        if (val & 0x40) this.w(chip, PIC_SPECIAL_MASK, (val >>> 5) & 1);
        this.update();
      } else {
        // OCW2: EOI and rotation commands.
        const cmd = val >>> 5;
        switch (cmd) {
          case 0:
          case 4:
            this.w(chip, PIC_ROTATE_ON_AUTO_EOI, cmd >>> 2);
            break;
          case 1:
          case 5: {
            const p = this.priority(chip, this.r(chip, PIC_ISR));
            if (p !== 8) {
              const irq = (p + this.r(chip, PIC_PRIORITY_ADD)) & 7;
              if (cmd === 5) this.w(chip, PIC_PRIORITY_ADD, (irq + 1) & 7);
              this.clearIsr(chip, irq);
              this.update();
            }
            break;
          }
          case 3:
            this.clearIsr(chip, val & 7);
            this.update();
            break;
          case 6:
            this.w(chip, PIC_PRIORITY_ADD, (val + 1) & 7);
            this.update();
            break;
          case 7:
            this.w(chip, PIC_PRIORITY_ADD, ((val & 7) + 1) & 7);
            this.clearIsr(chip, val & 7);
            this.update();
            break;
          default:
            break;
        }
      }
      return;
    }
    switch (this.r(chip, PIC_INIT_STATE)) {
      case 0: {
        // OCW1: the interrupt mask; each pin whose mask changed fires the mask notifiers (pic_ioport_write).
        const diff = this.r(chip, PIC_IMR) ^ val;
        this.w(chip, PIC_IMR, val);
        for (let irq = 0; irq < 8; irq++) if (diff & (1 << irq)) this.onMaskChange?.(chip * 8 + irq, (val & (1 << irq)) !== 0);
        this.update();
        break;
      }
      case 1:
        // ICW2: vector base (bits 7:3).
        this.w(chip, PIC_IRQ_BASE, val & 0xf8);
        this.w(chip, PIC_INIT_STATE, 2);
        break;
      case 2:
        // ICW3 (cascade wiring is fixed); ICW4 follows if ICW1 asked for it.
        this.w(chip, PIC_INIT_STATE, this.r(chip, PIC_INIT4) ? 3 : 0);
        break;
      case 3:
        // ICW4: special fully nested mode, auto-EOI.
        this.w(chip, PIC_SPECIAL_FULLY_NESTED_MODE, (val >>> 4) & 1);
        this.w(chip, PIC_AUTO_EOI, (val >>> 1) & 1);
        this.w(chip, PIC_INIT_STATE, 0);
        break;
    }
  }

  /** Poll command read: acknowledges the highest request as an INTA would. */
  private pollRead(chip: number): number {
    const irq = this.getIrq(chip);
    if (irq < 0) {
      this.update();
      return 0x07;
    }
    if (chip === 1) {
      this.w(0, PIC_ISR, this.r(0, PIC_ISR) & ~(1 << 2));
      this.w(0, PIC_IRR, this.r(0, PIC_IRR) & ~(1 << 2));
    }
    this.w(chip, PIC_IRR, this.r(chip, PIC_IRR) & ~(1 << irq));
    this.clearIsr(chip, irq);
    if (chip === 1 || irq !== 2) this.update();
    return irq | 0x80;
  }

  private ioportRead(chip: number, addr: number): number {
    if (this.r(chip, PIC_POLL)) {
      const v = this.pollRead(chip);
      this.w(chip, PIC_POLL, 0);
      return v;
    }
    if ((addr & 1) === 0) return this.r(chip, PIC_READ_REG_SELECT) ? this.r(chip, PIC_ISR) : this.r(chip, PIC_IRR);
    return this.r(chip, PIC_IMR);
  }

  /** KVM_SET_IRQCHIP for a PIC: the state is replaced and the output recomputed. */
  setState(chip: number, bytes: Uint8Array): void {
    this.state.set(bytes.subarray(0, KVM_PIC_STATE_SIZE), chip * KVM_PIC_STATE_SIZE);
    this.update();
  }
}
