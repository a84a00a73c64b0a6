// Post-parse defaults and implicit devices: virDomainDefPostParse of libvirt 9.0
// (src/conf/domain_postparse.c, with virDomainDefAddImplicitDevices, virDomainDefAddConsoleCompat
// and virDomainAssignControllerIndexes from domain_conf.c). The per-driver hooks are called where
// libvirt calls the virDomainDefParserConfig callbacks.
import { sanitizeNamespaces } from "../util/xml.js";
import { chrSourceEqual, newChr } from "./chr-conf.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR, VIR_ERR_XML_DETAIL, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { findUnusedControllerIndex, isUsb2Controller, maybeAddController } from "./controller-conf.js";
import { postParseCpu } from "./cpu-conf.js";
import { newDeviceInfo } from "./device-info.js";
import { postParseDisk } from "./disk-conf.js";
import type { ChrDef, DomainDef } from "./domain-def.js";
import { listDevices, type DomainDevice, type DomainPostParse } from "./domain-driver-hooks.js";
import { VIR_DOMAIN_NET_MODEL, type ControllerType } from "./domain-enums.js";
import { postParseGraphics } from "./graphics-conf.js";
import { isX86 } from "./input-conf.js";
import {
  VIR_DOMAIN_DEF_FEATURE_DISK_FD,
  VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG,
  VIR_DOMAIN_DEF_FEATURE_NAME_SLASH,
  VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
  VIR_DOMAIN_DEF_FEATURE_NO_BOOT_ORDER,
} from "./parse-context.js";
import { postParseRng } from "./rng-conf.js";
import { newVideo, postParseVideo } from "./video-conf.js";

/** VIR_MAX_ISA_SERIAL_PORTS */
const MAX_ISA_SERIAL_PORTS = 4;

/** virDomainAssignControllerIndexes */
function assignControllerIndexes(def: DomainDef): void {
  const list = def.controllers;
  for (let outer = 0; outer < list.length; outer++) {
    const cont = list[outer]!;
    if (cont.idx !== -1) continue;
    let prev = null;
    if (outer > 0 && isUsb2Controller(cont)) {
      let prevIdx = outer - 1;
      while (prevIdx >= 0 && list[prevIdx]!.type !== "usb") prevIdx--;
      if (prevIdx >= 0) prev = list[prevIdx]!;
      if (prev && !isUsb2Controller(prev)) prev = null;
      for (const c of list) {
        if (prev && c.type === "usb" && c.idx === prev.idx && c.model === cont.model) prev = null;
      }
      if (prev) cont.idx = prev.idx;
    }
    if (!prev) cont.idx = findUnusedControllerIndex(list, cont.type);
  }
}

/** virDomainChrIsaSerialDefPostParse */
function isaSerialPostParse(def: DomainDef): void {
  const used = new Array<boolean>(MAX_ISA_SERIAL_PORTS).fill(false);
  let count = 0;
  for (const s of def.serials) {
    if (s.targetType !== "isa-serial") continue;
    if (count++ >= MAX_ISA_SERIAL_PORTS || s.targetPort >= MAX_ISA_SERIAL_PORTS) {
      throw confError(VIR_ERR_INTERNAL_ERROR, `Maximum supported number of ISA serial ports is '${MAX_ISA_SERIAL_PORTS}'`);
    }
    if (s.targetPort !== -1) {
      if (used[s.targetPort]) throw confError(VIR_ERR_INTERNAL_ERROR, `target port '${s.targetPort}' already allocated`);
      used[s.targetPort] = true;
    }
  }
  for (const s of def.serials) {
    if (s.targetType !== "isa-serial" || s.targetPort !== -1) continue;
    const free = used.indexOf(false);
    if (free >= 0) {
      s.targetPort = free;
      used[free] = true;
    }
  }
}

