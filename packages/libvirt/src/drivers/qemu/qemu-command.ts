// The emulator's command line for a domain (libvirt 9.0 src/qemu/qemu_command.c
// qemuBuildCommandLine), in libvirt's order, for what virtkit's qemu-system-i386 (or a real QEMU)
// offers. Devices use the -drive/-device form libvirt used before -blockdev, with libvirt's ids
// ("drive-virtio-disk0", "hostnet0", "charserial0", "charmonitor"). What the emulator cannot
// provide is refused here with a specific error instead of being dropped.
//
// Deliberate differences from libvirt, each because the emulator lacks the mechanism:
// - no "-machine usb=off,dump-guest-core=off", "-overcommit", "-sandbox" (not implemented);
// - a <serial>/<console type='pty'> is a listening unix socket in the domain's directory (the
//   emulator has no pty backend); the live XML shows it as type='unix' with that path;
// - <interface type='network'> and type='user' both get "-netdev user" (no host bridge or tap).
import type { ChrDef, ChrSourceDef, DomainDef } from "../../conf/domain-def.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import type { QemuBinaryCaps } from "./qemu-capabilities.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;

function unsupported(msg: string): Error {
  return virError(QEMU, VirErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, msg);
}

export interface CommandContext {
  caps: QemuBinaryCaps;
  /** the domain's private directory (libDir/domain-ID-NAME): monitor and chardev sockets */
  domainDir: string;
  monitorPath: string;
  pidfile: string;
  /** -machine x-snapshot-dir: where internal snapshots of the running VM are kept */
  snapshotDir: string | null;
  /** -incoming file:PATH,offset=N for restore */
  incoming: string | null;
  /** <interface type='network'>: the network's forward mode, or an error when it is not usable */
  network(name: string): { forward: string | null };
}

/** qemuBuildChrChardevStr: "-chardev BACKEND,id=char<alias>,..." for the backends virtkit has. */
export function chardevArg(src: ChrSourceDef, id: string): string {
  const esc = (v: string): string => v.replaceAll(",", ",,");
  // <log file='...' append='on'/>: QEMU's logfile=/logappend= copy every byte the guest writes
  const log = src.logFile !== null ? `,logfile=${esc(src.logFile)}${src.logAppend === "on" ? ",logappend=on" : ""}` : "";
  return chardevBackendArg(src, id, esc) + log;
}

function chardevBackendArg(src: ChrSourceDef, id: string, esc: (v: string) => string): string {
  switch (src.type) {
    case "null":
      return `null,id=${id}`;
    case "file":
      return `file,id=${id},path=${esc(src.path ?? "")}${src.append === "on" ? ",append=on" : ""}`;
    case "unix":
      return `socket,id=${id},path=${esc(src.path ?? "")}${src.listen ? ",server=on,wait=off" : ""}`;
    case "tcp": {
      let s = `socket,id=${id},host=${src.host ?? ""},port=${src.service ?? ""}`;
      if (src.protocol === "telnet") s += ",telnet=on";
      if (src.listen) s += ",server=on,wait=off";
      return s;
    }
    default:
      throw unsupported(`character device backend '${src.type}' is not supported by virtkit's emulator`);
  }
}

/** A PCI address as the -device addr= property ("0x3", "0x1.0x2"). */
function pciAddr(info: ChrDef["info"]): string {
  const a = info.address;
  if (a?.type !== "pci") return "";
  return `,bus=pci.${a.bus},addr=0x${a.slot.toString(16)}${a.function !== 0 ? `.0x${a.function.toString(16)}` : ""}`;
}

function needDevice(caps: QemuBinaryCaps, device: string, what: string): void {
  if (!caps.devices.has(device)) {
    throw unsupported(`${what} needs device '${device}', which this QEMU binary (${caps.emulator}) does not provide`);
  }
}

/** qemuBuildCpuCommandLine. */
function cpuArg(def: DomainDef, caps: QemuBinaryCaps): string | null {
  const cpu = def.cpu;
  if (!cpu) return null;
  if (cpu.mode === "host-passthrough" || cpu.mode === "host-model") return "host";
  if (cpu.mode === "maximum") return "max";
  if (cpu.model === null) return null;
  if (caps.cpuModels.length > 0 && !caps.cpuModels.includes(cpu.model)) {
    throw unsupported(`CPU model '${cpu.model}' is not supported by ${caps.emulator}`);
  }
  let s = cpu.model;
  for (const f of cpu.features) {
    if (f.policy === "require" || f.policy === "force") s += `,+${f.name}`;
    else if (f.policy === "disable" || f.policy === "forbid") s += `,-${f.name}`;
  }
  return s;
}

