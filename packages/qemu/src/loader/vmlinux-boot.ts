import { FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_DATA, FW_CFG_KERNEL_ENTRY, FW_CFG_KERNEL_SIZE, type FwCfg, fwCfgString } from "../hw/fw-cfg.js";
import type { E820Entry } from "../hw/fw-cfg-pc.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import {
  BP_SIZE, CAN_USE_HEAP, HDR_BOOT_FLAG, HDR_CMD_LINE_PTR, HDR_CMDLINE_SIZE, HDR_CODE32_START, HDR_INITRD_ADDR_MAX, HDR_LOADFLAGS, HDR_RAMDISK_IMAGE,
  HDR_RAMDISK_SIZE, HDR_TYPE_OF_LOADER, HDR_VERSION, LINUX_BOOT_GDT_OFFSET, LINUX_HDRS_MAGIC, LOADED_HIGH, LinuxBootError, PC_ACPI_DATA_SIZE,
  QEMU_LOADER_TYPE, fillBootParamsE820, type LinuxBootBlob, placeLinuxBlobs, publishCmdlineAndInitrd,
} from "./linux-boot.js";
import { type X86BootState, flatProtectedModeState } from "./x86-boot-state.js";

/*
 * Direct boot of an uncompressed ELF kernel (-kernel vmlinux): the fast path that skips the bzImage's
 * self-decompression. QEMU loads such a file only through the PVH ABI (load_elfboot: the entry from the
 * XEN_ELFNOTE_PHYS32_ENTRY note, an hvm_start_info in EBX) and refuses a kernel without that note
 * ("Error loading uncompressed kernel without PVH ELF Note") — Debian's i386 kernels are built without
 * CONFIG_PVH. A Linux vmlinux (recognised by its "Linux" ELF notes) is instead entered the way the
 * bzImage's own decompressor enters it: PT_LOAD segments at their physical addresses, flat 32-bit
 * protected mode, paging off, ESI = &boot_params, at e_entry (vmlinux.lds.S makes that the physical
 * address of startup_32). The loader builds boot_params itself — a setup header with the fields the
 * kernel reads (boot protocol 2.15, loader type, command line, initrd), and the E820 map — as firecracker
 * does for a vmlinux. Placement of the zero page, command line and initrd follows the bzImage path.
 */

/** ELF constants (System V ABI; include/uapi/linux/elf.h). */
const ELF_MAGIC = 0x464c457f;
const ELFCLASS32 = 1;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const PT_NOTE = 4;
/** xen/include/public/elfnote.h: the 32-bit PVH entry point. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
/** The boot protocol version the synthesized setup header claims (boot.rst: 2.15, Linux 5.5+). */
export const VMLINUX_BOOT_PROTOCOL = 0x020f;
/** i386's initrd_addr_max and COMMAND_LINE_SIZE - 1 (arch/x86/boot/header.S). */
const VMLINUX_INITRD_ADDR_MAX = 0x7fffffff;
const VMLINUX_CMDLINE_SIZE = 2047;
/** Where boot_params and the command line go (x86_load_linux's "high and recent kernel" addresses). */
const VMLINUX_ZERO_PAGE = 0x10000;
const VMLINUX_CMDLINE_ADDR = 0x20000;

export interface ElfKernel {
  entry: number;
  /** Lowest physical address of a PT_LOAD segment; `image` is everything from there to the highest end. */
  loadAddr: number;
  image: Uint8Array;
  /** The PVH entry, if the kernel carries XEN_ELFNOTE_PHYS32_ENTRY. */
  pvhEntry: number | undefined;
  /** True when a note is owned by "Linux" (every vmlinux since 2.6 has one: the build salt, the version). */
  isLinux: boolean;
}

export function isElf(image: Uint8Array): boolean {
  return image.length >= 52 && new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(0, true) === ELF_MAGIC;
}

