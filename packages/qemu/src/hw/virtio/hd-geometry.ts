import type { BlockDriver } from "../../block/block-driver.js";

/*
 * Disk geometry guessing for devices that report CHS (QEMU hw/block/hd-geometry.c
 * hd_geometry_guess): take the logical geometry from a valid MBR's partition ends when it is a
 * plausible one, else the standard 16 heads x 63 sectors physical geometry.
 */

export interface DiskGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
}

const MBR_SIGNATURE_OFFSET = 510;
const MBR_PARTITION_TABLE = 0x1be;
const MBR_PARTITION_ENTRY = 16;

function clampCylinders(c: number): number {
  return Math.min(Math.max(c, 2), 16383);
}

/** guess_chs_for_size: 16 heads, 63 sectors, cylinders from the size. */
export function geometryForSize(totalSectors: number): DiskGeometry {
  return { cylinders: clampCylinders(Math.floor(totalSectors / (16 * 63))), heads: 16, sectors: 63 };
}

/** guess_disk_lchs: the geometry an MBR's partition ends imply, or undefined. */
export function geometryFromMbr(sector0: Uint8Array, totalSectors: number): DiskGeometry | undefined {
  if (sector0.length < 512 || sector0[MBR_SIGNATURE_OFFSET] !== 0x55 || sector0[MBR_SIGNATURE_OFFSET + 1] !== 0xaa) {
    return undefined;
  }
  const view = new DataView(sector0.buffer, sector0.byteOffset, sector0.byteLength);
  for (let i = 0; i < 4; i++) {
    const p = MBR_PARTITION_TABLE + i * MBR_PARTITION_ENTRY;
    const nrSects = view.getUint32(p + 12, true);
    const endHead = sector0[p + 5]!;
    if (nrSects !== 0 && endHead !== 0) {
      const heads = endHead + 1;
      const sectors = sector0[p + 6]! & 63;
      if (sectors === 0) {
        continue;
      }
      return { cylinders: clampCylinders(Math.floor(totalSectors / (heads * sectors))), heads, sectors };
    }
  }
  return undefined;
}

/** hd_geometry_guess for a drive: an MBR-derived geometry with at most 16 heads, else by size. */
export async function guessGeometry(drive: BlockDriver): Promise<DiskGeometry> {
  const totalSectors = Math.floor(drive.getLength() / 512);
  if (drive.getLength() >= 512) {
    const sector0 = new Uint8Array(512);
    try {
      await drive.read(0, sector0);
      const lchs = geometryFromMbr(sector0, totalSectors);
      if (lchs !== undefined && lchs.heads <= 16) {
        return lchs;
      }
    } catch {
      // an unreadable first sector: fall back to the size-based geometry, as QEMU does
    }
  }
  return geometryForSize(totalSectors);
}
