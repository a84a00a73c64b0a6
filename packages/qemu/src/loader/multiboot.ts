import { FW_CFG_INITRD_ADDR, FW_CFG_INITRD_DATA, FW_CFG_INITRD_SIZE, FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_DATA, FW_CFG_KERNEL_ENTRY, FW_CFG_KERNEL_SIZE, type FwCfg } from "../hw/fw-cfg.js";
import { E820_RAM, type E820Entry } from "../hw/fw-cfg-pc.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import { type X86BootState, flatProtectedModeState } from "./x86-boot-state.js";

/*
 * Multiboot v1 kernels (-kernel with a multiboot header, "Multiboot Specification version 0.6.96",
 * QEMU hw/i386/multiboot.c load_multiboot): find the header in the first 8 KiB, load the image by
 * its a.out-kludge addresses or as a 32-bit ELF, place the modules of -initrd ("file args,file2")
 * page-aligned after the kernel with their command lines, and build the multiboot information
 * structure with QEMU's layout: the memory map at 0x9000, the info structure at 0x9500, command
 * lines and the boot loader name "qemu" after the module list. The kernel command line is
 * "<kernel file> <-append>", as QEMU passes it.
 *
 * QEMU's multiboot.bin option ROM then fills mem_lower/mem_upper and the memory map from the BIOS
 * and enters the kernel; virtkit does that part directly (no BIOS runs): EAX = 0x2BADB002,
 * EBX = &mbi, flat 32-bit protected mode (spec 3.2 "Machine state").
 */

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
export const MULTIBOOT_SEARCH = 8192;
const MULTIBOOT_HEADER_HAS_VBE = 0x00000004;
const MULTIBOOT_HEADER_HAS_ADDR = 0x00010000;
/** Where QEMU puts the memory map and the information structure (MULTIBOOT_STRUCT_ADDR). */
export const MULTIBOOT_STRUCT_ADDR = 0x9000;
export const ADDR_E820_MAP = MULTIBOOT_STRUCT_ADDR;
export const ADDR_MBI = ADDR_E820_MAP + 0x500;
/** struct multiboot_info offsets. */
export const MBI_FLAGS = 0;
export const MBI_MEM_LOWER = 4;
export const MBI_MEM_UPPER = 8;
export const MBI_BOOT_DEVICE = 12;
export const MBI_CMDLINE = 16;
export const MBI_MODS_COUNT = 20;
export const MBI_MODS_ADDR = 24;
export const MBI_MMAP_LENGTH = 44;
export const MBI_MMAP_ADDR = 48;
export const MBI_BOOTLOADER = 64;
export const MBI_SIZE = 88;
export const MULTIBOOT_FLAGS_MEMORY = 1 << 0;
export const MULTIBOOT_FLAGS_BOOT_DEVICE = 1 << 1;
export const MULTIBOOT_FLAGS_CMDLINE = 1 << 2;
export const MULTIBOOT_FLAGS_MODULES = 1 << 3;
export const MULTIBOOT_FLAGS_MMAP = 1 << 6;
export const MULTIBOOT_FLAGS_BOOTLOADER = 1 << 9;
/** struct multiboot_mod_list: mod_start, mod_end, cmdline, pad. */
const MB_MOD_SIZE = 16;
const PAGE = 4096;
const BOOTLOADER_NAME = "qemu";

export class MultibootError extends Error {}

export interface MultibootModule {
  /** The module's command line (its file name and arguments, as written in -initrd). */
  cmdline: string;
  data: Uint8Array;
}

export interface MultibootInput {
  kernel: Uint8Array;
  kernelName: string;
  cmdline: string;
  modules: MultibootModule[];
  /** The firmware's memory map (what INT 15h E820 would report). */
  e820: readonly E820Entry[];
}

