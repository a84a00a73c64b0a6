import {
  FW_CFG_ACPI_TABLES,
  FW_CFG_BOOT_MENU,
  FW_CFG_CMDLINE_ADDR,
  FW_CFG_CMDLINE_DATA,
  FW_CFG_CMDLINE_SIZE,
  FW_CFG_HPET,
  FW_CFG_ID,
  FW_CFG_INITRD_ADDR,
  FW_CFG_INITRD_DATA,
  FW_CFG_INITRD_SIZE,
  FW_CFG_IRQ0_OVERRIDE,
  FW_CFG_KERNEL_ADDR,
  FW_CFG_KERNEL_DATA,
  FW_CFG_KERNEL_ENTRY,
  FW_CFG_KERNEL_SIZE,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_NOGRAPHIC,
  FW_CFG_NUMA,
  FW_CFG_RAM_SIZE,
  FW_CFG_SETUP_ADDR,
  FW_CFG_SETUP_DATA,
  FW_CFG_SETUP_SIZE,
  FW_CFG_SIGNATURE,
  FW_CFG_UUID,
  FW_CFG_VERSION,
  FW_CFG_VERSION_DMA,
  FwCfg,
  FwCfgError,
  fwCfgString,
} from "./fw-cfg.js";
import type { DmaMemory } from "./io-device.js";

/*
 * The items QEMU's PC machines put in fw_cfg, in QEMU's order and layout:
 * fw_cfg_common_realize (hw/nvram/fw_cfg.c), fw_cfg_arch_create (hw/i386/fw_cfg.c),
 * fw_cfg_machine_reset (bootorder, bios-geometry) and x86_load_linux's kernel selectors.
 */

/** E820 address range types (ACPI "System Address Map Interfaces"). */
export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;
/** sizeof(struct e820_entry): le64 address, le64 length, le32 type, packed. */
export const E820_ENTRY_SIZE = 20;

export interface E820Entry {
  address: number;
  length: number;
  type: number;
}

/** The "etc/e820" file contents. */
export function encodeE820Table(entries: readonly E820Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * E820_ENTRY_SIZE);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const at = i * E820_ENTRY_SIZE;
    view.setBigUint64(at, BigInt(e.address), true);
    view.setBigUint64(at + 8, BigInt(e.length), true);
    view.setUint32(at + 16, e.type, true);
  });
  return out;
}

/** The AMD HyperTransport window below 1 TiB that QEMU >= 7.1 reserves for AMD vCPUs (AMD_HT_START/SIZE). */
export const AMD_HT_START = 0xfd_0000_0000;
export const AMD_HT_SIZE = 0x3_0000_0000;

/**
 * The ranges pc_memory_init adds: with an AMD vCPU of >= 40 physical address bits QEMU first
 * reserves the HyperTransport hole, then RAM [0, below 4G) and [4G, 4G + above).
 */
export function pcE820Entries(belowFourGMemSize: number, aboveFourGMemSize = 0, options: { amdHtHole?: boolean } = {}): E820Entry[] {
  const entries: E820Entry[] = [];
  if (options.amdHtHole === true) {
    entries.push({ address: AMD_HT_START, length: AMD_HT_SIZE, type: E820_RESERVED });
  }
  entries.push({ address: 0, length: belowFourGMemSize, type: E820_RAM });
  if (aboveFourGMemSize > 0) {
    entries.push({ address: 0x1_0000_0000, length: aboveFourGMemSize, type: E820_RAM });
  }
  return entries;
}

/**
 * How the i440FX machine splits -m between below and above 4 GiB (pc_init1): at most
 * max-ram-below-4g (3.5 GiB) low, and with gigabyte alignment only 3 GiB once RAM reaches that.
 */
export function pcRamSplit(
  ramSize: number,
  maxRamBelow4g = 0xe000_0000,
  gigabyteAlign = true,
): { belowFourGMemSize: number; aboveFourGMemSize: number } {
  let lowmem = maxRamBelow4g;
  if (ramSize >= maxRamBelow4g && gigabyteAlign && lowmem > 0xc000_0000) {
    lowmem = 0xc000_0000;
  }
  return ramSize >= lowmem
    ? { belowFourGMemSize: lowmem, aboveFourGMemSize: ramSize - lowmem }
    : { belowFourGMemSize: ramSize, aboveFourGMemSize: 0 };
}

