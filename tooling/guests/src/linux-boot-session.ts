/**
 * The scripted session on the Linux guest (tooling/guests/linux/boot-test.sh, the VIRTKIT_LINUX_BOOT test on
 * qemu-system, and apps/libvirtd's test through virsh console): boot to the initramfs marker and the busybox
 * prompt, then what a person would check on a new machine — uname, /proc/cpuinfo, /proc/interrupts, the virtio
 * lines of dmesg, the virtio disk mounted, read and written — and `reboot -f`, after which the machine must
 * reset and boot to the prompt again. The commands and what their outputs must show are tables here, so every
 * way of reaching the console types and checks the same things.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasCommand } from "./host-tools.js";
import { DISK_HELLO, INIT_MARKER, LINUX_CMDLINE, LINUX_KERNEL_ABI, SHELL_PROMPT, type LinuxGuestPaths } from "./linux-guest.js";
import { type ProcessTimes, SerialSession, commandOutput, consoleText } from "./serial-session.js";

/** What the guest writes to its virtio disk, and where (the ext2 root): read back in the guest and on the host. */
export const GUEST_WRITTEN_FILE = "guest.txt";
export const GUEST_WRITTEN_TEXT = "written-by-the-guest";

/** The commands typed at the prompt, in order; `name` is the key their output is kept under. */
export const LINUX_SESSION_COMMANDS = [
  { name: "uname", line: "uname -a" },
  { name: "cpuinfo", line: "cat /proc/cpuinfo" },
  { name: "interrupts", line: "cat /proc/interrupts" },
  { name: "dmesgVirtio", line: "dmesg | grep -i virtio" },
  { name: "mount", line: "mkdir -p /mnt/disk && mount -t ext2 /dev/vda /mnt/disk && echo mounted" },
  { name: "diskHello", line: "cat /mnt/disk/hello.txt" },
  // written, synced and unmounted, then mounted again: the text read back comes from the disk, not the page cache
  { name: "diskWrite", line: `echo ${GUEST_WRITTEN_TEXT} > /mnt/disk/${GUEST_WRITTEN_FILE} && sync && umount /mnt/disk && echo unmounted` },
  { name: "remount", line: "mount -t ext2 /dev/vda /mnt/disk" },
  { name: "diskReadBack", line: `cat /mnt/disk/${GUEST_WRITTEN_FILE} && umount /mnt/disk` },
] as const;

export type SessionCommandName = (typeof LINUX_SESSION_COMMANDS)[number]["name"];
export type SessionOutputs = Record<SessionCommandName, string>;

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

/**
 * The interrupt controller Linux drives on virtkit's pc machine: the IOAPIC with a local APIC by default (the
 * kvm module's in-kernel irqchip, as QEMU uses it when KVM has one; the MP table for direct boot), or the 8259
 * pair with -machine kernel_irqchip=off (the device layer's own PIC and PIT, and no local APIC).
 */
export type LinuxInterruptController = "ioapic" | "8259";

const INTERRUPT_EXPECTATIONS: Record<LinuxInterruptController, readonly { name: SessionCommandName; what: string; pattern: RegExp }[]> = {
  ioapic: [
    { name: "interrupts", what: "/proc/interrupts: the timer on IOAPIC pin 2", pattern: /^\s*0:\s+\d+\s+IO-APIC\s+2-edge\s+timer$/m },
    { name: "interrupts", what: "/proc/interrupts: COM1 on IOAPIC pin 4", pattern: /^\s*4:\s+\d+\s+IO-APIC\s+4-edge\s+ttyS0$/m },
    { name: "interrupts", what: "/proc/interrupts: the virtio devices on IOAPIC pins, level-triggered", pattern: /^\s*\d+:\s+\d+\s+IO-APIC\s+\d+-fasteoi\s+.*\bvirtio0\b/m },
    { name: "interrupts", what: "/proc/interrupts: the local APIC timer ticks", pattern: /^\s*LOC:\s+[1-9]\d*\s+Local timer interrupts$/m },
  ],
  "8259": [
    { name: "interrupts", what: "/proc/interrupts: COM1 on IRQ 4 of the 8259", pattern: /^\s*4:\s+\d+\s+XT-PIC\s+ttyS0$/m },
    { name: "interrupts", what: "/proc/interrupts: the virtio devices' interrupts", pattern: /^\s*\d+:\s+\d+\s+XT-PIC\s+.*\bvirtio0\b/m },
  ],
};

/**
 * What the outputs must show on virtkit's pc machine: Debian's kernel, the CPU model virtkit advertises (QEMU's
 * qemu32 name), the serial port and the virtio devices on the interrupt controller the machine has, the virtio
 * disk found, the ext2 file made by mke2fs read, and the guest's own file read back after a remount.
 */
