/**
 * QEMU's command line for the benchmark ROM: an ISA PC with the ROM as its BIOS, port 0xE9 on stdout
 * (-debugcon stdio) and isa-debug-exit at 0x501 to end the process. The same arguments run the real
 * qemu-system-i386 with TCG (Debian qemu-system-x86) and virtkit's qemu-system (apps/qemu-system: the
 * PC machine of @virtkit/qemu on virtkit's kvm module and CPU: the full VMX -> kvm -> device path).
 */
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "../host-tools.js";
import { GuestProtocol, type GuestEvent } from "../guest-protocol.js";
import { romFor } from "../rom.js";
import type { Runner } from "../runner.js";
import { runSpawnedGuest, withTempDir, type StdoutParser } from "./spawned-guest.js";

export function qemuArgs(romPath: string, accel: "tcg" | null): string[] {
  return [
    "-nodefaults",
    "-machine", "isapc",
    ...(accel === null ? [] : ["-accel", accel]),
    "-m", "32",
    "-bios", romPath,
    "-display", "none",
    "-monitor", "none",
    "-serial", "none",
    "-parallel", "none",
    "-no-reboot",
    "-debugcon", "stdio",
    "-device", "isa-debug-exit,iobase=0x501,iosize=2",
  ];
}

/** QEMU's stdout is exactly the guest's port 0xE9 bytes. */
export function debugconParser(): StdoutParser {
  const proto = new GuestProtocol();
  return {
    feed(text: string, event: (e: GuestEvent) => void): void {
      for (let i = 0; i < text.length; i++) {
        const e = proto.byte(text.charCodeAt(i));
        if (e !== null) event(e);
      }
    },
    registers: () => proto.registers,
    extra: () => ({}),
    describe: () => JSON.stringify(proto.output),
  };
}

// Not apps/qemu-system's bin of the same name, which pnpm puts on PATH under node_modules/.bin.
export const qemuBinary = (): string | undefined => findExecutable("qemu-system-i386", { skipNodeModules: true });

export const qemuTcgRunner: Runner = {
  id: "qemu-tcg",
  title: "QEMU TCG (qemu-system-i386)",
  group: "peer",
  unavailable: () => (qemuBinary() === undefined ? "qemu-system-i386 not found (Debian package: qemu-system-x86)" : null),
  supports: () => true,
  run: (w, n) => withTempDir({ "rom.bin": romFor(w, n) }, (dir) => runSpawnedGuest("qemu-tcg", qemuBinary() ?? "qemu-system-i386", qemuArgs(join(dir, "rom.bin"), "tcg"), debugconParser())),
};

/** apps/qemu-system's built CLI, found through the workspace dependency. */
export function virtkitQemuCli(): string | null {
  try {
    const cli = join(fileURLToPath(import.meta.resolve("qemu-system")), "..", "cli.js");
    return existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

export const virtkitQemuRunner: Runner = {
  id: "virtkit-qemu-kvm",
  title: "virtkit qemu-system (CPU + kvm + device layer)",
  group: "virtkit",
  unavailable: () => (virtkitQemuCli() === null ? "apps/qemu-system is not built (pnpm turbo run build --filter=bench...)" : null),
  supports: () => true,
  run: (w, n) => withTempDir({ "rom.bin": romFor(w, n) }, (dir) => runSpawnedGuest("virtkit-qemu-kvm", process.execPath, [virtkitQemuCli() ?? "", ...qemuArgs(join(dir, "rom.bin"), null)], debugconParser())),
};