/**
 * Builds argv (without the program) for `def`, the live definition with aliases assigned and
 * chardev sources already resolved.
 */
export function buildCommandLine(def: DomainDef, ctx: CommandContext): string[] {
  const { caps } = ctx;
  const args: string[] = [];
  const add = (...a: string[]): void => {
    args.push(...a);
  };
  add("-name", `guest=${def.name.replaceAll(",", ",,")},debug-threads=on`);
  add("-S");
  let machine = def.os.machine ?? caps.defaultMachine;
  // qemuAppendDomainFeaturesMachineParam: <ioapic driver='kvm'/> puts the interrupt controllers in the
  // kernel, driver='qemu' splits them (the IOAPIC in user space), which virtkit's emulator refuses.
  if (def.features.ioapic === "kvm") machine += ",kernel_irqchip=on";
  else if (def.features.ioapic === "qemu") machine += ",kernel_irqchip=split";
  if (ctx.snapshotDir !== null && caps.flavour === "virtkit") machine += `,x-snapshot-dir=${ctx.snapshotDir.replaceAll(",", ",,")}`;
  add("-machine", machine);
  if (def.virtType === "kvm") add("-accel", "kvm");
  else if (def.virtType === "qemu") add("-accel", "tcg");
  else throw unsupported(`domain type '${def.virtType}' is not supported by the qemu driver`);
  const cpu = cpuArg(def, caps);
  if (cpu !== null) add("-cpu", cpu);
  add("-m", `size=${def.mem.totalMemory}k`);
  const topo = def.cpu?.topology;
  add("-smp", `${def.vcpus.current},maxcpus=${def.vcpus.max},sockets=${topo?.sockets ?? def.vcpus.max},dies=${topo?.dies ?? 1},cores=${topo?.cores ?? 1},threads=${topo?.threads ?? 1}`);
  add("-uuid", def.uuid);
  add("-no-user-config", "-nodefaults");
  add("-chardev", `socket,id=charmonitor,path=${ctx.monitorPath.replaceAll(",", ",,")},server=on,wait=off`);
  add("-mon", "chardev=charmonitor,id=monitor,mode=control");
  if (def.clock.offset === "utc" || def.clock.offset === "localtime") add("-rtc", `base=${def.clock.offset}`);
  else throw unsupported(`clock offset '${def.clock.offset}' is not supported by virtkit's qemu driver`);
  add("-no-shutdown");
  if (def.onReboot === "destroy") add("-no-reboot");
  if (def.os.kernel !== null) add("-kernel", def.os.kernel);
  if (def.os.initrd !== null) add("-initrd", def.os.initrd);
  if (def.os.cmdline !== null) add("-append", def.os.cmdline);
  add("-boot", "strict=on");
  if (def.os.loader?.path) add("-bios", def.os.loader.path);

  // controllers: the pc machine's PCI root and PIIX3 IDE are built in
  for (const c of def.controllers) {
    if (c.type === "pci" && (c.model === "pci-root" || c.model === "pcie-root")) continue;
    if (c.type === "ide" && c.idx === 0) continue;
    if (c.type === "usb") {
      if (c.model === "none") continue;
      const dev = c.model === "piix3-uhci" ? "piix3-usb-uhci" : c.model === "qemu-xhci" ? "qemu-xhci" : (c.model ?? "");
      needDevice(caps, dev, `USB controller model '${c.model ?? ""}' (use <controller type='usb' model='none'/>)`);
      add("-device", `${dev},id=${c.info.alias ?? "usb"}${pciAddr(c.info)}`);
      continue;
    }
    if (c.type === "virtio-serial") {
      needDevice(caps, "virtio-serial-pci", "a virtio-serial controller");
      add("-device", `virtio-serial-pci,id=${c.info.alias ?? `virtio-serial${c.idx}`}${pciAddr(c.info)}`);
      continue;
    }
    throw unsupported(`controller type '${c.type}'${c.model ? ` model '${c.model}'` : ""} is not supported by virtkit's qemu driver`);
  }

  const effectiveBoot = effectiveBootIndexes(def);

  // disks: virtio-blk, and on the PIIX3's IDE channels ATA disks (ide-hd) and ATAPI CD-ROMs (ide-cd)
  for (const disk of def.disks) {
    const alias = disk.info.alias ?? "";
    const dst = disk.dst ?? "";
    if (disk.device !== "disk" && disk.device !== "cdrom") throw unsupported(`disk device '${disk.device}' is not supported by virtkit's qemu driver`);
    if (disk.bus !== "virtio" && disk.bus !== "ide") throw unsupported(`disk bus '${disk.bus ?? ""}' is not supported by virtkit's emulator (use bus='virtio' or bus='ide')`);
    if (disk.device === "cdrom" && disk.bus !== "ide") throw unsupported(`cdrom '${dst}' on bus '${disk.bus}' is not supported by virtkit's emulator (use bus='ide')`);
    if (disk.src.type !== "file" && disk.src.type !== "block") throw unsupported(`disk source type '${disk.src.type}' is not supported by virtkit's qemu driver`);
    // a CD-ROM without <source> is a drive with its tray empty
    if (disk.src.path === null && disk.device !== "cdrom") throw unsupported(`disk '${dst}' has no source`);
    const readonly = disk.src.readonly || disk.device === "cdrom";
    const file = disk.src.path === null ? "" : `file=${disk.src.path.replaceAll(",", ",,")},format=${disk.src.format ?? "raw"},`;
    add("-drive", `${file}if=none,id=drive-${alias}${disk.device === "cdrom" ? ",media=cdrom" : ""}${readonly ? ",readonly=on" : ""}`);
    const bootIndex = effectiveBoot.get(disk.info) ?? 0;
    const boot = bootIndex ? `,bootindex=${bootIndex}` : "";
    if (disk.bus === "virtio") {
      needDevice(caps, "virtio-blk-pci", `disk '${dst}'`);
      add("-device", `virtio-blk-pci${pciAddr(disk.info)},drive=drive-${alias},id=${alias}${boot}`);
      continue;
    }
    // qemuBuildDiskDeviceProps: the drive address's bus and unit on the machine's IDE controller ("ide")
    const a = disk.info.address;
    if (a?.type !== "drive" || a.controller !== 0 || a.bus > 1 || a.unit > 1 || a.target !== 0) {
      throw unsupported(`disk '${dst}' needs an address on IDE controller 0 (bus 0-1, unit 0-1): the pc machine has one IDE controller`);
    }
    const model = disk.device === "cdrom" ? "ide-cd" : "ide-hd";
    needDevice(caps, model, `${disk.device} '${dst}'`);
    add("-device", `${model},bus=ide.${a.bus},unit=${a.unit},drive=drive-${alias},id=${alias}${boot}`);
  }

  // network interfaces
  def.nets.forEach((net, i) => {
    const alias = net.info.alias ?? `net${i}`;
    const hostnet = `host${alias}`;
    if (net.type === "network") {
      ctx.network(net.source?.network ?? "");
      add("-netdev", `user,id=${hostnet}`);
    } else if (net.type === "user") {
      add("-netdev", `user,id=${hostnet}`);
    } else {
      throw unsupported(`interface type '${net.type}' is not supported by virtkit's emulator (it has no tap devices); use type='user' or type='network'`);
    }
    const model = net.model === null || net.model === "virtio" ? "virtio-net-pci" : net.model;
    needDevice(caps, model, `interface '${net.mac}'`);
    const netBoot = effectiveBoot.get(net.info) ?? 0;
    add("-device", `${model},netdev=${hostnet},id=${alias},mac=${net.mac}${pciAddr(net.info)}${netBoot ? `,bootindex=${netBoot}` : ""}`);
  });

  // serial ports and consoles
  def.serials.forEach((s) => {
    const alias = s.info.alias ?? "serial0";
    add("-chardev", chardevArg(s.source, `char${alias}`));
    if (s.targetType !== "isa-serial" && s.targetType !== "none") throw unsupported(`serial target type '${s.targetType}' is not supported by virtkit's emulator`);
    needDevice(caps, "isa-serial", `serial port ${s.targetPort}`);
    add("-device", `isa-serial,chardev=char${alias},id=${alias},index=${s.targetPort < 0 ? 0 : s.targetPort}`);
  });
  def.consoles.forEach((c, i) => {
    if (i === 0 && c.targetType === "serial" && def.serials.length > 0) return;
    if (c.targetType !== "virtio") throw unsupported(`console target type '${c.targetType}' is not supported by virtkit's qemu driver`);
    const alias = c.info.alias ?? `console${i}`;
    needDevice(caps, "virtconsole", `a virtio console`);
    add("-chardev", chardevArg(c.source, `char${alias}`));
    add("-device", `virtconsole,chardev=char${alias},id=${alias}`);
  });
  if (def.parallels.length > 0) throw unsupported("parallel ports are not supported by virtkit's emulator");
  if (def.channels.length > 0) throw unsupported("channels are not supported by virtkit's qemu driver");

  // input: the pc machine's PS/2 keyboard and mouse are built in
  for (const inp of def.inputs) {
    if (inp.bus === "ps2") continue;
    throw unsupported(`input device '${inp.type}' on bus '${inp.bus}' is not supported by virtkit's emulator`);
  }
  if (def.graphics.length > 0) throw unsupported(`graphics '${def.graphics[0]!.type}' are not supported by virtkit's emulator (it has no display)`);
  for (const v of def.videos) {
    if (v.type !== "none") throw unsupported(`video model '${v.type}' is not supported by virtkit's emulator`);
  }
  add("-display", "none");
  if (def.audios.some((a) => a.type !== "none")) throw unsupported("audio backends are not supported by virtkit's emulator");

  if (def.memballoon && def.memballoon.model !== "none") {
    needDevice(caps, "virtio-balloon-pci", "the memory balloon (use <memballoon model='none'/>)");
    add("-device", `virtio-balloon-pci,id=${def.memballoon.info.alias ?? "balloon0"}${pciAddr(def.memballoon.info)}`);
  }
  for (const rng of def.rngs) {
    needDevice(caps, "virtio-rng-pci", "the virtio RNG");
    if (rng.backend !== "random" && rng.backend !== "builtin") throw unsupported(`rng backend '${rng.backend}' is not supported by virtkit's qemu driver`);
    const alias = rng.info.alias ?? "rng0";
    add("-object", rng.backend === "builtin" ? `rng-builtin,id=obj${alias}` : `rng-random,id=obj${alias},filename=${rng.file ?? "/dev/urandom"}`);
    add("-device", `virtio-rng-pci,rng=obj${alias},id=${alias}${pciAddr(rng.info)}`);
  }
  if (ctx.incoming !== null) add("-incoming", ctx.incoming);
  add("-pidfile", ctx.pidfile);
  add("-msg", "timestamp=on");
  return args;
}