export function linuxSessionExpectations(controller: LinuxInterruptController): readonly { name: SessionCommandName; what: string; pattern: RegExp }[] {
  return [
    { name: "uname", what: "uname -a: Debian's 686 kernel", pattern: new RegExp(`^Linux virtkit ${LINUX_KERNEL_ABI.replace(/\./g, "\\.")} #1 SMP PREEMPT_DYNAMIC Debian 6\\.1\\.176-1 .* i686 GNU/Linux$`, "m") },
    { name: "cpuinfo", what: "/proc/cpuinfo: the CPU model virtkit advertises", pattern: /^model name\s*: QEMU Virtual CPU version 2\.5\+$/m },
    ...INTERRUPT_EXPECTATIONS[controller],
    { name: "dmesgVirtio", what: "dmesg: the virtio disk found", pattern: /virtio_blk virtio\d: \[vda\] 32768 512-byte logical blocks/ },
    { name: "mount", what: "the ext2 disk mounted", pattern: exactly("mounted\n") },
    { name: "diskHello", what: "hello.txt from the disk image", pattern: exactly(DISK_HELLO) },
    { name: "diskWrite", what: "the written file synced and the disk unmounted", pattern: exactly("unmounted\n") },
    { name: "remount", what: "mounted again, silently", pattern: exactly("") },
    { name: "diskReadBack", what: "the guest's file read back from the remounted disk", pattern: exactly(`${GUEST_WRITTEN_TEXT}\n`) },
  ];
}

/** Lines on the console that mean something of ours went wrong on the way (an unchecked MSR, a missing IRQ, an oops). */
export const LINUX_CONSOLE_FAULTS = /unchecked MSR access|can't find IRQ|BUG:|Oops|Call Trace/;

/**
 * The guest's file as the host sees it in the disk image, read by e2fsprogs' debugfs (without mounting), or
 * undefined when debugfs is not installed.
 */
export function guestFileOnHost(image: string, file = GUEST_WRITTEN_FILE): string | undefined {
  if (!hasCommand("debugfs")) return undefined;
  const r = spawnSync("debugfs", ["-R", `cat /${file}`, image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return r.stdout;
}

/** apps/qemu-system's CLI in this repository (built by `pnpm --filter qemu-system build`). */
export const VIRTKIT_QEMU_CLI = fileURLToPath(new URL("../../../apps/qemu-system/dist/cli.js", import.meta.url));

export type Emulator = "virtkit" | "qemu";
export type BootPath = "bzImage" | "vmlinux";

export interface BootOptions {
  emulator: Emulator;
  path: BootPath;
  guest: Pick<LinuxGuestPaths, "vmlinuz" | "vmlinux" | "initramfs" | "disk">;
  /** Extra kernel parameters after LINUX_CMDLINE. */
  append?: string;
  memoryMiB?: number;
  /** Also plug virtio-net, virtio-serial (virtio_console) and virtio-rng (default true). */
  allVirtio?: boolean;
  /** A file that gets the console output as it arrives. */
  consoleLog?: string;
  /** Extra -machine properties after "pc" (e.g. "kernel_irqchip=off"). */
  machineOptions?: string;
  /** runLinuxSession: end with `reboot -f` and the second boot to the prompt (default true). */
  reboot?: boolean;
}

/** The command line (argv) for either emulator: the same machine, devices and console. */
export function bootArgv(o: BootOptions, disk: string): string[] {
  const kernel = o.path === "bzImage" ? o.guest.vmlinuz : o.guest.vmlinux;
  const cmdline = o.append === undefined || o.append === "" ? LINUX_CMDLINE : `${LINUX_CMDLINE} ${o.append}`;
  const args = [
    "-M", o.machineOptions === undefined || o.machineOptions === "" ? "pc" : `pc,${o.machineOptions}`, "-m", String(o.memoryMiB ?? 256), "-nodefaults", "-display", "none",
    "-kernel", kernel, "-initrd", o.guest.initramfs, "-append", cmdline,
    "-drive", `file=${disk},if=virtio,format=raw`,
    "-serial", "stdio",
  ];
  if (o.allVirtio !== false) {
    args.push("-device", "virtio-rng-pci", "-device", "virtio-serial-pci", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0");
  }
  return o.emulator === "virtkit" ? [process.execPath, VIRTKIT_QEMU_CLI, ...args] : ["qemu-system-i386", "-accel", "tcg", ...args];
}

export interface SessionResult extends SessionOutputs {
  argv: string[];
  toMarker: ProcessTimes;
  toPrompt: ProcessTimes;
  /** The second boot (after `reboot -f`), from typing the command to the prompt; undefined with `reboot: false`. */
  rebootToPrompt: ProcessTimes | undefined;
  diskImage: string;
  transcript: string;
}

/** Boots to the marker only (the CI smoke); returns the times. */
export async function bootToMarker(o: BootOptions): Promise<{ argv: string[]; toMarker: ProcessTimes; transcript: string }> {
  const disk = scratchDisk(o.guest.disk);
  const argv = bootArgv(o, disk);
  const s = new SerialSession(argv, o.consoleLog === undefined ? {} : { consoleLog: o.consoleLog });
  try {
    await s.expect(INIT_MARKER);
    return { argv, toMarker: s.times(), transcript: s.transcript };
  } finally {
    await s.kill();
  }
}

function scratchDisk(disk: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), "virtkit-linux-")), "disk.ext2");
  copyFileSync(disk, copy);
  return copy;
}

