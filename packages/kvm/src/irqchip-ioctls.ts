/**
 * The VM ioctls of the in-kernel interrupt controllers, eventfds, kvmclock and dirty-log clearing
 * (arch/x86/kvm/x86.c kvm_arch_vm_ioctl, virt/kvm/kvm_main.c), each with the kernel's checks and errno.
 */
import { KvmIrqchip } from "./irqchip/kvm-irqchip.js";
import { KvmPit, KVM_PIT_STATE2_SIZE } from "./irqchip/i8254.js";
import { KVM_PIC_STATE_SIZE } from "./irqchip/i8259.js";
import { KVM_IOAPIC_STATE_SIZE } from "./irqchip/ioapic.js";
import {
  KVM_IRQCHIP_IOAPIC, KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_MAX_IRQ_ROUTES, KVM_MSI_VALID_DEVID,
  KVM_PIT_IRQ_SOURCE_ID, KVM_USERSPACE_IRQ_SOURCE_ID, decodeRouting,
} from "./irqchip/irq-routing.js";
import { KvmIoeventfd, KvmIrqfd } from "./eventfd-bindings.js";
import { fdEventfd } from "./fd-table.js";
import { userPointer, userStruct, type IoctlArg } from "./uaccess.js";
import type { KvmVm, VmHandler } from "./vm.js";
import { EBADF, EBUSY, EEXIST, EFAULT, EINVAL, ENOENT, ENXIO } from "./uapi/errno.js";
import {
  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CLOCK_HOST_TSC, KVM_CLOCK_REALTIME, KVM_CLOCK_TSC_STABLE,
  KVM_DIRTY_LOG_INITIALLY_SET, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, KVM_IOEVENTFD_FLAG_DATAMATCH,
  KVM_IOEVENTFD_FLAG_DEASSIGN, KVM_IOEVENTFD_FLAG_PIO, KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_RESAMPLE,
  KVM_USER_MEM_SLOTS,
} from "./uapi/constants.js";
import * as IOC from "./uapi/ioctl.js";
import {
  KVM_CLEAR_DIRTY_LOG_SIZE, KVM_CLOCK_DATA_SIZE, KVM_ENABLE_CAP_SIZE, KVM_IOEVENTFD_SIZE, KVM_IRQCHIP_CHIP_OFFSET,
  KVM_IRQCHIP_SIZE, KVM_IRQFD_SIZE, KVM_IRQ_LEVEL_SIZE, KVM_MSI_SIZE, KVM_PIT_CONFIG_SIZE,
} from "./uapi/irqchip-abi.js";
import { StructView } from "./uapi/structs.js";

/** KVM_SET_BOOT_CPU_ID = _IO(KVMIO, 0x78). */
export const KVM_SET_BOOT_CPU_ID = IOC._IO(IOC.KVMIO, 0x78);

function createIrqchip(vm: KvmVm): number {
  if (vm.irqchip) return -EEXIST;
  // The local APICs are created with the vCPUs, so the irqchip must come first (kvm_arch_vm_ioctl).
  if (vm.vcpus.size > 0) return -EINVAL;
  const chip = new KvmIrqchip(vm.pioBus, vm.mmioBus, () => vm.lapics());
  vm.irqchip = chip;
  return 0;
}

function irqLine(vm: KvmVm, arg: IoctlArg, status: boolean): number {
  const b = userStruct(vm.host, arg, KVM_IRQ_LEVEL_SIZE);
  if (!b) return -EFAULT;
  if (!vm.irqchip) return -ENXIO;
  const v = new StructView(b);
  const r = vm.irqchip.setIrq(KVM_USERSPACE_IRQ_SOURCE_ID, v.u32(0), v.u32(4) !== 0 ? 1 : 0);
  vm.stats.irq_lines++;
  if (status) v.setU32(0, r >>> 0);
  return 0;
}

/** The state bytes of chip `id` (kvm_vm_ioctl_get_irqchip). */
function chipState(chip: KvmIrqchip, id: number): Uint8Array | null {
  switch (id) {
    case KVM_IRQCHIP_PIC_MASTER: return chip.pic.state.subarray(0, KVM_PIC_STATE_SIZE);
    case KVM_IRQCHIP_PIC_SLAVE: return chip.pic.state.subarray(KVM_PIC_STATE_SIZE, 2 * KVM_PIC_STATE_SIZE);
    case KVM_IRQCHIP_IOAPIC: return chip.ioapic.state.subarray(0, KVM_IOAPIC_STATE_SIZE);
    default: return null;
  }
}

function getIrqchip(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_IRQCHIP_SIZE);
  if (!b) return -EFAULT;
  if (!vm.irqchip) return -ENXIO;
  const st = chipState(vm.irqchip, new StructView(b).u32(0));
  if (!st) return -EINVAL;
  b.set(st, KVM_IRQCHIP_CHIP_OFFSET);
  return 0;
}

