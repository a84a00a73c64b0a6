import type { Mc146818Rtc } from "./mc146818rtc.js";

/*
 * The PC/AT CMOS fields a BIOS reads, filled as QEMU's pc_cmos_init / pc_cmos_init_late /
 * set_boot_dev / x86_rtc_set_cpus_count do (hw/i386/pc.c, hw/i386/x86.c), plus (unlike QEMU) the
 * AT checksum over 0x10-0x2D (IBM PC AT Technical Reference, "CMOS RAM Address Map").
 */

export const CMOS_SHUTDOWN_STATUS = 0x0f;
export const CMOS_FLOPPY_TYPES = 0x10;
export const CMOS_DISK_TYPES = 0x12;
export const CMOS_EQUIPMENT = 0x14;
export const CMOS_BASE_MEM_LO = 0x15;
export const CMOS_BASE_MEM_HI = 0x16;
export const CMOS_EXT_MEM_LO = 0x17;
export const CMOS_EXT_MEM_HI = 0x18;
export const CMOS_DISK0_EXT_TYPE = 0x19;
export const CMOS_DISK1_EXT_TYPE = 0x1a;
export const CMOS_DISK0_PARAMS = 0x1b;
export const CMOS_DISK1_PARAMS = 0x24;
export const CMOS_CHECKSUM_HI = 0x2e;
export const CMOS_CHECKSUM_LO = 0x2f;
export const CMOS_EXT_MEM2_LO = 0x30;
export const CMOS_EXT_MEM2_HI = 0x31;
export const CMOS_MEM_ABOVE_16M_LO = 0x34;
export const CMOS_MEM_ABOVE_16M_HI = 0x35;
/** Boot device 3 (high nibble) and floppy boot signature check disable (bit 0), SeaBIOS/Bochs layout. */
export const CMOS_BOOT_FLAGS_3 = 0x38;
export const CMOS_DISK_TRANSLATION = 0x39;
/** Boot devices 1 (low nibble) and 2 (high nibble). */
export const CMOS_BOOT_FLAGS_1_2 = 0x3d;
export const CMOS_MEM_ABOVE_4G_LO = 0x5b;
export const CMOS_MEM_ABOVE_4G_MID = 0x5c;
export const CMOS_MEM_ABOVE_4G_HI = 0x5d;
export const CMOS_CPU_COUNT = 0x5f;

/** Equipment byte bits as QEMU sets them. */
export const CMOS_EQUIPMENT_FPU = 0x02;
export const CMOS_EQUIPMENT_PS2_MOUSE = 0x04;

const KiB = 1024;
const MiB = 1024 * KiB;

/** -boot order letters to the BIOS's boot device nibbles (QEMU boot_device2nibble). */
const BOOT_DEVICE_NIBBLE: Readonly<Record<string, number>> = { a: 1, b: 1, c: 2, d: 3, n: 4 };

/** CMOS floppy drive type codes (QEMU cmos_get_fd_drive_type). */
const FLOPPY_TYPE_CODE = { none: 0, "1.2M": 2, "1.44M": 4, "2.88M": 5 } as const;
export type FloppyDriveType = keyof typeof FLOPPY_TYPE_CODE;

/** BIOS CHS translation of an IDE disk (CMOS 0x39 two bits per disk: QEMU BIOS_ATA_TRANSLATION_* - 1). */
const TRANSLATION_CODE = { none: 0, lba: 1, large: 2, rechs: 3 } as const;
export type DiskTranslation = keyof typeof TRANSLATION_CODE;

export interface IdeDiskGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
  translation?: DiskTranslation;
}

export interface PcCmosConfig {
  /** RAM below 4 GiB in bytes (QEMU below_4g_mem_size). */
  belowFourGMemSize: number;
  /** RAM above 4 GiB in bytes. */
  aboveFourGMemSize?: number;
  /** -boot order letters, QEMU's default for PC machines is "cad". */
  bootOrder?: string;
  /** -boot strict floppy signature check (QEMU fd_bootchk, default on). */
  fdBootCheck?: boolean;
  /** Number of boot CPUs (CMOS 0x5F holds count - 1). */
  cpus?: number;
  /** Drive types of floppy A: and B:. */
  floppies?: [FloppyDriveType?, FloppyDriveType?];
  /** Up to four IDE disks: primary master, primary slave, secondary master, secondary slave. */
  ideDisks?: (IdeDiskGeometry | undefined)[];
  /**
   * Store the AT checksum of 0x10-0x2D at 0x2E/0x2F (default). QEMU leaves both bytes zero
   * (SeaBIOS does not check them); pass false for QEMU's exact bytes.
   */
  checksum?: boolean;
}

export class PcCmosError extends Error {}

/** QEMU set_boot_dev: validates the order and returns the bytes for 0x3D and 0x38. */
export function encodeBootOrder(order: string, fdBootCheck = true): { flags12: number; flags3: number } {
  if (order.length > 3) {
    throw new PcCmosError("Too many boot devices for PC");
  }
  const bds = [0, 0, 0];
  for (let i = 0; i < order.length; i++) {
    const nibble = BOOT_DEVICE_NIBBLE[order[i]!];
    if (nibble === undefined) {
      throw new PcCmosError(`Invalid boot device for PC: '${order[i]}'`);
    }
    bds[i] = nibble;
  }
  return { flags12: (bds[1]! << 4) | bds[0]!, flags3: (bds[2]! << 4) | (fdBootCheck ? 0 : 1) };
}