/** Offset of a valid multiboot header in the first 8 KiB, or -1 (QEMU's search loop). */
export function findMultibootHeader(image: Uint8Array): number {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(MULTIBOOT_SEARCH - 48, image.length - 12);
  for (let i = 0; i < limit; i += 4) {
    if (dv.getUint32(i, true) === MULTIBOOT_HEADER_MAGIC) {
      const flags = dv.getUint32(i + 4, true);
      const checksum = dv.getUint32(i + 8, true);
      if (((checksum + flags + MULTIBOOT_HEADER_MAGIC) >>> 0) === 0) {
        return i;
      }
    }
  }
  return -1;
}

interface LoadedKernel {
  loadAddr: number;
  /** The kernel's memory image from loadAddr (text, data, zeroed bss). */
  image: Uint8Array;
  entry: number;
}

/** load_elf for a 32-bit x86 ELF: PT_LOAD segments at their physical addresses. */
function loadElf32(file: Uint8Array): LoadedKernel {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 52 || dv.getUint32(0, false) !== 0x7f454c46) {
    throw new MultibootError("Error while loading elf kernel");
  }
  const machine = dv.getUint16(18, true);
  if (file[4] === 2 || machine === 62) {
    throw new MultibootError("Cannot load x86-64 image, give a 32bit one.");
  }
  if (file[4] !== 1 || machine !== 3) {
    throw new MultibootError("Error while loading elf kernel");
  }
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const segs: { paddr: number; offset: number; filesz: number; memsz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 32 > file.length) {
      throw new MultibootError("Error while loading elf kernel");
    }
    if (dv.getUint32(at, true) !== 1) {
      continue; // PT_LOAD only
    }
    const seg = { offset: dv.getUint32(at + 4, true), paddr: dv.getUint32(at + 12, true), filesz: dv.getUint32(at + 16, true), memsz: dv.getUint32(at + 20, true) };
    if (seg.offset + seg.filesz > file.length || seg.filesz > seg.memsz) {
      throw new MultibootError("Error while loading elf kernel");
    }
    segs.push(seg);
  }
  if (segs.length === 0) {
    throw new MultibootError("Error while loading elf kernel");
  }
  const low = Math.min(...segs.map((s) => s.paddr));
  const high = Math.max(...segs.map((s) => s.paddr + s.memsz));
  if (high - low > 1 << 30) {
    throw new MultibootError("Error while loading elf kernel");
  }
  const image = new Uint8Array(high - low);
  for (const s of segs) {
    image.set(file.subarray(s.offset, s.offset + s.filesz), s.paddr - low);
  }
  return { loadAddr: low, image, entry };
}

/** The a.out kludge: addresses from the header (MULTIBOOT_HEADER_HAS_ADDR). */
function loadAout(file: Uint8Array, i: number): LoadedKernel {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerAddr = dv.getUint32(i + 12, true);
  const loadAddr = dv.getUint32(i + 16, true);
  const loadEndAddr = dv.getUint32(i + 20, true);
  const bssEndAddr = dv.getUint32(i + 24, true);
  const entry = dv.getUint32(i + 28, true);
  if (headerAddr < loadAddr) {
    throw new MultibootError("invalid load_addr address");
  }
  if (headerAddr - loadAddr > i) {
    throw new MultibootError("invalid header_addr address");
  }
  const textOffset = i - (headerAddr - loadAddr);
  let loadSize: number;
  if (loadEndAddr !== 0) {
    if (loadEndAddr < loadAddr) {
      throw new MultibootError("invalid load_end_addr address");
    }
    loadSize = loadEndAddr - loadAddr;
  } else {
    if (file.length < textOffset) {
      throw new MultibootError("invalid kernel_file_size");
    }
    loadSize = file.length - textOffset;
  }
  if (loadSize > 0xffffffff - loadAddr) {
    throw new MultibootError("kernel does not fit in address space");
  }
  let kernelSize = loadSize;
  if (bssEndAddr !== 0) {
    if (bssEndAddr < loadAddr + loadSize) {
      throw new MultibootError("invalid bss_end_addr address");
    }
    kernelSize = bssEndAddr - loadAddr;
  }
  if (textOffset + loadSize > file.length) {
    throw new MultibootError("fread() failed");
  }
  const image = new Uint8Array(kernelSize);
  image.set(file.subarray(textOffset, textOffset + loadSize));
  return { loadAddr, image, entry };
}

