import { type ChardevConfig, ChardevOptionError, parseChardevOption } from "../chardev/chardev-option.js";
import { NetdevOptionError, parseNetdevOption, parseNicOption, type NetdevConfig, type NicOption } from "../net/index.js";
import { PC_DEFAULT_RAM_SIZE, PC_MAX_CPUS, type PcMachineType } from "../machine/pc.js";
import { CpuModelError, DEFAULT_I386_CPU_MODEL, parseCpuOption } from "../machine/x86-cpu-model.js";
import { type CompatChardev, parseCompatChardev } from "./legacy-chardev.js";
import { ObjectOptionError, type RngObject, parseObjectOption } from "../backends/rng-backend.js";
import { type ParsedOption, QemuCliError, SUPPORTED_OPTIONS, parseArgv } from "./qemu-options.js";
import { type QemuOpts, QemuOptsError, parseBool, parseQemuOpts, parseSize, sizeError } from "./qemu-opts.js";

/*
 * From qemu-system's command line to a machine configuration (QEMU softmmu/vl.c qemu_init and the
 * per-option parsers), checking what QEMU checks, in its order, with its messages.
 */

/** The -machine types qemu-system-i386 offers here, QEMU's names and descriptions. */
export const MACHINE_TYPES: readonly { name: string; type: PcMachineType; desc: string; alias?: string; isDefault?: boolean }[] = [
  { name: "pc", type: "pc", desc: "Standard PC (i440FX + PIIX, 1996)", alias: "pc-i440fx-7.2" },
  { name: "pc-i440fx-7.2", type: "pc", desc: "Standard PC (i440FX + PIIX, 1996)", isDefault: true },
  { name: "isapc", type: "isapc", desc: "ISA-only PC" },
];

/** QOM type names for property errors ("pc-i440fx-7.2-machine.foo"). */
function machineQomType(name: string): string {
  const m = MACHINE_TYPES.find((t) => t.name === name);
  return `${m?.alias ?? m?.name ?? name}-machine`;
}

/** -d log items (QEMU util/log.c qemu_log_items), with what virtkit does for each. */
export const LOG_ITEMS: readonly [string, string][] = [
  ["out_asm", "show generated host assembly code for each compiled TB"],
  ["in_asm", "show target assembly code for each compiled TB"],
  ["op", "show micro ops for each compiled TB"],
  ["op_opt", "show micro ops after optimization"],
  ["op_ind", "show micro ops before indirect lowering"],
  ["int", "show interrupts/exceptions in short format"],
  ["exec", "show trace before each executed TB (lots of logs)"],
  ["cpu", "show CPU registers before entering a TB (lots of logs)"],
  ["fpu", "include FPU registers in the 'cpu' logging"],
  ["mmu", "log MMU-related activities"],
  ["pcall", "x86 only: show protected mode far calls/returns/exceptions"],
  ["cpu_reset", "show CPU state before CPU resets"],
  ["unimp", "log unimplemented functionality"],
  ["guest_errors", "log when the guest OS does something invalid (eg accessing a\nnon-existent register)"],
  ["page", "dump pages at beginning of user mode emulation"],
  ["nochain", "do not chain compiled TBs so that \"exec\" and \"cpu\" show\ncomplete traces"],
  ["plugin", "output from TCG plugins\n"],
  ["strace", "log every user-mode syscall, its input, and its result"],
  ["tid", "open a separate log file per thread; filename must contain '%d'"],
];

export interface ChardevSpec {
  /** -chardev id or compat label ("serial0", "compat_monitor0", "debugcon"). */
  label: string;
  config: ChardevConfig;
  /** The option it came from, for error locations. */
  location: string;
}

export interface DeviceSpec {
  driver: string;
  opts: QemuOpts;
  location: string;
}

export interface DriveSpec {
  id: string;
  /** The image; undefined for an empty CD-ROM drive (media=cdrom without file=). */
  file: string | undefined;
  /** media=: "cdrom" makes an ide-cd of an if=ide drive and opens the image read-only (drive_new). */
  media: "disk" | "cdrom";
  format: string | undefined;
  interface: string;
  readOnly: boolean;
  snapshot: boolean;
  location: string;
  /** if=ide: the channel (ide.N) and position (0 master, 1 slave), as QEMU's drive_new assigns them. */
  bus?: number;
  unit?: number;
}

/** -drive if= values QEMU knows (blockdev.c if_name). */
const DRIVE_INTERFACES = ["none", "ide", "scsi", "floppy", "pflash", "mtd", "sd", "virtio", "xen"];
/** Units per bus of the interfaces with buses (QEMU if_max_devs): IDE has master and slave. */
const IDE_MAX_DEVS = 2;
/** IDE buses of the PC machines (MAX_IDE_BUS). */
const PC_IDE_BUSES = 2;

/**
 * drive_new's placement of an if=ide drive: index= or bus=/unit=, else the next free unit; and
 * the id QEMU makes up ("ide<bus>-hd<unit>"). Errors carry QEMU's texts.
 */
