// The QEMU driver's parser configuration and post-parse callbacks (libvirt 9.0
// src/qemu/qemu_domain.c: virQEMUDriverDomainDefParserConfig, qemuDomainDefPostParseBasic,
// qemuDomainDefPostParse with qemuDomainDefAddDefaultDevices / qemuDomainDefSetDefaultCPU /
// qemuDomainDefCPUPostParse, qemuDomainDeviceDefPostParse) and its address assignment
// (src/qemu/qemu_domain_address.c with the PCI/virtio-serial/USB address sets of
// src/conf/domain_addr.c), for x86 guests (i686, x86_64) on the i440fx ("pc"), q35 and isapc
// machine types.
//
// libvirt consults the probed capabilities of the QEMU binary (virQEMUCaps); virtkit describes
// them with QemuEmulatorCaps. The default (qemuX86Caps) is what libvirt 9.0 reports for QEMU 7.2
// (Debian 12), against which the golden files in test-data/conf/qemu/ were made with a real
// libvirtd's qemu:///session driver.
import {
  confError,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_SYSTEM_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_FROM_QEMU,
} from "./conf-error.js";
import { addController, findController, isUsb2Controller, maybeAddController } from "./controller-conf.js";
import { isPciAddressEmpty } from "./device-info.js";
import type { ControllerDef, DeviceInfo, DomainDef } from "./domain-def.js";
import { listDevices, type DomainDevice, type DomainPostParse } from "./domain-driver-hooks.js";
import { VIR_DOMAIN_DEF_PARSE_ABI_UPDATE, VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEFINE_VALIDATE, VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA } from "./domain-flags.js";
import {
  VIR_DOMAIN_DEF_FEATURE_DISK_FD,
  VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT,
  VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS,
  VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG,
  VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
  VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN,
  VIR_DOMAIN_DEF_FEATURE_USER_ALIAS,
} from "./parse-context.js";

// --- capabilities of the QEMU binaries ------------------------------------------------------------

export interface QemuEmulatorCaps {
  arch: "i686" | "x86_64";
  /** virQEMUCapsGetDefaultEmulator for the arch */
  emulator: string;
  /** the machine types the binary reports, with aliases mapped to their canonical names */
  machines: readonly string[];
  aliases: Readonly<Record<string, string>>;
  /** virQEMUCapsGetPreferredMachine: the machine used when <type machine=''> is absent */
  preferredMachine: string;
  /** the machine's default CPU model (query-machines default-cpu-type) */
  defaultCpu: (machine: string) => string;
  /** the <domain type> values the binary can run: "qemu" (TCG), plus "kvm" where /dev/kvm works */
  virtTypes: readonly string[];
}