/** Reads a 32-bit x86 ELF executable: its loadable image (bss included, as zeros), entry and notes. */
export function parseElfKernel(file: Uint8Array, name: string): ElfKernel {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const bad = (why: string): LinuxBootError => new LinuxBootError(`qemu: ${name}: ${why}`);
  if (!isElf(file)) throw bad("not an ELF file");
  const machine = dv.getUint16(18, true);
  if (file[4] !== ELFCLASS32 || machine === EM_X86_64) throw bad("Cannot load x86-64 image, give a 32bit one.");
  if (file[5] !== ELFDATA2LSB || machine !== EM_386 || dv.getUint16(16, true) !== ET_EXEC) throw bad("not a 32-bit x86 executable ELF");
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phentsize < 32 || phoff + phnum * phentsize > file.length) throw bad("program header table out of bounds");
  const segs: { paddr: number; offset: number; filesz: number; memsz: number }[] = [];
  let pvhEntry: number | undefined;
  let isLinux = false;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = dv.getUint32(at, true);
    const offset = dv.getUint32(at + 4, true);
    const filesz = dv.getUint32(at + 16, true);
    if (offset + filesz > file.length) throw bad(`segment ${String(i)} lies outside the file`);
    if (type === PT_LOAD) {
      const memsz = dv.getUint32(at + 20, true);
      if (filesz > memsz) throw bad(`segment ${String(i)}: file size exceeds memory size`);
      segs.push({ paddr: dv.getUint32(at + 12, true), offset, filesz, memsz });
    } else if (type === PT_NOTE) {
      // Elf32_Nhdr: namesz, descsz, type, then name and desc each padded to 4 bytes.
      let n = offset;
      while (n + 12 <= offset + filesz) {
        const namesz = dv.getUint32(n, true);
        const descsz = dv.getUint32(n + 4, true);
        const ntype = dv.getUint32(n + 8, true);
        const nameAt = n + 12;
        const descAt = nameAt + ((namesz + 3) & ~3);
        if (descAt + descsz > offset + filesz) break;
        const owner = String.fromCharCode(...file.subarray(nameAt, nameAt + Math.max(0, namesz - 1)));
        if (owner === "Linux") isLinux = true;
        if (owner === "Xen" && ntype === XEN_ELFNOTE_PHYS32_ENTRY && descsz >= 4) pvhEntry = dv.getUint32(descAt, true);
        n = descAt + ((descsz + 3) & ~3);
      }
    }
  }
  if (segs.length === 0) throw bad("no loadable segment");
  const loadAddr = Math.min(...segs.map((s) => s.paddr));
  const high = Math.max(...segs.map((s) => s.paddr + s.memsz));
  if (high - loadAddr > 1 << 30 || high > 2 ** 32) throw bad("segments span more than 1 GiB or pass 4 GiB");
  const image = new Uint8Array(high - loadAddr);
  for (const s of segs) image.set(file.subarray(s.offset, s.offset + s.filesz), s.paddr - loadAddr);
  if (!segs.some((s) => entry >= s.paddr && entry < s.paddr + s.memsz)) {
    throw bad(`entry 0x${entry.toString(16)} is not inside a loadable segment's physical range`);
  }
  return { entry, loadAddr, image, pvhEntry, isLinux };
}

export interface VmlinuxBootInput {
  kernel: Uint8Array;
  kernelName: string;
  initrd?: Uint8Array;
  cmdline: string;
  belowFourG: number;
  e820: readonly E820Entry[];
  acpiDataSize?: number;
}

export interface VmlinuxBootLayout {
  elf: ElfKernel;
  bootParams: Uint8Array;
  zeroPageAddr: number;
  cmdlineAddr: number;
  initrdAddr: number | undefined;
}