/** How libvirt writes a command line into the domain log: one argument per line, shell-quoted. */
export function formatCommandForLog(env: Record<string, string>, program: string, args: readonly string[]): string {
  const quote = (s: string): string => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const lines = [...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`), quote(program)];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a.startsWith("-") && next !== undefined && !next.startsWith("-")) {
      lines.push(`${a} ${quote(next)}`);
      i++;
    } else lines.push(quote(a));
  }
  return `${lines.join(" \\\n")}\n`;
}

/**
 * The bootindex each disk and interface gets (libvirt 9.0 qemu_process.c
 * qemuProcessPrepareDomainBootorder and its disk / network helpers): a per-device <boot order='N'/>
 * is used as it is; otherwise <os><boot dev=.../> entries become boot indexes by position (1 for
 * the first <boot>): the first CD-ROM gets the index of dev='cdrom', the first disk that of
 * dev='hd', the first floppy that of dev='fd', the first interface that of dev='network'. libvirt
 * never passes -boot order= (the firmware's list, with -boot strict=on, decides alone).
 */
export function effectiveBootIndexes(def: DomainDef): Map<DomainDef["disks"][number]["info"], number> {
  const out = new Map<DomainDef["disks"][number]["info"], number>();
  for (const d of def.disks) if (d.info.bootIndex > 0) out.set(d.info, d.info.bootIndex);
  for (const n of def.nets) if (n.info.bootIndex > 0) out.set(n.info, n.info.bootIndex);
  if (def.os.bootDevs.length === 0 || out.size > 0) return out;
  const position = (dev: string): number => def.os.bootDevs.indexOf(dev as never) + 1;
  const wanted: Record<string, number> = { cdrom: position("cdrom"), disk: position("hd"), lun: position("hd"), floppy: position("fd") };
  for (const d of def.disks) {
    const index = wanted[d.device] ?? 0;
    if (index > 0) {
      out.set(d.info, index);
      if (d.device === "lun") wanted.disk = 0;
      else if (d.device === "disk") wanted.lun = 0;
      wanted[d.device] = 0;
    }
  }
  const net = def.nets[0];
  if (net !== undefined && position("network") > 0) out.set(net.info, position("network"));
  return out;
}