function chrList(def: DomainDef, chr: ChrDef): ChrDef[] {
  switch (chr.deviceType) {
    case "serial":
      return def.serials;
    case "parallel":
      return def.parallels;
    case "console":
      return def.consoles;
    case "channel":
      return def.channels;
  }
}

/** virDomainChrDefPostParse */
function postParseChr(chr: ChrDef, def: DomainDef): void {
  if (chr.deviceType === "console" && chr.targetType === "none") chr.targetType = "serial";
  if (chr.deviceType === "serial" && chr.targetType === "isa-debug" && !isX86(def.os.arch)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "isa-debug serial type only valid on x86 architecture");
  }
  if (chr.targetPort === -1 && chr.deviceType !== "channel") {
    let maxport = -1;
    for (const c of chrList(def, chr)) if (c.targetPort > maxport) maxport = c.targetPort;
    chr.targetPort = maxport + 1;
  }
}

/** virDomainDeviceDefPostParseCheckFeatures */
function checkDeviceFeatures(dev: DomainDevice, features: number): void {
  if (!(features & VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING) && dev.type === "net" && dev.net.model !== null) {
    if (!VIR_DOMAIN_NET_MODEL.includes(dev.net.model as never)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `driver does not support net model '${dev.net.model}'`);
    }
  }
  if (dev.type === "disk" && dev.disk.src.fdgroup !== null && !(features & VIR_DOMAIN_DEF_FEATURE_DISK_FD)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `driver does not support FD passing for disk '${dev.disk.dst ?? ""}'`);
  }
}

/** virDomainDeviceDefPostParse: driver callback, then the common part, then the feature checks */
export function postParseDevice(dev: DomainDevice, def: DomainDef, flags: number, hooks: DomainPostParse): void {
  hooks.devicePostParse?.(dev, def, flags);
  switch (dev.type) {
    case "chr":
      postParseChr(dev.chr, def);
      break;
    case "rng":
      postParseRng(dev.rng);
      break;
    case "disk":
      postParseDisk(dev.disk, hooks.config.wideScsi ? 16 : 7);
      break;
    case "video":
      postParseVideo(dev.video, def);
      break;
    case "controller":
      if (
        dev.controller.driver.iothread &&
        !["virtio-scsi", "virtio-transitional", "virtio-non-transitional"].includes(dev.controller.model ?? "") 
      ) {
        throw confError(VIR_ERR_XML_ERROR, "'iothread' attribute only supported for virtio scsi controllers");
      }
      break;
    default:
      break;
  }
  checkDeviceFeatures(dev, hooks.config.features);
}

/** virDomainDefPostParseMemory (no NUMA cells and no memory devices in the modelled subset) */
function postParseMemory(def: DomainDef): void {
  if (def.mem.totalMemory === 0) {
    throw confError(VIR_ERR_XML_ERROR, "Memory size must be specified via <memory> or in the <numa> configuration");
  }
  if (def.mem.curBalloon > def.mem.totalMemory || def.mem.curBalloon === 0) def.mem.curBalloon = def.mem.totalMemory;
  if ((def.mem.maxMemory || def.mem.memorySlots) && !(def.mem.maxMemory && def.mem.memorySlots)) {
    throw confError(VIR_ERR_XML_ERROR, "both maximum memory size and memory slot count must be specified");
  }
  if (def.mem.maxMemory && def.mem.maxMemory < def.mem.totalMemory) {
    throw confError(VIR_ERR_XML_ERROR, "maximum memory size must be equal or greater than the actual memory size");
  }
}

/** virDomainDefPostParseOs */
function postParseOs(def: DomainDef): void {
  const ff = def.os.firmwareFeatures;
  const enrolled = ff?.find((f) => f.name === "enrolled-keys");
  if (ff && enrolled?.enabled === "yes") {
    const secure = ff.find((f) => f.name === "secure-boot");
    if (secure?.enabled === "no") {
      throw confError(VIR_ERR_XML_DETAIL, "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled");
    }
    if (secure) secure.enabled = "yes";
    else ff.push({ name: "secure-boot", enabled: "yes" });
  }
  const l = def.os.loader;
  if (l && l.path !== null && l.type === null) l.type = "rom";
}

