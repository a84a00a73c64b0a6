import { MemoryRegion } from "../../memory/memory-region.js";
import type { PciBus } from "../pci-bus.js";
import type { PciDevice } from "../pci-device.js";
import { MSIX_EXCLUSIVE_BAR_SIZE } from "./msix.js";
import { VIRTIO_PCI_LEGACY_BAR, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_MODERN_BAR_SIZE, VIRTIO_PCI_MSIX_BAR, type VirtioPciProxy } from "./virtio-pci.js";

/*
 * Plugs a virtio-pci function into a machine's PCI bus and gives its BARs to the memory API (QEMU
 * virtio_pci_realize's pci_register_bar calls): the legacy I/O block, the MSI-X table, the modern
 * memory BAR. The bar mapper maps each region where the guest programs the BAR.
 */

/** What the machine provides: the PcMachine's pciBus and pciBars have these shapes. */
export interface VirtioPciHost {
  pciBus: PciBus;
  pciBars: { setBarRegion(device: PciDevice, index: number, region: MemoryRegion): void };
}

/** Device registers take 1-4 byte accesses; the dispatcher splits 8-byte ones (QEMU impl 1..4). */
const VIRTIO_REGS = { impl: { min: 1, max: 4 } };

export function plugVirtioPci(host: VirtioPciHost, proxy: VirtioPciProxy, slot: number, fn = 0): void {
  host.pciBus.attach(proxy, slot, fn);
  if (proxy.legacyIo !== undefined) {
    host.pciBars.setBarRegion(proxy, VIRTIO_PCI_LEGACY_BAR, MemoryRegion.io("virtio-pci", proxy.legacyBarSize, proxy.legacyIo, VIRTIO_REGS));
  }
  if (proxy.msixMmio !== undefined) {
    host.pciBars.setBarRegion(proxy, VIRTIO_PCI_MSIX_BAR, MemoryRegion.io("msix-table", MSIX_EXCLUSIVE_BAR_SIZE, proxy.msixMmio, VIRTIO_REGS));
  }
  if (proxy.modernMmio !== undefined) {
    host.pciBars.setBarRegion(proxy, VIRTIO_PCI_MODERN_BAR, MemoryRegion.io("virtio-pci", VIRTIO_PCI_MODERN_BAR_SIZE, proxy.modernMmio, VIRTIO_REGS));
  }
}
