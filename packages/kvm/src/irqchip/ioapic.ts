/**
 * The in-kernel I/O APIC (virt/kvm/ioapic.c; Intel 82093AA datasheet): 24 pins, registers reached through
 * IOREGSEL (base + 0x00) and IOWIN (base + 0x10), default base 0xFEC00000. State is struct
 * kvm_ioapic_state (216 bytes) so KVM_GET/SET_IRQCHIP copy it. Level-triggered pins set Remote IRR when
 * delivered and are serviced again on EOI while still asserted.
 */
import type { KvmIoDevice } from "../io-bus.js";
import { lineState } from "./i8259.js";
import type { KvmApicIrq } from "./lapic.js";

export const IOAPIC_DEFAULT_BASE_ADDRESS = 0xfec00000;
export const IOAPIC_MEM_LENGTH = 0x100;
export const KVM_IOAPIC_NUM_PINS = 24;
/** IOAPIC_VERSION_ID: the 82093AA's version (no EOI register). */
export const IOAPIC_VERSION_ID = 0x11;
export const IOAPIC_REG_SELECT = 0x00;
export const IOAPIC_REG_WINDOW = 0x10;
export const IOAPIC_REG_APIC_ID = 0x00;
export const IOAPIC_REG_VERSION = 0x01;
export const IOAPIC_REG_ARB_ID = 0x02;

/** struct kvm_ioapic_state offsets. */
export const IOAPIC_STATE_BASE_ADDRESS = 0;
export const IOAPIC_STATE_IOREGSEL = 8;
export const IOAPIC_STATE_ID = 12;
export const IOAPIC_STATE_IRR = 16;
export const IOAPIC_STATE_REDIRTBL = 24;
export const KVM_IOAPIC_STATE_SIZE = 216;

/** Redirection-entry bits (low dword; destination in bits 63:56). */
export const IOAPIC_DELIVERY_STATUS = 1 << 12;
export const IOAPIC_REMOTE_IRR = 1 << 14;
export const IOAPIC_LEVEL_TRIG = 1 << 15;
export const IOAPIC_MASKED = 1 << 16;

export class KvmIoapic {
  readonly state = new Uint8Array(KVM_IOAPIC_STATE_SIZE);
  private readonly dv = new DataView(this.state.buffer);
  private readonly irqStates = new Uint32Array(KVM_IOAPIC_NUM_PINS);
  readonly mmio: KvmIoDevice;
  /** Delivers an interrupt message to the local APICs; returns the number that accepted it, -1 for none. */
  deliver: (irq: KvmApicIrq) => number = () => -1;
  /** EOI of a level-triggered pin (kvm_notify_acked_irq). */
  onAck: ((pin: number) => void) | null = null;
  /** A redirection entry's mask bit changed (kvm_fire_mask_notifiers). */
  onMaskChange: ((pin: number, masked: boolean) => void) | null = null;
  private readonly irq: KvmApicIrq = { vector: 0, deliveryMode: 0, destMode: 0, level: true, trigMode: 0, shorthand: 0, destId: 0, msiRedirHint: false };

