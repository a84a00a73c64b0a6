/*
 * qemu-system's command line (QEMU qemu-options.def and softmmu/vl.c lookup_opt): every option
 * QEMU 7.2 knows, whether it takes an argument, and whether virtkit implements it. Options are
 * "-name" or "--name"; an argument is the next word. A word not starting with '-' is the legacy
 * "-hda" image. Errors are QEMU's: "-foo: invalid option", "-m: requires an argument".
 */

export class QemuCliError extends Error {
  constructor(
    message: string,
    /** The option the error is about, printed as QEMU's location prefix ("-m 0x: "). */
    readonly location?: string,
    /** Process exit status (QEMU uses 1 for configuration errors). */
    readonly status = 1,
  ) {
    super(message);
  }
}

/** Options that take no argument (QEMU's entries without HAS_ARG). */
const NO_ARG = new Set([
  "h", "help", "version", "audio-help", "snapshot", "usb", "nographic", "portrait", "full-screen", "win2k-hack",
  "no-fd-bootchk", "no-acpi", "no-hpet", "singlestep", "preconfig", "S", "s", "enable-kvm", "xen-attach",
  "xen-domid-restrict", "no-reboot", "no-shutdown", "daemonize", "only-migratable", "nodefaults", "no-user-config",
  "enable-sync-profile", "async-teardown", "mem-prealloc", "alt-grab", "ctrl-grab", "no-quit", "sdl", "curses",
  "enable-fips", "semihosting", "old-param", "no-frame",
]);

/** Options that take an argument. */
const WITH_ARG = new Set([
  "machine", "M", "cpu", "accel", "smp", "numa", "add-fd", "set", "global", "boot", "m", "mem-path", "k", "audio",
  "audiodev", "device", "name", "uuid", "fda", "fdb", "hda", "hdb", "hdc", "hdd", "cdrom", "blockdev", "drive",
  "mtdblock", "sd", "pflash", "fsdev", "virtfs", "virtfs_synth", "iscsi", "usbdevice", "display", "rotate", "vga",
  "vnc", "spice", "acpitable", "smbios", "netdev", "nic", "net", "chardev", "tpmdev", "bios", "kernel", "append",
  "initrd", "dtb", "compat", "fw_cfg", "serial", "parallel", "monitor", "qmp", "qmp-pretty", "mon", "debugcon",
  "pidfile", "gdb", "d", "D", "dfilter", "seed", "L", "xen-domid", "action", "loadvm", "option-rom", "rtc", "icount",
  "watchdog-action", "echr", "incoming", "chroot", "runas", "sandbox", "readconfig", "trace", "plugin", "msg",
  "dump-vmstate", "object", "overcommit", "soundhw", "semihosting-config", "g", "prom-env", "virtioconsole",
  "show-cursor", "tb-size", "xen-domid", "watchdog", "balloon", "qtest", "qtest-log",
]);

/** The options virtkit's qemu-system-i386 implements; the rest are refused with a specific error. */
export const SUPPORTED_OPTIONS = new Set([
  "h", "help", "version", "machine", "M", "cpu", "accel", "enable-kvm", "smp", "m", "bios", "kernel", "initrd",
  "append", "option-rom", "drive", "hda", "hdb", "hdc", "hdd", "cdrom", "device", "netdev", "nic", "net", "chardev", "serial",
  "debugcon", "monitor", "qmp", "qmp-pretty", "mon", "nographic", "display", "vga", "no-reboot", "no-shutdown", "S",
  "name", "uuid", "pidfile", "daemonize", "D", "d", "nodefaults", "L", "boot", "rtc", "icount", "parallel", "k",
  "no-user-config", "msg", "loadvm", "action", "incoming", "object",
]);

export interface ParsedOption {
  /** Canonical name without dashes ("M" stays "M"). */
  readonly name: string;
  readonly arg: string | undefined;
  /** How it appeared, for error locations ("-m 0x"). */
  readonly text: string;
}

/** lookup_opt over argv (without argv[0]). */
export function parseArgv(argv: readonly string[]): ParsedOption[] {
  const out: ParsedOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith("-") || word === "-") {
      // A bare word: the disk image of -hda (QEMU's "hda" legacy).
      out.push({ name: "hda", arg: word, text: word });
      continue;
    }
    const name = word.startsWith("--") ? word.slice(2) : word.slice(1);
    if (NO_ARG.has(name)) {
      out.push({ name, arg: undefined, text: word });
      continue;
    }
    if (!WITH_ARG.has(name)) {
      throw new QemuCliError("invalid option", word);
    }
    const arg = argv[i + 1];
    if (arg === undefined) {
      throw new QemuCliError("requires an argument", word);
    }
    i++;
    out.push({ name, arg, text: `${word} ${arg}` });
  }
  return out;
}