/** Sum of bytes 0x10-0x2D, stored big-endian at 0x2E/0x2F. */
export function cmosChecksum(cmos: Uint8Array): number {
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) {
    sum += cmos[i]!;
  }
  return sum & 0xffff;
}

/** Writes the memory, boot, equipment, disk and CPU fields, then the checksum, into the RTC's CMOS. */
export function initPcCmos(rtc: Mc146818Rtc, config: PcCmosConfig): void {
  const c = rtc.cmos;
  const below = config.belowFourGMemSize;
  const above = config.aboveFourGMemSize ?? 0;
  if (!Number.isFinite(below) || below < 0 || !Number.isFinite(above) || above < 0) {
    throw new PcCmosError("invalid RAM size for CMOS");
  }
  const base = Math.min(Math.floor(below / KiB), 640);
  c[CMOS_BASE_MEM_LO] = base & 0xff;
  c[CMOS_BASE_MEM_HI] = base >> 8;
  const ext = Math.min(below > MiB ? Math.floor((below - MiB) / KiB) : 0, 65535);
  c[CMOS_EXT_MEM_LO] = ext & 0xff;
  c[CMOS_EXT_MEM_HI] = ext >> 8;
  c[CMOS_EXT_MEM2_LO] = ext & 0xff;
  c[CMOS_EXT_MEM2_HI] = ext >> 8;
  const above16 = Math.min(below > 16 * MiB ? Math.floor((below - 16 * MiB) / (64 * KiB)) : 0, 65535);
  c[CMOS_MEM_ABOVE_16M_LO] = above16 & 0xff;
  c[CMOS_MEM_ABOVE_16M_HI] = above16 >> 8;
  const above4g = Math.floor(above / (64 * KiB));
  c[CMOS_MEM_ABOVE_4G_LO] = above4g & 0xff;
  c[CMOS_MEM_ABOVE_4G_MID] = (above4g >>> 8) & 0xff;
  c[CMOS_MEM_ABOVE_4G_HI] = (above4g >>> 16) & 0xff;

  const boot = encodeBootOrder(config.bootOrder ?? "cad", config.fdBootCheck ?? true);
  c[CMOS_BOOT_FLAGS_1_2] = boot.flags12;
  c[CMOS_BOOT_FLAGS_3] = boot.flags3;

  let equipment = CMOS_EQUIPMENT_FPU | CMOS_EQUIPMENT_PS2_MOUSE;
  const fd0 = config.floppies?.[0] ?? "none";
  const fd1 = config.floppies?.[1] ?? "none";
  c[CMOS_FLOPPY_TYPES] = (FLOPPY_TYPE_CODE[fd0] << 4) | FLOPPY_TYPE_CODE[fd1];
  const drives = (fd0 !== "none" ? 1 : 0) + (fd1 !== "none" ? 1 : 0);
  if (drives === 1) {
    equipment |= 0x01; // one drive, ready for boot
  } else if (drives === 2) {
    equipment |= 0x41; // two drives
  }
  c[CMOS_EQUIPMENT] = equipment;

  const disks = config.ideDisks ?? [];
  let types = 0;
  const d0 = disks[0];
  if (d0 !== undefined) {
    writeDiskParams(c, CMOS_DISK0_EXT_TYPE, CMOS_DISK0_PARAMS, d0);
    types |= 0xf0;
  }
  const d1 = disks[1];
  if (d1 !== undefined) {
    writeDiskParams(c, CMOS_DISK1_EXT_TYPE, CMOS_DISK1_PARAMS, d1);
    types |= 0x0f;
  }
  c[CMOS_DISK_TYPES] = types;
  let translation = 0;
  for (let i = 0; i < 4; i++) {
    const disk = disks[i];
    if (disk !== undefined) {
      translation |= TRANSLATION_CODE[disk.translation ?? "lba"] << (i * 2);
    }
  }
  c[CMOS_DISK_TRANSLATION] = translation;

  const cpus = config.cpus ?? 1;
  // More CPUs than fit in a byte: the BIOS must use FW_CFG_NB_CPUS; 0 makes old BIOSes fail visibly.
  c[CMOS_CPU_COUNT] = cpus > 0xff ? 0 : Math.max(cpus - 1, 0);

  if (config.checksum ?? true) {
    const sum = cmosChecksum(c);
    c[CMOS_CHECKSUM_HI] = sum >> 8;
    c[CMOS_CHECKSUM_LO] = sum & 0xff;
  }
}

/** A user-defined (type 47) drive as QEMU's cmos_init_hd writes it. */
function writeDiskParams(c: Uint8Array, typeOfs: number, infoOfs: number, g: IdeDiskGeometry): void {
  c[typeOfs] = 47;
  c[infoOfs] = g.cylinders & 0xff;
  c[infoOfs + 1] = (g.cylinders >> 8) & 0xff;
  c[infoOfs + 2] = g.heads & 0xff;
  c[infoOfs + 3] = 0xff; // write precompensation: none
  c[infoOfs + 4] = 0xff;
  c[infoOfs + 5] = 0xc0 | (g.heads > 8 ? 0x08 : 0);
  c[infoOfs + 6] = g.cylinders & 0xff; // landing zone
  c[infoOfs + 7] = (g.cylinders >> 8) & 0xff;
  c[infoOfs + 8] = g.sectors & 0xff;
}
