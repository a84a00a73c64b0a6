/*
 * PCI expansion ROM images (PCI Firmware Specification 3.0, 5.1: the 0xAA55 ROM header and the
 * "PCIR" data structure), with QEMU's pci_patch_ids (hw/pci/pci.c): a default romfile built for
 * another device ID of the same family (iPXE's efi-virtio.rom says 1af4:1041) gets the function's
 * IDs written into its first image, the checksum kept by adjusting the byte at offset 6 (the
 * compensation byte etherboot/iPXE ROMs reserve).
 */

export const PCI_ROM_SIGNATURE = 0xaa55;
/** Offset of the pointer to the PCI data structure in the ROM header. */
export const PCI_ROM_PCIR_POINTER = 0x18;
const PCIR = [0x50, 0x43, 0x49, 0x52]; // "PCIR"

/** Patches vendor/device IDs of the first image in place; returns whether the ROM was valid. */
export function patchOptionRomIds(rom: Uint8Array, vendorId: number, deviceId: number): boolean {
  if (rom.length < PCI_ROM_PCIR_POINTER + 2 || (rom[0]! | (rom[1]! << 8)) !== PCI_ROM_SIGNATURE) {
    return false;
  }
  const pcir = rom[PCI_ROM_PCIR_POINTER]! | (rom[PCI_ROM_PCIR_POINTER + 1]! << 8);
  if (pcir + 8 >= rom.length || PCIR.some((b, i) => rom[pcir + i] !== b)) {
    return false;
  }
  const patch = (at: number, want: number): void => {
    const have = rom[at]! | (rom[at + 1]! << 8);
    if (have === want) return;
    rom[6] = (rom[6]! + (have & 0xff) + (have >> 8) - (want & 0xff) - (want >> 8)) & 0xff;
    rom[at] = want & 0xff;
    rom[at + 1] = want >> 8;
  };
  patch(pcir + 4, vendorId);
  patch(pcir + 6, deviceId);
  return true;
}
