/**
 * The Linux boot on v86 (npm package v86, its x86-to-wasm JIT on), in this process: the same bzImage,
 * initramfs and command line through v86's own Linux loader (`bzimage`, `initrd`, `cmdline`: it writes the
 * setup header and hands SeaBIOS an option ROM that enters the kernel's real-mode setup code), Debian's
 * SeaBIOS (/usr/share/seabios/bios.bin, the one QEMU boots) as the firmware, and COM1's output from the
 * `serial0-output-byte` event. No VGA BIOS: QEMU and virtkit run with -nodefaults and no display adapter, the
 * console is ttyS0, and the kernel boots without one (v86's VGA card itself cannot be removed; it stays
 * uninitialised). No disk and no network: v86 has IDE but no virtio-blk, so no runner gets a disk.
 * The clock starts just before `new V86()` (wasm instantiation, memory, devices, firmware are inside it);
 * CPU time is this process's (user + system), which does nothing else meanwhile.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { V86, V86Options } from "v86";
import { BootFailure, BootMilestones, type BootTimes } from "../boot-milestones.js";
import type { LinuxBootGuest, LinuxBootRunner } from "../linux-boot.js";
import { processCpuMs } from "../runner.js";
import { LINUX_BOOT_HANG_GUARD_MS, type BootOptions } from "./linux-boot-process.js";

const require = createRequire(import.meta.url);

/** Debian's SeaBIOS (package seabios), the 128 KiB image for the i440FX pc machine. */
export const SEABIOS_PATH = "/usr/share/seabios/bios.bin";

export function v86LinuxMissing(biosPath = SEABIOS_PATH): string | null {
  try {
    require.resolve("v86/build/v86.wasm");
  } catch {
    return "the npm package v86 is not installed (pnpm install in apps/bench)";
  }
  try {
    readFileSync(biosPath, { flag: "r" }).subarray(0, 1);
  } catch {
    return `${biosPath} not found (Debian package: seabios)`;
  }
  return null;
}

/** A file as the ArrayBuffer v86 wants (its own copy: v86 keeps and may write into it). */
function fileBuffer(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

/** v86's options for the boot: the images, the command line, the memory size, and nothing else attached. */
export function v86LinuxOptions(guest: LinuxBootGuest, files: { bios: ArrayBuffer; bzimage: ArrayBuffer; initrd: ArrayBuffer }): V86Options {
  return {
    wasm_path: require.resolve("v86/build/v86.wasm"),
    bios: { buffer: files.bios },
    bzimage: { buffer: files.bzimage },
    initrd: { buffer: files.initrd },
    cmdline: guest.cmdline,
    memory_size: guest.memoryMiB << 20,
    autostart: true,
    disable_jit: false,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  };
}

/**
 * Boots once in this process: resolves with the console's milestones once `until` is reached (the emulator is
 * then destroyed), rejects with what went wrong.
 */
export async function bootOnV86(guest: LinuxBootGuest, opts: BootOptions & { biosPath?: string } = {}): Promise<BootMilestones> {
  const hangGuardMs = opts.hangGuardMs ?? LINUX_BOOT_HANG_GUARD_MS;
  const { V86: V86Class } = await import("v86");
  const options = v86LinuxOptions(guest, { bios: fileBuffer(opts.biosPath ?? SEABIOS_PATH), bzimage: fileBuffer(guest.vmlinuz), initrd: fileBuffer(guest.initramfs) });
  return new Promise<BootMilestones>((done, fail) => {
    const console_ = new BootMilestones(guest.marker, guest.prompt, opts.until);
    let outcome: { ok: true } | { error: Error } | null = null;
    // The guard's callback runs long after `end` exists.
    const guard = setTimeout(() => {
      end({ error: new BootFailure(`no ${console_.next ?? "prompt"} after ${hangGuardMs / 60_000} minutes; the console last printed: ${console_.tail()}`) });
    }, hangGuardMs);
    const c0 = processCpuMs();
    const t0 = performance.now();
    const emulator: V86 = new V86Class(options);
    const end = (o: { ok: true } | { error: Error }): void => {
      if (outcome !== null) return;
      outcome = o;
      clearTimeout(guard);
      process.off("uncaughtException", onCrash);
      emulator.remove_listener("serial0-output-byte", onByte);
      void emulator.destroy().then(
        () => {
          if ("ok" in o) done(console_);
          else fail(o.error);
        },
        (e: unknown) => {
          fail(e instanceof Error ? e : new Error(String(e)));
        },
      );
    };
    const onByte = (byte: number): void => {
      if (outcome !== null) return;
      const times: BootTimes = { wallMs: performance.now() - t0, cpuMs: processCpuMs() - c0 };
      try {
        console_.feed(String.fromCharCode(byte), times);
      } catch (e) {
        end({ error: e instanceof Error ? e : new Error(String(e)) });
        return;
      }
      if (console_.done) end({ ok: true });
    };
    // v86 runs from timers of this process: an error inside it (an abort on something it does not
    // implement) surfaces as an uncaught exception, which ends this boot instead of the whole harness.
    const onCrash = (e: unknown): void => {
      end({ error: new BootFailure(`v86 stopped with an internal error: ${e instanceof Error ? e.message : String(e)}; the console last printed: ${console_.tail()}`) });
    };
    process.on("uncaughtException", onCrash);
    emulator.add_listener("serial0-output-byte", onByte);
  });
}

export const v86LinuxRunner: LinuxBootRunner = {
  id: "v86-jit",
  title: "v86 (JIT), bzImage",
  group: "peer",
  kernel: "bzImage",
  unavailable: () => v86LinuxMissing(),
  boot: async (guest) => (await bootOnV86(guest)).record(),
  describe: (guest) => `v86 in-process: bios ${SEABIOS_PATH}, bzimage vmlinuz, initrd initramfs.cpio, cmdline "${guest.cmdline}", memory_size ${guest.memoryMiB} MiB, JIT on, no VGA BIOS, no disk, no network`,
};
