/*
 * ATA register bits and command codes (ATA/ATAPI-6, T13/1410D: 7.15 Status, 7.6 Error, 7.9 Device,
 * 7.10 Device Control, clause 8 commands; the LBA48 "EXT" forms from 6.20). Names follow the
 * Linux/QEMU spelling (ERR_STAT, WIN_READ ...) rendered as ATA_*.
 */

/** Status register (7.15). */
export const ATA_STATUS_ERR = 0x01;
export const ATA_STATUS_IDX = 0x02;
export const ATA_STATUS_CORR = 0x04;
export const ATA_STATUS_DRQ = 0x08;
/** Device Seek Complete (obsolete in ATA-6, still reported by QEMU's disks). */
export const ATA_STATUS_DSC = 0x10;
export const ATA_STATUS_DF = 0x20;
export const ATA_STATUS_DRDY = 0x40;
export const ATA_STATUS_BSY = 0x80;

/** Error register (7.6). */
export const ATA_ERROR_AMNF = 0x01;
export const ATA_ERROR_ABRT = 0x04;
export const ATA_ERROR_IDNF = 0x10;
export const ATA_ERROR_UNC = 0x40;

/** Device register (7.9): bits 7 and 5 read as one on QEMU (obsolete "always on"), LBA, DEV, head / LBA 27:24. */
export const ATA_DEV_ALWAYS_ON = 0xa0;
export const ATA_DEV_LBA = 0x40;
export const ATA_DEV_SELECT = 0x10;
export const ATA_DEV_HS = 0x0f;

/** Device Control register (7.10). */
export const ATA_CTRL_NIEN = 0x02;
export const ATA_CTRL_SRST = 0x04;
export const ATA_CTRL_HOB = 0x80;

/** Command codes (clause 8). */
export const ATA_CMD_NOP = 0x00;
export const ATA_CMD_DEVICE_RESET = 0x08;
export const ATA_CMD_DATA_SET_MANAGEMENT = 0x06;
export const ATA_CMD_RECALIBRATE = 0x10;
export const ATA_CMD_READ_SECTORS = 0x20;
export const ATA_CMD_READ_SECTORS_NORETRY = 0x21;
export const ATA_CMD_READ_SECTORS_EXT = 0x24;
export const ATA_CMD_READ_DMA_EXT = 0x25;
export const ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT = 0x27;
export const ATA_CMD_READ_MULTIPLE_EXT = 0x29;
export const ATA_CMD_WRITE_SECTORS = 0x30;
export const ATA_CMD_WRITE_SECTORS_NORETRY = 0x31;
export const ATA_CMD_WRITE_SECTORS_EXT = 0x34;
export const ATA_CMD_WRITE_DMA_EXT = 0x35;
export const ATA_CMD_WRITE_MULTIPLE_EXT = 0x39;
export const ATA_CMD_WRITE_VERIFY = 0x3c;
export const ATA_CMD_READ_VERIFY_SECTORS = 0x40;
export const ATA_CMD_READ_VERIFY_SECTORS_NORETRY = 0x41;
export const ATA_CMD_READ_VERIFY_SECTORS_EXT = 0x42;
export const ATA_CMD_SEEK = 0x70;
export const ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC = 0x90;
export const ATA_CMD_INITIALIZE_DEVICE_PARAMETERS = 0x91;
export const ATA_CMD_STANDBY_IMMEDIATE_ALT = 0x94;
export const ATA_CMD_IDLE_IMMEDIATE_ALT = 0x95;
export const ATA_CMD_STANDBY_ALT = 0x96;
export const ATA_CMD_IDLE_ALT = 0x97;
export const ATA_CMD_CHECK_POWER_MODE_ALT = 0x98;
export const ATA_CMD_SLEEP_ALT = 0x99;
export const ATA_CMD_PACKET = 0xa0;
export const ATA_CMD_IDENTIFY_PACKET_DEVICE = 0xa1;
export const ATA_CMD_SMART = 0xb0;
export const ATA_CMD_READ_MULTIPLE = 0xc4;
export const ATA_CMD_WRITE_MULTIPLE = 0xc5;
export const ATA_CMD_SET_MULTIPLE_MODE = 0xc6;
export const ATA_CMD_READ_DMA = 0xc8;
export const ATA_CMD_READ_DMA_NORETRY = 0xc9;
export const ATA_CMD_WRITE_DMA = 0xca;
export const ATA_CMD_WRITE_DMA_NORETRY = 0xcb;
export const ATA_CMD_STANDBY_IMMEDIATE = 0xe0;
export const ATA_CMD_IDLE_IMMEDIATE = 0xe1;
export const ATA_CMD_STANDBY = 0xe2;
export const ATA_CMD_IDLE = 0xe3;
export const ATA_CMD_CHECK_POWER_MODE = 0xe5;
export const ATA_CMD_SLEEP = 0xe6;
export const ATA_CMD_FLUSH_CACHE = 0xe7;
export const ATA_CMD_FLUSH_CACHE_EXT = 0xea;
export const ATA_CMD_IDENTIFY_DEVICE = 0xec;
export const ATA_CMD_SET_FEATURES = 0xef;
export const ATA_CMD_READ_NATIVE_MAX_ADDRESS = 0xf8;

/** SET FEATURES subcommands (8.37, table 31) QEMU's disks accept. */
export const SETFEATURES_WC_ON = 0x02;
export const SETFEATURES_XFER = 0x03;
export const SETFEATURES_APM_ON = 0x05;
export const SETFEATURES_AAM_ON = 0x42;
export const SETFEATURES_RLA_OFF = 0x55;
export const SETFEATURES_REVERT_OFF = 0x66;
export const SETFEATURES_WC_OFF = 0x82;
export const SETFEATURES_APM_OFF = 0x85;
export const SETFEATURES_RLA_ON = 0xaa;
export const SETFEATURES_AAM_OFF = 0xc2;
export const SETFEATURES_REVERT_ON = 0xcc;
/** Vendor / obsolete subcommands QEMU treats as no-ops. */
export const SETFEATURES_NOPS: readonly number[] = [0x67, 0x69, 0x96, 0x9a];

/** DATA SET MANAGEMENT feature: TRIM (ACS-2 7.10; the payload is 8-byte LBA48 + count entries). */
export const ATA_DSM_TRIM = 0x01;

/** Sector size of an ATA disk. */
export const ATA_SECTOR_SIZE = 512;
/** QEMU MAX_MULT_SECTORS: the largest READ/WRITE MULTIPLE block, also the power-on default. */
export const ATA_MAX_MULT_SECTORS = 16;
/** QEMU IDE_DMA_BUF_SECTORS: the PIO buffer holds this many sectors (plus 4 bytes). */
export const IDE_DMA_BUF_SECTORS = 256;
