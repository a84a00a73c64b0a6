/**
 * The VM's in-kernel interrupt controllers as one unit (arch/x86/kvm/irq.c, irq_comm.c): the PIC pair and
 * the IOAPIC on the kernel I/O buses, the GSI routing table that kvm_set_irq follows, and delivery of
 * interrupt messages to the vCPUs' local APICs (kvm_irq_delivery_to_apic).
 */
import { KvmPic } from "./i8259.js";
import { KvmIoapic, IOAPIC_MEM_LENGTH } from "./ioapic.js";
import { APIC_DM_LOWEST, type KvmApicIrq, type KvmLapic } from "./lapic.js";
import {
  KVM_IRQCHIP_IOAPIC, KVM_IRQCHIP_PIC_MASTER, KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI, defaultRouting, msiToIrq,
  type KvmRoute,
} from "./irq-routing.js";
import type { KvmIoBus } from "../io-bus.js";
import { kvmTrace } from "../trace.js";

export class KvmIrqchip {
  readonly pic = new KvmPic();
  readonly ioapic = new KvmIoapic();
  private routes: KvmRoute[] = defaultRouting();
  private byGsi = new Map<number, KvmRoute[]>();
  private readonly msiScratch: KvmApicIrq = { vector: 0, deliveryMode: 0, destMode: 0, level: true, trigMode: 0, shorthand: 0, destId: 0, msiRedirHint: false };
  /** Ack notifiers by GSI (kvm_register_irq_ack_notifier): the PIT, irqfd resamplers. */
  readonly ackNotifiers = new Map<number, Set<() => void>>();
  /** Mask notifiers by GSI (kvm_register_irq_mask_notifier): the PIT's reinjection reset. */
  readonly maskNotifiers = new Map<number, Set<(masked: boolean) => void>>();

  constructor(pio: KvmIoBus, mmio: KvmIoBus, private readonly lapics: () => Iterable<KvmLapic>) {
    pio.register(0x20, 2, this.pic.master);
    pio.register(0xa0, 2, this.pic.slave);
    pio.register(0x4d0, 2, this.pic.elcr);
    mmio.register(this.ioapic.baseAddress, IOAPIC_MEM_LENGTH, this.ioapic.mmio);
    this.ioapic.deliver = (irq) => this.deliverToApic(irq, null);
    // An acknowledged PIC or IOAPIC pin notifies the GSIs routed to it.
    this.pic.onAck = (pin) => this.notifyAck(pin < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_MASTER + 1, pin & 7);
    this.ioapic.onAck = (pin) => this.notifyAck(KVM_IRQCHIP_IOAPIC, pin);
    this.pic.onMaskChange = (pin, masked) => this.notifyMask(pin < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_MASTER + 1, pin & 7, masked);
    this.ioapic.onMaskChange = (pin, masked) => this.notifyMask(KVM_IRQCHIP_IOAPIC, pin, masked);
    this.index();
  }

  get routing(): readonly KvmRoute[] {
    return this.routes;
  }

  /** KVM_SET_GSI_ROUTING (the table is already validated). */
  setRouting(routes: KvmRoute[]): void {
    this.routes = routes;
    this.index();
  }

  private index(): void {
    this.byGsi = new Map();
    for (const r of this.routes) {
      let l = this.byGsi.get(r.gsi);
      if (!l) this.byGsi.set(r.gsi, (l = []));
      l.push(r);
    }
  }

  private notifyAck(irqchip: number, pin: number): void {
    for (const r of this.routes) {
      if (r.type !== KVM_IRQ_ROUTING_IRQCHIP || r.irqchip !== irqchip || r.pin !== pin) continue;
      const set = this.ackNotifiers.get(r.gsi);
      if (set) for (const fn of set) fn();
    }
  }

  /** kvm_fire_mask_notifiers: the GSI routed to that chip pin learns it was masked or unmasked. */
  private notifyMask(irqchip: number, pin: number, masked: boolean): void {
    if (this.maskNotifiers.size === 0) return;
    for (const r of this.routes) {
      if (r.type !== KVM_IRQ_ROUTING_IRQCHIP || r.irqchip !== irqchip || r.pin !== pin) continue;
      const set = this.maskNotifiers.get(r.gsi);
      if (set) for (const fn of set) fn(masked);
    }
  }

  /**
   * kvm_set_irq: drives every route of `gsi` from irq source `source`. Returns the sum of the routes'
   * results: >0 delivered to that many APICs, 0 coalesced, -1 when every route ignored it (masked).
   */
  setIrq(source: number, gsi: number, level: number): number {
    const routes = this.byGsi.get(gsi);
    if (kvmTrace.enabled.kvm_set_irq) kvmTrace.emit("kvm_set_irq", { gsi, level, irq_source_id: source });
    if (!routes) return -1;
    let ret = -1;
    for (const r of routes) {
      let v: number;
      if (r.type === KVM_IRQ_ROUTING_MSI) {
        v = level ? this.deliverToApic(msiToIrq(r.addressLo, r.data, this.msiScratch), null) : -1;
      } else if (r.irqchip === KVM_IRQCHIP_IOAPIC) {
        v = this.ioapic.setIrq(r.pin, source, level);
      } else {
        v = this.pic.setIrq(r.irqchip * 8 + r.pin, source, level);
      }
      if (v < 0) continue;
      ret = v + (ret < 0 ? 0 : ret);
    }
    return ret;
  }

  /** KVM_SIGNAL_MSI / an MSI route: returns the number of APICs that accepted it. */
  signalMsi(addressLo: number, data: number): number {
    if (kvmTrace.enabled.kvm_msi_set_irq) kvmTrace.emit("kvm_msi_set_irq", { address: addressLo >>> 0, data: data >>> 0 });
    return this.deliverToApic(msiToIrq(addressLo, data, this.msiScratch), null);
  }

  /**
   * kvm_irq_delivery_to_apic: every APIC the destination matches gets the message; lowest-priority
   * delivery picks one (the lowest processor priority, then the lowest APIC id). Returns the count, -1 for none.
   */
  deliverToApic(irq: KvmApicIrq, source: KvmLapic | null): number {
    let r = -1;
    let lowest: KvmLapic | null = null;
    for (const apic of this.lapics()) {
      if (!apic.hwEnabled || !apic.matchDest(source, irq.shorthand, irq.destId, irq.destMode)) continue;
      if (irq.deliveryMode === APIC_DM_LOWEST || irq.msiRedirHint) {
        if (lowest === null || apic.get(0xa0) < lowest.get(0xa0)) lowest = apic;
        continue;
      }
      r = (r < 0 ? 0 : r) + this.accept(apic, irq);
    }
    if (lowest) r = (r < 0 ? 0 : r) + this.accept(lowest, irq);
    return r;
  }

  private accept(apic: KvmLapic, irq: KvmApicIrq): number {
    const ok = apic.acceptIrq(irq);
    if (kvmTrace.enabled.kvm_apic_accept_irq) {
      kvmTrace.emit("kvm_apic_accept_irq", { apicid: apic.xapicId, dm: irq.deliveryMode, tm: irq.trigMode, vec: irq.vector, coalesced: ok === 0 });
    }
    return ok;
  }
}