function qemu72Machines(): string[] {
  const out = ["pc", "q35", "isapc", "microvm", "pc-i440fx-7.2", "pc-q35-7.2"];
  for (const v of ["7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1", "4.0", "3.1", "3.0", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0", "1.7", "1.6", "1.5", "1.4"]) {
    out.push(`pc-i440fx-${v}`);
    const [maj, min] = v.split(".").map(Number) as [number, number];
    if (maj > 2 || (maj === 2 && min >= 4)) out.push(`pc-q35-${v}`);
  }
  out.push("pc-i440fx-4.0.1", "pc-i440fx-4.1.1", "pc-q35-4.0.1", "pc-q35-4.1.1", "pc-1.3", "pc-1.2", "pc-1.1", "pc-1.0", "pc-0.15", "pc-0.14", "pc-0.13", "pc-0.12");
  return out;
}

function x86Caps(arch: "i686" | "x86_64"): QemuEmulatorCaps {
  return {
    arch,
    emulator: arch === "i686" ? "/usr/bin/qemu-system-i386" : "/usr/bin/qemu-system-x86_64",
    machines: qemu72Machines(),
    aliases: { pc: "pc-i440fx-7.2", q35: "pc-q35-7.2" },
    preferredMachine: "pc-i440fx-7.2",
    defaultCpu: (machine) => (machine === "isapc" ? "486" : arch === "i686" ? "qemu32" : "qemu64"),
    virtTypes: ["qemu"],
  };
}

/** QEMU 7.2's x86 binaries as libvirt 9.0 probes them on a host without KVM */
export const qemuX86Caps: readonly QemuEmulatorCaps[] = [x86Caps("i686"), x86Caps("x86_64")];

/** an error raised by src/qemu/ (VIR_FROM_QEMU); domain_addr.c's address sets report VIR_FROM_DOMAIN */
function qemuError(code: number, msg: string): ReturnType<typeof confError> {
  return confError(code, msg, VIR_FROM_QEMU);
}

// --- machine types -----------------------------------------------------------------------------------

/** qemuDomainMachineIsI440FX */
export function machineIsI440FX(machine: string | null): boolean {
  if (machine === null) return false;
  return machine === "pc" || machine.startsWith("pc-0.") || machine.startsWith("pc-1.") || machine.startsWith("pc-i440fx-") || machine.startsWith("rhel");
}

/** qemuDomainMachineIsQ35 */
export function machineIsQ35(machine: string | null): boolean {
  return machine !== null && (machine === "q35" || machine.startsWith("pc-q35"));
}

function isX86(def: DomainDef): boolean {
  return def.os.arch === "i686" || def.os.arch === "x86_64";
}

// --- post-parse ----------------------------------------------------------------------------------------

/** virDomainDefMaybeAddInput: an input of that type and bus unless one exists */
function maybeAddInput(def: DomainDef, type: "mouse" | "keyboard", bus: "ps2" | "usb"): void {
  if (def.inputs.some((i) => i.type === type && i.bus === bus)) return;
  def.inputs.push({ type, bus, model: null, evdev: null, grab: null, grabToggle: null, repeat: null, virtio: null, info: emptyInfo() });
}

/** qemuDomainDefSuggestDefaultAudioBackend with qemu.conf's defaults (no host audio passthrough) */
function addDefaultAudio(def: DomainDef): void {
  if (def.audios.length > 0) return;
  let add = false;
  let type: "none" | "spice" = "none";
  let passthrough = false;
  for (const g of def.graphics) {
    if (g.type === "vnc") {
      passthrough = false;
      type = "none";
      add = true;
    } else if (g.type === "spice") {
      passthrough = false;
      type = "spice";
      add = true;
    } else if (g.type === "sdl") {
      passthrough = true;
      add = true;
    }
  }
  if (def.graphics.length === 0) {
    passthrough = false;
    type = "none";
    add = true;
  }
  // with passthrough libvirt follows $QEMU_AUDIO_DRV of the daemon; unset, nothing is added
  if (add && passthrough) add = false;
  if (add) def.audios.push({ id: 1, type, timerPeriod: 0 });
}

/** qemuDomainDefAddDefaultDevices for x86 */
function addDefaultDevices(def: DomainDef): void {
  maybeAddInput(def, "mouse", "ps2");
  maybeAddInput(def, "keyboard", "ps2");
  let addDefaultUSB = true;
  let usbModel: string | null = null;
  let addPCIRoot = false;
  let addPCIeRoot = false;
  let addSATA = false;
  if (def.os.machine === "isapc") {
    addDefaultUSB = false;
  } else if (machineIsQ35(def.os.machine)) {
    addPCIeRoot = true;
    addSATA = true;
    usbModel = "qemu-xhci";
  } else if (machineIsI440FX(def.os.machine)) {
    addPCIRoot = true;
  }
  if (addDefaultUSB && findController(def.controllers, "usb", 0) < 0) addController(def.controllers, "usb", 0, usbModel);
  if (addSATA) maybeAddController(def.controllers, "sata", 0, null);
  const pciRoot = findController(def.controllers, "pci", 0);
  const root = (model: "pci-root" | "pcie-root"): void => {
    if (pciRoot >= 0) {
      const have = def.controllers[pciRoot]!.model;
      if (have !== model) {
        throw qemuError(
          VIR_ERR_XML_ERROR,
          `The PCI controller with index='0' must be model='${model}' for this machine type, but model='${have ?? "(null)"}' was found instead`,
        );
      }
    } else {
      addController(def.controllers, "pci", 0, model);
    }
  };
  if (addPCIRoot) root("pci-root");
  if (addPCIeRoot) root("pcie-root");
  def.memballoon ??= { model: "virtio", autodeflate: null, freePageReporting: null, period: 0, virtio: null, info: emptyInfo() };
  addDefaultAudio(def);
}

function emptyInfo(): DeviceInfo {
  return { alias: null, bootIndex: 0, loadparm: null, acpiIndex: 0, rom: null, usbMasterStartport: null, address: null };
}

/** qemuDomainDefSetDefaultCPU + qemuDomainDefCPUPostParse for x86 guests */
function cpuPostParse(def: DomainDef, caps: QemuEmulatorCaps): void {
  if (!def.cpu || (def.cpu.mode === "custom" && def.cpu.model === null)) {
    const model = caps.defaultCpu(def.os.machine ?? "");
    def.cpu ??= {
      mode: "custom",
      match: "exact",
      check: null,
      migratable: null,
      model: null,
      fallback: "allow",
      vendorId: null,
      vendor: null,
      topology: null,
      features: [],
      cache: null,
      maxPhysAddr: null,
    };
    // the default model (qemu64...) may not run on every host: no checks until it is started
    def.cpu.check = "none";
    def.cpu.mode = "custom";
    def.cpu.match = "exact";
    def.cpu.fallback = "forbid";
    def.cpu.model = model;
  }
  const cpu = def.cpu;
  // QEMU_CAPS_CPU_MIGRATABLE
  if (def.id === -1 && cpu.mode === "host-passthrough" && cpu.migratable === null) cpu.migratable = "on";
  if (cpu.mode === "custom" && cpu.model === null) return;
  if (cpu.check !== null) return;
  if (cpu.mode === "host-passthrough" || cpu.mode === "maximum") cpu.check = "none";
  else if (cpu.mode === "host-model") cpu.check = "partial";
  else cpu.check = def.virtType === "qemu" ? "none" : "partial";
}

function findCaps(list: readonly QemuEmulatorCaps[], def: DomainDef): QemuEmulatorCaps {
  const caps = list.find((c) => c.emulator === def.emulator);
  if (!caps) {
    // qemuDomainPostParseDataAlloc finds no capabilities: virQEMUCapsCacheLookup reports the binary
    throw qemuError(VIR_ERR_SYSTEM_ERROR, `Cannot check QEMU binary ${def.emulator ?? ""}: No such file or directory`);
  }
  return caps;
}

/** qemuDomainControllerDefPostParse + qemuDomainSetSCSIControllerModel for x86 */
function controllerPostParse(cont: ControllerDef): void {
  if (cont.type === "scsi" && cont.model === null) cont.model = "lsilogic";
  if (cont.type === "usb") {
    cont.model ??= "piix3-uhci";
    if (cont.model === "qusb1" || cont.model === "qusb2") {
      throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, "USB controller model type 'qusb1' or 'qusb2' is not supported in qemu");
    }
    if ((cont.model === "nec-xhci" || cont.model === "qemu-xhci") && cont.ports > 15) {
      throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `'${cont.model}' controller only supports up to '15' ports`);
    }
  }
  if (cont.type === "pci") {
    if ((cont.model === "pci-root" || cont.model === "pcie-root") && cont.idx !== 0) {
      throw qemuError(VIR_ERR_XML_ERROR, "pci-root and pcie-root controllers should have index 0");
    }
  }
}

function devicePostParse(dev: DomainDevice, def: DomainDef, flags: number): void {
  switch (dev.type) {
    case "net":
      if (dev.net.model === null && dev.net.type !== "hostdev") dev.net.model = "rtl8139";
      break;
    case "disk": {
      const d = dev.disk;
      d.driver.name ??= "qemu";
      if (d.src.format === null && (d.src.type as string) !== "volume") d.src.format = "raw";
      break;
    }
    case "video":
      // qemuDomainDefaultVideoDevice: cirrus-vga is available
      if (dev.video.type === "default") dev.video.type = "cirrus";
      if (dev.video.type === "qxl" && dev.video.vgamem === 0) dev.video.vgamem = 16384;
      break;
    case "controller":
      controllerPostParse(dev.controller);
      break;
    case "chr": {
      const chr = dev.chr;
      if (chr.deviceType === "serial") {
        if (chr.targetType === "isa-serial") chr.targetType = "none";
        if (chr.targetType === "none" && isX86(def)) chr.targetType = "isa-serial";
        if (chr.targetModel === "none") {
          const m: Record<string, string> = {
            "isa-serial": "isa-serial",
            "usb-serial": "usb-serial",
            "pci-serial": "pci-serial",
            "spapr-vio-serial": "spapr-vty",
            "sclp-serial": "sclpconsole",
            "isa-debug": "isa-debugcon",
          };
          chr.targetModel = m[chr.targetType] ?? "none";
        }
      }
      // a UNIX chardev without a path gets a generated one, which implies mode='bind'
      if (flags & VIR_DOMAIN_DEF_PARSE_INACTIVE && chr.source.type === "unix" && chr.source.path === null) chr.source.listen = true;
      break;
    }
    default:
      break;
  }
}

// --- PCI addresses (domain_addr.c) --------------------------------------------------------------------