/** The whole scripted session; `log` sees each step as it happens. */
export async function runLinuxSession(o: BootOptions, log: (line: string) => void = () => undefined): Promise<SessionResult> {
  const disk = scratchDisk(o.guest.disk);
  const argv = bootArgv(o, disk);
  log(`$ ${argv.join(" ")}`);
  const s = new SerialSession(argv, o.consoleLog === undefined ? {} : { consoleLog: o.consoleLog });
  const p = SHELL_PROMPT;
  try {
    await s.expect(INIT_MARKER);
    const toMarker = s.times();
    log(`initramfs marker after ${fmt(toMarker)}`);
    await s.expect(p);
    const toPrompt = s.times();
    log(`shell prompt after ${fmt(toPrompt)}`);
    const outputs = {} as SessionOutputs;
    for (const c of LINUX_SESSION_COMMANDS) outputs[c.name] = await s.run(c.line, p);
    if (o.reboot === false) return { argv, toMarker, toPrompt, ...outputs, rebootToPrompt: undefined, diskImage: disk, transcript: s.transcript };
    log("reboot -f");
    const before = s.times();
    s.type("reboot -f");
    await s.expect("Linux version");
    await s.expect(INIT_MARKER);
    await s.expect(p);
    const after = s.times();
    const rebootToPrompt = { wallMs: after.wallMs - before.wallMs, cpuMs: after.cpuMs - before.cpuMs };
    log(`prompt again ${fmt(rebootToPrompt)} after reboot -f`);
    return { argv, toMarker, toPrompt, ...outputs, rebootToPrompt, diskImage: disk, transcript: s.transcript };
  } finally {
    await s.kill();
  }
}

export function fmt(t: ProcessTimes): string {
  return `${(t.wallMs / 1000).toFixed(1)} s wall, ${(t.cpuMs / 1000).toFixed(1)} s CPU`;
}

/** One step of a terminal script: wait for text, or type bytes (the steps packages/virsh's pty driver runs). */
export type ConsoleStep = { expect: string } | { send: string };

/** Typed at the prompt after `reboot -f`: the second boot's shell reads the console too. */
export const AFTER_REBOOT_COMMAND = "uname -r";

export interface ConsoleSessionReading extends SessionOutputs {
  /** The first boot as the console showed it (escape sequences and CRs removed), up to the first prompt. */
  boot: string;
  /** From the `reboot -f` typed to the prompt of the second boot. */
  reboot: string;
  /** What AFTER_REBOOT_COMMAND printed. */
  afterReboot: string;
  /** The whole console, as text. */
  text: string;
}

export interface ConsoleSessionScript {
  /** From the first kernel line to the prompt after the reboot and one command there (the caller adds how it leaves). */
  steps: ConsoleStep[];
  /**
   * The outputs, from everything the terminal showed and the offset each step reached in it (the pty driver's
   * `marks`); throws when the session did not get through every step.
   */
  read(output: string, marks: readonly number[]): ConsoleSessionReading;
}

/**
 * The scripted session as a terminal script, for a console reached through something that replays the guest's
 * output (virsh console): the kernel's log from "Linux version", the initramfs marker, the prompt, each of
 * LINUX_SESSION_COMMANDS, `reboot -f` and the same three again, then AFTER_REBOOT_COMMAND.
 */
export function linuxConsoleScript(): ConsoleSessionScript {
  return consoleScript<SessionCommandName>(LINUX_SESSION_COMMANDS, true);
}

/**
 * The two-vCPU session (a domain with <vcpu>2</vcpu> and the in-kernel irqchip): boot to the prompt, then
 * LINUX_SMP_SESSION_COMMANDS; no reboot.
 */
export function linuxSmpConsoleScript(): {
  steps: ConsoleStep[];
  read(output: string, marks: readonly number[]): Record<SmpCommandName, string> & { boot: string; text: string };
} {
  return consoleScript(LINUX_SMP_SESSION_COMMANDS, false);
}