function placeIdeDrive(drives: readonly DriveSpec[], index: number | undefined, busOpt: number | undefined, unitOpt: number | undefined): { bus: number; unit: number } {
  let bus = busOpt ?? 0;
  let unit = unitOpt ?? -1;
  if (index !== undefined) {
    if (bus !== 0 || unit !== -1) {
      throw new QemuCliError("index cannot be used with bus and unit");
    }
    bus = Math.floor(index / IDE_MAX_DEVS);
    unit = index % IDE_MAX_DEVS;
  }
  const taken = (b: number, u: number): boolean => drives.some((d) => d.interface === "ide" && d.bus === b && d.unit === u);
  if (unit === -1) {
    unit = 0;
    while (taken(bus, unit)) {
      unit++;
      if (unit >= IDE_MAX_DEVS) {
        unit -= IDE_MAX_DEVS;
        bus++;
      }
    }
  }
  if (unit >= IDE_MAX_DEVS) {
    throw new QemuCliError(`unit ${unit} too big (max is ${IDE_MAX_DEVS - 1})`);
  }
  if (taken(bus, unit)) {
    throw new QemuCliError(`drive with bus=${bus}, unit=${unit} (index=${index ?? -1}) exists`);
  }
  if (bus >= PC_IDE_BUSES) {
    // drive_check_orphaned: no controller provides that bus on the PC machines.
    throw new QemuCliError(`machine type does not support if=ide,bus=${bus},unit=${unit}`);
  }
  return { bus, unit };
}

function driveNumber(o: QemuOpts, key: string): number | undefined {
  const v = o.get(key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    throw new QemuCliError(`Parameter '${key}' expects a number`);
  }
  return Number(v);
}

export interface MonitorSpec {
  mode: "readline" | "control";
  /** Label of the chardev it runs on. */
  chardev: string;
  location: string;
}

export interface SystemConfig {
  machineType: PcMachineType;
  machineName: string;
  accel: string;
  kernelIrqchip: "on" | "off" | "split" | undefined;
  snapshotDir: string | undefined;
  ramSize: number;
  smp: number;
  cpu: string;
  bios: string | undefined;
  dataDirs: string[];
  kernel: string | undefined;
  initrd: string | undefined;
  append: string | undefined;
  optionRoms: string[];
  drives: DriveSpec[];
  devices: DeviceSpec[];
  /** -netdev backends, in command-line order. */
  netdevs: { config: NetdevConfig; location: string }[];
  /** -nic: a backend plus its NIC. */
  nics: { nic: NicOption; location: string }[];
  chardevs: ChardevSpec[];
  /** -object rng-random / rng-builtin backends. */
  objects: { object: RngObject; location: string }[];
  /** Per COM index: a chardev label or undefined (none). */
  serials: (string | undefined)[];
  debugcon: string | undefined;
  monitors: MonitorSpec[];
  nographic: boolean;
  display: string;
  noReboot: boolean;
  noShutdown: boolean;
  startPaused: boolean;
  name: string | undefined;
  uuid: string | undefined;
  pidfile: string | undefined;
  daemonize: boolean;
  logfile: string | undefined;
  logItems: string[];
  bootOrder: string;
  /** -boot strict=on: the "bootorder" file ends in HALT (no fallback to other devices). */
  bootStrict: boolean;
  rtcBase: "utc" | "localtime" | number;
  nsPerInstruction: number;
  idle: "warp" | "sleep";
  loadvm: string | undefined;
  /** -incoming file:PATH[,offset=N]: the migration stream to load before starting. */
  incoming: string | undefined;
  warnings: string[];
}