const HOTPLUGGABLE = 1 << 0;
const AUTOASSIGN = 1 << 1;
const T_PCI_DEVICE = 1 << 2;
const T_PCIE_DEVICE = 1 << 3;
const T_PCIE_ROOT_PORT = 1 << 4;
const T_SWITCH_UP = 1 << 5;
const T_SWITCH_DOWN = 1 << 6;
const T_DMI_TO_PCI_BRIDGE = 1 << 7;
const T_PCI_EXPANDER = 1 << 8;
const T_PCIE_EXPANDER = 1 << 9;
const T_PCI_BRIDGE = 1 << 10;
const T_PCIE_TO_PCI_BRIDGE = 1 << 11;
const AGGREGATE_SLOT = 1 << 12;
const TYPES_MASK =
  T_PCI_DEVICE | T_PCIE_DEVICE | T_PCIE_ROOT_PORT | T_SWITCH_UP | T_SWITCH_DOWN | T_DMI_TO_PCI_BRIDGE | T_PCI_EXPANDER | T_PCIE_EXPANDER | T_PCI_BRIDGE | T_PCIE_TO_PCI_BRIDGE;
const TYPES_ENDPOINT = T_PCI_DEVICE | T_PCIE_DEVICE;
const PCI_FLAGS = T_PCI_DEVICE | AUTOASSIGN;

