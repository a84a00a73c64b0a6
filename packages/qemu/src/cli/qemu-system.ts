import { ObjectOptionError, type RngSource, openRngBackend } from "../backends/rng-backend.js";
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { KvmAccel } from "../accel/kvm-accel.js";
import { AccelError } from "../accel/accel.js";
import type { BlockDriver } from "../block/block-driver.js";
import { type IdeDiskGeometry, guessIdeGeometry, ideDefaultSerial } from "../hw/ide/ide-geometry.js";
import type { IdeDrive } from "../hw/ide/ide-drive.js";
import { BlockError } from "../block/block-error.js";
import { openImage, probeFormat } from "../block/image.js";
import type { CharBackend } from "../chardev/chardev.js";
import type { CharBackendBase } from "../chardev/chardev.js";
import { createChardev } from "../chardev/chardev-factory.js";
import { ChardevOptionError } from "../chardev/chardev-option.js";
import { LinuxBootError } from "../loader/linux-boot.js";
import { MultibootError } from "../loader/multiboot.js";
import { setupDirectBoot } from "../loader/direct-boot.js";
import { RomLoadError, addOptionRom } from "../loader/rom-loader.js";
import { PcMachine } from "../machine/pc.js";
import { formatCpuState } from "../machine/x86-cpu-dump.js";
import { ISA_SERIAL_PORTS } from "../hw/uart16550.js";
import { BootDeviceList, BootIndexError, ideFwPath, pciFwPath } from "../hw/fw-cfg-bootorder.js";
import { MigrationError, incomingFromFile } from "../migration/file-migration.js";
import { SnapshotStore } from "../migration/snapshot-store.js";
import { VmStateError } from "../migration/vmstate.js";
import { HmpMonitor } from "../monitor/hmp-monitor.js";
import { type BlockInfo, type MonitorHost, VIRTKIT_QEMU_VERSION } from "../monitor/monitor-host.js";
import type { BlockBackendSlot } from "../monitor/block-media.js";
import { QmpMonitor } from "../monitor/qmp-monitor.js";
import { chardevFilename } from "./legacy-chardev.js";
import { QemuCliError } from "./qemu-options.js";
import { QemuOptsError } from "./qemu-opts.js";
import { type DeviceSpec, type SystemConfig, parseSystemArgs } from "./system-config.js";
import type { PciBus } from "../hw/pci-bus.js";
import { PciError } from "../hw/pci-device.js";
import {
  type CreatedVirtioPciDevice, VIRTIO_SERIAL_PORTS, type VirtioDeviceEnvironment, VirtioDeviceOptionError, VirtioSerial,
  createVirtioPciDevice, createVirtioSerialPort, isVirtioPciDevice, optionRomRegion, plugVirtioPci,
} from "../hw/virtio/index.js";
import { type Netdev, type NetdevConfig, createNetdev } from "../net/index.js";

/*
 * qemu-system-i386's main (QEMU softmmu/main.c + vl.c qemu_init / qemu_main_loop): parse the
 * command line, create the accelerator and the machine, the character devices, monitors and
 * devices, load firmware or a kernel, then run until the machine exits, and return QEMU's exit
 * status: 0 after a shutdown or quit, 1 for configuration errors, (value << 1) | 1 from
 * isa-debug-exit.
 */

export interface QemuSystemEnv {
  /** Program name for messages (QEMU's error_get_progname). */
  prog?: string;
  stdout?: Writable;
  stderr?: Writable;
  stdin?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Directories searched for firmware after -L ones. */
  firmwareDirs?: string[];
  /** Handle SIGINT/SIGTERM/SIGHUP as QEMU does (the CLI sets this; embedders usually do not). */
  handleSignals?: boolean;
  /** The entry script re-run by -daemonize (default process.argv[1]). */
  script?: string;
}

/** Where QEMU on Debian finds its firmware (the seabios package installs bios-256k.bin there). */
export const DEFAULT_FIRMWARE_DIRS = ["/usr/share/qemu", "/usr/share/seabios"];
/** QEMU 7.2's default firmware for the pc machines. */
export const DEFAULT_BIOS = "bios-256k.bin";

const KNOWN_UNSUPPORTED_DEVICES = new Set([
  "virtio-balloon-pci", "virtio-scsi-pci",
  "virtio-9p-pci", "virtio-gpu-pci", "virtio-mouse-pci", "virtio-keyboard-pci", "virtio-blk-device", "e1000", "e1000e", "rtl8139", "ne2k_pci", "ne2k_isa", "pcnet", "ide-drive",
  "scsi-hd", "scsi-cd", "VGA", "cirrus-vga", "isa-vga", "std-vga", "qxl-vga", "usb-tablet", "usb-kbd", "usb-mouse",
  "usb-storage", "piix3-usb-uhci", "nec-usb-xhci", "qemu-xhci", "ich9-ahci", "i6300esb", "ib700", "pvpanic",
  "isa-parallel", "sga", "isa-fdc", "floppy", "hda-duplex", "intel-hda", "AC97", "sb16", "pc-testdev", "pci-testdev",
  "edu", "ivshmem-plain", "vfio-pci", "nvme", "megasas", "lsi53c895a", "am53c974", "dc390", "isa-ide", "i8042",
]);