function setIrqchip(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_IRQCHIP_SIZE);
  if (!b) return -EFAULT;
  const chip = vm.irqchip;
  if (!chip) return -ENXIO;
  const id = new StructView(b).u32(0);
  const data = b.subarray(KVM_IRQCHIP_CHIP_OFFSET);
  switch (id) {
    case KVM_IRQCHIP_PIC_MASTER:
    case KVM_IRQCHIP_PIC_SLAVE:
      chip.pic.setState(id, data);
      return 0;
    case KVM_IRQCHIP_IOAPIC:
      chip.ioapic.setState(data);
      return 0;
    default:
      return -EINVAL;
  }
}

function setGsiRouting(vm: KvmVm, arg: IoctlArg): number {
  const head = userStruct(vm.host, arg, 8);
  if (!head) return -EFAULT;
  // Routing needs the in-kernel irqchip (kvm_arch_can_set_irq_routing).
  if (!vm.irqchip) return -EINVAL;
  const v = new StructView(head);
  const nr = v.u32(0);
  if (nr >= KVM_MAX_IRQ_ROUTES || v.u32(4) !== 0) return -EINVAL;
  const b = userStruct(vm.host, arg, 8 + nr * 48);
  if (!b) return -EFAULT;
  const routes = decodeRouting(b, nr);
  if (typeof routes === "number") return routes;
  vm.irqchip.setRouting(routes);
  return 0;
}

function signalMsi(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_MSI_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  if (!vm.irqchip || (v.u32(12) & ~KVM_MSI_VALID_DEVID) !== 0) return -EINVAL;
  vm.stats.msi_signals++;
  // kvm_send_userspace_msi returns the number of vCPUs that got it (0 or more), or -1 (that is, -EPERM).
  return vm.irqchip.signalMsi(v.u32(0), v.u32(8));
}

function createPit2(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_PIT_CONFIG_SIZE);
  if (!b) return -EFAULT;
  if (vm.pit) return -EEXIST;
  if (!vm.irqchip) return -ENOENT;
  const chip = vm.irqchip;
  const pit = new KvmPit({
    now: () => vm.host.now(),
    pulseIrq0: () => {
      chip.setIrq(KVM_PIT_IRQ_SOURCE_ID, 0, 1);
      chip.setIrq(KVM_PIT_IRQ_SOURCE_ID, 0, 0);
    },
  }, new StructView(b).u32(0));
  vm.pit = pit;
  vm.pioBus.register(0x40, 4, pit.ports);
  // KVM_PIT_SPEAKER_DUMMY: port 0x61 stays with user space.
  if ((pit.configFlags & 1) === 0) vm.pioBus.register(0x61, 1, pit.speaker);
  // Reinjection: the next tick goes in once the guest acknowledged the previous one.
  const acks = chip.ackNotifiers.get(0) ?? new Set<() => void>();
  acks.add(() => pit.ack());
  chip.ackNotifiers.set(0, acks);
  // pit_mask_notifer: unmasking GSI 0 anywhere restarts reinjection.
  const masks = chip.maskNotifiers.get(0) ?? new Set<(masked: boolean) => void>();
  masks.add((masked) => {
    if (!masked) pit.resetReinject();
  });
  chip.maskNotifiers.set(0, masks);
  return 0;
}

function getPit2(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_PIT_STATE2_SIZE);
  if (!b) return -EFAULT;
  if (!vm.pit) return -ENXIO;
  b.set(vm.pit.state);
  return 0;
}

function setPit2(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_PIT_STATE2_SIZE);
  if (!b) return -EFAULT;
  if (!vm.pit) return -ENXIO;
  vm.pit.setState(b);
  return 0;
}

function irqfd(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_IRQFD_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const fd = v.u32(0), gsi = v.u32(4), flags = v.u32(8), resample = v.u32(12);
  if ((flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE)) !== 0) return -EINVAL;
  const ev = fdEventfd(fd);
  if (flags & KVM_IRQFD_FLAG_DEASSIGN) {
    // kvm_irqfd_deassign: every irqfd of that eventfd and GSI goes; none is fine.
    if (!ev) return -EBADF;
    for (let i = vm.irqfds.length - 1; i >= 0; i--) {
      const x = vm.irqfds[i]!;
      if (x.eventfd === ev && x.gsi === gsi) {
        x.detach();
        vm.irqfds.splice(i, 1);
      }
    }
    return 0;
  }
  if (!vm.irqchip) return -EINVAL;
  if (!ev) return -EBADF;
  let rs = null;
  if (flags & KVM_IRQFD_FLAG_RESAMPLE) {
    rs = fdEventfd(resample) ?? null;
    if (!rs) return -EBADF;
  }
  if (vm.irqfds.some((x) => x.eventfd === ev)) return -EBUSY;
  vm.irqfds.push(new KvmIrqfd(vm, ev, gsi, rs));
  return 0;
}