export interface EarlyAction { kind: "print"; text: string; status: number }

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** QEMU's -help text, shortened to the options virtkit implements. */
export function helpText(prog: string): string {
  return [
    "QEMU emulator version 7.2.0 (virtkit-0.1.0)",
    "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers",
    `usage: ${prog} [options] [disk_image]`,
    "",
    "'disk_image' is a raw hard disk image for IDE hard disk 0",
    "",
    "Standard options:",
    "-h or -help     display this help and exit",
    "-version        display version information and exit",
    "-machine [type=]name[,prop[=value][,...]]",
    "                selects emulated machine ('-machine help' for list)",
    "                property accel=accel1[:accel2[:...]] selects accelerator (kvm)",
    "                kernel_irqchip=on|off|split controls accelerated irqchip support (default=off)",
    "                x-snapshot-dir=DIR where savevm/loadvm keep snapshots (virtkit)",
    "-cpu cpu        select CPU ('-cpu help' for list)",
    "-accel [accel=]accelerator[,prop[=value][,...]]",
    "-smp [[cpus=]n][,maxcpus=maxcpus][,sockets=sockets][,cores=cores][,threads=threads]",
    "-m [size=]megs  configure guest RAM",
    "-device driver[,prop[=value][,...]]",
    "-name string1[,process=string2][,debug-threads=on|off]",
    "-uuid %08x-%04x-%04x-%04x-%012x",
    "-drive [file=file][,if=type][,format=f][,media=d][,index=i][,readonly=on|off]",
    "-cdrom file     use 'file' as CD-ROM image",
    "-nographic      disable graphical output and redirect serial I/Os to console",
    "-display none   no display",
    "-netdev user|socket,id=ID[,...]  a network backend (user: DHCP/NAT to the host loopback; socket: between guests)",
    "-nic user|socket[,model=virtio-net-pci][,...]  a backend and its NIC",
    "-chardev backend,id=id[,...]",
    "-bios file      set the filename for the BIOS",
    "-kernel bzImage use 'bzImage' as kernel image (direct 32-bit boot, or multiboot)",
    "-append cmdline use 'cmdline' as kernel command line",
    "-initrd file    use 'file' as initial ram disk (multiboot: 'file1 arg,file2')",
    "-option-rom rom load a file, rom, into the option ROM space",
    "-serial dev     redirect the serial port to char device 'dev'",
    "-debugcon dev   redirect the debug console to char device 'dev'",
    "-monitor dev    redirect the monitor to char device 'dev'",
    "-qmp dev        like -monitor but opens in 'control' mode",
    "-mon [chardev=]name[,mode=readline|control]",
    "-pidfile file   write PID to 'file'",
    "-S              freeze CPU at startup (use 'c' to start execution)",
    "-d item1,...    enable logging of specified items (use '-d help' for a list)",
    "-D logfile      output log to logfile (default stderr)",
    "-L path         set the directory for the BIOS, VGA BIOS and keymaps",
    "-enable-kvm     enable KVM full virtualization support",
    "-no-reboot      exit instead of rebooting",
    "-no-shutdown    stop before shutdown",
    "-daemonize      daemonize QEMU after initializing",
    "-icount [shift=N][,sleep=on|off] guest instructions per virtual time",
    "",
  ].join("\n");
}

function mbLoc(o: ParsedOption): string {
  return o.text;
}