/** The commands typed on the two-vCPU guest. */
export const LINUX_SMP_SESSION_COMMANDS = [
  { name: "processors", line: "grep -c ^processor /proc/cpuinfo" },
  { name: "interrupts", line: "cat /proc/interrupts" },
  { name: "dmesgSmp", line: "dmesg | grep -E 'smp:|TIMER|IOAPIC|MP-BIOS|APIC'" },
] as const;
export type SmpCommandName = (typeof LINUX_SMP_SESSION_COMMANDS)[number]["name"];

/**
 * What the two-vCPU guest must show: both processors, the PIT's IRQ 0 on IOAPIC pin 2 (the MP table's IRQ0
 * override, and the kernel's check that the timer works through the IOAPIC passed), COM1 and the virtio
 * devices on the IOAPIC, each CPU's local APIC timer ticking, IPIs between them, and the boot's own account.
 */
export const LINUX_SMP_SESSION_EXPECTATIONS: readonly { name: SmpCommandName; what: string; pattern: RegExp }[] = [
  { name: "processors", what: "/proc/cpuinfo lists two processors", pattern: exactly("2\n") },
  { name: "interrupts", what: "/proc/interrupts: the timer on IOAPIC pin 2", pattern: /^\s*0:\s+\d+\s+\d+\s+IO-APIC\s+2-edge\s+timer$/m },
  { name: "interrupts", what: "/proc/interrupts: COM1 on IOAPIC pin 4", pattern: /^\s*4:\s+\d+\s+\d+\s+IO-APIC\s+4-edge\s+ttyS0$/m },
  { name: "interrupts", what: "/proc/interrupts: the virtio devices on IOAPIC pins, level-triggered", pattern: /^\s*\d+:\s+\d+\s+\d+\s+IO-APIC\s+\d+-fasteoi\s+.*\bvirtio0\b/m },
  { name: "interrupts", what: "/proc/interrupts: both local APIC timers tick", pattern: /^\s*LOC:\s+[1-9]\d*\s+[1-9]\d*\s+Local timer interrupts$/m },
  { name: "interrupts", what: "/proc/interrupts: function-call IPIs reached both CPUs", pattern: /^\s*CAL:\s+[1-9]\d*\s+[1-9]\d*\s+Function call interrupts$/m },
  { name: "dmesgSmp", what: "dmesg: the second CPU came up", pattern: /smp: Brought up 1 node, 2 CPUs/ },
  { name: "dmesgSmp", what: "dmesg: symmetric I/O mode with the IOAPIC", pattern: /Enabling APIC mode: {2}Flat\. {2}Using 1 I\/O APICs/ },
  { name: "dmesgSmp", what: "dmesg: the timer through IOAPIC pin 2", pattern: /\.\.TIMER: vector=0x30 apic1=0 pin1=2/ },
];

/** A console script from the first kernel line: the commands at the prompt, and with `reboot` the reboot and one more. */
function consoleScript<N extends string>(commands: readonly { name: N; line: string }[], reboot: boolean): {
  steps: ConsoleStep[];
  read(output: string, marks: readonly number[]): Record<N, string> & { afterReboot: string; boot: string; reboot: string; text: string };
} {
  const p = SHELL_PROMPT;
  const steps: ConsoleStep[] = [{ expect: "Linux version " }, { expect: INIT_MARKER }, { expect: p }];
  const firstPrompt = steps.length - 1;
  const typed: { name: string; line: string; from: number; to: number }[] = [];
  const type = (name: string, line: string): void => {
    const from = steps.length - 1;
    steps.push({ send: `${line}\r` }, { expect: p });
    typed.push({ name, line, from, to: steps.length - 1 });
  };
  for (const c of commands) type(c.name, c.line);
  const rebootFrom = steps.length - 1;
  if (reboot) {
    steps.push({ send: "reboot -f\r" }, { expect: "Linux version " }, { expect: INIT_MARKER }, { expect: p });
    type("afterReboot", AFTER_REBOOT_COMMAND);
  }
  const rebootTo = reboot ? steps.length - 3 : rebootFrom;
  return {
    steps,
    read(output, marks) {
      if (marks.length < steps.length) {
        throw new Error(`the console session stopped after step ${String(marks.length)} of ${String(steps.length)}`);
      }
      const at = (i: number): number => marks[i] ?? 0;
      const outputs: Record<string, string> = {};
      for (const t of typed) outputs[t.name] = commandOutput(consoleText(output.slice(at(t.from), at(t.to) - p.length)), t.line);
      return {
        afterReboot: "",
        ...outputs,
        boot: consoleText(output.slice(0, at(firstPrompt))),
        reboot: consoleText(output.slice(at(rebootFrom), at(rebootTo))),
        text: consoleText(output),
      } as Record<N, string> & { afterReboot: string; boot: string; reboot: string; text: string };
    },
  };
}