/** virDomainDefRejectDuplicateControllers (USB controllers may share an index) */
function rejectDuplicateControllers(def: DomainDef): void {
  const seen = new Set<string>();
  for (const c of def.controllers) {
    if (c.type === "usb") continue;
    const key = `${c.type}/${c.idx}`;
    if (seen.has(key)) throw confError(VIR_ERR_XML_ERROR, `Multiple '${c.type}' controllers with index '${c.idx}'`);
    seen.add(key);
  }
}

/** virDomainDefBootOrderPostParse */
function bootOrderPostParse(def: DomainDef): void {
  const orders = new Set<number>();
  for (const dev of listDevices(def, false)) {
    const info = deviceInfoOf(dev);
    if (!info || info.bootIndex === 0) continue;
    if (orders.has(info.bootIndex)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `boot order '${info.bootIndex}' used for more than one device`);
    orders.add(info.bootIndex);
  }
  if (def.os.bootDevs.length > 0 && orders.size > 0) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "per-device boot elements cannot be used together with os/boot elements");
  }
  if (def.os.bootDevs.length === 0 && orders.size === 0) def.os.bootDevs = ["hd"];
}

export function deviceInfoOf(dev: DomainDevice): DomainDef["disks"][number]["info"] | null {
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

/** virDomainDefPostParseTimer */
function postParseTimers(def: DomainDef): void {
  for (const t of def.clock.timers) {
    if ((t.name === "kvmclock" || t.name === "hypervclock") && t.tickpolicy !== null) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `timer ${t.name} doesn't support setting of timer tickpolicy`);
    }
    if (t.tickpolicy !== "catchup" && (t.catchup.threshold !== 0n || t.catchup.limit !== 0n || t.catchup.slew !== 0n)) {
      throw confError(VIR_ERR_XML_ERROR, "setting of timer catchup policies is only supported with tickpolicy='catchup'");
    }
    if (t.name !== "tsc") {
      if (t.frequency !== 0n) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `timer ${t.name} doesn't support setting of timer frequency`);
      if (t.mode !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `timer ${t.name} doesn't support setting of timer mode`);
    }
    if (t.name !== "platform" && t.name !== "rtc" && t.track !== null) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `timer ${t.name} doesn't support setting of timer track`);
    }
  }
}

/** virDomainDefAddConsoleCompat: console 0 of an HVM guest aliases serial 0 */
function addConsoleCompat(def: DomainDef): void {
  for (let i = 1; i < def.consoles.length; i++) {
    if (def.consoles[i]!.targetType === "serial") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Only the first console can be a serial port");
  }
  const c0 = def.consoles[0];
  if (c0 && def.os.type === "hvm" && (c0.targetType === "serial" || c0.targetType === "none")) {
    let keep = true;
    if (def.serials.length === 0) {
      // the console becomes serial 0
      const serial = c0;
      serial.deviceType = "serial";
      serial.targetType = "none";
      serial.targetPort = 0;
      def.serials.push(serial);
      keep = false;
    } else if (!chrSourceEqual(def.serials[0]!.source, c0.source)) {
      keep = false;
    }
    if (!keep) {
      const stub = newChr("console");
      stub.targetType = "serial";
      def.consoles[0] = stub;
    }
  } else if (def.os.type === "hvm" && def.serials.length > 0 && def.serials[0]!.deviceType === "serial") {
    const tt = def.serials[0]!.targetType;
    if (tt === "isa-serial" || tt === "spapr-vio-serial" || tt === "system-serial" || tt === "sclp-serial" || tt === "none") {
      const stub = newChr("console");
      stub.targetType = "serial";
      def.consoles.unshift(stub);
    }
  }
}