/** Parses argv (without the program name) into a configuration, or an early answer (help, lists). */
export function parseSystemArgs(argv: readonly string[], prog = "qemu-system-i386"): SystemConfig | EarlyAction {
  const opts = parseArgv(argv);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
  };
  const cfg: SystemConfig = {
    machineType: "pc",
    machineName: "pc-i440fx-7.2",
    accel: "kvm",
    kernelIrqchip: undefined,
    snapshotDir: undefined,
    ramSize: PC_DEFAULT_RAM_SIZE,
    smp: 1,
    cpu: DEFAULT_I386_CPU_MODEL,
    bios: undefined,
    dataDirs: [],
    kernel: undefined,
    initrd: undefined,
    append: undefined,
    optionRoms: [],
    drives: [],
    devices: [],
    objects: [],
    netdevs: [],
    nics: [],
    chardevs: [],
    serials: [],
    debugcon: undefined,
    monitors: [],
    nographic: false,
    display: "default",
    noReboot: false,
    noShutdown: false,
    startPaused: false,
    name: undefined,
    uuid: undefined,
    pidfile: undefined,
    daemonize: false,
    logfile: undefined,
    logItems: [],
    bootOrder: "cad",
    bootStrict: false,
    rtcBase: "utc",
    nsPerInstruction: 1,
    // QEMU sleeps while its vCPUs idle (with and without -icount, whose sleep= defaults to on): a halted
    // guest's clock keeps real time. -icount sleep=off asks for the deterministic warp.
    idle: "sleep",
    loadvm: undefined,
    incoming: undefined,
    warnings,
  };
  let machineAccel: string | undefined;
  let accelOpt: string | undefined;
  let nodefaults = false;
  let serialSpecs: { spec: string; loc: string }[] = [];
  const monitorSpecs: { spec: string; control: boolean; loc: string }[] = [];
  const monSpecs: { text: string; loc: string }[] = [];
  let debugconSpec: { spec: string; loc: string } | undefined;
  let cpuSpec: string | undefined;
  let smpOpts: QemuOpts | undefined;

  const wrap = <T>(loc: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof QemuOptsError || e instanceof ChardevOptionError || e instanceof CpuModelError || e instanceof NetdevOptionError || e instanceof ObjectOptionError) {
        throw new QemuCliError(e.message, loc);
      }
      if (e instanceof QemuCliError && e.location === undefined) {
        throw new QemuCliError(e.message, loc, e.status);
      }
      throw e;
    }
  };

  for (const o of opts) {
    const a = o.arg ?? "";
    if (!SUPPORTED_OPTIONS.has(o.name)) {
      throw new QemuCliError("this option is not supported by virtkit", o.text.split(" ")[0]);
    }
    switch (o.name) {
      case "h":
      case "help":
        return { kind: "print", text: helpText(prog), status: 0 };
      case "version":
        return { kind: "print", text: "QEMU emulator version 7.2.0 (virtkit-0.1.0)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n", status: 0 };
      case "machine":
      case "M": {
        const mo = wrap(mbLoc(o), () => parseQemuOpts(a, "type", warn));
        const type = mo.get("type");
        if (type === "help") {
          const lines = ["Supported machines are:"];
          for (const t of MACHINE_TYPES) {
            lines.push(`${t.name.padEnd(20)} ${t.desc}${t.alias !== undefined ? ` (alias of ${t.alias})` : ""}${t.isDefault === true ? " (default)" : ""}`);
          }
          return { kind: "print", text: `${lines.join("\n")}\n`, status: 0 };
        }
        if (type !== undefined) {
          const t = MACHINE_TYPES.find((x) => x.name === type);
          if (t === undefined) {
            throw new QemuCliError("unsupported machine type\nUse -machine help to list supported machines");
          }
          cfg.machineType = t.type;
          cfg.machineName = t.alias ?? t.name;
        }
        for (const [k, v] of mo.entries) {
          if (k === "type") continue;
          if (k === "accel") {
            machineAccel = v;
          } else if (k === "kernel_irqchip" || k === "kernel-irqchip") {
            if (v !== "on" && v !== "off" && v !== "split") {
              wrap(mbLoc(o), () => parseBool(k, v));
            }
            cfg.kernelIrqchip = v === "split" ? "split" : parseBool(k, v === "split" ? "on" : v) ? "on" : "off";
          } else if (k === "x-snapshot-dir") {
            cfg.snapshotDir = v;
          } else {
            throw new QemuCliError(`Property '${machineQomType(cfg.machineName)}.${k}' not found`);
          }
        }
        break;
      }
      case "accel": {
        const ao = wrap(mbLoc(o), () => parseQemuOpts(a, "accel", warn));
        accelOpt = ao.get("accel");
        for (const [k, v] of ao.entries) {
          if (k === "accel") continue;
          if (k === "kernel-irqchip") {
            cfg.kernelIrqchip = v === "split" ? "split" : wrap(mbLoc(o), () => parseBool(k, v)) ? "on" : "off";
          } else {
            throw new QemuCliError(`Property '${accelOpt ?? ""}-accel.${k}' not found`, mbLoc(o));
          }
        }
        if (accelOpt !== "kvm") {
          throw new QemuCliError(`invalid accelerator ${accelOpt ?? ""}`, mbLoc(o));
        }
        break;
      }
      case "enable-kvm":
        accelOpt = "kvm";
        break;
      case "cpu":
        if (a === "help") {
          return { kind: "print", text: cpuHelp(), status: 0 };
        }
        cpuSpec = a;
        break;
      case "smp":
        smpOpts = wrap(mbLoc(o), () => parseQemuOpts(a, "cpus", warn));
        break;
      case "m": {
        const mo = wrap(mbLoc(o), () => parseQemuOpts(a, "size", warn));
        const sz = mo.get("size");
        if (sz !== undefined) {
          if (sz === "") {
            throw new QemuCliError("missing 'size' option value", mbLoc(o));
          }
          const v = parseSize(sz, /[0-9]$/.test(sz) ? 2 ** 20 : 1);
          if (v === undefined) {
            throw new QemuCliError(sizeError("size"), mbLoc(o));
          }
          cfg.ramSize = Math.ceil(v / 8192) * 8192;
          if (cfg.ramSize === 0) {
            cfg.ramSize = PC_DEFAULT_RAM_SIZE;
          }
        }
        break;
      }
      case "bios":
        cfg.bios = a;
        break;
      case "L":
        cfg.dataDirs.push(a);
        break;
      case "kernel":
        cfg.kernel = a;
        break;
      case "initrd":
        cfg.initrd = a;
        break;
      case "append":
        cfg.append = a;
        break;
      case "option-rom":
        cfg.optionRoms.push(a.split(",")[0]!.replace(/^romfile=/, ""));
        break;
      case "hda":
      case "hdb":
      case "hdc":
      case "hdd":
      {
        // -hdX FILE is -drive file=FILE,index=N,media=disk (if=ide).
        const location = o.text === a ? a : mbLoc(o);
        const { bus, unit } = wrap(location, () => placeIdeDrive(cfg.drives, "abcd".indexOf(o.name[2]!), undefined, undefined));
        cfg.drives.push({ id: `ide${bus}-hd${unit}`, file: a, media: "disk", format: undefined, interface: "ide", readOnly: false, snapshot: false, location, bus, unit });
        break;
      }
      case "cdrom": {
        // -cdrom FILE is -drive file=FILE,index=2,media=cdrom: the secondary master (vl.c CDROM_OPTS).
        const location = mbLoc(o);
        const { bus, unit } = wrap(location, () => placeIdeDrive(cfg.drives, 2, undefined, undefined));
        // An empty name is an empty drive (blockdev.c: file "" means no medium), as libvirt passes it.
        cfg.drives.push({ id: `ide${bus}-cd${unit}`, file: a === "" ? undefined : a, media: "cdrom", format: undefined, interface: "ide", readOnly: true, snapshot: false, location, bus, unit });
        break;
      }
      case "drive": {
        const d = wrap(mbLoc(o), () => parseQemuOpts(a, undefined, warn));
        const fileOpt = d.get("file");
        const file = fileOpt === "" ? undefined : fileOpt;
        // QEMU's default interface on the PC machines is IDE (block_default_type IF_IDE).
        const iface = d.get("if") ?? "ide";
        if (!DRIVE_INTERFACES.includes(iface)) {
          throw new QemuCliError(`unsupported bus type '${iface}'`, mbLoc(o));
        }
        const index = d.get("index");
        const mediaOpt = d.get("media");
        if (mediaOpt !== undefined && mediaOpt !== "disk" && mediaOpt !== "cdrom") {
          throw new QemuCliError(`'${mediaOpt}' invalid media`, mbLoc(o));
        }
        const media = mediaOpt ?? "disk";
        let place: { bus: number; unit: number } | undefined;
        if (iface === "ide") {
          place = wrap(mbLoc(o), () => placeIdeDrive(cfg.drives, driveNumber(d, "index"), driveNumber(d, "bus"), driveNumber(d, "unit")));
        } else if (iface === "scsi") {
          throw new QemuCliError("machine type does not support if=scsi,bus=0,unit=0", mbLoc(o));
        }
        // drive_new's made-up id: "<if><bus>-hd<unit>" or "-cd<unit>" for media=cdrom.
        const kindTag = media === "cdrom" ? "cd" : "hd";
        const id = d.get("id") ?? (iface === "none" ? undefined : place !== undefined ? `ide${place.bus}-${kindTag}${place.unit}` : `${iface}${index ?? cfg.drives.length}-${kindTag}0`);
        if (id === undefined) {
          throw new QemuCliError("Block device needs an ID", mbLoc(o));
        }
        if (file === undefined && media !== "cdrom") {
          throw new QemuCliError("virtkit: -drive without file= (an empty drive) is not supported except media=cdrom", mbLoc(o));
        }
        const readOnly = d.has("readonly") ? wrap(mbLoc(o), () => parseBool("readonly", d.get("readonly")!)) : false;
        cfg.drives.push({
          id,
          file,
          media,
          format: d.get("format"),
          interface: iface,
          // media=cdrom forces read-only whatever readonly= says (drive_new).
          readOnly: readOnly || media === "cdrom",
          snapshot: d.has("snapshot") ? wrap(mbLoc(o), () => parseBool("snapshot", d.get("snapshot")!)) : false,
          location: mbLoc(o),
          ...(place ?? {}),
        });
        break;
      }
      case "device": {
        if (a === "help") {
          return { kind: "print", text: deviceHelp(), status: 0 };
        }
        const d = wrap(mbLoc(o), () => parseQemuOpts(a, "driver", warn));
        cfg.devices.push({ driver: d.get("driver") ?? "", opts: d, location: mbLoc(o) });
        break;
      }
      case "object": {
        const ids = new Set(cfg.objects.map((x) => x.object.id));
        cfg.objects.push({ object: wrap(mbLoc(o), () => parseObjectOption(a, ids)), location: mbLoc(o) });
        break;
      }
      case "netdev": {
        const ids = new Set([...cfg.netdevs.map((n) => n.config.id), ...cfg.nics.flatMap((n) => (n.nic.netdev ? [n.nic.netdev.id] : []))]);
        cfg.netdevs.push({ config: wrap(mbLoc(o), () => parseNetdevOption(a, ids)), location: mbLoc(o) });
        break;
      }
      case "nic": {
        const ids = new Set([...cfg.netdevs.map((n) => n.config.id), ...cfg.nics.flatMap((n) => (n.nic.netdev ? [n.nic.netdev.id] : []))]);
        cfg.nics.push({ nic: wrap(mbLoc(o), () => parseNicOption(a, ids)), location: mbLoc(o) });
        break;
      }
      case "net":
        checkNetOption(o, warn);
        break;
      case "chardev": {
        const c = wrap(mbLoc(o), () => parseChardevOption(a));
        if (cfg.chardevs.some((x) => x.label === c.config.id)) {
          throw new QemuCliError(`Duplicate ID '${c.config.id}' for chardev`, mbLoc(o));
        }
        warnings.push(...c.warnings);
        cfg.chardevs.push({ label: c.config.id, config: c.config, location: mbLoc(o) });
        break;
      }
      case "serial":
        serialSpecs.push({ spec: a, loc: mbLoc(o) });
        break;
      case "debugcon":
        debugconSpec = { spec: a, loc: mbLoc(o) };
        break;
      case "monitor":
        monitorSpecs.push({ spec: a, control: false, loc: mbLoc(o) });
        break;
      case "qmp":
        monitorSpecs.push({ spec: a, control: true, loc: mbLoc(o) });
        break;
      case "qmp-pretty":
        throw new QemuCliError("pretty-printed QMP is not supported by virtkit", mbLoc(o));
      case "mon":
        monSpecs.push({ text: a, loc: mbLoc(o) });
        break;
      case "nographic":
        cfg.nographic = true;
        cfg.display = "none";
        break;
      case "display": {
        const d = wrap(mbLoc(o), () => parseQemuOpts(a, "type", warn));
        const type = d.get("type") ?? "";
        if (type !== "none" && type !== "default") {
          const known = ["spice-app", "sdl", "gtk", "vnc", "curses", "egl-headless", "dbus"];
          throw new QemuCliError(known.includes(type) ? `display '${type}' is not supported by virtkit (only none)` : `Parameter 'type' does not accept value '${type}'`, mbLoc(o));
        }
        cfg.display = "none";
        break;
      }
      case "vga":
        if (a !== "none") {
          throw new QemuCliError(`VGA card '${a}' is not supported by virtkit (only none)`, mbLoc(o));
        }
        break;
      case "parallel":
        if (a !== "none") {
          throw new QemuCliError("parallel ports are not supported by virtkit (only none)", mbLoc(o));
        }
        break;
      case "no-reboot":
        cfg.noReboot = true;
        break;
      case "no-shutdown":
        cfg.noShutdown = true;
        break;
      case "action": {
        const ao = wrap(mbLoc(o), () => parseQemuOpts(a, undefined, warn));
        for (const [k, v] of ao.entries) {
          if (k === "reboot" && (v === "reset" || v === "shutdown")) cfg.noReboot = v === "shutdown";
          else if (k === "shutdown" && (v === "poweroff" || v === "pause")) cfg.noShutdown = v === "pause";
          else throw new QemuCliError(`Parameter '${k}' does not accept value '${v}'`, mbLoc(o));
        }
        break;
      }
      case "S":
        cfg.startPaused = true;
        break;
      case "name": {
        const n = wrap(mbLoc(o), () => parseQemuOpts(a, "guest", warn));
        cfg.name = n.get("guest");
        break;
      }
      case "uuid":
        if (!UUID_RE.test(a)) {
          throw new QemuCliError("failed to parse UUID string: wrong format", mbLoc(o));
        }
        cfg.uuid = a.toLowerCase();
        break;
      case "pidfile":
        cfg.pidfile = a;
        break;
      case "daemonize":
        cfg.daemonize = true;
        break;
      case "D":
        cfg.logfile = a;
        break;
      case "d": {
        const items = a.split(",");
        const names = LOG_ITEMS.map((i) => i[0]);
        if (items.some((i) => !names.includes(i) && !i.startsWith("trace:")) || a === "help") {
          const text = `Log items (comma separated):\n${LOG_ITEMS.map(([n, d]) => `${n.padEnd(15)} ${d}`).join("\n")}\ntrace:PATTERN   enable trace events\n\nUse "-d trace:help" to get a list of trace events.\n\n`;
          return { kind: "print", text, status: 1 };
        }
        cfg.logItems = items;
        break;
      }
      case "nodefaults":
        nodefaults = true;
        break;
      case "boot": {
        const b = wrap(mbLoc(o), () => parseQemuOpts(a, "order", warn));
        const order = b.get("order");
        if (order !== undefined) {
          for (const c of order) {
            if (!"abcdnop".includes(c)) {
              throw new QemuCliError(`Invalid boot device '${c}'`);
            }
          }
          cfg.bootOrder = order;
        }
        const strict = b.get("strict");
        if (strict !== undefined) {
          if (strict !== "on" && strict !== "off") {
            throw new QemuCliError("Parameter 'boot.strict' expects 'on' or 'off'");
          }
          cfg.bootStrict = strict === "on";
        }
        break;
      }
      case "rtc": {
        const r = wrap(mbLoc(o), () => parseQemuOpts(a, undefined, warn));
        const base = r.get("base");
        if (base === "utc" || base === "localtime") {
          cfg.rtcBase = base;
        } else if (base !== undefined) {
          const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/.test(base) ? Date.parse(base.includes("T") ? `${base}Z` : `${base}T00:00:00Z`) : Number.NaN;
          if (Number.isNaN(t)) {
            throw new QemuCliError("invalid datetime format\nvalid formats: '2006-06-17T16:01:21' or '2006-06-17'");
          }
          cfg.rtcBase = t;
        }
        break;
      }
      case "icount": {
        const ic = wrap(mbLoc(o), () => parseQemuOpts(a, "shift", warn));
        const shift = ic.get("shift");
        if (shift !== undefined && shift !== "auto") {
          if (!/^\d+$/.test(shift) || Number(shift) > 10) {
            throw new QemuCliError("icount: Invalid shift value", mbLoc(o));
          }
          cfg.nsPerInstruction = 2 ** Number(shift);
        }
        if (ic.has("sleep")) {
          cfg.idle = wrap(mbLoc(o), () => parseBool("sleep", ic.get("sleep")!)) ? "sleep" : "warp";
        }
        break;
      }
      case "loadvm":
        cfg.loadvm = a;
        break;
      case "incoming":
        if (a === "defer") {
          throw new QemuCliError("-incoming defer is not supported by virtkit (use -incoming file:PATH)", mbLoc(o));
        }
        if (!a.startsWith("file:")) {
          throw new QemuCliError(`unknown migration protocol: ${a}`, mbLoc(o));
        }
        cfg.incoming = a;
        break;
      case "k":
      case "no-user-config":
      case "msg":
        break;
    }
  }

  // Accelerator choice (configure_accelerators).
  if (machineAccel !== undefined && accelOpt !== undefined) {
    throw new QemuCliError('The -accel and "-machine accel=" options are incompatible');
  }
  if (machineAccel !== undefined) {
    const list = machineAccel.split(":");
    if (!list.includes("kvm")) {
      throw new QemuCliError(`invalid accelerator ${list[0] ?? ""}`);
    }
  }

  // -smp
  if (smpOpts !== undefined) {
    const num = (k: string): number | undefined => {
      const v = smpOpts.get(k);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) {
        throw new QemuCliError(`Parameter 'smp.${k}' expects integer`);
      }
      return Number(v);
    };
    const cpus = num("cpus");
    const sockets = num("sockets");
    const cores = num("cores");
    const threads = num("threads");
    const maxcpus = num("maxcpus");
    const product = (sockets ?? 1) * (cores ?? 1) * (threads ?? 1);
    let n = cpus ?? (sockets !== undefined || cores !== undefined || threads !== undefined ? product : 1);
    if (n === 0) {
      warnings.push("Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero");
      n = 1;
    }
    if (maxcpus !== undefined && maxcpus < n) {
      throw new QemuCliError("maxcpus must be equal to or greater than smp");
    }
    if (n > PC_MAX_CPUS) {
      throw new QemuCliError(`Invalid SMP CPUs ${n}. The max CPUs supported by machine '${cfg.machineName}' is ${PC_MAX_CPUS}`);
    }
    cfg.smp = n;
  }

  // -cpu model check happens at machine creation in QEMU; an unknown model fails early here.
  if (cpuSpec !== undefined) {
    wrap("", () => parseCpuOption(cpuSpec));
    cfg.cpu = cpuSpec;
  }

  if (cfg.kernel === undefined) {
    if (cfg.initrd !== undefined) {
      throw new QemuCliError("-initrd only allowed with -kernel option");
    }
    if (cfg.append !== undefined) {
      throw new QemuCliError("-append only allowed with -kernel option");
    }
  }

  // Character devices in QEMU's order: -serial, then the monitors, then -debugcon (and -chardev above).
  /** `then`: the caller's own follow-up error line (QEMU reports both). */
  const compat = (label: string, spec: string, loc: string, permitMux: boolean, allowNone: boolean, then?: string): string | undefined => {
    let parsed: CompatChardev;
    try {
      parsed = parseCompatChardev(label, spec, { permitMuxMon: permitMux, allowNone });
    } catch (e) {
      if (e instanceof ChardevOptionError) {
        if (e.message === "") {
          throw new QemuCliError(then ?? `parse error: ${spec}`, loc);
        }
        throw new QemuCliError(then !== undefined ? `${e.message}\n${prog}: ${loc}: ${then}` : e.message, loc);
      }
      throw e;
    }
    if (parsed.kind === "none") return undefined;
    if (parsed.kind === "chardev") {
      if (!cfg.chardevs.some((c) => c.label === parsed.id)) {
        return `\0missing:${parsed.id}`;
      }
      return parsed.id;
    }
    warnings.push(...parsed.warnings);
    cfg.chardevs.push({ label, config: parsed.config, location: loc });
    return label;
  };

  if (cfg.nographic && serialSpecs.length === 0 && !nodefaults) {
    // -nographic: serial0 on stdio (QEMU muxes the monitor there too; virtkit has no mux).
    serialSpecs = [{ spec: "stdio", loc: "-nographic" }];
  }
  if (serialSpecs.length === 0 && !nodefaults) {
    // default_serial: a "vc" console; without a display its output goes nowhere.
    serialSpecs = [{ spec: "null", loc: "-serial vc" }];
  }
  serialSpecs.forEach((s, i) => {
    if (i >= 4) {
      throw new QemuCliError("too many serial ports", s.loc);
    }
    const label = compat(`serial${i}`, s.spec, s.loc, true, true, `could not connect serial device to character backend '${s.spec}'`);
    if (label?.startsWith("\0missing:") === true) {
      throw new QemuCliError(`could not connect serial device to character backend '${s.spec}'`, s.loc);
    }
    cfg.serials[i] = label;
  });
  let monIndex = 0;
  for (const m of monitorSpecs) {
    if (m.spec === "none") continue;
    let label: string | undefined;
    if (m.spec.startsWith("chardev:")) {
      label = m.spec.slice("chardev:".length);
      if (!cfg.chardevs.some((c) => c.label === label)) {
        throw new QemuCliError(`chardev "${label}" not found`, m.loc);
      }
    } else {
      const l = `compat_monitor${monIndex++}`;
      label = compat(l, m.spec, m.loc, true, false, `parse error: ${m.spec}`);
    }
    if (label !== undefined) {
      cfg.monitors.push({ mode: m.control ? "control" : "readline", chardev: label, location: m.loc });
    }
  }
  for (const m of monSpecs) {
    const mo = wrap(m.loc, () => parseQemuOpts(m.text, "chardev", warn));
    const id = mo.get("chardev");
    if (id === undefined) {
      throw new QemuCliError("Parameter 'chardev' is missing", m.loc);
    }
    if (!cfg.chardevs.some((c) => c.label === id)) {
      throw new QemuCliError(`chardev "${id}" not found`, m.loc);
    }
    const mode = mo.get("mode") ?? "readline";
    if (mode !== "readline" && mode !== "control") {
      throw new QemuCliError(`Parameter 'mode' does not accept value '${mode}'`, m.loc);
    }
    cfg.monitors.push({ mode, chardev: id, location: m.loc });
  }
  if (debugconSpec !== undefined) {
    const label = compat("debugcon", debugconSpec.spec, debugconSpec.loc, true, true, `could not connect debugcon device to character backend '${debugconSpec.spec}'`);
    if (label?.startsWith("\0missing:") === true) {
      throw new QemuCliError(`could not connect debugcon device to character backend '${debugconSpec.spec}'`, debugconSpec.loc);
    }
    cfg.debugcon = label;
  }
  // stdio can back one character device only (qemu_chr_open_stdio's stdio_in_use).
  const stdio = cfg.chardevs.filter((c) => c.config.backend === "stdio");
  if (stdio.length > 1) {
    const second = stdio[1]!;
    const serialIdx = cfg.serials.indexOf(second.label);
    throw new QemuCliError(
      serialIdx >= 0
        ? `cannot use stdio by multiple character devices\n${prog}: ${second.location}: could not connect serial device to character backend 'stdio'`
        : "cannot use stdio by multiple character devices",
      second.location,
    );
  }
  if (cfg.daemonize && stdio.length > 0) {
    throw new QemuCliError("cannot use stdio with -daemonize", stdio[0]!.location);
  }
  if (cfg.daemonize && cfg.nographic) {
    throw new QemuCliError("-nographic cannot be used with -daemonize");
  }
  return cfg;
}

