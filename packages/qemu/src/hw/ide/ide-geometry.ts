import type { BlockDriver } from "../../block/block-driver.js";
import type { DiskTranslation, IdeDiskGeometry } from "../pc-cmos.js";
import { type DiskGeometry, geometryForSize, geometryFromMbr } from "../virtio/hd-geometry.js";

/*
 * The CHS geometry and BIOS translation of an IDE disk without cyls/heads/secs properties (QEMU
 * hw/block/hd-geometry.c hd_geometry_guess and hd_bios_chs_auto_trans): the logical geometry
 * of a valid MBR when it has at most 16 heads (no translation then), else the standard 16 x 63
 * geometry with LARGE or LBA translation.
 */

/** The geometry the CMOS disk fields describe (pc-cmos.ts), as guessed for a drive. */
export type { IdeDiskGeometry };

/** hd_bios_chs_auto_trans. */
function autoTranslation(g: DiskGeometry): DiskTranslation {
  return g.cylinders <= 1024 && g.heads <= 16 && g.sectors <= 63 ? "none" : "lba";
}

export async function guessIdeGeometry(blk: BlockDriver): Promise<IdeDiskGeometry> {
  const totalSectors = Math.floor(blk.getLength() / 512);
  let lchs: DiskGeometry | undefined;
  if (blk.getLength() >= 512) {
    const sector0 = new Uint8Array(512);
    try {
      await blk.read(0, sector0);
      lchs = geometryFromMbr(sector0, totalSectors);
    } catch {
      lchs = undefined;
    }
  }
  if (lchs === undefined) {
    const g = geometryForSize(totalSectors);
    return { ...g, translation: autoTranslation(g) };
  }
  if (lchs.heads > 16) {
    // An LCHS with more than 16 heads means a BIOS translation was active.
    const g = geometryForSize(totalSectors);
    return { ...g, translation: g.cylinders * g.heads <= 131072 ? "large" : "lba" };
  }
  return { ...lchs, translation: "none" };
}

/** QEMU's default serial of the drive at bus/unit: "QM" and ide_init1's running number. */
export function ideDefaultSerial(bus: number, unit: number): string {
  return `QM${String(bus * 2 + unit + 1).padStart(5, "0")}`;
}
