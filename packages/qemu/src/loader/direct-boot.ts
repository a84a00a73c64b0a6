import { readFileSync } from "node:fs";
import { E820_RAM, E820_RESERVED, type E820Entry } from "../hw/fw-cfg-pc.js";
import type { PcMachine } from "../machine/pc.js";
import { LinuxBootError, isLinuxKernel, loadLinux } from "./linux-boot.js";
import { type MultibootModule, loadMultiboot } from "./multiboot.js";
import { MPTABLE_START, MP_KVM_APIC_VERSION, buildMpTable } from "./mptable.js";
import { firmwarePciInterrupts, firmwarePciIrqSetup } from "./pci-irq-setup.js";
import { isElf, loadVmlinux } from "./vmlinux-boot.js";
import { applyBootState } from "./x86-boot-state.js";

/*
 * -kernel/-initrd/-append on a PC machine (QEMU x86_load_linux's dispatch): a Linux bzImage, else a
 * multiboot kernel, else an uncompressed ELF kernel (a Linux vmlinux: vmlinux-boot.ts), else QEMU's error. The images are ROM blobs (copied back at every reset, as
 * QEMU's linuxboot ROM reloads them from fw_cfg on every boot) and the boot vCPU is put into the
 * kernel's entry state after every CPU reset.
 */

export interface DirectBootFiles {
  kernelPath: string;
  initrdPath?: string;
  append?: string;
}

/**
 * The memory map a BIOS would report (and the kernel gets, since no BIOS runs): low RAM up to the
 * EBDA, the EBDA and the BIOS segment reserved, RAM from 1 MiB, the accelerator's reserved pages,
 * the BIOS ROM at the top of 4 GiB, and RAM above 4 GiB.
 */
export function firmwareE820(pc: PcMachine, biosSize: number): E820Entry[] {
  const map: E820Entry[] = [
    { address: 0, length: 0x9fc00, type: E820_RAM },
    { address: 0x9fc00, length: 0x400, type: E820_RESERVED },
    { address: 0xf0000, length: 0x10000, type: E820_RESERVED },
    { address: 0x100000, length: pc.belowFourG - 0x100000, type: E820_RAM },
  ];
  for (const e of pc.e820) {
    if (e.type === E820_RESERVED) {
      map.push(e);
    }
  }
  map.push({ address: 2 ** 32 - biosSize, length: biosSize, type: E820_RESERVED });
  if (pc.aboveFourG > 0) {
    map.push({ address: 2 ** 32, length: pc.aboveFourG, type: E820_RAM });
  }
  return map.sort((a, b) => a.address - b.address);
}

function readOrFail(path: string, what: (e: NodeJS.ErrnoException) => string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new LinuxBootError(what(e as NodeJS.ErrnoException));
  }
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
};

function errnoText(e: NodeJS.ErrnoException): string {
  return ERRNO_TEXT[e.code ?? ""] ?? e.message;
}

/** QEMU's get_opt_value: splits on "," where ",," is a literal comma. */
function splitModules(spec: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ",") {
      if (spec[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      out.push(cur);
      cur = "";
      continue;
    }
    cur += spec[i]!;
  }
  out.push(cur);
  return out;
}

/** Loads the kernel (and initrd or multiboot modules) and arranges the direct boot. */
export function setupDirectBoot(pc: PcMachine, files: DirectBootFiles, biosSize: number): { kind: "linux" | "multiboot" | "vmlinux"; warnings: string[] } {
  const kernel = readOrFail(files.kernelPath, (e) => `qemu: could not open kernel file '${files.kernelPath}': ${errnoText(e)}`);
  const cmdline = files.append ?? "";
  const e820 = firmwareE820(pc, biosSize);
  let result: { boot: Parameters<typeof applyBootState>[1]; blobs: { name: string; addr: number; data: Uint8Array }[] };
  let kind: "linux" | "multiboot" | "vmlinux";
  const warnings: string[] = [];
  if (isLinuxKernel(kernel)) {
    const initrd = files.initrdPath === undefined ? undefined : readOrFail(files.initrdPath, () => `qemu: could not load initial ram disk '${files.initrdPath}'`);
    result = loadLinux(pc.guestMemory, pc.fwCfg, {
      kernel,
      kernelName: files.kernelPath,
      cmdline,
      belowFourG: pc.belowFourG,
      e820,
      ...(initrd !== undefined ? { initrd } : {}),
    });
    kind = "linux";
  } else {
    const modules: MultibootModule[] = [];
    if (files.initrdPath !== undefined) {
      for (const spec of splitModules(files.initrdPath)) {
        const file = spec.split(" ")[0]!;
        modules.push({ cmdline: spec, data: readOrFail(file, () => `Failed to open file '${file}'`) });
      }
    }
    const mb = loadMultiboot(pc.guestMemory, pc.fwCfg, { kernel, kernelName: files.kernelPath, cmdline, modules, e820 });
    if (mb !== undefined) {
      warnings.push(...mb.layout.warnings);
      result = mb;
      kind = "multiboot";
    } else if (isElf(kernel)) {
      // QEMU's next try after multiboot (load_elfboot): an uncompressed ELF kernel; see vmlinux-boot.ts.
      const initrd = files.initrdPath === undefined ? undefined : readOrFail(files.initrdPath, () => `qemu: could not load initial ram disk '${files.initrdPath}'`);
      result = loadVmlinux(pc.guestMemory, pc.fwCfg, {
        kernel,
        kernelName: files.kernelPath,
        cmdline,
        belowFourG: pc.belowFourG,
        e820,
        ...(initrd !== undefined ? { initrd } : {}),
      });
      kind = "vmlinux";
    } else {
      // QEMU would treat it as a protocol-0 "low" kernel and hand it to the real-mode setup path.
      throw new LinuxBootError(`qemu: ${files.kernelPath}: not a bzImage (no "HdrS" boot protocol header) nor a multiboot kernel`);
    }
  }
  for (const b of result.blobs) {
    pc.roms.addFixed(b.name, b.addr, b.data);
  }
  const bsp = pc.vcpus[0];
  if (bsp !== undefined) {
    const boot = result.boot;
    const apply = (): void => {
      // No firmware runs before the kernel: the loader does the firmware's PCI interrupt setup (pci-irq-setup.ts).
      firmwarePciIrqSetup(pc);
      applyBootState(bsp.vcpu, boot);
      bsp.resyncTsc();
    };
    pc.registerPostCpuReset(apply);
    apply();
    if (pc.kernelIrqchip !== undefined) {
      // The machine has local APICs and an IOAPIC: the firmware's MP table tells the kernel so (mptable.ts).
      pc.roms.addFixed("mptable", MPTABLE_START, buildMpTable(MPTABLE_START, {
        cpus: pc.vcpus.length,
        cpuSignature: pc.bootCpuid.signature,
        cpuFeatures: pc.bootCpuid.features,
        apicVersion: MP_KVM_APIC_VERSION,
        pci: firmwarePciInterrupts(pc),
        irq0Override: true,
      }));
    }
  }
  return { kind, warnings };
}