const NET_BACKENDS = ["user", "tap", "bridge", "l2tpv3", "socket", "stream", "dgram", "vde", "vhost-user", "vhost-vdpa", "hubport", "none", "nic"];

/** The legacy -net option (VLAN hubs): checked as QEMU checks it, then refused in favour of -netdev/-nic. */
function checkNetOption(o: ParsedOption, warn: (m: string) => void): void {
  const n = parseQemuOpts(o.arg ?? "", "type", warn);
  const type = n.get("type") ?? "";
  if (o.name === "nic" && type === "none") {
    return;
  }
  if (!NET_BACKENDS.includes(type)) {
    throw new QemuCliError(`Parameter 'type' does not accept value '${type}'`, o.text);
  }
  if (o.name === "netdev" && n.get("id") === undefined) {
    throw new QemuCliError("Parameter 'id' is missing", o.text);
  }
  throw new QemuCliError(`-net ${type} (legacy hub networking) is not supported by virtkit; use -netdev and -device, or -nic`, o.text);
}

function cpuHelp(): string {
  return "Available CPUs:\nx86 486\nx86 host                  processor with all supported host features\nx86 kvm32                 Common 32-bit KVM processor\nx86 max                   Enables all features supported by the accelerator in the current host\nx86 pentium\nx86 pentium2\nx86 pentium3\nx86 qemu32                QEMU Virtual CPU version 2.5+\n";
}

/** "-device help": the devices this qemu-system-i386 implements, in QEMU's categories and wording. */
function deviceHelp(): string {
  return [
    "Storage devices:",
    'name "ide-cd", bus IDE, desc "virtual IDE CD-ROM"',
    'name "ide-hd", bus IDE, desc "virtual IDE disk"',
    'name "virtio-blk-pci", bus PCI, alias "virtio-blk"',
    "",
    "Network devices:",
    'name "virtio-net-pci", bus PCI, alias "virtio-net"',
    "",
    "Input devices:",
    'name "virtconsole", bus virtio-serial-bus',
    'name "virtio-serial-pci", bus PCI, alias "virtio-serial"',
    'name "virtserialport", bus virtio-serial-bus',
    "",
    "Misc devices:",
    'name "isa-debug-exit", bus ISA',
    'name "isa-debugcon", bus ISA',
    'name "virtio-rng-pci", bus PCI, alias "virtio-rng"',
    "",
    "Display devices:",
    "",
    "Uncategorized devices:",
    'name "isa-serial", bus ISA',
    "",
  ].join("\n");
}

