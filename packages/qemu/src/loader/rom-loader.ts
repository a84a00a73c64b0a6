import { basename } from "node:path";
import type { FwCfg } from "../hw/fw-cfg.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import type { MemoryRegion, RamAllocator } from "../memory/memory-region.js";
import { MemoryRegion as MR } from "../memory/memory-region.js";

/*
 * Firmware and ROM images (QEMU hw/core/loader.c rom_add_file / rom_reset and
 * hw/i386/x86.c x86_bios_rom_init):
 *
 *  - the -bios image is a RAM block "pc.bios" mapped so that its last byte is at 0xFFFFFFFF (the
 *    reset vector F000:FFF0 lands 16 bytes below the top), read-only except on isapc where QEMU
 *    keeps firmware in writable RAM; its last 128 KiB (or all of it, if smaller) are aliased below
 *    1 MiB as "isa-bios", ending at 0xFFFFF;
 *  - -option-rom images become fw_cfg files "genroms/<name>" for the firmware to copy (rom_add_option
 *    with fw_cfg present), as QEMU does;
 *  - every registered blob is copied into guest memory again at each system reset (rom_reset), so
 *    firmware living in RAM comes back intact after a reboot.
 */

export class RomLoadError extends Error {}

/** A blob copied into guest memory at reset (QEMU's Rom with a fixed address). */
export interface RomBlob {
  readonly name: string;
  readonly addr: number;
  readonly data: Uint8Array;
}

export class RomSet {
  private readonly blobs: RomBlob[] = [];

  constructor(private readonly mem: GuestMemory) {}

  /** rom_add_blob_fixed: copies `data` to `addr` now and at every reset. */
  addFixed(name: string, addr: number, data: Uint8Array): void {
    const end = addr + data.length;
    for (const b of this.blobs) {
      if (addr < b.addr + b.data.length && b.addr < end) {
        // rom_check_and_register_reset's overlap check.
        throw new RomLoadError(
          `rom: requested regions overlap (rom ${b.name}. free=0x${(b.addr + b.data.length).toString(16).padStart(16, "0")}, addr=0x${addr.toString(16).padStart(16, "0")})`,
        );
      }
    }
    this.blobs.push({ name, addr, data });
    this.mem.writeRom(addr, data);
  }

  /** rom_reset. */
  reset(): void {
    for (const b of this.blobs) {
      this.mem.writeRom(b.addr, b.data);
    }
  }

  list(): readonly RomBlob[] {
    return this.blobs;
  }
}

/** How much of the BIOS QEMU mirrors below 1 MiB. */
export const ISA_BIOS_MAX_SIZE = 128 * 1024;

export interface BiosRegions {
  bios: MemoryRegion;
  isaBios: MemoryRegion;
}

/**
 * x86_bios_rom_init: maps the -bios image. The size must be a non-zero multiple of 64 KiB, else
 * QEMU's "could not load PC BIOS" (it refuses the image before mapping anything).
 */
export function x86BiosRomInit(
  alloc: RamAllocator,
  romMemory: MemoryRegion,
  roms: RomSet,
  image: Uint8Array,
  biosName: string,
  isapcRamFw: boolean,
): BiosRegions {
  const size = image.length;
  if (size <= 0 || size % 65536 !== 0) {
    throw new RomLoadError(`qemu: could not load PC BIOS '${biosName}'`);
  }
  const bios = MR.ram("pc.bios", alloc.allocRam("pc.bios", size));
  if (!isapcRamFw) {
    bios.setReadonly(true);
  }
  const isaBiosSize = Math.min(size, ISA_BIOS_MAX_SIZE);
  const isaBios = MR.alias("isa-bios", bios, size - isaBiosSize, isaBiosSize);
  romMemory.addSubregion(0x100000 - isaBiosSize, isaBios, 1);
  if (!isapcRamFw) {
    isaBios.setReadonly(true);
  }
  romMemory.addSubregion(2 ** 32 - size, bios);
  roms.addFixed(biosName, 2 ** 32 - size, image);
  return { bios, isaBios };
}

/** rom_add_option: an -option-rom image as fw_cfg file "genroms/<basename>". */
export function addOptionRom(fwCfg: FwCfg, path: string, data: Uint8Array): void {
  fwCfg.addFile(`genroms/${basename(path)}`, data);
}
