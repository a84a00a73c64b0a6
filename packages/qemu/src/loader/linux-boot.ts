import { FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_DATA, FW_CFG_CMDLINE_SIZE, FW_CFG_INITRD_ADDR, FW_CFG_INITRD_DATA, FW_CFG_INITRD_SIZE, FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_DATA, FW_CFG_KERNEL_SIZE, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_DATA, FW_CFG_SETUP_SIZE, type FwCfg, fwCfgString } from "../hw/fw-cfg.js";
import type { E820Entry } from "../hw/fw-cfg-pc.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import { type X86BootState, flatProtectedModeState } from "./x86-boot-state.js";

/*
 * Direct Linux boot of a bzImage (-kernel/-initrd/-append), following the kernel's boot protocol
 * (Documentation/arch/x86/boot.rst) and QEMU's x86_load_linux for every placement decision:
 * setup, command line and protected-mode addresses by protocol version, loader type 0xB0 (QEMU's
 * reserved nibble), CAN_USE_HEAP with heap_end_ptr, initrd at the top of low RAM below
 * initrd_addr_max, and the same fw_cfg selectors QEMU fills.
 *
 * Entry (a choice, documented): QEMU hands the setup code to SeaBIOS's linuxboot option ROM, which
 * enters it in real mode; the setup code then needs BIOS services (INT 15h E820, INT 10h). virtkit
 * uses the 32-bit boot protocol instead, as QEMU's PVH path and most VMMs (firecracker,
 * cloud-hypervisor) do: the loader fills struct boot_params itself (setup header, E820 table,
 * command line pointer, initrd) and starts the vCPU in flat 32-bit protected mode at code32_start
 * with ESI = &boot_params, so no BIOS code runs at all.
 */

export class LinuxBootError extends Error {}

/** "HdrS" at 0x202 (boot.rst "The real-mode kernel header"). */
export const LINUX_HDRS_MAGIC = 0x53726448;
export const LINUX_SETUP_HEADER_OFFSET = 0x1f1;
/** struct boot_params field offsets (arch/x86/include/uapi/asm/bootparam.h). */
export const BP_E820_ENTRIES = 0x1e8;
export const BP_E820_TABLE = 0x2d0;
export const BP_E820_MAX_ENTRIES = 128;
export const BP_SIZE = 0x1000;
/** Setup header offsets (relative to the start of the image / boot_params). */
export const HDR_SETUP_SECTS = 0x1f1;
export const HDR_VID_MODE = 0x1fa;
export const HDR_BOOT_FLAG = 0x1fe;
export const HDR_VERSION = 0x206;
export const HDR_TYPE_OF_LOADER = 0x210;
export const HDR_LOADFLAGS = 0x211;
export const HDR_CODE32_START = 0x214;
export const HDR_RAMDISK_IMAGE = 0x218;
export const HDR_RAMDISK_SIZE = 0x21c;
export const HDR_HEAP_END_PTR = 0x224;
export const HDR_CMD_LINE_PTR = 0x228;
export const HDR_INITRD_ADDR_MAX = 0x22c;
export const HDR_CMDLINE_SIZE = 0x238;
export const HDR_XLOADFLAGS = 0x236;
export const LOADED_HIGH = 0x01;
export const CAN_USE_HEAP = 0x80;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 0x10;
/** QEMU's loader ID: type 0xB (reserved for QEMU), revision 0. */
export const QEMU_LOADER_TYPE = 0xb0;
/** Old command-line protocol (boot.rst "cmd_line_magic"). */
const OLD_CL_MAGIC = 0xa33f;
/** QEMU's pc machines keep this much below the top of low RAM for ACPI tables (acpi_data_size). */
export const PC_ACPI_DATA_SIZE = 0x20000 + 0x8000;

export interface LinuxBootInput {
  kernel: Uint8Array;
  kernelName: string;
  initrd?: Uint8Array;
  cmdline: string;
  belowFourG: number;
  /** The memory map the kernel gets in boot_params (what the firmware would report). */
  e820: readonly E820Entry[];
  /** acpi_data_size of the machine type (0x28000 for pc/isapc). */
  acpiDataSize?: number;
}