/** One running emulator, as an embedder (the libvirt qemu driver) holds it. */
export class QemuSystem implements MonitorHost {
  readonly version = VIRTKIT_QEMU_VERSION;
  readonly threadId = process.pid;
  private readonly openChardevs = new Map<string, CharBackendBase>();
  private readonly frontendOpen = new Set<string>();
  private readonly monitors: (QmpMonitor | HmpMonitor)[] = [];
  readonly drives: { id: string; driver: BlockDriver; iface: string }[] = [];
  /** Guessed CHS geometry of the drives used by IDE disks. */
  private readonly ideGeometry = new Map<string, IdeDiskGeometry>();
  /** Drive ids an ide-hd or ide-cd already uses. */
  private readonly ideDrivesInUse = new Set<string>();
  /** -drive media=cdrom without file=: empty drives by id (an ide-cd may take one). */
  private readonly emptyDrives = new Map<string, string>();
  /** The CD-ROM drives (ide-cd) with their drive ids ("" for one without drive=), for query-block. */
  private readonly cdDrives: { id: string; drive: IdeDrive; qdevId: string | undefined; attachedId: string }[] = [];
  /** The IDE disks with their drive ids and device ids (eject refuses them: not removable). */
  private readonly hdDrives: { id: string; qdevId: string | undefined; attachedId: string }[] = [];
  /** Read-only flag of each backend's root state (what blockdev-change-medium's "retain" keeps). */
  private readonly rootReadOnly = new Map<string, boolean>();
  /** -device instances without id= so far (their QOM paths are /machine/peripheral-anon/device[N]). */
  private anonDevices = 0;
  /** Devices with a bootindex (fw_cfg "bootorder"). */
  readonly bootDevices = new BootDeviceList();
  /** -netdev / -nic backends by id. */
  readonly netdevs = new Map<string, Netdev>();
  /** -object rng-random / rng-builtin, opened before the devices that name them (rng=ID). */
  private readonly rngBackends = new Map<string, RngSource>();
  /** The virtio functions plugged in, with their devices (for info and snapshots). */
  readonly virtioDevices: { id: string | undefined; driver: string; created: CreatedVirtioPciDevice }[] = [];
  /** Backends a device already took (QEMU's "in use" checks). */
  private readonly backendsInUse = new Set<string>();
  snapshots?: MonitorHost["snapshots"];
  /** The one close in progress: every caller waits for the same (the guest's exit and main both close). */
  private closing: Promise<void> | undefined;
  /**
   * Keeps the process alive while the machine exists, as QEMU's main loop does: a stopped or
   * idle guest with no open sockets would otherwise let Node's event loop run dry.
   */
  private keepAlive: NodeJS.Timeout | undefined;

  private constructor(
    readonly machine: PcMachine,
    readonly config: SystemConfig,
    private readonly env: QemuSystemEnv,
  ) {}

  get prog(): string {
    return this.env.prog ?? "qemu-system-i386";
  }

  chardevs(): { label: string; filename: string; frontendOpen: boolean }[] {
    return this.config.chardevs
      .filter((c) => this.openChardevs.has(c.label))
      .map((c) => ({ label: c.label, filename: chardevFilename(c.config), frontendOpen: this.frontendOpen.has(c.label) }))
      .reverse();
  }

  /** A chardev by id or label (the libvirt driver attaches consoles through these). */
  chardev(label: string): CharBackend | undefined {
    return this.openChardevs.get(label);
  }

  /** query-block's list: the -drive backends in command-line order, removable ones with their tray. */
  blockDevices(): BlockInfo[] {
    const ids = this.config.drives.map((d) => d.id);
    const info = ids.flatMap((id): BlockInfo[] => {
      const d = this.drives.find((x) => x.id === id);
      const cdEntry = this.cdDrives.find((x) => x.id === id);
      const cd = cdEntry?.drive;
      const dev = cdEntry ?? this.hdDrives.find((x) => x.id === id);
      const detached = dev === undefined && !this.backendsInUse.has(`drive:${id}`);
      const tray = {
        ...(dev !== undefined ? { qdev: dev.attachedId } : {}),
        ...(detached ? { detached: true as const } : {}),
        ...(cd !== undefined ? { trayOpen: cd.trayOpen, locked: cd.trayLocked } : {}),
      };
      // A medium the guest ejected stays open in the drive; QEMU lists it without "inserted" too.
      if (d === undefined || cd?.blk === null) {
        return this.emptyDrives.has(id) || cd !== undefined ? [{ device: id, file: "", format: "", readOnly: true, virtualSize: 0, removable: true, inserted: false, ...tray }] : [];
      }
      return [{
        device: d.id,
        file: d.driver.filename,
        format: d.driver.format,
        // An ide-cd only reads, but the node keeps the mode its -drive opened it with (QEMU's "ro").
        readOnly: d.driver.readOnly,
        virtualSize: d.driver.getLength(),
        removable: cd !== undefined || detached,
        ...tray,
      }];
    });
    // Anonymous drives of -device ide-cd without drive= (QEMU names them "").
    for (const c of this.cdDrives) {
      if (c.id !== "") continue;
      const blk = c.drive.blk;
      const tray = { qdev: c.attachedId, trayOpen: c.drive.trayOpen, locked: c.drive.trayLocked };
      info.push(blk === null
        ? { device: "", file: "", format: "", readOnly: true, virtualSize: 0, removable: true, inserted: false, ...tray }
        : { device: "", file: blk.filename, format: blk.format, readOnly: blk.readOnly, virtualSize: blk.getLength(), removable: true, ...tray });
    }
    return info;
  }