/** struct hpet_fw_config: u8 count + 8 packed entries of 15 bytes; count 0xff means "no HPET". */
export const HPET_FW_CONFIG_SIZE = 1 + 8 * 15;

export interface HpetFwEntry {
  /** The HPET's capabilities register low dword (QEMU: its `capability` field). */
  eventTimerBlockId: number;
  address: number;
  minTick: number;
  pageProt: number;
}

/**
 * FW_CFG_HPET contents (struct hpet_fw_config, packed: u8 count, then le32 event_timer_block_id,
 * le64 address, le16 min_tick, u8 page_prot per HPET); no entries gives QEMU's "none" (count 0xff).
 */
export function encodeHpetFwConfig(hpets: readonly HpetFwEntry[] = []): Uint8Array {
  if (hpets.length > 8) {
    throw new FwCfgError("fw_cfg: at most 8 HPETs");
  }
  const out = new Uint8Array(HPET_FW_CONFIG_SIZE);
  const view = new DataView(out.buffer);
  out[0] = hpets.length === 0 ? 0xff : hpets.length;
  hpets.forEach((h, i) => {
    const at = 1 + i * 15;
    view.setUint32(at, h.eventTimerBlockId >>> 0, true);
    view.setBigUint64(at + 4, BigInt(h.address), true);
    view.setUint16(at + 12, h.minTick, true);
    out[at + 14] = h.pageProt;
  });
  return out;
}

export interface PcFwCfgOptions {
  /** -m: machine RAM size in bytes (FW_CFG_RAM_SIZE). */
  ramSize: number;
  /** Boot CPUs (FW_CFG_NB_CPUS). */
  bootCpus: number;
  /** APIC ID limit (FW_CFG_MAX_CPUS, QEMU's apic_id_limit); defaults to bootCpus. */
  apicIdLimit?: number;
  /** "etc/e820"; defaults to the RAM ranges of ramSize split as pcRamSplit / pc_memory_init do. */
  e820?: readonly E820Entry[];
  /** Default e820 only: reserve the AMD HyperTransport hole (AMD vCPU with >= 40 phys bits, QEMU >= 7.1). */
  amdHtHole?: boolean;
  uuid?: Uint8Array;
  nographic?: boolean;
  bootMenu?: boolean;
  /** -boot reboot-timeout in ms, -1 (default) for none: "etc/boot-fail-wait". */
  rebootTimeout?: number;
  /** -boot splash-time: adds "etc/boot-menu-wait". */
  splashTime?: number;
  /** Contents of "bootorder" (newline-separated firmware paths); QEMU's default is empty. */
  bootOrder?: string;
  /** Contents of "bios-geometry"; empty by default. */
  biosGeometry?: string;
  /** -acpitable blobs (FW_CFG_ACPI_TABLES); empty by default. */
  acpiTables?: Uint8Array;
  /** struct hpet_fw_config (encodeHpetFwConfig); default count 0xff (no HPET realized). */
  hpet?: Uint8Array;
  /** NUMA node sizes; no nodes by default. */
  numaNodeMem?: readonly number[];
  /** Enables the DMA interface on this guest memory. */
  dma?: DmaMemory;
}