export interface LinuxBootLayout {
  protocol: number;
  setupAddr: number;
  cmdlineAddr: number;
  kernelAddr: number;
  initrdAddr: number | undefined;
  /** boot_params as the kernel sees it. */
  bootParams: Uint8Array;
  setup: Uint8Array;
  protectedMode: Uint8Array;
  entry: number;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function set16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function set32(b: Uint8Array, o: number, v: number): void {
  for (let i = 0; i < 4; i++) {
    b[o + i] = (v >>> (8 * i)) & 0xff;
  }
}

/** True when `image` carries the Linux boot-protocol header. */
export function isLinuxKernel(image: Uint8Array): boolean {
  return image.length >= 0x210 && u32(image, 0x202) === LINUX_HDRS_MAGIC;
}

/** x86_load_linux's placement and header patching, returning what goes where. */
export function layoutLinux(input: LinuxBootInput): LinuxBootLayout {
  const image = input.kernel;
  const header = new Uint8Array(8192);
  header.set(image.subarray(0, 8192));
  const protocol = isLinuxKernel(image) ? u16(header, HDR_VERSION) : 0;
  const cmdlineSize = input.cmdline.length + 1;
  let setupAddr: number;
  let cmdlineAddr: number;
  let kernelAddr: number;
  if (protocol < 0x200 || !(header[HDR_LOADFLAGS]! & LOADED_HIGH)) {
    // Low kernel.
    setupAddr = 0x90000;
    cmdlineAddr = 0x9a000 - cmdlineSize;
    kernelAddr = 0x10000;
  } else if (protocol < 0x202) {
    // High but ancient kernel.
    setupAddr = 0x90000;
    cmdlineAddr = 0x9a000 - cmdlineSize;
    kernelAddr = 0x100000;
  } else {
    // High and recent kernel.
    setupAddr = 0x10000;
    cmdlineAddr = 0x20000;
    kernelAddr = 0x100000;
  }
  let initrdMax: number;
  if (protocol >= 0x20c && u16(header, HDR_XLOADFLAGS) & XLF_CAN_BE_LOADED_ABOVE_4G) {
    initrdMax = 0xffffffff;
  } else if (protocol >= 0x203) {
    initrdMax = u32(header, HDR_INITRD_ADDR_MAX);
  } else {
    initrdMax = 0x37ffffff;
  }
  const acpi = input.acpiDataSize ?? PC_ACPI_DATA_SIZE;
  if (initrdMax >= input.belowFourG - acpi) {
    initrdMax = input.belowFourG - acpi - 1;
  }
  if (protocol >= 0x202) {
    set32(header, HDR_CMD_LINE_PTR, cmdlineAddr);
  } else {
    set16(header, 0x20, OLD_CL_MAGIC);
    set16(header, 0x22, cmdlineAddr - setupAddr);
  }
  // vga=: QEMU translates normal/ext/ask or a number into vid_mode.
  const vga = /(?:^| )vga=([^ ]*)/.exec(input.cmdline);
  if (vga !== null) {
    const v = vga[1]!;
    const mode = v.startsWith("normal") ? 0xffff : v.startsWith("ext") ? 0xfffe : v.startsWith("ask") ? 0xfffd : Number.parseInt(v, 0) || Number(v);
    if (Number.isFinite(mode)) {
      set16(header, HDR_VID_MODE, mode);
    }
  }
  if (protocol >= 0x200) {
    header[HDR_TYPE_OF_LOADER] = QEMU_LOADER_TYPE;
  }
  if (protocol >= 0x201) {
    header[HDR_LOADFLAGS] = header[HDR_LOADFLAGS]! | CAN_USE_HEAP;
    set16(header, HDR_HEAP_END_PTR, cmdlineAddr - setupAddr - 0x200);
  }
  let initrdAddr: number | undefined;
  if (input.initrd !== undefined) {
    const size = input.initrd.length;
    if (size >= initrdMax) {
      throw new LinuxBootError(`qemu: initrd is too large, cannot support.(max: ${initrdMax}, need ${size})`);
    }
    initrdAddr = (initrdMax - size) & ~4095;
    initrdAddr >>>= 0;
    set32(header, HDR_RAMDISK_IMAGE, initrdAddr);
    set32(header, HDR_RAMDISK_SIZE, size);
  }
  let setupSects = header[HDR_SETUP_SECTS]!;
  if (setupSects === 0) {
    setupSects = 4;
  }
  const setupSize = (setupSects + 1) * 512;
  if (setupSize > image.length) {
    throw new LinuxBootError("qemu: invalid kernel header");
  }
  const setup = new Uint8Array(setupSize);
  setup.set(image.subarray(0, setupSize));
  setup.set(header.subarray(0, Math.min(8192, setupSize)));
  const protectedMode = image.subarray(setupSize);

  // The zero page for the 32-bit protocol: zeros, the (patched) setup header, the memory map.
  const bootParams = new Uint8Array(BP_SIZE);
  const hdrEnd = Math.min(0x202 + header[0x201]!, setupSize, BP_SIZE);
  bootParams.set(header.subarray(LINUX_SETUP_HEADER_OFFSET, hdrEnd), LINUX_SETUP_HEADER_OFFSET);
  fillBootParamsE820(bootParams, input.e820);
  const entry = protocol >= 0x200 ? u32(header, HDR_CODE32_START) || kernelAddr : kernelAddr;
  return { protocol, setupAddr, cmdlineAddr, kernelAddr, initrdAddr, bootParams, setup, protectedMode, entry };
}

/** boot_params.e820_entries and e820_table (up to 128 entries of {u64 addr, u64 size, u32 type}). */
export function fillBootParamsE820(bootParams: Uint8Array, map: readonly E820Entry[]): void {
  const e820 = map.slice(0, BP_E820_MAX_ENTRIES);
  bootParams[BP_E820_ENTRIES] = e820.length;
  const view = new DataView(bootParams.buffer, bootParams.byteOffset, bootParams.byteLength);
  e820.forEach((e, i) => {
    const at = BP_E820_TABLE + i * 20;
    view.setBigUint64(at, BigInt(e.address), true);
    view.setBigUint64(at + 8, BigInt(e.length), true);
    view.setUint32(at + 16, e.type, true);
  });
}

/** Where the loader puts the GDT for the 32-bit entry (just past boot_params, below the command line). */
export const LINUX_BOOT_GDT_OFFSET = BP_SIZE;

/**
 * Loads a bzImage for direct 32-bit boot: copies everything into guest RAM, fills QEMU's fw_cfg
 * Linux selectors, and returns the vCPU state to start with (reapplied at every reset).
 */
/** A piece of the Linux boot image and where it goes in guest RAM. */
export interface LinuxBootBlob {
  name: string;
  addr: number;
  data: Uint8Array;
}

/** Writes the boot image's pieces (the initrd appended when there is one) into guest RAM, or QEMU's error for one that does not fit. */
export function placeLinuxBlobs(mem: GuestMemory, blobs: LinuxBootBlob[], initrd: Uint8Array | undefined, initrdAddr: number | undefined): void {
  if (initrd !== undefined && initrdAddr !== undefined) blobs.push({ name: "linux-initrd", addr: initrdAddr, data: initrd });
  for (const b of blobs) {
    if (!mem.write(b.addr, b.data)) {
      throw new LinuxBootError(`qemu: ${b.name} does not fit in guest RAM at 0x${b.addr.toString(16)}`);
    }
  }
}

/** The fw_cfg items both Linux loaders publish for the option ROM: the command line and the initrd. */
export function publishCmdlineAndInitrd(fwCfg: FwCfg, cmdlineAddr: number, cmdline: Uint8Array, initrd: Uint8Array | undefined, initrdAddr: number | undefined): void {
  fwCfg.addI32(FW_CFG_CMDLINE_ADDR, cmdlineAddr);
  fwCfg.addI32(FW_CFG_CMDLINE_SIZE, cmdline.length);
  fwCfg.addBytes(FW_CFG_CMDLINE_DATA, cmdline);
  if (initrd !== undefined) {
    fwCfg.addI32(FW_CFG_INITRD_ADDR, initrdAddr ?? 0);
    fwCfg.addI32(FW_CFG_INITRD_SIZE, initrd.length);
    fwCfg.addBytes(FW_CFG_INITRD_DATA, initrd);
  }
}

export function loadLinux(mem: GuestMemory, fwCfg: FwCfg | undefined, input: LinuxBootInput): { layout: LinuxBootLayout; boot: X86BootState; blobs: LinuxBootBlob[] } {
  const layout = layoutLinux(input);
  if (layout.protocol < 0x200) {
    throw new LinuxBootError(`qemu: ${input.kernelName}: the 32-bit boot protocol needs a bzImage (boot protocol >= 2.00)`);
  }
  const cmdline = fwCfgString(input.cmdline);
  const gdtAddr = layout.setupAddr + LINUX_BOOT_GDT_OFFSET;
  const blobs: LinuxBootBlob[] = [
    { name: "linux-boot-params", addr: layout.setupAddr, data: layout.bootParams },
    { name: "linux-cmdline", addr: layout.cmdlineAddr, data: cmdline },
    { name: "linux-kernel", addr: layout.kernelAddr, data: layout.protectedMode },
  ];
  placeLinuxBlobs(mem, blobs, input.initrd, layout.initrdAddr);
  if (fwCfg !== undefined) {
    publishCmdlineAndInitrd(fwCfg, layout.cmdlineAddr, cmdline, input.initrd, layout.initrdAddr);
    fwCfg.addI32(FW_CFG_KERNEL_ADDR, layout.kernelAddr);
    fwCfg.addI32(FW_CFG_KERNEL_SIZE, layout.protectedMode.length);
    fwCfg.addBytes(FW_CFG_KERNEL_DATA, layout.protectedMode);
    fwCfg.addI32(FW_CFG_SETUP_ADDR, layout.setupAddr);
    fwCfg.addI32(FW_CFG_SETUP_SIZE, layout.setup.length);
    fwCfg.addBytes(FW_CFG_SETUP_DATA, layout.setup);
  }
  // boot.rst "32-bit BOOT PROTOCOL": __BOOT_CS 0x10 / __BOOT_DS 0x18 flat, IF=0, ESI=&boot_params,
  // EBP=EDI=EBX=0.
  const boot = flatProtectedModeState({
    gdtAddr,
    codeSelector: 0x10,
    dataSelector: 0x18,
    eip: layout.entry,
    esi: layout.setupAddr,
  });
  blobs.push({ name: "linux-boot-gdt", addr: gdtAddr, data: boot.gdt });
  mem.write(gdtAddr, boot.gdt);
  return { layout, boot, blobs };
}