interface PciAddr {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

interface Bus {
  model: string;
  flags: number;
  minSlot: number;
  maxSlot: number;
  slots: { functions: number; aggregate: boolean }[];
}

function addrStr(a: PciAddr): string {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, "0");
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function}`;
}

/** virDomainPCIControllerModelToConnectType */
function controllerConnectType(model: string | null): number {
  switch (model) {
    case "pci-bridge":
      return T_PCI_BRIDGE;
    case "pci-expander-bus":
      return T_PCI_EXPANDER;
    case "pcie-expander-bus":
      return T_PCIE_EXPANDER;
    case "dmi-to-pci-bridge":
      return T_DMI_TO_PCI_BRIDGE;
    case "pcie-to-pci-bridge":
      return T_PCIE_TO_PCI_BRIDGE;
    case "pcie-root-port":
      return T_PCIE_ROOT_PORT | AGGREGATE_SLOT;
    case "pcie-switch-upstream-port":
      return T_SWITCH_UP;
    case "pcie-switch-downstream-port":
      return T_SWITCH_DOWN;
    default:
      return 0;
  }
}

/** virDomainPCIAddressBusSetModel */
function newBus(model: string, hotplug: boolean): Bus {
  const hp = hotplug ? HOTPLUGGABLE : 0;
  let flags: number;
  let minSlot = 1;
  let maxSlot = 31;
  switch (model) {
    case "pci-root":
      flags = AUTOASSIGN | T_PCI_DEVICE | T_PCI_BRIDGE | T_PCI_EXPANDER | hp;
      break;
    case "pci-bridge":
      flags = AUTOASSIGN | T_PCI_DEVICE | T_PCI_BRIDGE | hp;
      break;
    case "pci-expander-bus":
      flags = AUTOASSIGN | T_PCI_DEVICE | T_PCI_BRIDGE | hp;
      minSlot = 0;
      break;
    case "pcie-root":
      flags = T_PCIE_DEVICE | T_PCIE_ROOT_PORT | T_DMI_TO_PCI_BRIDGE | T_PCIE_EXPANDER;
      break;
    case "dmi-to-pci-bridge":
      flags = T_PCI_DEVICE | T_PCI_BRIDGE;
      minSlot = 0;
      break;
    case "pcie-to-pci-bridge":
      flags = AUTOASSIGN | T_PCI_DEVICE | T_PCI_BRIDGE | hp;
      break;
    case "pcie-root-port":
    case "pcie-switch-downstream-port":
      flags = AUTOASSIGN | T_PCIE_DEVICE | T_SWITCH_UP | T_PCIE_TO_PCI_BRIDGE | hp;
      minSlot = 0;
      maxSlot = 0;
      break;
    case "pcie-switch-upstream-port":
      flags = T_SWITCH_DOWN;
      minSlot = 0;
      break;
    case "pcie-expander-bus":
      flags = T_PCIE_ROOT_PORT | T_DMI_TO_PCI_BRIDGE;
      minSlot = 0;
      break;
    default:
      throw confError(VIR_ERR_INTERNAL_ERROR, "PCI controller model was not set correctly");
  }
  return { model, flags, minSlot, maxSlot, slots: Array.from({ length: 32 }, () => ({ functions: 0, aggregate: false })) };
}

class PciAddressSet {
  buses: Bus[] = [];
  constructor(readonly dryRun: boolean) {}

  /** virDomainPCIAddressFlagsCompatible */
  compatible(a: PciAddr, busFlags: number, devFlags: number, report: boolean, fromConfig: boolean): boolean {
    const errType = fromConfig ? VIR_ERR_XML_ERROR : VIR_ERR_INTERNAL_ERROR;
    const s = addrStr(a);
    if (fromConfig) {
      if (busFlags & TYPES_ENDPOINT) busFlags |= TYPES_ENDPOINT;
      if (devFlags & T_PCI_BRIDGE) devFlags |= T_PCI_DEVICE;
    } else if (devFlags & AUTOASSIGN && !(busFlags & AUTOASSIGN)) {
      if (report) {
        throw confError(
          errType,
          `The device at PCI address ${s} was auto-assigned this address, but the PCI controller with index='${a.bus}' doesn't allow auto-assignment`,
        );
      }
      return false;
    }
    if (devFlags & HOTPLUGGABLE && !(busFlags & HOTPLUGGABLE)) {
      if (report) {
        throw confError(errType, `The device at PCI address ${s} requires hotplug capability, but the PCI controller with index='${a.bus}' doesn't support hotplug`);
      }
      return false;
    }
    if (!(devFlags & busFlags & TYPES_MASK)) {
      if (!report) return false;
      const names: [number, string][] = [
        [T_PCI_DEVICE, "standard PCI device"],
        [T_PCIE_DEVICE, "PCI Express device"],
        [T_PCIE_ROOT_PORT, "pcie-root-port"],
        [T_SWITCH_UP, "pcie-switch-upstream-port"],
        [T_SWITCH_DOWN, "pcie-switch-downstream-port"],
        [T_DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"],
        [T_PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"],
        [T_PCI_EXPANDER, "pci-expander-bus"],
        [T_PCIE_EXPANDER, "pcie-expander-bus"],
        [T_PCI_BRIDGE, "pci-bridge"],
      ];
      const what = names.find(([f]) => devFlags & f)?.[1] ?? "unknown";
      throw confError(
        errType,
        `The device at PCI address ${s} cannot be plugged into the PCI controller with index='${a.bus}'. It requires a controller that accepts a ${what}.`,
      );
    }
    return true;
  }

  /** virDomainPCIAddressValidate */
  validate(a: PciAddr, flags: number, fromConfig: boolean): void {
    const errType = fromConfig ? VIR_ERR_XML_ERROR : VIR_ERR_INTERNAL_ERROR;
    const s = addrStr(a);
    if (this.buses.length === 0) throw confError(errType, "No PCI buses available");
    if (a.domain !== 0) throw confError(errType, `Invalid PCI address ${s}. Only PCI domain 0 is available`);
    if (a.bus >= this.buses.length) throw confError(errType, `Invalid PCI address ${s}. Only PCI buses up to ${this.buses.length - 1} are available`);
    const bus = this.buses[a.bus]!;
    this.compatible(a, bus.flags, flags, true, fromConfig);
    if (bus.minSlot && a.slot < bus.minSlot) throw confError(errType, `Invalid PCI address ${s}. slot must be >= ${bus.minSlot}`);
    if (a.slot > bus.maxSlot) throw confError(errType, `Invalid PCI address ${s}. slot must be <= ${bus.maxSlot}`);
    if (a.function > 7) throw confError(errType, `Invalid PCI address ${s}. function must be <= 7`);
  }

  /** virDomainPCIAddressSetGrow */
  grow(a: PciAddr, flags: number): number {
    let add = a.bus - this.buses.length + 1;
    if (add <= 0) return 0;
    let model: string;
    let needPCIe2PCI = false;
    if (flags & T_PCI_DEVICE) {
      model = "pci-bridge";
      needPCIe2PCI = !this.buses.some((b) => b.flags & T_PCI_BRIDGE);
      // QEMU 7.2 has pcie-pci-bridge, preferred over dmi-to-pci-bridge + pci-bridge
      if (needPCIe2PCI && add === 1) {
        add++;
        a.bus++;
      }
    } else if (flags & (T_PCIE_DEVICE | T_SWITCH_UP)) {
      model = "pcie-root-port";
    } else {
      const existing = ["pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port", "dmi-to-pci-bridge", "pci-expander-bus", "pcie-expander-bus", "pci-bridge"];
      const bits = [T_PCIE_ROOT_PORT, T_SWITCH_UP, T_SWITCH_DOWN, T_DMI_TO_PCI_BRIDGE, T_PCI_EXPANDER, T_PCIE_EXPANDER, T_PCI_BRIDGE];
      const i = bits.findIndex((b) => flags & b);
      if (i >= 0) {
        throw confError(
          VIR_ERR_INTERNAL_ERROR,
          `a PCI slot is needed to connect a PCI controller model='${existing[i]!}', but none is available, and it cannot be automatically added`,
        );
      }
      throw confError(VIR_ERR_INTERNAL_ERROR, `Cannot automatically add a new PCI bus for a device with connect flags ${flags.toString(16).padStart(2, "0")}`);
    }
    const first = this.buses.length;
    let i = first;
    const target = first + add;
    if (needPCIe2PCI) {
      const rp = newBus("pcie-root-port", true);
      rp.flags = T_PCIE_TO_PCI_BRIDGE;
      this.buses[i++] = rp;
      this.buses[i++] = newBus("pcie-to-pci-bridge", true);
    }
    for (; i < target; i++) this.buses[i] = newBus(model, true);
    return add;
  }

  slotInUse(a: PciAddr): boolean {
    return this.buses[a.bus]!.slots[a.slot]!.functions !== 0;
  }

  busIsEmpty(b: Bus): boolean {
    for (let i = b.minSlot; i <= b.maxSlot; i++) if (b.slots[i]!.functions) return false;
    return true;
  }

  busIsFullyReserved(b: Bus): boolean {
    for (let i = b.minSlot; i <= b.maxSlot; i++) if (!b.slots[i]!.functions) return false;
    return true;
  }

  /** virDomainPCIAddressReserveAddrInternal */
  reserve(a: PciAddr, flags: number, fromConfig: boolean): void {
    if (this.dryRun) this.grow(a, flags);
    this.validate(a, flags, fromConfig);
    const slot = this.buses[a.bus]!.slots[a.slot]!;
    if (slot.functions & (1 << a.function)) {
      throw confError(fromConfig ? VIR_ERR_XML_ERROR : VIR_ERR_INTERNAL_ERROR, `Attempted double use of PCI Address ${addrStr(a)}`);
    }
    if (!slot.functions && flags & AGGREGATE_SLOT) slot.aggregate = true;
    slot.functions |= 1 << a.function;
  }

  /** virDomainPCIAddressGetNextAddr (isolation groups are all 0 in the modelled devices) */
  nextAddr(flags: number, fn: number): PciAddr {
    if (this.buses.length === 0) throw confError(VIR_ERR_XML_ERROR, "No PCI buses available");
    const a: PciAddr = { domain: 0, bus: 0, slot: 0, function: fn === -1 ? 0 : fn };
    for (a.bus = 0; a.bus < this.buses.length; a.bus++) {
      const bus = this.buses[a.bus]!;
      a.slot = bus.minSlot;
      if (!this.compatible(a, bus.flags, flags, false, false)) continue;
      while (a.slot <= bus.maxSlot) {
        const slot = bus.slots[a.slot]!;
        if (slot.functions === 0) return a;
        if (flags & AGGREGATE_SLOT && slot.aggregate) {
          if ((slot.functions & (1 << a.function)) === 0) return a;
          if (fn === -1) {
            while (a.function < 8) {
              if ((slot.functions & (1 << a.function)) === 0) return a;
              a.function++;
            }
            a.function = 0;
          }
        }
        a.slot++;
      }
    }
    if (this.dryRun) {
      a.slot = 0;
      this.grow(a, flags);
      a.slot = this.buses[a.bus]!.minSlot;
      return a;
    }
    throw confError(VIR_ERR_INTERNAL_ERROR, "No more available PCI slots");
  }

  /** virDomainPCIAddressReserveNextAddr */
  reserveNext(info: DeviceInfo | null, flags: number, fn = -1): PciAddr {
    const a = this.nextAddr(flags, fn);
    this.reserve(a, flags, false);
    if (!this.dryRun && info) {
      const multifunction = info.address?.type === "pci" ? info.address.multifunction : null;
      info.address = { type: "pci", ...a, multifunction };
    }
    return a;
  }
}

interface PciDevice {
  dev: DomainDevice;
  info: DeviceInfo;
  flags: number;
}

