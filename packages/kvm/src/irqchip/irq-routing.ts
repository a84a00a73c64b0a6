/**
 * GSI routing (virt/kvm/irqchip.c, arch/x86/kvm/irq_comm.c): each GSI maps to PIC and/or IOAPIC pins or
 * to an MSI message. kvm_set_irq drives every route of a GSI; MSIs go straight to the local APICs.
 * Layouts: struct kvm_irq_routing (8-byte header + 48-byte entries), struct kvm_msi (32 bytes).
 */
import { EINVAL } from "../uapi/errno.js";
import type { KvmApicIrq } from "./lapic.js";

export const KVM_IRQ_ROUTING_IRQCHIP = 1;
export const KVM_IRQ_ROUTING_MSI = 2;
export const KVM_IRQCHIP_PIC_MASTER = 0;
export const KVM_IRQCHIP_PIC_SLAVE = 1;
export const KVM_IRQCHIP_IOAPIC = 2;
/** KVM_MAX_IRQ_ROUTES (include/linux/kvm_host.h on x86). */
export const KVM_MAX_IRQ_ROUTES = 4096;
export const KVM_IRQ_ROUTING_ENTRY_SIZE = 48;
export const KVM_MSI_SIZE = 32;
export const KVM_MSI_VALID_DEVID = 1 << 0;
/** Irq source ids (kvm_host.h): user space, irqfd resampling; the PIT takes the next free one. */
export const KVM_USERSPACE_IRQ_SOURCE_ID = 0;
export const KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID = 1;
export const KVM_PIT_IRQ_SOURCE_ID = 2;

export type KvmRoute =
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_IRQCHIP; irqchip: number; pin: number }
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_MSI; addressLo: number; addressHi: number; data: number };

/** kvm_setup_default_irq_routing: GSIs 0-15 to the PICs and the IOAPIC, 16-23 to the IOAPIC only. */
export function defaultRouting(): KvmRoute[] {
  const r: KvmRoute[] = [];
  for (let gsi = 0; gsi < 24; gsi++) {
    r.push({ gsi, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip: KVM_IRQCHIP_IOAPIC, pin: gsi });
    if (gsi < 16) r.push({ gsi, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip: gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, pin: gsi & 7 });
  }
  return r;
}

/** Decodes and validates a kvm_irq_routing table (kvm_set_irq_routing + kvm_set_routing_entry). */
export function decodeRouting(b: Uint8Array, nr: number): KvmRoute[] | number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const routes: KvmRoute[] = [];
  for (let i = 0; i < nr; i++) {
    const at = 8 + i * KVM_IRQ_ROUTING_ENTRY_SIZE;
    const gsi = dv.getUint32(at, true);
    const type = dv.getUint32(at + 4, true);
    const flags = dv.getUint32(at + 8, true);
    if (gsi >= KVM_MAX_IRQ_ROUTES || flags !== 0) return -EINVAL;
    if (type === KVM_IRQ_ROUTING_IRQCHIP) {
      const irqchip = dv.getUint32(at + 16, true), pin = dv.getUint32(at + 20, true);
      if (irqchip === KVM_IRQCHIP_IOAPIC ? pin >= 24 : irqchip > KVM_IRQCHIP_PIC_SLAVE || pin >= 8) return -EINVAL;
      // A GSI may reach each irqchip once (setup_routing_entry).
      if (routes.some((e) => e.gsi === gsi && (e.type !== KVM_IRQ_ROUTING_IRQCHIP || e.irqchip === irqchip))) return -EINVAL;
      routes.push({ gsi, type, irqchip, pin });
    } else if (type === KVM_IRQ_ROUTING_MSI) {
      // A non-irqchip route must be the GSI's only route.
      if (routes.some((e) => e.gsi === gsi)) return -EINVAL;
      routes.push({ gsi, type, addressLo: dv.getUint32(at + 16, true), addressHi: dv.getUint32(at + 20, true), data: dv.getUint32(at + 24, true) });
    } else {
      return -EINVAL;
    }
  }
  return routes;
}

/** kvm_set_msi_irq: an MSI address/data pair as a local-APIC interrupt message (SDM vol. 3A §11.11). */
export function msiToIrq(addressLo: number, data: number, out: KvmApicIrq): KvmApicIrq {
  out.destId = (addressLo >>> 12) & 0xff;
  out.destMode = (addressLo >>> 2) & 1;
  out.msiRedirHint = ((addressLo >>> 3) & 1) !== 0;
  out.vector = data & 0xff;
  out.deliveryMode = (data >>> 8) & 7;
  out.level = ((data >>> 14) & 1) !== 0;
  out.trigMode = (data >>> 15) & 1;
  out.shorthand = 0;
  return out;
}
