/**
 * irqfd and ioeventfd (virt/kvm/eventfd.c): eventfds bound to the VM. An irqfd injects its GSI whenever
 * its eventfd is signalled (a device layer in another thread raises an interrupt without an ioctl); with
 * a resample eventfd the GSI is level-triggered and user space is told on EOI. An ioeventfd is a device on
 * a kernel I/O bus that turns a guest write (optionally of one value) into an eventfd signal, so the guest's
 * doorbell write completes without an exit to user space.
 */
import type { KvmIoDevice } from "./io-bus.js";
import type { EventFd } from "./eventfd.js";
import type { KvmVm } from "./vm.js";
import { KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, KVM_USERSPACE_IRQ_SOURCE_ID } from "./irqchip/irq-routing.js";
import { kvmTrace } from "./trace.js";

export class KvmIrqfd {
  private readonly off: () => void;
  private readonly offAck: (() => void) | null = null;

  constructor(readonly vm: KvmVm, readonly eventfd: EventFd, readonly gsi: number, readonly resamplefd: EventFd | null) {
    this.off = eventfd.listen(() => this.inject());
    if (resamplefd) {
      // irqfd_resampler_ack: on EOI the level is lowered and user space is asked to re-check its device.
      const set = vm.irqchip!.ackNotifiers.get(gsi) ?? new Set<() => void>();
      vm.irqchip!.ackNotifiers.set(gsi, set);
      const fn = (): void => {
        vm.irqchip?.setIrq(KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, gsi, 0);
        resamplefd.signal();
      };
      set.add(fn);
      this.offAck = () => set.delete(fn);
    }
    // A counter already non-zero at assignment injects at once (the poll at kvm_irqfd_assign).
    if (eventfd.count > 0) this.inject();
  }

  /** irqfd_wakeup + irqfd_inject: consume the counter and raise the GSI (an edge, or a level with resampling). */
  private inject(): void {
    if (this.eventfd.read() <= 0) return;
    const chip = this.vm.irqchip;
    if (!chip) return;
    this.vm.stats.irqfd_injections++;
    if (kvmTrace.enabled.kvm_irqfd) kvmTrace.emit("kvm_irqfd", { gsi: this.gsi });
    if (this.resamplefd) {
      chip.setIrq(KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, this.gsi, 1);
    } else {
      chip.setIrq(KVM_USERSPACE_IRQ_SOURCE_ID, this.gsi, 1);
      chip.setIrq(KVM_USERSPACE_IRQ_SOURCE_ID, this.gsi, 0);
    }
  }

  detach(): void {
    this.off();
    this.offAck?.();
  }
}

export class KvmIoeventfd implements KvmIoDevice {
  constructor(
    readonly vm: KvmVm,
    readonly eventfd: EventFd,
    readonly addr: number,
    /** 0 matches a write of any length. */
    readonly len: number,
    readonly pio: boolean,
    /** The value to match, or null to match any value. */
    readonly datamatch: number | null,
  ) {}

  read(): undefined {
    return undefined;
  }

  /** ioeventfd_write: offset 0 only, the registered length (or any), and the datamatch value if any. */
  write(offset: number, size: number, value: number): boolean {
    if (offset !== 0) return false;
    if (this.len !== 0 && size !== this.len) return false;
    if (this.datamatch !== null) {
      const mask = size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
      if (((value & mask) >>> 0) !== ((this.datamatch & mask) >>> 0)) return false;
    }
    this.vm.stats.ioeventfd_signals++;
    if (kvmTrace.enabled.kvm_ioeventfd) kvmTrace.emit("kvm_ioeventfd", { addr: this.addr, len: size, pio: this.pio });
    this.eventfd.signal();
    return true;
  }

  /** ioeventfd_check_collision: the same address, length and datamatch on the same bus. */
  sameAs(o: KvmIoeventfd): boolean {
    return o.pio === this.pio && o.addr === this.addr && o.len === this.len && o.datamatch === this.datamatch;
  }
}