function infoOf(dev: DomainDevice): DeviceInfo | null {
  switch (dev.type) {
    case "disk":
      return dev.disk.info;
    case "net":
      return dev.net.info;
    case "chr":
      return dev.chr.info;
    case "controller":
      return dev.controller.info;
    case "input":
      return dev.input.info;
    case "video":
      return dev.video.info;
    case "memballoon":
      return dev.memballoon.info;
    case "rng":
      return dev.rng.info;
    case "graphics":
      return null;
  }
}

/** qemuDomainDeviceCalculatePCIConnectFlags for the modelled devices */
function connectFlags(dev: DomainDevice, pcieFlags: number, virtioFlags: number): number {
  switch (dev.type) {
    case "controller": {
      const c = dev.controller;
      switch (c.type) {
        case "pci":
          return controllerConnectType(c.model);
        case "sata":
        case "ide":
          return PCI_FLAGS;
        case "usb":
          if (c.model === "none") return 0;
          if (c.model === "nec-xhci" || c.model === "qemu-xhci") return pcieFlags;
          if (c.model === "qusb1" || c.model === "qusb2") return 0;
          return PCI_FLAGS;
        case "scsi":
          if (c.model === null || c.model === "ncr53c90") return 0;
          if (c.model === "virtio-scsi" || c.model === "virtio-non-transitional") return virtioFlags;
          return PCI_FLAGS;
        case "virtio-serial":
          return c.model === "virtio-transitional" ? PCI_FLAGS : virtioFlags;
        default:
          return 0;
      }
    }
    case "net": {
      const m = dev.net.model;
      if (dev.net.type === "hostdev" || m === "usb-net") return 0;
      if (m === "virtio" || m === "virtio-non-transitional") return virtioFlags;
      if (m === "virtio-transitional") return PCI_FLAGS;
      if (m === "e1000e") return pcieFlags;
      if (m === null || m === "unknown") return pcieFlags;
      return PCI_FLAGS;
    }
    case "disk":
      if (dev.disk.bus !== "virtio") return 0;
      return dev.disk.model === "virtio-transitional" ? PCI_FLAGS : virtioFlags;
    case "memballoon":
      if (dev.memballoon.model === "virtio-transitional") return PCI_FLAGS;
      if (dev.memballoon.model === "virtio" || dev.memballoon.model === "virtio-non-transitional") return virtioFlags;
      return 0;
    case "rng":
      return dev.rng.model === "virtio-transitional" ? PCI_FLAGS : virtioFlags;
    case "video":
      switch (dev.video.type) {
        case "virtio":
          return virtioFlags;
        case "vga":
        case "cirrus":
        case "vmvga":
        case "xen":
        case "vbox":
        case "qxl":
        case "parallels":
          return PCI_FLAGS;
        case "bochs":
          return pcieFlags;
        default:
          return 0;
      }
    case "input":
      if (dev.input.bus !== "virtio") return 0;
      return dev.input.model === "virtio-transitional" ? PCI_FLAGS : virtioFlags;
    case "chr":
      return dev.chr.deviceType === "serial" && dev.chr.targetType === "pci-serial" ? PCI_FLAGS : 0;
    case "graphics":
      return 0;
  }
}

function pciDevices(def: DomainDef): PciDevice[] {
  const hasPCIeRoot = def.controllers.some((c) => c.type === "pci" && c.model === "pcie-root");
  const pcieFlags = (hasPCIeRoot ? T_PCIE_DEVICE : T_PCI_DEVICE) | AUTOASSIGN;
  // QEMU 7.2 has the virtio-*-pci-transitional devices: virtio follows the PCIe flags
  const virtioFlags = pcieFlags;
  return listDevices(def, false).flatMap((dev) => {
    const info = infoOf(dev);
    return info ? [{ dev, info, flags: connectFlags(dev, pcieFlags, virtioFlags) }] : [];
  });
}

function pciPresent(info: DeviceInfo): boolean {
  return info.address?.type === "pci" && !isPciAddressEmpty(info.address);
}

function pciWanted(info: DeviceInfo): boolean {
  return info.address === null || (info.address.type === "pci" && isPciAddressEmpty(info.address));
}

/** qemuDomainPCIAddressSetCreate */
function createSet(def: DomainDef, devices: PciDevice[], nbuses: number, dryRun: boolean): PciAddressSet {
  const set = new PciAddressSet(dryRun);
  const hasPCIeRoot = def.controllers.some((c) => c.type === "pci" && c.model === "pcie-root");
  const models: (Bus | undefined)[] = Array.from({ length: nbuses }, () => undefined);
  for (const c of def.controllers) {
    if (c.type !== "pci") continue;
    if (c.idx >= nbuses) throw qemuError(VIR_ERR_INTERNAL_ERROR, `Inappropriate new pci controller index ${c.idx} exceeds addrs array length`);
    models[c.idx] = newBus(c.model ?? "", c.pci.hotplug !== "off");
  }
  if (nbuses > 0 && !models[0]) models[0] = newBus("pci-root", true);
  const dflt = hasPCIeRoot ? "pcie-root-port" : "pci-bridge";
  for (let i = 1; i < nbuses; i++) models[i] ??= newBus(dflt, true);
  set.buses = models as Bus[];
  // qemuDomainCollectPCIAddress
  for (const d of devices) {
    if (!pciPresent(d.info)) continue;
    const a = d.info.address as PciAddr & { type: "pci" };
    if (!d.flags) d.flags = T_PCI_DEVICE;
    if (d.dev.type === "controller" && a.domain === 0 && a.bus === 0 && a.slot === 1) {
      const c = d.dev.controller;
      if ((c.type === "ide" && c.idx === 0 && a.function === 1) || (c.type === "usb" && c.idx === 0 && (c.model === "piix3-uhci" || c.model === null) && a.function === 2)) {
        if (set.buses.length > 0 && !(set.buses[0]!.flags & T_PCI_DEVICE)) {
          throw qemuError(VIR_ERR_INTERNAL_ERROR, "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers");
        }
        continue;
      }
    }
    set.reserve({ domain: a.domain, bus: a.bus, slot: a.slot, function: a.function }, d.flags, true);
  }
  return set;
}

function setPci(info: DeviceInfo, a: PciAddr, multifunction: "on" | "off" | null = null): void {
  info.address = { type: "pci", domain: a.domain, bus: a.bus, slot: a.slot, function: a.function, multifunction };
}

