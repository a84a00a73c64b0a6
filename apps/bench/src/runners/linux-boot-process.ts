/**
 * The Linux boot on an emulator that runs as a child process with its serial console on stdio: QEMU TCG
 * (Debian's qemu-system-i386) and virtkit's qemu-system (apps/qemu-system: our CPU under our VMX and kvm
 * module, the pc machine of @virtkit/qemu), with the same machine options. The clock starts just before
 * spawn(); each milestone gets the wall time of the stdout chunk that completed it and the child's CPU time
 * (utime + stime of all its threads, /proc/<pid>/stat) read at that moment. At the prompt the child is killed.
 */
import { spawn } from "node:child_process";
import { basename } from "node:path";
import { childCpuMs } from "../child-process-clock.js";
import { BootFailure, BootMilestones, type BootMilestone } from "../boot-milestones.js";
import type { KernelImage, LinuxBootGuest, LinuxBootRunner } from "../linux-boot.js";
import { qemuBinary, virtkitQemuCli } from "./qemu.js";

/** A guard against a hung emulator (a virtkit boot takes minutes on a busy machine), not a measurement limit. */
export const LINUX_BOOT_HANG_GUARD_MS = 60 * 60_000;

/**
 * The machine options both emulators get: the pc machine, the memory, no default devices (no VGA, no NIC,
 * no IDE disk: `-nodefaults`), direct kernel boot of the chosen image with the initramfs and command line,
 * COM1 on stdio.
 */
export function linuxBootMachineArgs(guest: LinuxBootGuest, kernel: KernelImage): string[] {
  return [
    "-M", "pc",
    "-m", String(guest.memoryMiB),
    "-nodefaults",
    "-display", "none",
    "-kernel", kernel === "vmlinux" ? guest.vmlinux : guest.vmlinuz,
    "-initrd", guest.initramfs,
    "-append", guest.cmdline,
    "-serial", "stdio",
  ];
}

/** QEMU TCG: the real QEMU boots only the bzImage (an ELF kernel needs a PVH note, which this kernel lacks). */
export function qemuTcgLinuxArgv(guest: LinuxBootGuest, binary: string): string[] {
  return [binary, "-accel", "tcg", ...linuxBootMachineArgs(guest, "bzImage")];
}

/** virtkit's qemu-system under this Node (the accelerator is always virtkit's kvm module). */
export function virtkitLinuxArgv(guest: LinuxBootGuest, kernel: KernelImage, cli: string): string[] {
  return [process.execPath, cli, ...linuxBootMachineArgs(guest, kernel)];
}

/** argv as a POSIX shell command line: words with characters the shell would interpret are single-quoted. */
export function shellWords(argv: readonly string[]): string {
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(" ");
}

/** The guest with its files named by their base names: for the invocation shown in the results. */
export function withFileNames(guest: LinuxBootGuest): LinuxBootGuest {
  return { ...guest, vmlinuz: basename(guest.vmlinuz), vmlinux: basename(guest.vmlinux), initramfs: basename(guest.initramfs) };
}

export interface BootOptions {
  /** Where to stop (default: the shell prompt). */
  until?: BootMilestone;
  hangGuardMs?: number;
}

/**
 * Boots once: resolves with the console's milestones once `until` is reached (the child is then killed),
 * rejects with what went wrong.
 */
export function bootChildProcess(label: string, argv: readonly string[], guest: LinuxBootGuest, opts: BootOptions = {}): Promise<BootMilestones> {
  const hangGuardMs = opts.hangGuardMs ?? LINUX_BOOT_HANG_GUARD_MS;
  return new Promise<BootMilestones>((done, fail) => {
    const console_ = new BootMilestones(guest.marker, guest.prompt, opts.until);
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    const pid = child.pid ?? -1;
    let stderr = "";
    let outcome: { ok: true } | { error: Error } | null = null;
    // The guard's callback runs long after `end` exists.
    const guard = setTimeout(() => {
      end({ error: new BootFailure(`no ${console_.next ?? "prompt"} after ${hangGuardMs / 60_000} minutes; the console last printed: ${console_.tail()}`) });
    }, hangGuardMs);
    const end = (o: { ok: true } | { error: Error }): void => {
      if (outcome !== null) return;
      outcome = o;
      clearTimeout(guard);
      child.kill("SIGKILL");
    };
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (text: string) => {
      if (outcome !== null) return;
      try {
        console_.feed(text, { wallMs: performance.now() - t0, cpuMs: childCpuMs(pid) });
      } catch (e) {
        end({ error: e instanceof Error ? e : new Error(String(e)) });
        return;
      }
      if (console_.done) end({ ok: true });
    });
    child.stderr.setEncoding("latin1");
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    child.on("error", (e) => {
      end({ error: new Error(`${label}: cannot start ${argv[0]!}: ${e.message}`) });
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      if (outcome === null) {
        const how = signal === null ? `exit status ${code ?? "?"}` : `signal ${signal}`;
        outcome = { error: new BootFailure(`${label} ended (${how}) before the ${console_.next ?? "prompt"}; the console last printed: ${console_.tail()}${stderr.trim() === "" ? "" : `; stderr: ${stderr.trim().slice(-600)}`}`) };
      }
      if ("ok" in outcome) done(console_);
      else fail(outcome.error);
    });
  });
}

export const qemuTcgLinuxRunner: LinuxBootRunner = {
  id: "qemu-tcg",
  title: "QEMU TCG (qemu-system-i386), bzImage",
  group: "peer",
  kernel: "bzImage",
  unavailable: () => (qemuBinary() === undefined ? "qemu-system-i386 not found (Debian package: qemu-system-x86)" : null),
  boot: async (guest) => (await bootChildProcess("qemu-system-i386", qemuTcgLinuxArgv(guest, qemuBinary() ?? "qemu-system-i386"), guest)).record(),
  describe: (guest) => shellWords(qemuTcgLinuxArgv(withFileNames(guest), "qemu-system-i386")),
};

export function virtkitLinuxRunner(kernel: KernelImage): LinuxBootRunner {
  return {
    id: kernel === "vmlinux" ? "virtkit-vmlinux" : "virtkit-bzimage",
    title: `virtkit qemu-system (CPU + kvm + device layer), ${kernel}`,
    group: "virtkit",
    kernel,
    unavailable: () => (virtkitQemuCli() === null ? "apps/qemu-system is not built (pnpm turbo run build --filter=bench...)" : null),
    boot: async (guest) => (await bootChildProcess("virtkit qemu-system", virtkitLinuxArgv(guest, kernel, virtkitQemuCli() ?? ""), guest)).record(),
    describe: (guest) => shellWords(["node", "apps/qemu-system/dist/cli.js", ...linuxBootMachineArgs(withFileNames(guest), kernel)]),
  };
}
