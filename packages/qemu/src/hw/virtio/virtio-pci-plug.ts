import { MemoryRegion, type RamBlock } from "../../memory/memory-region.js";
import { patchOptionRomIds } from "./pci-option-rom.js";
import type { PciBus } from "../pci-bus.js";
import { PCI_ROM_SLOT, type PciDevice } from "../pci-device.js";
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

/**
 * `rom` is the expansion ROM's region (a ROM MemoryRegion holding the romfile) when the proxy was
 * made with romSize; the machine allocates it like its other option ROMs.
 */
export function plugVirtioPci(host: VirtioPciHost, proxy: VirtioPciProxy, slot: number, fn = 0, rom?: MemoryRegion): void {
  host.pciBus.attach(proxy, slot, fn);
  if (rom !== undefined && proxy.bars[PCI_ROM_SLOT] !== undefined) {
    host.pciBars.setBarRegion(proxy, PCI_ROM_SLOT, rom);
  }
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

/**
 * pci_add_option_rom for a default romfile: the image in a ROM region of the BAR's size, with the
 * function's IDs patched in. `allocRam` is the accelerator's (so KVM can map it).
 */
export function optionRomRegion(proxy: VirtioPciProxy, romfile: Uint8Array, allocRam: (name: string, size: number) => RamBlock): MemoryRegion | undefined {
  const bar = proxy.bars[PCI_ROM_SLOT];
  if (bar === undefined) {
    return undefined;
  }
  const name = `${proxy.vdev.name}-pci.rom`;
  const block = allocRam(name, bar.size);
  block.bytes.set(romfile.subarray(0, bar.size));
  patchOptionRomIds(block.bytes, proxy.vendorId, proxy.deviceId);
  return MemoryRegion.rom(name, block);
}