  /**
   * The block backends for the monitor's eject / change: every -drive (attached or not) and the
   * anonymous backend of each -device ide-cd without drive=.
   */
  blockBackends(): BlockBackendSlot[] {
    const slots: BlockBackendSlot[] = [];
    const roots = this.rootReadOnly;
    const named = (id: string, cd: (typeof this.cdDrives)[number] | undefined, dev: { qdevId: string | undefined; attachedId: string } | undefined): BlockBackendSlot => ({
      name: id,
      qdevId: dev?.qdevId,
      attachedId: dev?.attachedId ?? "",
      hasDevice: dev !== undefined || this.backendsInUse.has(`drive:${id}`),
      cd: cd?.drive,
      medium: () => cd?.drive.blk ?? this.drives.find((x) => x.id === id)?.driver ?? null,
      setMedium: (blk) => {
        cd?.drive.setMedium(blk);
        const i = this.drives.findIndex((x) => x.id === id);
        if (blk === null) {
          const gone = this.drives[i];
          if (gone !== undefined) {
            this.drives.splice(i, 1);
            this.emptyDrives.set(id, `-drive ${id}`);
            this.rootReadOnly.set(id, gone.driver.readOnly);
          }
        } else if (i >= 0) {
          this.drives[i]!.driver = blk;
        } else {
          const spec = this.config.drives.find((x) => x.id === id);
          this.drives.push({ id, driver: blk, iface: spec?.interface ?? "none" });
          this.emptyDrives.delete(id);
        }
      },
      get rootReadOnly(): boolean {
        return roots.get(id) ?? true;
      },
      set rootReadOnly(v: boolean) {
        roots.set(id, v);
      },
    });
    for (const d of this.config.drives) {
      const cd = this.cdDrives.find((x) => x.id === d.id);
      const hd = this.hdDrives.find((x) => x.id === d.id);
      slots.push(named(d.id, cd, cd ?? hd));
    }
    for (const c of this.cdDrives) {
      if (c.id !== "") continue;
      let rootReadOnly = true;
      slots.push({
        name: "",
        qdevId: c.qdevId,
        attachedId: c.attachedId,
        hasDevice: true,
        cd: c.drive,
        medium: () => c.drive.blk,
        setMedium: (blk) => {
          c.drive.setMedium(blk);
        },
        get rootReadOnly(): boolean {
          return rootReadOnly;
        },
        set rootReadOnly(v: boolean) {
          rootReadOnly = v;
        },
      });
    }
    return slots;
  }

  /** The QOM path QEMU gives a legacy (-drive if=ide / -cdrom / -hdX) IDE device: machine init creates them after its own devices. */
  private legacyIdePath(bus: number, unit: number): string {
    const legacy = this.config.drives
      .filter((d) => d.interface === "ide" && d.bus !== undefined && d.unit !== undefined)
      .map((d) => d.bus! * 2 + d.unit!)
      .sort((a, b) => a - b);
    // pc_init1 / isapc: 17 (15 on isapc) devices of the machine, one per CPU and the -serial
    // ports (pc_basic_device_init) are realized first.
    const serials = this.config.serials.filter((s) => s !== undefined).length;
    const base = (this.config.machineType === "isapc" ? 15 : 17) + this.config.smp + serials;
    return `/machine/unattached/device[${base + legacy.indexOf(bus * 2 + unit)}]`;
  }

  /** Builds everything from a parsed configuration; throws QemuCliError or a loader error. */
  static async create(config: SystemConfig, env: QemuSystemEnv = {}): Promise<QemuSystem> {
    const prog = env.prog ?? "qemu-system-i386";
    const stderr = env.stderr ?? process.stderr;
    const warn = (m: string): void => {
      stderr.write(`${prog}: warning: ${m}\n`);
    };
    for (const w of config.warnings) {
      warn(w);
    }
    const biosPath = resolveFirmware(config.bios ?? DEFAULT_BIOS, [...config.dataDirs, ...(env.firmwareDirs ?? DEFAULT_FIRMWARE_DIRS)]);
    let bios: Uint8Array;
    try {
      bios = new Uint8Array(readFileSync(biosPath ?? ""));
    } catch {
      throw new QemuCliError(`qemu: could not load PC BIOS '${config.bios ?? DEFAULT_BIOS}'`, undefined, 1);
    }
    let accel: KvmAccel;
    try {
      accel = KvmAccel.create({ ...(config.kernelIrqchip !== undefined ? { kernelIrqchip: config.kernelIrqchip } : {}), idle: config.idle });
    } catch (e) {
      throw new QemuCliError(e instanceof AccelError ? e.message : String(e));
    }
    const uuidBytes = config.uuid === undefined ? undefined : Uint8Array.from(config.uuid.replaceAll("-", "").match(/../g)!.map((h) => Number.parseInt(h, 16)));
    let machine: PcMachine;
    try {
      machine = new PcMachine({
        type: config.machineType,
        accel,
        ramSize: config.ramSize,
        smp: config.smp,
        cpu: config.cpu,
        bios,
        biosName: config.bios ?? DEFAULT_BIOS,
        bootOrder: config.bootOrder,
        nographic: config.nographic,
        nsPerInstruction: config.nsPerInstruction,
        idle: config.idle,
        noReboot: config.noReboot,
        noShutdown: config.noShutdown,
        warn,
        errorSink: (t) => stderr.write(t),
        ...(config.name !== undefined ? { name: config.name } : {}),
        ...(config.uuid !== undefined ? { uuid: config.uuid } : {}),
        ...(uuidBytes !== undefined ? { uuidBytes } : {}),
        ...(config.rtcBase === "localtime"
          ? { rtcBaseMs: Date.now() - new Date().getTimezoneOffset() * 60000 }
          : typeof config.rtcBase === "number"
            ? { rtcBaseMs: config.rtcBase }
            : {}),
      });
    } catch (e) {
      accel.destroy();
      if (e instanceof RomLoadError) {
        throw new QemuCliError(e.message);
      }
      throw new QemuCliError((e as Error).message);
    }
    const sys = new QemuSystem(machine, config, env);
    try {
      await sys.build();
    } catch (e) {
      await sys.close();
      throw e;
    }
    return sys;
  }