  constructor() {
    this.reset();
    this.mmio = {
      read: (offset, size) => {
        let v = 0;
        const reg = offset & 0xf0;
        if (reg === IOAPIC_REG_SELECT) v = this.ioregsel;
        else if (reg === IOAPIC_REG_WINDOW) v = this.readIndirect();
        if (size >= 4) return v >>> 0;
        return (v >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
      },
      write: (offset, size, value) => {
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return true;
        const reg = offset & 0xf0;
        if (reg === IOAPIC_REG_SELECT) this.ioregsel = value & 0xff;
        else if (reg === IOAPIC_REG_WINDOW) this.writeIndirect(value >>> 0);
        return true;
      },
    };
  }

  /** kvm_ioapic_reset: every pin masked, base 0xFEC00000. */
  reset(): void {
    this.state.fill(0);
    this.dv.setUint32(IOAPIC_STATE_BASE_ADDRESS, IOAPIC_DEFAULT_BASE_ADDRESS, true);
    for (let p = 0; p < KVM_IOAPIC_NUM_PINS; p++) this.setLo(p, IOAPIC_MASKED);
    this.irqStates.fill(0);
  }

  get baseAddress(): number {
    return this.dv.getUint32(IOAPIC_STATE_BASE_ADDRESS, true);
  }
  private get ioregsel(): number {
    return this.dv.getUint32(IOAPIC_STATE_IOREGSEL, true);
  }
  private set ioregsel(v: number) {
    this.dv.setUint32(IOAPIC_STATE_IOREGSEL, v, true);
  }
  get id(): number {
    return this.dv.getUint32(IOAPIC_STATE_ID, true);
  }
  get irr(): number {
    return this.dv.getUint32(IOAPIC_STATE_IRR, true);
  }
  private set irr(v: number) {
    this.dv.setUint32(IOAPIC_STATE_IRR, v >>> 0, true);
  }
  lo(pin: number): number {
    return this.dv.getUint32(IOAPIC_STATE_REDIRTBL + pin * 8, true);
  }
  hi(pin: number): number {
    return this.dv.getUint32(IOAPIC_STATE_REDIRTBL + pin * 8 + 4, true);
  }
  private setLo(pin: number, v: number): void {
    this.dv.setUint32(IOAPIC_STATE_REDIRTBL + pin * 8, v >>> 0, true);
  }
  private setHi(pin: number, v: number): void {
    this.dv.setUint32(IOAPIC_STATE_REDIRTBL + pin * 8 + 4, v >>> 0, true);
  }

  private readIndirect(): number {
    const sel = this.ioregsel;
    switch (sel) {
      case IOAPIC_REG_VERSION:
        return ((KVM_IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION_ID;
      case IOAPIC_REG_APIC_ID:
      case IOAPIC_REG_ARB_ID:
        return (this.id & 0xf) << 24;
      default: {
        const pin = (sel - 0x10) >> 1;
        if (sel < 0x10 || pin >= KVM_IOAPIC_NUM_PINS) return 0xffffffff;
        return sel & 1 ? this.hi(pin) : this.lo(pin);
      }
    }
  }

  private writeIndirect(val: number): void {
    const sel = this.ioregsel;
    if (sel === IOAPIC_REG_APIC_ID) {
      this.dv.setUint32(IOAPIC_STATE_ID, (val >>> 24) & 0xf, true);
      return;
    }
    if (sel === IOAPIC_REG_VERSION || sel === IOAPIC_REG_ARB_ID || sel < 0x10) return;
    const pin = (sel - 0x10) >> 1;
    if (pin >= KVM_IOAPIC_NUM_PINS) return;
    const old = this.lo(pin);
    const maskBefore = (old & IOAPIC_MASKED) !== 0;
    if (sel & 1) {
      this.setHi(pin, val);
    } else {
      // Delivery status and Remote IRR are read-only.
      this.setLo(pin, (val & ~(IOAPIC_DELIVERY_STATUS | IOAPIC_REMOTE_IRR)) | (old & (IOAPIC_DELIVERY_STATUS | IOAPIC_REMOTE_IRR)));
    }
    let lo = this.lo(pin);
    // ioapic_write_indirect: a mask change fires the mask notifiers (kvm_fire_mask_notifiers).
    const maskAfter = (lo & IOAPIC_MASKED) !== 0;
    if (maskBefore !== maskAfter) this.onMaskChange?.(pin, maskAfter);
    // Software (Linux, Xen) expects Remote IRR to clear when the pin is made edge-triggered.
    if ((lo & IOAPIC_LEVEL_TRIG) === 0) {
      lo &= ~IOAPIC_REMOTE_IRR;
      this.setLo(pin, lo);
    }
    // A pending level-triggered request is delivered once the pin is unmasked.
    if (lo & IOAPIC_LEVEL_TRIG && this.irr & (1 << pin) && (lo & (IOAPIC_MASKED | IOAPIC_REMOTE_IRR)) === 0) this.service(pin);
  }

  /** ioapic_service: sends the pin's message; -1 when masked or blocked by Remote IRR. */
  private service(pin: number): number {
    const lo = this.lo(pin);
    if (lo & IOAPIC_MASKED || (lo & IOAPIC_LEVEL_TRIG && lo & IOAPIC_REMOTE_IRR)) return -1;
    const irq = this.irq;
    irq.vector = lo & 0xff;
    irq.deliveryMode = (lo >>> 8) & 7;
    irq.destMode = (lo >>> 11) & 1;
    irq.trigMode = (lo >>> 15) & 1;
    irq.level = true;
    irq.shorthand = 0;
    irq.destId = this.hi(pin) >>> 24;
    irq.msiRedirHint = false;
    const ret = this.deliver(irq);
    if (ret > 0 && lo & IOAPIC_LEVEL_TRIG) this.setLo(pin, this.lo(pin) | IOAPIC_REMOTE_IRR);
    return ret;
  }

  /** ioapic_set_irq: input pin from irq source `source`; returns the delivery count, 0 coalesced, -1 masked. */
  setIrq(pin: number, source: number, level: number): number {
    return this.setLevel(pin, lineState(this.irqStates, pin, source, level));
  }

  private setLevel(pin: number, l: number): number {
    const mask = 1 << pin;
    const oldIrr = this.irr;
    if (!l) {
      this.irr = oldIrr & ~mask;
      return 1;
    }
    const lo = this.lo(pin);
    const edge = (lo & IOAPIC_LEVEL_TRIG) === 0;
    this.irr = oldIrr | mask;
    if ((edge && oldIrr & mask) || (!edge && lo & IOAPIC_REMOTE_IRR)) return 0;
    return this.service(pin);
  }

  /**
   * kvm_ioapic_update_eoi: a local APIC's EOI of `vector`. Every pin with that vector is acknowledged (ack
   * notifiers: PIT reinjection, irqfd resampling); a level-triggered EOI also clears Remote IRR and delivers
   * the pin again while its line is still asserted.
   */
  eoi(vector: number, levelTriggered: boolean): void {
    for (let pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
      const lo = this.lo(pin);
      if ((lo & 0xff) !== vector) continue;
      this.onAck?.(pin);
      if (!levelTriggered || (this.lo(pin) & IOAPIC_REMOTE_IRR) === 0) continue;
      this.setLo(pin, this.lo(pin) & ~IOAPIC_REMOTE_IRR);
      if ((this.lo(pin) & IOAPIC_MASKED) === 0 && this.irr & (1 << pin)) this.service(pin);
    }
  }

  /** KVM_SET_IRQCHIP: replace the state and deliver what is pending (kvm_ioapic_set... + kvm_ioapic_inject_all). */
  setState(bytes: Uint8Array): void {
    this.state.set(bytes.subarray(0, KVM_IOAPIC_STATE_SIZE));
    // kvm_ioapic_inject_all: every request recorded in IRR is raised again.
    const irr = this.irr;
    this.irr = 0;
    for (let pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) if (irr & (1 << pin)) this.setLevel(pin, 1);
  }
}