/** qemuDomainValidateDevicePCISlotsPIIX3 / ...Q35 */
function validateChipsets(def: DomainDef, set: PciAddressSet, devices: PciDevice[]): void {
  const reserveNextFor = (info: DeviceInfo): void => {
    const d = devices.find((x) => x.info === info);
    set.reserveNext(info, d?.flags ?? PCI_FLAGS);
  };
  const video = def.videos[0];
  if (machineIsI440FX(def.os.machine)) {
    const flags = AUTOASSIGN | T_PCI_DEVICE;
    for (const c of def.controllers) {
      let fixed: PciAddr | null = null;
      if (c.type === "ide" && c.idx === 0) fixed = { domain: 0, bus: 0, slot: 1, function: 1 };
      else if (c.type === "usb" && c.idx === 0 && (c.model === "piix3-uhci" || c.model === null)) fixed = { domain: 0, bus: 0, slot: 1, function: 2 };
      if (!fixed) continue;
      if (pciPresent(c.info)) {
        const a = c.info.address as PciAddr;
        if (a.domain !== fixed.domain || a.bus !== fixed.bus || a.slot !== fixed.slot || a.function !== fixed.function) {
          throw qemuError(
            VIR_ERR_INTERNAL_ERROR,
            c.type === "ide" ? "Primary IDE controller must have PCI address 0:0:1.1" : "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2",
          );
        }
      } else {
        setPci(c.info, fixed);
      }
      if (set.buses.length) set.reserve(fixed, flags, true);
    }
    if (set.buses.length) {
      set.reserve({ domain: 0, bus: 0, slot: 1, function: 0 }, flags, true);
      set.reserve({ domain: 0, bus: 0, slot: 1, function: 3 }, flags, true);
    }
    if (video && video.type !== "none" && video.type !== "ramfb" && pciWanted(video.info)) {
      const a = { domain: 0, bus: 0, slot: 2, function: 0 };
      set.validate(a, flags, true);
      if (set.slotInUse(a)) reserveNextFor(video.info);
      else {
        set.reserve(a, flags, true);
        setPci(video.info, a);
      }
    }
  } else if (machineIsQ35(def.os.machine)) {
    const flags = T_PCIE_DEVICE;
    for (const c of def.controllers) {
      if (c.type === "sata" && c.idx === 0) {
        const fixed = { domain: 0, bus: 0, slot: 0x1f, function: 2 };
        if (pciPresent(c.info)) {
          const a = c.info.address as PciAddr;
          if (a.bus !== 0 || a.slot !== 0x1f || a.function !== 2 || a.domain !== 0) {
            throw qemuError(VIR_ERR_INTERNAL_ERROR, "Primary SATA controller must have PCI address 0:0:1f.2");
          }
        } else {
          setPci(c.info, fixed);
        }
      } else if (c.type === "usb" && c.model === "ich9-uhci1" && c.info.address === null) {
        for (const slot of [0x1d, 0x1a]) {
          const a = { domain: 0, bus: 0, slot, function: 0 };
          if (set.slotInUse(a)) continue;
          set.reserve(a, flags, true);
          setPci(c.info, a, "on");
          break;
        }
      } else if (c.type === "pci" && c.model === "dmi-to-pci-bridge" && c.info.address === null) {
        const a = { domain: 0, bus: 0, slot: 0x1e, function: 0 };
        if (!set.slotInUse(a)) {
          set.reserve(a, flags, true);
          setPci(c.info, a);
        }
      }
    }
    if (set.buses.length) {
      set.reserve({ domain: 0, bus: 0, slot: 0x1f, function: 0 }, flags, true);
      set.reserve({ domain: 0, bus: 0, slot: 0x1f, function: 3 }, flags, true);
    }
    if (video && video.type !== "none" && video.type !== "ramfb" && pciWanted(video.info)) {
      const a = { domain: 0, bus: 0, slot: 1, function: 0 };
      set.validate(a, flags, true);
      if (set.slotInUse(a)) reserveNextFor(video.info);
      else {
        set.reserve(a, flags, true);
        setPci(video.info, a);
      }
    }
  }
}

/** qemuDomainAssignDevicePCISlots */
function assignDevicePCISlots(def: DomainDef, set: PciAddressSet, devices: PciDevice[]): void {
  const flagsOf = (info: DeviceInfo): number => devices.find((d) => d.info === info)?.flags ?? 0;
  const next = (info: DeviceInfo): void => {
    set.reserveNext(info, flagsOf(info));
  };
  for (const c of def.controllers) {
    if (c.type !== "pci" || c.model === "pci-root" || c.model === "pcie-root" || !pciWanted(c.info)) continue;
    next(c.info);
  }
  for (const n of def.nets) if (n.type !== "hostdev" && pciWanted(n.info)) next(n.info);
  for (const c of def.controllers) {
    if (c.type === "pci") continue;
    if (c.type === "usb" && c.model === "none") continue;
    if (c.type === "fdc" || c.type === "ccid") continue;
    if (c.type === "ide" && c.idx === 0) continue;
    if (c.type === "scsi" && c.model === "ncr53c90") continue;
    if (!pciWanted(c.info)) continue;
    if (isUsb2Controller(c)) {
      let addr: PciAddr = { domain: 0, bus: 0, slot: 0, function: 0 };
      let found = false;
      for (const o of def.controllers) {
        if (isUsb2Controller(o) && o.idx === c.idx && pciPresent(o.info)) {
          const a = o.info.address as PciAddr;
          addr = { domain: a.domain, bus: a.bus, slot: a.slot, function: a.function };
          found = true;
          break;
        }
      }
      let multi: "on" | null = null;
      if (c.model === "ich9-ehci1") addr.function = 7;
      else if (c.model === "ich9-uhci1") {
        addr.function = 0;
        multi = "on";
      } else if (c.model === "ich9-uhci2") addr.function = 1;
      else if (c.model === "ich9-uhci3") addr.function = 2;
      if (found) {
        set.reserve(addr, flagsOf(c.info), true);
        setPci(c.info, addr, multi);
      } else {
        const a = set.reserveNext(c.info, flagsOf(c.info), addr.function);
        if (!set.dryRun) setPci(c.info, a, multi);
      }
    } else {
      next(c.info);
    }
  }
  for (const d of def.disks) {
    if (d.bus !== "virtio" || pciPresent(d.info)) continue;
    if (!pciWanted(d.info)) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `virtio disk cannot have an address of type '${d.info.address!.type}'`);
    next(d.info);
  }
  if (def.memballoon && def.memballoon.model !== "none" && pciWanted(def.memballoon.info)) next(def.memballoon.info);
  for (const r of def.rngs) if (pciWanted(r.info)) next(r.info);
  for (const v of def.videos) {
    if (v.type === "none" || v.type === "ramfb" || !pciWanted(v.info)) continue;
    next(v.info);
  }
  for (const i of def.inputs) if (i.bus === "virtio" && pciWanted(i.info)) next(i.info);
  for (const s of def.serials) if (s.targetType === "pci-serial" && pciWanted(s.info)) next(s.info);
}