  private async build(): Promise<void> {
    const { machine, config, env } = this;
    // Character devices (created, not yet opened: monitors must subscribe first).
    for (const c of config.chardevs) {
      try {
        const dev = createChardev(c.config, {
          stdio: { ...(env.stdin !== undefined ? { input: env.stdin } : {}), ...(env.stdout !== undefined ? { output: env.stdout } : {}) },
          onNotice: (m) => (env.stderr ?? process.stderr).write(`${m}\n`),
        });
        this.openChardevs.set(c.label, dev);
        machine.attachChardev({ label: c.label, chardev: dev, filename: chardevFilename(c.config), frontendOpen: false });
      } catch (e) {
        if (e instanceof ChardevOptionError) {
          throw new QemuCliError(e.message, c.location);
        }
        throw e;
      }
    }
    const dev = (label: string | undefined): CharBackend | undefined => {
      if (label === undefined) return undefined;
      this.frontendOpen.add(label);
      return this.openChardevs.get(label);
    };
    // -serial (isa_serial_init per index)
    config.serials.forEach((label, i) => {
      if (label !== undefined) {
        machine.addIsaSerial(i, dev(label));
      }
    });
    // -drive: backends first, so -device ...,drive=ID finds them
    for (const d of config.drives) {
      if (d.file === undefined) {
        this.emptyDrives.set(d.id, d.location);
        continue;
      }
      try {
        let format = d.format;
        if (format === undefined) {
          format = probeFormat(d.file);
          // raw_open warns only for an image it may write (a CD-ROM's is read-only).
          if (format === "raw" && !(d.readOnly || d.snapshot)) {
            (env.stderr ?? process.stderr).write(
              `WARNING: Image format was not specified for '${d.file}' and probing guessed raw.\n         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n`,
            );
          }
        }
        const driver = await openImage(d.file, { format, readOnly: d.readOnly || d.snapshot });
        this.drives.push({ id: d.id, driver, iface: d.interface });
      } catch (e) {
        if (e instanceof BlockError) {
          throw new QemuCliError(e.message.startsWith("Could not open") ? e.message : `Could not open '${d.file}': ${e.message}`, d.location);
        }
        throw e;
      }
    }
    // -netdev and -nic backends (opened before the NICs that use them)
    for (const o of config.objects) {
      try {
        this.rngBackends.set(o.object.id, openRngBackend(o.object));
      } catch (e) {
        if (e instanceof ObjectOptionError) throw new QemuCliError(e.message, o.location);
        throw e;
      }
    }
    for (const n of config.netdevs) {
      await this.openNetdev(n.config, n.location);
    }
    const implicit: DeviceSpec[] = [];
    for (const n of config.nics) {
      if (n.nic.netdev === undefined) continue;
      await this.openNetdev(n.nic.netdev, n.location);
      // QEMU's default NIC model on the pc machines is e1000, which virtkit does not model.
      const model = n.nic.model ?? "e1000";
      if (model !== "virtio-net-pci") {
        throw new QemuCliError(`nic model '${model}' is not supported by virtkit (use model=virtio-net-pci)`, n.location);
      }
      const opts: [string, string][] = [["driver", model], ["netdev", n.nic.netdev.id]];
      if (n.nic.mac !== undefined) opts.push(["mac", n.nic.mac]);
      implicit.push({ driver: model, opts: optsFrom(opts), location: n.location });
    }
    // -drive if=ide / -hdX: an ide-hd at the drive's bus and unit (pc_init1's pci_ide_create_devs).
    for (const d of config.drives) {
      if (d.interface !== "ide" || d.bus === undefined || d.unit === undefined) continue;
      if (d.media === "cdrom") {
        this.attachIdeCd(this.drives.find((x) => x.id === d.id)?.driver ?? null, d.id, d.bus, d.unit, { qdevId: undefined, attachedId: this.legacyIdePath(d.bus, d.unit) });
        continue;
      }
      this.hdDrives.push({ id: d.id, qdevId: undefined, attachedId: this.legacyIdePath(d.bus, d.unit) });
      const opened = this.drives.find((x) => x.id === d.id)!;
      if (d.snapshot && !d.readOnly) {
        throw new QemuCliError("virtkit: snapshot=on is not supported for IDE drives (it opens the image read-only)", d.location);
      }
      await this.attachIdeDisk(opened.driver, d.id, d.bus, d.unit, undefined);
    }
    // -device ide-hd needs the geometry of its drive, which reading sector 0 gives (async).
    for (const dv of config.devices) {
      const id = dv.driver === "ide-hd" ? dv.opts.get("drive") : undefined;
      const drv = id === undefined ? undefined : this.drives.find((x) => x.id === id);
      if (drv !== undefined && !this.ideGeometry.has(drv.id)) {
        this.ideGeometry.set(drv.id, await guessIdeGeometry(drv.driver));
      }
    }
    // -drive if=virtio: a virtio-blk-pci function per drive, as QEMU creates it.
    for (const d of this.drives) {
      if (d.iface === "virtio") implicit.push({ driver: "virtio-blk-pci", opts: optsFrom([["driver", "virtio-blk-pci"], ["drive", d.id]]), location: `-drive ${d.id}` });
    }
    // -device
    for (const d of [...config.devices, ...implicit]) {
      this.addDevice(d, dev);
    }
    // fw_cfg_machine_reset: the bootindex list for the firmware
    machine.fwCfg.modifyFile("bootorder", this.bootDevices.fileContents(config.bootStrict));
    // -debugcon: -device isa-debugcon,chardev=debugcon
    if (config.debugcon !== undefined) {
      machine.addIsaDebugcon(dev(config.debugcon));
    }
    // monitors
    for (const m of config.monitors) {
      const chardev = dev(m.chardev)!;
      this.monitors.push(m.mode === "control" ? new QmpMonitor(chardev, this) : new HmpMonitor(chardev, this));
    }
    // -kernel / -option-rom
    try {
      if (config.kernel !== undefined) {
        const r = setupDirectBoot(machine, { kernelPath: config.kernel, ...(config.initrd !== undefined ? { initrdPath: config.initrd } : {}), ...(config.append !== undefined ? { append: config.append } : {}) }, machine.biosRegions.bios.size);
        for (const w of r.warnings) {
          (env.stderr ?? process.stderr).write(`${this.prog}: ${w}\n`);
        }
      }
      for (const rom of config.optionRoms) {
        const path = resolveFirmware(rom, [...config.dataDirs, ...(env.firmwareDirs ?? DEFAULT_FIRMWARE_DIRS)]);
        if (path === undefined) {
          throw new QemuCliError(`Could not open option rom '${rom}': No such file or directory`);
        }
        addOptionRom(machine.fwCfg, path, new Uint8Array(readFileSync(path)));
      }
    } catch (e) {
      if (e instanceof LinuxBootError || e instanceof MultibootError) {
        throw new QemuCliError(e.message);
      }
      throw e;
    }
    if (config.snapshotDir !== undefined) {
      this.snapshots = new SnapshotStore(machine, config.snapshotDir);
    }
    this.setupLog();
    // Open the backends (a server socket with wait=on blocks here until its client connects).
    for (const [label, c] of this.openChardevs) {
      try {
        await c.open();
      } catch (e) {
        const spec = config.chardevs.find((x) => x.label === label);
        throw new QemuCliError((e as Error).message, spec?.location);
      }
    }
    machine.onExit(() => {
      // After the current turn: a QMP "quit" still sends its return before the sockets close.
      setImmediate(() => {
        void this.close();
      });
    });
    this.keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  }