function ioeventfd(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_IOEVENTFD_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const datamatch = v.u64(0), addr = v.u64(8), len = v.u32(16), fd = v.i32(20), flags = v.u32(24);
  if ((flags & ~(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN)) !== 0) return -EINVAL;
  if (len !== 0 && len !== 1 && len !== 2 && len !== 4 && len !== 8) return -EINVAL;
  if (!Number.isSafeInteger(addr + len) || addr + len < addr) return -EINVAL;
  if (len === 0 && flags & KVM_IOEVENTFD_FLAG_DATAMATCH) return -EINVAL;
  const ev = fdEventfd(fd);
  if (!ev) return -EBADF;
  const pio = (flags & KVM_IOEVENTFD_FLAG_PIO) !== 0;
  const cand = new KvmIoeventfd(vm, ev, addr, len, pio, flags & KVM_IOEVENTFD_FLAG_DATAMATCH ? datamatch : null);
  const bus = pio ? vm.pioBus : vm.mmioBus;
  if (flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
    const i = vm.ioeventfds.findIndex((x) => x.eventfd === ev && x.sameAs(cand));
    if (i < 0) return -ENOENT;
    bus.unregister(vm.ioeventfds[i]!);
    vm.ioeventfds.splice(i, 1);
    return 0;
  }
  if (vm.ioeventfds.some((x) => x.sameAs(cand))) return -EEXIST;
  // A zero length matches a write of any size at the address (registered over the largest access).
  const r = bus.register(addr, len === 0 ? 8 : len, cand);
  if (r < 0) return r;
  vm.ioeventfds.push(cand);
  return 0;
}

function getClock(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_CLOCK_DATA_SIZE);
  if (!b) return -EFAULT;
  b.fill(0);
  const v = new StructView(b);
  const host = vm.host.now();
  v.setU64(0, host + vm.kvmclockOffset);
  // The host clock is one stable TSC shared by all processors (the master clock): all three flags hold.
  v.setU32(8, KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC);
  v.setU64(16, Date.now() * 1e6);
  v.setU64(24, host);
  return 0;
}

function setClock(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_CLOCK_DATA_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const flags = v.u32(8);
  if ((flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)) !== 0) return -EINVAL;
  let ns = v.u64(0);
  // KVM_CLOCK_REALTIME: advance by the real time that passed since the sender sampled the clock.
  if (flags & KVM_CLOCK_REALTIME) {
    const elapsed = Date.now() * 1e6 - v.u64(16);
    if (elapsed > 0) ns += elapsed;
  }
  vm.kvmclockOffset = ns - vm.host.now();
  return 0;
}

function clearDirtyLog(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_CLEAR_DIRTY_LOG_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const slotId = v.u32(0) & 0xffff, asId = v.u32(0) >>> 16;
  const numPages = v.u32(4), first = v.u64(8);
  if (asId !== 0 || slotId >= KVM_USER_MEM_SLOTS) return -EINVAL;
  if (first % 64 !== 0) return -EINVAL;
  const slot = vm.memslots.get(slotId);
  if (!slot?.dirtyBitmap) return -ENOENT;
  const npages = slot.size / 4096;
  if (first > npages || numPages > npages - first || (numPages < npages - first && numPages % 64 !== 0)) return -EINVAL;
  const mask = userPointer(vm.host, v.u64(16), Math.ceil(numPages / 64) * 8);
  if (!mask) return -EFAULT;
  vm.mmu.clearDirtyLog(slot, first, numPages, mask);
  return 0;
}

function enableCap(vm: KvmVm, arg: IoctlArg): number {
  const b = userStruct(vm.host, arg, KVM_ENABLE_CAP_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  if (v.u32(4) !== 0) return -EINVAL;
  if (v.u32(0) === KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) {
    const a = v.u64(8);
    if ((a & ~(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)) !== 0 || a === KVM_DIRTY_LOG_INITIALLY_SET) return -EINVAL;
    vm.manualDirtyLogProtect = a;
    return 0;
  }
  return -EINVAL;
}

export const IRQCHIP_VM_IOCTLS = new Map<number, VmHandler>([
  [IOC.KVM_CREATE_IRQCHIP, (vm) => createIrqchip(vm)],
  [IOC.KVM_IRQ_LINE, (vm, arg) => irqLine(vm, arg, false)],
  [IOC.KVM_IRQ_LINE_STATUS, (vm, arg) => irqLine(vm, arg, true)],
  [IOC.KVM_GET_IRQCHIP, getIrqchip],
  [IOC.KVM_SET_IRQCHIP, setIrqchip],
  [IOC.KVM_SET_GSI_ROUTING, setGsiRouting],
  [IOC.KVM_SIGNAL_MSI, signalMsi],
  [IOC.KVM_CREATE_PIT2, createPit2],
  [IOC.KVM_GET_PIT2, getPit2],
  [IOC.KVM_SET_PIT2, setPit2],
  [IOC.KVM_IRQFD, irqfd],
  [IOC.KVM_IOEVENTFD, ioeventfd],
  [IOC.KVM_GET_CLOCK, getClock],
  [IOC.KVM_SET_CLOCK, setClock],
  [IOC.KVM_CLEAR_DIRTY_LOG, clearDirtyLog],
  [IOC.KVM_ENABLE_CAP, enableCap],
  [KVM_SET_BOOT_CPU_ID, (vm, arg) => {
    if (vm.vcpus.size > 0) return -EBUSY;
    if (typeof arg !== "number" || arg < 0 || arg >= 8) return -EINVAL;
    vm.bspId = arg;
    return 0;
  }],
]);