/** Where everything goes and the boot_params the kernel will read. */
export function layoutVmlinux(input: VmlinuxBootInput): VmlinuxBootLayout {
  const elf = parseElfKernel(input.kernel, input.kernelName);
  if (!elf.isLinux) {
    // Not Linux: only the PVH ABI could start it, which this loader does not implement (QEMU's wording otherwise).
    throw new LinuxBootError(elf.pvhEntry === undefined ? "qemu: Error loading uncompressed kernel without PVH ELF Note" : `qemu: ${input.kernelName}: PVH boot (hvm_start_info) of non-Linux ELF kernels is not supported by virtkit`);
  }
  const end = elf.loadAddr + elf.image.length;
  if (elf.loadAddr < 0x100000 || end > input.belowFourG) {
    throw new LinuxBootError(`qemu: ${input.kernelName}: the kernel (0x${elf.loadAddr.toString(16)}-0x${end.toString(16)}) does not fit in RAM between 1 MiB and 0x${input.belowFourG.toString(16)}`);
  }
  const bp = new Uint8Array(BP_SIZE);
  const dv = new DataView(bp.buffer);
  dv.setUint16(HDR_BOOT_FLAG, 0xaa55, true);
  dv.setUint32(0x202, LINUX_HDRS_MAGIC, true);
  dv.setUint16(HDR_VERSION, VMLINUX_BOOT_PROTOCOL, true);
  bp[HDR_TYPE_OF_LOADER] = QEMU_LOADER_TYPE;
  bp[HDR_LOADFLAGS] = LOADED_HIGH | CAN_USE_HEAP;
  dv.setUint32(HDR_CODE32_START, elf.entry, true);
  dv.setUint32(HDR_CMD_LINE_PTR, VMLINUX_CMDLINE_ADDR, true);
  dv.setUint32(HDR_INITRD_ADDR_MAX, VMLINUX_INITRD_ADDR_MAX, true);
  dv.setUint32(HDR_CMDLINE_SIZE, VMLINUX_CMDLINE_SIZE, true);
  if (input.cmdline.length > VMLINUX_CMDLINE_SIZE) {
    throw new LinuxBootError(`qemu: kernel command line is too long (${String(input.cmdline.length)} > ${String(VMLINUX_CMDLINE_SIZE)} bytes)`);
  }
  let initrdAddr: number | undefined;
  if (input.initrd !== undefined) {
    let max = VMLINUX_INITRD_ADDR_MAX;
    const acpi = input.acpiDataSize ?? PC_ACPI_DATA_SIZE;
    if (max >= input.belowFourG - acpi) max = input.belowFourG - acpi - 1;
    const size = input.initrd.length;
    if (size >= max) {
      throw new LinuxBootError(`qemu: initrd is too large, cannot support.(max: ${String(max)}, need ${String(size)})`);
    }
    initrdAddr = ((max - size) & ~4095) >>> 0;
    if (initrdAddr < end) {
      throw new LinuxBootError(`qemu: the initrd (${String(size)} bytes) and the kernel do not both fit below 0x${max.toString(16)}`);
    }
    dv.setUint32(HDR_RAMDISK_IMAGE, initrdAddr, true);
    dv.setUint32(HDR_RAMDISK_SIZE, size, true);
  }
  fillBootParamsE820(bp, input.e820);
  return { elf, bootParams: bp, zeroPageAddr: VMLINUX_ZERO_PAGE, cmdlineAddr: VMLINUX_CMDLINE_ADDR, initrdAddr };
}

/** Loads a Linux vmlinux for direct 32-bit entry; returns the vCPU state (reapplied at every reset) and the blobs. */
export function loadVmlinux(mem: GuestMemory, fwCfg: FwCfg | undefined, input: VmlinuxBootInput): { layout: VmlinuxBootLayout; boot: X86BootState; blobs: LinuxBootBlob[] } {
  const layout = layoutVmlinux(input);
  const cmdline = fwCfgString(input.cmdline);
  const gdtAddr = layout.zeroPageAddr + LINUX_BOOT_GDT_OFFSET;
  const blobs: LinuxBootBlob[] = [
    { name: "linux-boot-params", addr: layout.zeroPageAddr, data: layout.bootParams },
    { name: "linux-cmdline", addr: layout.cmdlineAddr, data: cmdline },
    { name: "linux-vmlinux", addr: layout.elf.loadAddr, data: layout.elf.image },
  ];
  placeLinuxBlobs(mem, blobs, input.initrd, layout.initrdAddr);
  if (fwCfg !== undefined) {
    // What load_elfboot publishes: the kernel image, its entry and load address, the command line, the initrd.
    fwCfg.addI32(FW_CFG_KERNEL_ENTRY, layout.elf.entry);
    fwCfg.addI32(FW_CFG_KERNEL_ADDR, layout.elf.loadAddr);
    fwCfg.addI32(FW_CFG_KERNEL_SIZE, layout.elf.image.length);
    fwCfg.addBytes(FW_CFG_KERNEL_DATA, layout.elf.image);
    publishCmdlineAndInitrd(fwCfg, layout.cmdlineAddr, cmdline, input.initrd, layout.initrdAddr);
  }
  // boot.rst "32-bit BOOT PROTOCOL", the state the decompressor leaves for startup_32.
  const boot = flatProtectedModeState({ gdtAddr, codeSelector: 0x10, dataSelector: 0x18, eip: layout.elf.entry, esi: layout.zeroPageAddr });
  blobs.push({ name: "linux-boot-gdt", addr: gdtAddr, data: boot.gdt });
  mem.write(gdtAddr, boot.gdt);
  return { layout, boot, blobs };
}