  /**
   * -D / -d (util/log.c): the log file is created; "cpu_reset" logs each vCPU's state before every
   * reset as x86_cpu_reset_hold does. The other items are about TCG's translator and have nothing
   * to log under an accelerator, as with QEMU on KVM.
   */
  private setupLog(): void {
    const { config, machine, env } = this;
    let fd: number | undefined;
    if (config.logfile !== undefined) {
      try {
        fd = openSync(config.logfile, "w", 0o644);
      } catch (e) {
        throw new QemuCliError(`Could not open '${config.logfile}': ${(e as Error).message}`);
      }
      const logFd = fd;
      machine.onExit(() => {
        closeSync(logFd);
      });
    }
    const log = (text: string): void => {
      if (fd !== undefined) {
        writeSync(fd, text);
      } else {
        (env.stderr ?? process.stderr).write(text);
      }
    };
    if (config.logItems.includes("cpu_reset")) {
      machine.registerReset(() => {
        for (const v of machine.vcpus) {
          const fpu = v.vcpu.getFpu?.();
          log(`CPU Reset (CPU ${v.index})\n${formatCpuState(v.vcpu.getRegs(), v.vcpu.getSregs(), { halted: v.halted, ...(fpu !== undefined ? { fpu } : {}) })}`);
        }
      });
    }
  }

  private addDevice(d: DeviceSpec, dev: (label: string | undefined) => CharBackend | undefined): void {
    const machine = this.machine;
    const num = (k: string, dflt: number): number => {
      const v = d.opts.get(k);
      if (v === undefined) return dflt;
      const n = /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : Number.NaN;
      if (Number.isNaN(n)) {
        throw new QemuCliError(`Property '${d.driver}.${k}' doesn't take value '${v}'`, d.location);
      }
      return n;
    };
    const allow = (...keys: string[]): void => {
      for (const [k] of d.opts.entries) {
        if (k !== "driver" && k !== "id" && !keys.includes(k)) {
          throw new QemuCliError(`Property '${d.driver}.${k}' not found`, d.location);
        }
      }
    };
    // qdev_set_id: a device without id= is /machine/peripheral-anon/device[N], in creation order.
    const anonIndex = d.opts.get("id") === undefined ? this.anonDevices++ : undefined;
    const chardevProp = (): CharBackend | undefined => {
      const id = d.opts.get("chardev");
      if (id === undefined) return undefined;
      if (!this.openChardevs.has(id)) {
        throw new QemuCliError(`Property '${d.driver}.chardev' can't find value '${id}'`, d.location);
      }
      return dev(id);
    };
    switch (d.driver) {
      case "isa-debug-exit":
        allow("iobase", "iosize");
        machine.addIsaDebugExit(num("iobase", 0x501), num("iosize", 2));
        return;
      case "isa-debugcon":
        allow("iobase", "chardev", "readback");
        machine.addIsaDebugcon(chardevProp(), num("iobase", 0xe9));
        return;
      case "isa-serial": {
        allow("chardev", "index");
        const index = d.opts.has("index") ? num("index", 0) : machine.serials.length;
        if (index >= ISA_SERIAL_PORTS.length) {
          throw new QemuCliError(`Max. supported number of ISA serial ports is ${ISA_SERIAL_PORTS.length}.`, d.location);
        }
        if (machine.serials[index] !== undefined) {
          throw new QemuCliError(`Serial port index ${index} already in use`, d.location);
        }
        machine.addIsaSerial(index, chardevProp());
        return;
      }
      case "ide-hd":
        allow("drive", "bus", "unit", "serial", "model", "bootindex");
        this.addIdeDevice(d, "hd", anonIndex);
        return;
      case "ide-cd":
        allow("drive", "bus", "unit", "serial", "model", "bootindex");
        this.addIdeDevice(d, "cd", anonIndex);
        return;
      case "":
        throw new QemuCliError("Parameter 'driver' is missing", d.location);
      default:
        if (isVirtioPciDevice(d.driver) || (VIRTIO_SERIAL_PORTS as readonly string[]).includes(d.driver)) {
          this.addVirtioDevice(d, dev);
          return;
        }
        if (KNOWN_UNSUPPORTED_DEVICES.has(d.driver)) {
          throw new QemuCliError(`device '${d.driver}' is not supported by virtkit yet`, d.location);
        }
        throw new QemuCliError(`'${d.driver}' is not a valid device model name`, d.location);
    }
  }