/** virDomainDefAddImplicitControllers */
function addImplicitControllers(def: DomainDef): void {
  const forType = (type: ControllerType, bus: string): void => {
    let max = -1;
    for (const d of def.disks) {
      if (d.bus !== bus || d.info.address?.type !== "drive") continue;
      if (d.info.address.controller > max) max = d.info.address.controller;
    }
    for (let i = 0; i <= max; i++) maybeAddController(def.controllers, type, i, null);
  };
  forType("scsi", "scsi");
  forType("fdc", "fdc");
  forType("ide", "ide");
  forType("sata", "sata");
  for (const ch of def.channels) {
    if (ch.targetType !== "virtio") continue;
    const idx = ch.info.address?.type === "virtio-serial" ? ch.info.address.controller : 0;
    maybeAddController(def.controllers, "virtio-serial", idx, null);
  }
  for (const c of def.consoles) {
    if (c.targetType !== "virtio") continue;
    const idx = c.info.address?.type === "virtio-serial" ? c.info.address.controller : 0;
    maybeAddController(def.controllers, "virtio-serial", idx, null);
  }
}

/** virDomainDefPostParseVideo */
function postParseVideos(def: DomainDef, flags: number, hooks: DomainPostParse): void {
  const v0 = def.videos[0];
  if (!v0) return;
  if (v0.type === "none") {
    const alias = v0.info.alias;
    const cleared = newVideo("none");
    cleared.heads = 0;
    cleared.info = newDeviceInfo();
    cleared.info.alias = alias;
    def.videos[0] = cleared;
  } else {
    v0.primary = true;
    postParseDevice({ type: "video", video: v0 }, def, flags, hooks);
  }
}

/** virDomainDefPostParseCommon */
function postParseCommon(def: DomainDef, flags: number, hooks: DomainPostParse): void {
  postParseMemory(def);
  postParseOs(def);
  rejectDuplicateControllers(def);
  if (def.os.type === "hvm" && !(hooks.config.features & VIR_DOMAIN_DEF_FEATURE_NO_BOOT_ORDER)) bootOrderPostParse(def);
  postParseTimers(def);
  // virDomainDefAddImplicitDevices
  addConsoleCompat(def);
  addImplicitControllers(def);
  if (def.graphics.length > 0 && def.videos.length === 0) def.videos.push(newVideo("default"));
  postParseVideos(def, flags, hooks);
  if (def.serials[0]) postParseDevice({ type: "chr", chr: def.serials[0] }, def, flags, hooks);
  for (const c of def.controllers) {
    if (c.type === "scsi" && c.model === null) postParseDevice({ type: "controller", controller: c }, def, flags, hooks);
  }
  if (def.metadata) sanitizeNamespaces(def.metadata);
  for (const g of def.graphics) postParseGraphics(g);
  if (def.cpu) postParseCpu(def.cpu);
}

/** virDomainDefPostParseCheckFeatures */
function checkDomainFeatures(def: DomainDef, features: number): void {
  if (!(features & VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG) && (def.mem.memorySlots > 0 || def.mem.maxMemory > 0)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "memory hotplug tunables <maxMemory> are not supported by this hypervisor driver");
  }
  if (!(features & VIR_DOMAIN_DEF_FEATURE_NAME_SLASH) && def.name.includes("/")) {
    throw confError(VIR_ERR_XML_ERROR, `name ${def.name} cannot contain '/'`);
  }
}

/** virDomainDefPostParse */
export function postParseDomain(def: DomainDef, flags: number, hooks: DomainPostParse): void {
  hooks.domainPostParseBasic?.(def);
  assignControllerIndexes(def);
  hooks.domainPostParse?.(def, flags);
  isaSerialPostParse(def);
  for (const dev of listDevices(def, true)) postParseDevice(dev, def, flags, hooks);
  postParseCommon(def, flags, hooks);
  hooks.assignAddresses?.(def, flags);
  checkDomainFeatures(def, hooks.config.features);
}