/** A fw_cfg with the items QEMU's pc/q35 machines provide before any loader or ACPI code runs. */
export function createPcFwCfg(options: PcFwCfgOptions): FwCfg {
  const fw = new FwCfg({ dma: options.dma });
  // fw_cfg_common_realize
  fw.addBytes(FW_CFG_SIGNATURE, new TextEncoder().encode("QEMU"));
  const uuid = options.uuid ?? new Uint8Array(16);
  if (uuid.length !== 16) {
    throw new FwCfgError("fw_cfg: UUID must be 16 bytes");
  }
  fw.addBytes(FW_CFG_UUID, uuid);
  fw.addI16(FW_CFG_NOGRAPHIC, options.nographic === true ? 1 : 0);
  fw.addI16(FW_CFG_BOOT_MENU, options.bootMenu === true ? 1 : 0);
  if (options.splashTime !== undefined) {
    if (!Number.isInteger(options.splashTime) || options.splashTime < 0 || options.splashTime > 0xffff) {
      throw new FwCfgError("splash-time is invalid,it should be a value between 0 and 65535");
    }
    const wait = new Uint8Array(2);
    new DataView(wait.buffer).setUint16(0, options.splashTime, true);
    fw.addFile("etc/boot-menu-wait", wait);
  }
  const reboot = options.rebootTimeout ?? -1;
  if (reboot !== -1 && (!Number.isInteger(reboot) || reboot < 0 || reboot > 0xffff)) {
    throw new FwCfgError("reboot timeout is invalid,it should be a value between -1 and 65535");
  }
  const failWait = new Uint8Array(4);
  new DataView(failWait.buffer).setUint32(0, reboot >>> 0, true);
  fw.addFile("etc/boot-fail-wait", failWait);
  fw.addI32(FW_CFG_ID, FW_CFG_VERSION | (fw.dmaEnabled ? FW_CFG_VERSION_DMA : 0));

  // fw_cfg_arch_create
  const apicIdLimit = options.apicIdLimit ?? options.bootCpus;
  fw.addI16(FW_CFG_NB_CPUS, options.bootCpus);
  fw.addI16(FW_CFG_MAX_CPUS, apicIdLimit);
  fw.addI64(FW_CFG_RAM_SIZE, options.ramSize);
  fw.addBytes(FW_CFG_ACPI_TABLES, options.acpiTables ?? new Uint8Array(0));
  fw.addI32(FW_CFG_IRQ0_OVERRIDE, 1);
  const split = pcRamSplit(options.ramSize);
  fw.addFile(
    "etc/e820",
    encodeE820Table(
      options.e820 ?? pcE820Entries(split.belowFourGMemSize, split.aboveFourGMemSize, { amdHtHole: options.amdHtHole === true }),
    ),
  );
  fw.addBytes(FW_CFG_HPET, options.hpet ?? encodeHpetFwConfig());
  const nodes = options.numaNodeMem ?? [];
  const numa = new Uint8Array((1 + apicIdLimit + nodes.length) * 8);
  const numaView = new DataView(numa.buffer);
  numaView.setBigUint64(0, BigInt(nodes.length), true);
  nodes.forEach((mem, i) => {
    numaView.setBigUint64((1 + apicIdLimit + i) * 8, BigInt(mem), true);
  });
  fw.addBytes(FW_CFG_NUMA, numa);

  // fw_cfg_machine_reset: boot device lists, empty when no device has a bootindex
  fw.modifyFile("bootorder", stringBytes(options.bootOrder));
  fw.modifyFile("bios-geometry", stringBytes(options.biosGeometry));
  return fw;
}

function stringBytes(s: string | undefined): Uint8Array {
  return s === undefined || s === "" ? new Uint8Array(0) : fwCfgString(s);
}

export interface LinuxBootItems {
  /** Protected-mode kernel load address and image (the part after the setup sectors). */
  kernelAddr: number;
  kernel: Uint8Array;
  /** Real-mode setup load address and the setup sectors (boot sector + setup code). */
  setupAddr: number;
  setup: Uint8Array;
  cmdlineAddr: number;
  cmdline: string;
  initrdAddr?: number;
  initrd?: Uint8Array;
  /** Entry point for multiboot/PVH-style loaders (FW_CFG_KERNEL_ENTRY). */
  entry?: number;
}

/** The selectors x86_load_linux fills for linuxboot(_dma).bin to copy the kernel in. */
export function addLinuxBoot(fw: FwCfg, items: LinuxBootItems): void {
  const cmdline = fwCfgString(items.cmdline);
  fw.addI32(FW_CFG_CMDLINE_ADDR, items.cmdlineAddr);
  fw.addI32(FW_CFG_CMDLINE_SIZE, cmdline.length);
  fw.addBytes(FW_CFG_CMDLINE_DATA, cmdline);
  if (items.initrd !== undefined) {
    fw.addI32(FW_CFG_INITRD_ADDR, items.initrdAddr ?? 0);
    fw.addI32(FW_CFG_INITRD_SIZE, items.initrd.length);
    fw.addBytes(FW_CFG_INITRD_DATA, items.initrd);
  }
  fw.addI32(FW_CFG_KERNEL_ADDR, items.kernelAddr);
  fw.addI32(FW_CFG_KERNEL_SIZE, items.kernel.length);
  fw.addBytes(FW_CFG_KERNEL_DATA, items.kernel);
  if (items.entry !== undefined) {
    fw.addI32(FW_CFG_KERNEL_ENTRY, items.entry);
  }
  fw.addI32(FW_CFG_SETUP_ADDR, items.setupAddr);
  fw.addI32(FW_CFG_SETUP_SIZE, items.setup.length);
  fw.addBytes(FW_CFG_SETUP_DATA, items.setup);
}