  /** Attaches an opened drive as an ATA disk at bus/unit; QEMU refuses read-only drives for ide-hd. */
  private async attachIdeDisk(driver: BlockDriver, id: string, bus: number, unit: number, location: string | undefined, serial?: string, model?: string): Promise<void> {
    if (driver.readOnly) {
      throw new QemuCliError("Block node is read-only", location);
    }
    let geometry = this.ideGeometry.get(id);
    if (geometry === undefined) {
      geometry = await guessIdeGeometry(driver);
      this.ideGeometry.set(id, geometry);
    }
    this.machine.attachIdeDisk(bus, unit, driver, geometry, serial, model);
    this.ideDrivesInUse.add(id);
  }

  /** An ATAPI CD-ROM (ide-cd) at bus/unit with QEMU's defaults: serial QM0000n, model "QEMU DVD-ROM"; no CMOS entry. */
  private attachIdeCd(driver: BlockDriver | null, id: string, bus: number, unit: number, dev: { qdevId: string | undefined; attachedId: string }, serial?: string, model?: string): void {
    const drive = this.machine.ideBuses[bus]!.drives[unit]!;
    drive.attachCd({ blk: driver, serial: serial ?? ideDefaultSerial(bus, unit), ...(model !== undefined ? { model } : {}) });
    this.cdDrives.push({ id, drive, ...dev });
    this.rootReadOnly.set(id, driver?.readOnly ?? true);
    // blk_eject: the guest's START STOP UNIT moved the tray.
    drive.onTrayMoved = (open) => {
      this.machine.emitEvent({ event: "DEVICE_TRAY_MOVED", data: { device: id, "tray-open": open, id: dev.attachedId } });
    };
    if (id !== "") this.ideDrivesInUse.add(id);
  }

  /**
   * -device ide-hd|ide-cd,drive=ID[,bus=ide.N][,unit=N]: QEMU's ide_dev_initfn / idebus placement
   * rules and messages. Without bus= the device goes on the first IDE bus (qbus_find_recursive),
   * without unit= to its master position if free, else the slave. An ide-cd needs no drive (an
   * empty tray).
   */
  private addIdeDevice(d: DeviceSpec, kind: "hd" | "cd", anonIndex: number | undefined): void {
    const machine = this.machine;
    const name = kind === "hd" ? "ide-hd" : "ide-cd";
    const id = d.opts.get("drive");
    if (id === undefined && kind === "hd") {
      throw new QemuCliError("No drive specified", d.location);
    }
    const drv = id === undefined ? undefined : this.drives.find((x) => x.id === id);
    const empty = id !== undefined && drv === undefined && this.emptyDrives.has(id);
    if (id !== undefined && drv === undefined && !empty) {
      throw new QemuCliError(`Property '${name}.drive' can't find value '${id}'`, d.location);
    }
    if (id !== undefined) {
      const spec = this.config.drives.find((x) => x.id === id);
      if (spec !== undefined && spec.interface !== "none") {
        throw new QemuCliError(`Drive '${id}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`, d.location);
      }
      if (this.ideDrivesInUse.has(id) || (drv !== undefined && drv.iface !== "none")) {
        throw new QemuCliError(`Drive '${id}' is already in use by another device`, d.location);
      }
    }
    const buses = machine.ideBuses;
    const busName = d.opts.get("bus");
    let busId = 0;
    if (busName !== undefined) {
      const m = /^ide\.(\d+)$/.exec(busName);
      busId = m === null ? -1 : Number(m[1]);
      if (busId < 0 || busId >= buses.length) {
        throw new QemuCliError(`Bus '${busName}' not found`, d.location);
      }
    } else if (buses.length === 0) {
      throw new QemuCliError(`No 'IDE' bus found for device '${name}'`, d.location);
    }
    const bus = buses[busId]!;
    const unitText = d.opts.get("unit");
    let unit: number;
    if (unitText !== undefined) {
      if (!/^\d+$/.test(unitText)) {
        throw new QemuCliError(`Property '${name}.unit' doesn't take value '${unitText}'`, d.location);
      }
      unit = Number(unitText);
      if (unit >= bus.drives.length) {
        throw new QemuCliError(`Can't create IDE unit ${unit}, bus supports only ${bus.drives.length} units`, d.location);
      }
    } else {
      unit = bus.drives[0].present ? 1 : 0;
    }
    if (bus.drives[unit]!.present) {
      throw new QemuCliError(`IDE unit ${unit} is in use`, d.location);
    }
    this.addBootIndex(d, ideFwPath(machine.pciBus !== undefined ? { pci: true } : { pci: false, iobase: busId === 0 ? 0x1f0 : 0x170 }, busId, unit));
    const qdevId = d.opts.get("id");
    const devIds = { qdevId, attachedId: qdevId ?? `/machine/peripheral-anon/device[${anonIndex ?? 0}]` };
    if (kind === "cd") {
      this.attachIdeCd(drv?.driver ?? null, id ?? "", busId, unit, devIds, d.opts.get("serial"), d.opts.get("model"));
      return;
    }
    this.hdDrives.push({ id: drv?.id ?? "", ...devIds });
    if (empty || drv === undefined) {
      throw new QemuCliError("Device needs media, but drive is empty", d.location);
    }
    if (drv.driver.readOnly) {
      throw new QemuCliError("Block node is read-only", d.location);
    }
    const geometry = this.ideGeometry.get(drv.id)!;
    machine.attachIdeDisk(busId, unit, drv.driver, geometry, d.opts.get("serial"), d.opts.get("model"));
    this.ideDrivesInUse.add(drv.id);
  }

