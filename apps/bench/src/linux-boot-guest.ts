/**
 * The guest of the linux-boot benchmark: tooling/guests' Debian i386 kernel (the bzImage and the vmlinux
 * extracted from it) and initramfs, with its kernel command line, marker and prompt. `buildLinuxGuest`
 * reuses the cached build when its manifest still matches, and otherwise assembles it (apt-get download of
 * the pinned packages). The disk image is not used: see LINUX_BOOT_DEVICES.
 */
import { INIT_MARKER, LINUX_CMDLINE, LINUX_KERNEL_ABI, SHELL_PROMPT, buildLinuxGuest, type LinuxGuestPaths } from "@virtkit/guests";
import type { LinuxBootGuest } from "./linux-boot.js";

/** The guest's memory on every emulator (tooling/guests' boot session uses the same). */
export const LINUX_BOOT_MEMORY_MIB = 256;

interface Manifest {
  kernel?: { name?: string; version?: string };
  busybox?: { name?: string; version?: string };
  sha256?: Record<string, string>;
}

/** The benchmark's view of a built guest; `manifest` is what buildLinuxGuest recorded. */
export function linuxBootGuestFrom(paths: Pick<LinuxGuestPaths, "vmlinuz" | "vmlinux" | "initramfs">, manifest: Manifest): LinuxBootGuest {
  const pkg = (p: Manifest["kernel"]): string => `${p?.name ?? "?"} ${p?.version ?? "?"}`;
  const provenance: Record<string, string> = { kernel: pkg(manifest.kernel), busybox: pkg(manifest.busybox) };
  for (const f of ["vmlinuz", "vmlinux", "initramfs.cpio"]) {
    const sum = manifest.sha256?.[f];
    if (sum !== undefined) provenance[`${f} sha256`] = sum;
  }
  return {
    vmlinuz: paths.vmlinuz,
    vmlinux: paths.vmlinux,
    initramfs: paths.initramfs,
    cmdline: LINUX_CMDLINE,
    memoryMiB: LINUX_BOOT_MEMORY_MIB,
    marker: INIT_MARKER,
    prompt: SHELL_PROMPT,
    kernelVersion: `Linux version ${LINUX_KERNEL_ABI}`,
    provenance,
  };
}

/** Builds or reuses tooling/guests' Linux guest; throws LinuxGuestError (from @virtkit/guests) when it cannot. */
export function linuxBootGuest(log?: (line: string) => void): LinuxBootGuest {
  const built = buildLinuxGuest(log === undefined ? {} : { log });
  return linuxBootGuestFrom(built, built.manifestData);
}