const pageAlign = (n: number): number => Math.ceil(n / PAGE) * PAGE;

export interface MultibootLayout {
  entry: number;
  /** mb_buf: kernel, module list, command lines, modules, at bufPhys. */
  buf: Uint8Array;
  bufPhys: number;
  /** The information structure (at ADDR_MBI) and the memory map (at ADDR_E820_MAP). */
  mbi: Uint8Array;
  mmap: Uint8Array;
  warnings: string[];
}

/** load_multiboot's layout, plus what the option ROM adds (memory fields and map). */
export function layoutMultiboot(input: MultibootInput): MultibootLayout | undefined {
  const i = findMultibootHeader(input.kernel);
  if (i < 0) {
    return undefined;
  }
  const warnings: string[] = [];
  const flags = new DataView(input.kernel.buffer, input.kernel.byteOffset).getUint32(i + 4, true);
  if (flags & MULTIBOOT_HEADER_HAS_VBE) {
    warnings.push("multiboot knows VBE. we don't");
  }
  const k = flags & MULTIBOOT_HEADER_HAS_ADDR ? loadAout(input.kernel, i) : loadElf32(input.kernel);
  const enc = new TextEncoder();
  const kernelCmdline = enc.encode(`${input.kernelName} ${input.cmdline}\0`);
  const modCmdlines = input.modules.map((m) => enc.encode(`${m.cmdline}\0`));
  const loaderName = enc.encode(`${BOOTLOADER_NAME}\0`);
  const offsetMbinfo = pageAlign(k.image.length);
  const cmdlineLen = kernelCmdline.length + modCmdlines.reduce((n, c) => n + c.length, 0);
  let size = offsetMbinfo + cmdlineLen + MB_MOD_SIZE * input.modules.length + loaderName.length;
  size = pageAlign(size);
  const offsetCmdlines = offsetMbinfo + input.modules.length * MB_MOD_SIZE;
  const offsetBootloader = offsetCmdlines + cmdlineLen;
  const modOffsets: number[] = [];
  for (const m of input.modules) {
    modOffsets.push(size);
    size = pageAlign(size + m.data.length);
  }
  if (size > 0xffffffff - k.loadAddr) {
    throw new MultibootError("kernel does not fit in address space");
  }
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf.set(k.image);
  let cmdAt = offsetCmdlines;
  const addCmdline = (c: Uint8Array): number => {
    buf.set(c, cmdAt);
    const phys = k.loadAddr + cmdAt;
    cmdAt += c.length;
    return phys;
  };
  input.modules.forEach((m, n) => {
    const c = addCmdline(modCmdlines[n]!);
    const off = modOffsets[n]!;
    buf.set(m.data, off);
    const at = offsetMbinfo + n * MB_MOD_SIZE;
    dv.setUint32(at, k.loadAddr + off, true);
    dv.setUint32(at + 4, k.loadAddr + off + m.data.length, true);
    dv.setUint32(at + 8, c, true);
  });
  const mbi = new Uint8Array(MBI_SIZE);
  const mv = new DataView(mbi.buffer);
  mv.setUint32(MBI_CMDLINE, addCmdline(kernelCmdline), true);
  buf.set(loaderName, offsetBootloader);
  mv.setUint32(MBI_BOOTLOADER, k.loadAddr + offsetBootloader, true);
  mv.setUint32(MBI_MODS_ADDR, k.loadAddr + offsetMbinfo, true);
  mv.setUint32(MBI_MODS_COUNT, input.modules.length, true);
  mv.setUint32(
    MBI_FLAGS,
    MULTIBOOT_FLAGS_MEMORY | MULTIBOOT_FLAGS_BOOT_DEVICE | MULTIBOOT_FLAGS_CMDLINE | MULTIBOOT_FLAGS_MODULES | MULTIBOOT_FLAGS_MMAP | MULTIBOOT_FLAGS_BOOTLOADER,
    true,
  );
  mv.setUint32(MBI_BOOT_DEVICE, 0x8000ffff, true);
  mv.setUint32(MBI_MMAP_ADDR, ADDR_E820_MAP, true);
  // What multiboot.bin adds from the BIOS: each map entry is prefixed by its size (20).
  const mmap = new Uint8Array(input.e820.length * 24);
  const mmv = new DataView(mmap.buffer);
  input.e820.forEach((e, n) => {
    const at = n * 24;
    mmv.setUint32(at, 20, true);
    mmv.setBigUint64(at + 4, BigInt(e.address), true);
    mmv.setBigUint64(at + 12, BigInt(e.length), true);
    mmv.setUint32(at + 20, e.type, true);
  });
  mv.setUint32(MBI_MMAP_LENGTH, mmap.length, true);
  const low = input.e820.find((e) => e.type === E820_RAM && e.address === 0);
  const upper = input.e820.find((e) => e.type === E820_RAM && e.address === 0x100000);
  mv.setUint32(MBI_MEM_LOWER, low === undefined ? 0 : Math.floor(Math.min(low.length, 0xa0000) / 1024), true);
  mv.setUint32(MBI_MEM_UPPER, upper === undefined ? 0 : Math.floor(upper.length / 1024), true);
  return { entry: k.entry, buf, bufPhys: k.loadAddr, mbi, mmap, warnings };
}