  /** A device's bootindex= goes on the firmware's boot list (QEMU's bootindex property: int32, unique). */
  private addBootIndex(d: DeviceSpec, path: string): void {
    const text = d.opts.get("bootindex");
    if (text === undefined) return;
    if (!/^[-+]?(?:0x[0-9a-f]+|\d+)$/i.test(text)) {
      throw new QemuCliError("Parameter 'bootindex' expects integer", d.location);
    }
    const index = Number(text);
    // -1 is the property's default: no boot entry.
    if (index < 0) return;
    try {
      this.bootDevices.add(index, path);
    } catch (e) {
      if (e instanceof BootIndexError) throw new QemuCliError(e.message, d.location);
      throw e;
    }
  }

  /** Creates and opens a -netdev backend (also the one a -nic names). */
  private async openNetdev(config: NetdevConfig, location: string): Promise<void> {
    const nd = createNetdev(config, { onNotice: (m) => (this.env.stderr ?? process.stderr).write(`${m}\n`) });
    try {
      await nd.open();
    } catch (e) {
      throw new QemuCliError((e as Error).message, location);
    }
    this.netdevs.set(config.id, nd);
  }

  /**
   * -device virtio-*-pci / virtconsole / virtserialport: the virtio device and its PCI function, plugged
   * at addr= or the first free slot of bus 0 (as QEMU assigns them), BARs mapped, INTx through PIIX3.
   */
  private addVirtioDevice(d: DeviceSpec, dev: (label: string | undefined) => CharBackend | undefined): void {
    const machine = this.machine;
    const props: Record<string, string> = {};
    for (const [k, v] of d.opts.entries) if (k !== "driver") props[k] = v;
    // bootindex is a property of the block and net devices (virtio_blk / virtio_net add_boot_device_path).
    const bootSuffix = VIRTIO_BOOT_SUFFIX[d.driver];
    if (bootSuffix !== undefined) delete props.bootindex;
    const env: VirtioDeviceEnvironment = {
      dma: machine.guestMemory,
      drive: (id) => this.drives.find((x) => x.id === id)?.driver,
      netdev: (id) => this.netdevs.get(id),
      rng: (id) => this.rngBackends.get(id),
      chardev: (id) => (this.openChardevs.has(id) ? dev(id) : undefined),
      inUse: this.backendsInUse,
      onWarning: (m) => (this.env.stderr ?? process.stderr).write(`${this.prog}: warning: ${m}\n`),
      romfile: (name) => {
        const path = resolveFirmware(name, [...this.config.dataDirs, ...(this.env.firmwareDirs ?? DEFAULT_FIRMWARE_DIRS), "/usr/lib/ipxe/qemu"]);
        return path === undefined ? undefined : new Uint8Array(readFileSync(path));
      },
    };
    try {
      if (!isVirtioPciDevice(d.driver)) {
        const bus = [...this.virtioDevices].reverse().find((v) => v.created.device instanceof VirtioSerial)?.created.device as VirtioSerial | undefined;
        createVirtioSerialPort(d.driver as (typeof VIRTIO_SERIAL_PORTS)[number], props, bus, env);
        return;
      }
      if (machine.pciBus === undefined || machine.pciBars === undefined) {
        throw new QemuCliError(`No 'PCI' bus found for device '${d.driver}'`, d.location);
      }
      const created = createVirtioPciDevice(d.driver, props, env);
      const [slot, fn] = pciAddress(props.addr, machine.pciBus);
      const rom = created.rom === undefined ? undefined : optionRomRegion(created.proxy, created.rom, (name, size) => machine.accel.allocRam(name, size));
      if (bootSuffix !== undefined) this.addBootIndex(d, `${pciFwPath(bootSuffix[0], slot, fn)}${bootSuffix[1]}`);
      plugVirtioPci({ pciBus: machine.pciBus, pciBars: machine.pciBars }, created.proxy, slot, fn, rom);
      this.virtioDevices.push({ id: props.id, driver: d.driver, created });
    } catch (e) {
      if (e instanceof VirtioDeviceOptionError || e instanceof PciError) throw new QemuCliError(e.message, d.location);
      throw e;
    }
  }

  /** Starts the guest (or leaves it in prelaunch with -S), loading -loadvm or -incoming first. */
  async start(): Promise<void> {
    if (this.config.incoming !== undefined) {
      // qemu_start_incoming_migration + process_incoming_migration_co: load, then run unless -S.
      try {
        incomingFromFile(this.machine, this.config.incoming);
      } catch (e) {
        if (e instanceof MigrationError || e instanceof VmStateError) {
          throw new QemuCliError(e.message.startsWith("load of migration failed") ? e.message : `load of migration failed: ${e.message}`);
        }
        throw e;
      }
    }
    if (this.config.loadvm !== undefined) {
      if (this.snapshots === undefined) {
        throw new QemuCliError("No block device supports snapshots", `-loadvm ${this.config.loadvm}`);
      }
      await this.snapshots.load(this.config.loadvm);
    }
    if (!this.config.startPaused) {
      this.machine.vmStart();
    }
  }

  /** Releases monitors, chardevs, drives and the VM. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    clearInterval(this.keepAlive);
    for (const m of this.monitors) m.close();
    for (const c of this.openChardevs.values()) {
      await c.close().catch(() => undefined);
    }
    // Block requests of the IDE disks still in flight finish before their images close.
    await this.machine.drainIde().catch(() => undefined);
    for (const d of this.drives) {
      await d.driver.close().catch(() => undefined);
    }
    for (const n of this.netdevs.values()) {
      await n.close().catch(() => undefined);
    }
    this.machine.destroy();
  }
}

/** qemu_find_file(QEMU_FILE_TYPE_BIOS): the name itself if readable, else in the data directories. */
export function resolveFirmware(name: string, dirs: readonly string[]): string | undefined {
  if (existsSync(name)) {
    return name;
  }
  if (isAbsolute(name)) {
    return undefined;
  }
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) {
      return p;
    }
  }
  return undefined;
}

