import { PCI_BAR_UNMAPPED, type PciBarType, type PciDevice } from "../hw/pci-device.js";
import type { MemoryRegion } from "../memory/memory-region.js";
import { memoryRegionTransaction } from "../memory/memory-transaction.js";

/*
 * PCI BARs in the memory API (QEMU hw/pci/pci.c pci_register_bar / pci_update_mappings): a function
 * registers one MemoryRegion per BAR; whenever the guest programs a BAR and enables decoding, the
 * region is mapped at the decoded address into the PCI memory or I/O space (priority 1, as QEMU's
 * memory_region_add_subregion_overlap), and unmapped when decoding stops. A virtio-pci function
 * only has to give its BAR regions here; the config-space side is PciDevice's.
 */
export class PciBarMapper {
  private readonly regions = new Map<PciDevice, (MemoryRegion | undefined)[]>();

  constructor(
    /** The PCI memory space ("pci" on the PC, where 32-bit memory BARs land). */
    private readonly pciMemory: MemoryRegion,
    /** The PCI I/O space (the system "io" root on the PC). */
    private readonly pciIo: MemoryRegion,
  ) {}

  /** pci_register_bar's memory side: the region BAR `index` of `device` decodes to. */
  setBarRegion(device: PciDevice, index: number, region: MemoryRegion): void {
    let list = this.regions.get(device);
    if (list === undefined) {
      list = [];
      this.regions.set(device, list);
    }
    list[index] = region;
    const addr = device.barAddresses[index] ?? PCI_BAR_UNMAPPED;
    const bar = device.bars[index];
    if (addr !== PCI_BAR_UNMAPPED && bar !== undefined) {
      this.map(device, index, addr, bar.size, bar.type);
    }
  }

  /** The bus's PciBarListener: a BAR started or stopped decoding. */
  readonly listener = (device: PciDevice, index: number, address: number, size: number, type: PciBarType): void => {
    this.map(device, index, address, size, type);
  };

  private map(device: PciDevice, index: number, address: number, _size: number, type: PciBarType): void {
    const region = this.regions.get(device)?.[index];
    if (region === undefined) {
      return;
    }
    const space = type === "io" ? this.pciIo : this.pciMemory;
    memoryRegionTransaction(() => {
      if (region.container !== null) {
        region.container.removeSubregion(region);
      }
      if (address !== PCI_BAR_UNMAPPED) {
        space.addSubregion(address, region, 1);
      }
    });
  }
}