/**
 * Loads a multiboot kernel if `input.kernel` is one; returns undefined when it has no multiboot
 * header (the caller then treats it as a Linux kernel, as QEMU does).
 */
export function loadMultiboot(mem: GuestMemory, fwCfg: FwCfg | undefined, input: MultibootInput): { layout: MultibootLayout; boot: X86BootState; blobs: { name: string; addr: number; data: Uint8Array }[] } | undefined {
  const layout = layoutMultiboot(input);
  if (layout === undefined) {
    return undefined;
  }
  const blobs = [
    { name: "multiboot-kernel", addr: layout.bufPhys, data: layout.buf },
    { name: "multiboot-mmap", addr: ADDR_E820_MAP, data: layout.mmap },
    { name: "multiboot-info", addr: ADDR_MBI, data: layout.mbi },
  ];
  for (const b of blobs) {
    if (!mem.write(b.addr, b.data)) {
      throw new MultibootError(`${b.name} does not fit in guest RAM at 0x${b.addr.toString(16)}`);
    }
  }
  if (fwCfg !== undefined) {
    fwCfg.addI32(FW_CFG_KERNEL_ENTRY, layout.entry);
    fwCfg.addI32(FW_CFG_KERNEL_ADDR, layout.bufPhys);
    fwCfg.addI32(FW_CFG_KERNEL_SIZE, layout.buf.length);
    fwCfg.addBytes(FW_CFG_KERNEL_DATA, layout.buf);
    fwCfg.addI32(FW_CFG_INITRD_ADDR, ADDR_MBI);
    fwCfg.addI32(FW_CFG_INITRD_SIZE, layout.mbi.length);
    fwCfg.addBytes(FW_CFG_INITRD_DATA, layout.mbi);
  }
  // A GDT of our own just below the memory map (multiboot.bin builds one in its ROM).
  const boot = flatProtectedModeState({
    gdtAddr: MULTIBOOT_STRUCT_ADDR - 0x20,
    codeSelector: 0x08,
    dataSelector: 0x10,
    eip: layout.entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: ADDR_MBI,
  });
  blobs.push({ name: "multiboot-gdt", addr: boot.gdtAddr, data: boot.gdt });
  mem.write(boot.gdtAddr, boot.gdt);
  return { layout, boot, blobs };
}