function formatError(prog: string, e: QemuCliError): string {
  if (e.message.startsWith("qemu: ") || e.message.startsWith("WARNING")) {
    return `${e.message}\n`;
  }
  return `${prog}: ${e.location !== undefined && e.location !== "" ? `${e.location}: ` : ""}${e.message}\n`;
}

/**
 * The whole program: returns the exit status. The VM runs on the event loop; the promise settles
 * when the machine exits (or at once for errors and -help/-version).
 */
export async function qemuSystemMain(argv: readonly string[], env: QemuSystemEnv = {}): Promise<number> {
  const prog = env.prog ?? "qemu-system-i386";
  const stdout = env.stdout ?? process.stdout;
  const stderr = env.stderr ?? process.stderr;
  let config: SystemConfig;
  try {
    const r = parseSystemArgs(argv, prog);
    if ("kind" in r) {
      stdout.write(r.text);
      return r.status;
    }
    config = r;
  } catch (e) {
    if (e instanceof QemuCliError || e instanceof QemuOptsError) {
      stderr.write(formatError(prog, e instanceof QemuCliError ? e : new QemuCliError(e.message)));
      return 1;
    }
    throw e;
  }
  const daemonChild = process.env.VIRTKIT_QEMU_DAEMON_CHILD === "1" && typeof process.send === "function";
  if (config.daemonize && !daemonChild) {
    return daemonize(argv, env, prog, stderr);
  }
  let sys: QemuSystem;
  try {
    sys = await QemuSystem.create(config, env);
    if (config.pidfile !== undefined) {
      writePidfile(config.pidfile);
    }
    await sys.start();
  } catch (e) {
    const msg = e instanceof QemuCliError ? formatError(prog, e) : `${prog}: ${(e as Error).message}\n`;
    if (daemonChild) {
      process.send?.({ error: msg });
    } else {
      stderr.write(msg);
    }
    return 1;
  }
  if (daemonChild) {
    process.send?.({ ready: true });
    process.disconnect();
  }
  const signals: [NodeJS.Signals, number][] = [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]];
  const handlers: [NodeJS.Signals, () => void][] = [];
  if (env.handleSignals === true) {
    for (const [sig, num] of signals) {
      const h = (): void => {
        stderr.write(`${prog}: terminating on signal ${num}\n`);
        sys.machine.quit("host-signal");
      };
      process.on(sig, h);
      handlers.push([sig, h]);
    }
  }
  const status = await sys.machine.waitForExit();
  // Let the current turn finish (a QMP "quit" reply is written after the exit request).
  await new Promise((r) => setImmediate(r));
  for (const [sig, h] of handlers) {
    process.off(sig, h);
  }
  await sys.close();
  if (config.pidfile !== undefined) {
    try {
      unlinkSync(config.pidfile);
    } catch {
      // already gone
    }
  }
  return status;
}

/** qemu_write_pidfile. */
function writePidfile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "w", 0o600);
  } catch (e) {
    throw new QemuCliError(`cannot create PID file: Cannot open pid file: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
  }
  writeSync(fd, `${process.pid}\n`);
  closeSync(fd);
}

/**
 * -daemonize (os_daemonize): the parent starts a detached copy of the program and waits until it
 * reports that initialisation is complete (then exits 0) or failed (prints the error, exits 1).
 */
function daemonize(argv: readonly string[], env: QemuSystemEnv, prog: string, stderr: Writable): Promise<number> {
  return new Promise((resolve) => {
    const script = env.script ?? process.argv[1] ?? "";
    const child = spawn(process.execPath, [script, ...argv], {
      detached: true,
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env: { ...process.env, VIRTKIT_QEMU_DAEMON_CHILD: "1" },
    });
    child.on("message", (m: { ready?: boolean; error?: string }) => {
      if (m.error !== undefined) {
        stderr.write(m.error);
        resolve(1);
      } else if (m.ready === true) {
        child.unref();
        child.disconnect();
        resolve(0);
      }
    });
    child.on("exit", (code) => {
      resolve(code ?? 1);
    });
    child.on("error", (e) => {
      stderr.write(`${prog}: ${e.message}\n`);
      resolve(1);
    });
  });
}


/** QemuOpts from key/value pairs (for devices the command line implies, such as -drive if=virtio). */
function optsFrom(entries: [string, string][]): DeviceSpec["opts"] {
  return {
    entries,
    get: (k) => entries.filter(([x]) => x === k).at(-1)?.[1],
    has: (k) => entries.some(([x]) => x === k),
  };
}

/** addr=SLOT[.FN] (hex, as QEMU's PCI address property), or the first free slot of bus 0. */
/** The PCI class name (pci_dev_fw_name) and boot path suffix of the virtio devices that take a bootindex. */
const VIRTIO_BOOT_SUFFIX: Readonly<Record<string, readonly [string, string]>> = {
  "virtio-blk-pci": ["scsi", "/disk@0,0"],
  "virtio-net-pci": ["ethernet", "/ethernet-phy@0"],
};

function pciAddress(addr: string | undefined, bus: PciBus): [number, number] {
  if (addr !== undefined) {
    const m = /^(?:0x)?([0-9a-f]{1,2})(?:\.([0-7]))?$/i.exec(addr);
    if (m === null) throw new VirtioDeviceOptionError(`Property 'virtio-pci.addr' doesn't take value '${addr}'`);
    return [Number.parseInt(m[1]!, 16), m[2] === undefined ? 0 : Number(m[2])];
  }
  for (let slot = 0; slot < 32; slot++) {
    if (bus.device(slot << 3) === undefined) return [slot, 0];
  }
  throw new PciError("PCI: no slot/function available for the device, all in use or reserved");
}