/** virDomainPCIAddressSetAllMulti */
function setAllMulti(devices: PciDevice[]): void {
  for (const d of devices) {
    const a = d.info.address;
    if (a?.type !== "pci" || a.function === 0) continue;
    for (const o of devices) {
      const b = o.info.address;
      if (b?.type === "pci" && b.domain === a.domain && b.bus === a.bus && b.slot === a.slot && b.function === 0) {
        b.multifunction ??= "on";
        break;
      }
    }
  }
}

/** qemuDomainPCIControllerSetDefaultModelName */
const PCI_MODEL_NAMES: Readonly<Record<string, string>> = {
  "pci-bridge": "pci-bridge",
  "dmi-to-pci-bridge": "i82801b11-bridge",
  "pcie-to-pci-bridge": "pcie-pci-bridge",
  "pcie-root-port": "pcie-root-port",
  "pcie-switch-upstream-port": "x3130-upstream",
  "pcie-switch-downstream-port": "xio3130-downstream",
  "pci-expander-bus": "pxb",
  "pcie-expander-bus": "pxb-pcie",
};

/** qemuDomainAssignPCIAddresses */
function assignPCIAddresses(def: DomainDef): void {
  let maxIdx = -1;
  for (const c of def.controllers) if (c.type === "pci" && c.idx > maxIdx) maxIdx = c.idx;
  let nbuses = maxIdx + 1;
  let devices = pciDevices(def);
  const hasPCIRoot = def.controllers.some((c) => c.type === "pci" && c.model === "pci-root");
  const hasPCIeRoot = def.controllers.some((c) => c.type === "pci" && c.model === "pcie-root");
  if (nbuses > 0) {
    const dry = createSet(def, devices, nbuses, true);
    validateChipsets(def, dry, devices);
    if (hasPCIRoot && !dry.buses.every((b) => dry.busIsFullyReserved(b))) dry.reserveNext(null, AUTOASSIGN | T_PCI_DEVICE);
    assignDevicePCISlots(def, dry, devices);
    if (maxIdx <= 0 && dry.buses.length > maxIdx + 1 && hasPCIeRoot) dry.reserveNext(null, AUTOASSIGN | T_PCIE_DEVICE);
    for (let i = 1; i < dry.buses.length; i++) {
      const bus = dry.buses[i]!;
      if (!maybeAddController(def.controllers, "pci", i, bus.model)) continue;
      const c = def.controllers[findController(def.controllers, "pci", i)]!;
      if (bus.model !== "pci-root" && bus.model !== "pcie-root") dry.reserveNext(null, controllerConnectType(c.model));
    }
    nbuses = dry.buses.length;
    devices = pciDevices(def);
  }
  const set = createSet(def, devices, nbuses, false);
  validateChipsets(def, set, devices);
  assignDevicePCISlots(def, set, devices);
  setAllMulti(devices);
  for (const c of def.controllers) {
    if (c.type !== "pci") continue;
    const o = c.pci;
    if (o.modelName === null && c.model !== null && PCI_MODEL_NAMES[c.model]) o.modelName = PCI_MODEL_NAMES[c.model]!;
    const a = c.info.address?.type === "pci" ? c.info.address : null;
    if (c.model === "pci-bridge" && o.chassisNr === -1) o.chassisNr = c.idx;
    if ((c.model === "pcie-root-port" || c.model === "pcie-switch-downstream-port") && o.chassis === -1) o.chassis = c.idx;
    if (c.model === "pcie-root-port" && o.port === -1 && a) o.port = (a.slot << 3) + a.function;
    if (c.model === "pcie-switch-downstream-port" && o.port === -1 && a) o.port = a.slot;
    if ((c.model === "pci-expander-bus" || c.model === "pcie-expander-bus") && o.busNr === -1) {
      let lowest = 256;
      for (const x of def.controllers) if (x.type === "pci" && x.pci.busNr >= 0 && x.pci.busNr < lowest) lowest = x.pci.busNr;
      if (lowest <= 2) {
        throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `No free busNr lower than current lowest busNr is available to auto-assign to bus ${a?.bus ?? 0}. Must be manually assigned`);
      }
      o.busNr = lowest - 2;
    }
    if (c.model === "pci-bridge" && a && c.idx <= a.bus) {
      const hx = (n: number): string => n.toString(16).padStart(2, "0");
      throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller at index ${c.idx} (0x${hx(c.idx)}) has bus='0x${hx(a.bus)}', but index must be larger than bus`);
    }
  }
}

// --- virtio-serial and USB addresses ---------------------------------------------------------------

/** qemuDomainAssignVirtioSerialAddresses */
function assignVirtioSerialAddresses(def: DomainDef): void {
  const ctrls = def.controllers
    .filter((c) => c.type === "virtio-serial")
    .map((c) => ({ idx: c.idx, used: new Array<boolean>(c.ports === -1 ? 31 : c.ports).fill(false) }))
    .sort((a, b) => a.idx - b.idx);
  const reserve = (info: DeviceInfo): void => {
    if (info.address?.type !== "virtio-serial") return;
    const a = info.address;
    const c = ctrls.find((x) => x.idx === a.controller);
    if (!c) throw confError(VIR_ERR_XML_ERROR, `virtio serial controller with index ${a.controller} not found`);
    if (a.port >= c.used.length) {
      throw confError(VIR_ERR_XML_ERROR, `virtio serial controller ${a.controller} has only ${c.used.length} ports, port ${a.port} is out of range`);
    }
    if (c.used[a.port]) throw confError(VIR_ERR_XML_ERROR, `virtio serial port ${a.port} on controller ${a.controller} is already occupied`);
    c.used[a.port] = true;
  };
  for (const chr of [...def.channels, ...def.consoles]) reserve(chr.info);
  const next = (allowZero: boolean): { controller: number; port: number } => {
    if (ctrls.length === 0) throw confError(VIR_ERR_INTERNAL_ERROR, "no virtio-serial controllers are available");
    for (const c of ctrls) {
      const port = c.used.findIndex((u, i) => !u && (allowZero || i > 0));
      if (port >= 0) return { controller: c.idx, port };
    }
    let i = 0;
    while (findController(def.controllers, "virtio-serial", i) >= 0) i++;
    maybeAddController(def.controllers, "virtio-serial", i, null);
    const c = { idx: i, used: new Array<boolean>(31).fill(false) };
    ctrls.push(c);
    return { controller: i, port: allowZero ? 0 : 1 };
  };
  const mark = (a: { controller: number; port: number }): void => {
    const c = ctrls.find((x) => x.idx === a.controller)!;
    c.used[a.port] = true;
  };
  for (const chr of def.consoles) {
    if (chr.targetType !== "virtio") continue;
    const a = chr.info.address;
    if (a?.type === "virtio-serial" && a.port !== 0) continue;
    // consoles only reserve a port (port 0 when free); their address stays unset
    mark(next(true));
  }
  for (const chr of def.channels) {
    if (chr.targetType !== "virtio") continue;
    const a = chr.info.address;
    if (a?.type === "virtio-serial" && a.port !== 0) continue;
    const n = next(false);
    mark(n);
    chr.info.address = { type: "virtio-serial", controller: n.controller, bus: 0, port: n.port };
  }
}

/** virDomainUSBAddressControllerModelToPorts */
function usbPorts(c: ControllerDef): number {
  switch (c.model) {
    case null:
    case "piix3-uhci":
    case "piix4-uhci":
    case "vt82c686b-uhci":
      return 2;
    case "ehci":
    case "ich9-ehci1":
      return 6;
    case "pci-ohci":
      return 3;
    case "nec-xhci":
    case "qemu-xhci":
      return c.ports !== -1 ? c.ports : 4;
    case "qusb1":
    case "qusb2":
      return c.ports !== -1 ? c.ports : 8;
    default:
      return 0;
  }
}

/** qemuDomainAssignUSBAddresses (hubs are not modelled) */
function assignUSBAddresses(def: DomainDef, newDomain: boolean): void {
  const infos: DeviceInfo[] = [
    ...def.disks.filter((d) => d.bus === "usb").map((d) => d.info),
    ...def.inputs.filter((i) => i.bus === "usb").map((i) => i.info),
    ...def.serials.filter((s) => s.targetType === "usb-serial").map((s) => s.info),
  ];
  const present = (info: DeviceInfo): boolean => info.address?.type === "usb" && info.address.port.length > 0 && info.address.port[0] !== 0;
  if (!newDomain && infos.some((i) => !present(i))) return;
  const hasUSB = def.controllers.some((c) => c.type === "usb" && c.model !== "none");
  if (infos.length > 0 && !hasUSB) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, "USB is disabled for this domain, but USB devices are present in the domain XML");
  const buses = new Map<number, boolean[]>();
  for (const c of def.controllers) {
    if (c.type !== "usb") continue;
    const n = usbPorts(c);
    if (n > 0 && !buses.has(c.idx)) buses.set(c.idx, new Array<boolean>(n).fill(false));
  }
  let total = 0;
  for (const b of buses.values()) total += b.length;
  if (infos.length > total) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, "more USB devices than USB ports: USB hubs are not supported by virtkit");
  for (const info of infos) {
    if (!present(info)) continue;
    const a = info.address as { bus: number; port: number[] };
    if (a.port.length > 1) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, "USB hubs are not supported by virtkit");
    const ports = buses.get(a.bus);
    if (!ports) throw qemuError(VIR_ERR_XML_ERROR, `Missing USB bus ${a.bus}`);
    const p = a.port[0]!;
    if (p > ports.length) throw qemuError(VIR_ERR_XML_ERROR, `Port ${p} out of range for USB bus ${a.bus}`);
    if (ports[p - 1]) throw qemuError(VIR_ERR_XML_ERROR, `Duplicate USB address bus ${a.bus} port ${p}`);
    ports[p - 1] = true;
  }
  const order = [...buses.keys()].sort((x, y) => x - y);
  for (const info of infos) {
    if (present(info)) continue;
    let done = false;
    for (const bus of order) {
      const ports = buses.get(bus)!;
      const free = ports.indexOf(false);
      if (free < 0) continue;
      ports[free] = true;
      info.address = { type: "usb", bus, port: [free + 1] };
      done = true;
      break;
    }
    if (!done) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, "No free USB ports");
  }
}

// --- the driver hooks ----------------------------------------------------------------------------------

export interface QemuPostParseOptions {
  /** the QEMU binaries the driver knows (qemuX86Caps by default) */
  caps?: readonly QemuEmulatorCaps[];
}

/**
 * The QEMU driver's DomainPostParse. Its defineXML parses with qemuDefineFlagsToParseFlags(flags)
 * (VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_ABI_UPDATE).
 */
export function qemuDriverPostParse(opts: QemuPostParseOptions = {}): DomainPostParse {
  const capsList = opts.caps ?? qemuX86Caps;
  return {
    name: "qemu",
    config: {
      features:
        VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG |
        VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN |
        VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS |
        VIR_DOMAIN_DEF_FEATURE_USER_ALIAS |
        VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT |
        VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING |
        VIR_DOMAIN_DEF_FEATURE_DISK_FD,
      defArch: "x86_64",
      wideScsi: false,
    },
    netPrefix: "vnet",
    domainPostParseBasic(def): void {
      if (def.emulator === null) {
        const caps = capsList.find((c) => c.arch === def.os.arch);
        if (!caps) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `No emulator found for arch '${def.os.arch}'`);
        def.emulator = caps.emulator;
      }
    },
    domainPostParse(def): void {
      const caps = findCaps(capsList, def);
      if (!isX86(def)) throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `virtkit's qemu driver supports x86 guests only, not '${def.os.arch}'`);
      def.os.machine ??= caps.preferredMachine;
      if (!caps.machines.includes(def.os.machine)) {
        throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `Emulator '${caps.emulator}' does not support machine type '${def.os.machine}'`);
      }
      addDefaultDevices(def);
      // qemuCanonicalizeMachine
      const canonical = caps.aliases[def.os.machine];
      if (canonical) def.os.machine = canonical;
      cpuPostParse(def, caps);
    },
    devicePostParse(dev, def, flags): void {
      devicePostParse(dev, def, flags);
    },
    /** qemuValidateDomainDef: the parts about the binary's capabilities */
    domainValidate(def): void {
      const caps = findCaps(capsList, def);
      if (!caps.virtTypes.includes(def.virtType)) {
        throw qemuError(VIR_ERR_CONFIG_UNSUPPORTED, `Emulator '${caps.emulator}' does not support virt type '${def.virtType}'`);
      }
    },
    assignAddresses(def, flags): void {
      assignVirtioSerialAddresses(def);
      assignPCIAddresses(def);
      assignUSBAddresses(def, (flags & VIR_DOMAIN_DEF_PARSE_ABI_UPDATE) !== 0);
    },
  };
}

/** qemuDomainDefineXMLFlags' parse flags */
export function qemuDefineFlagsToParseFlags(defineFlags: number): number {
  let flags = VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_ABI_UPDATE;
  if (defineFlags & VIR_DOMAIN_DEFINE_VALIDATE) flags |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
  return flags;
}
