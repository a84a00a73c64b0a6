// Domain XML parsing: virDomainDefParseXML of libvirt 9.0 (src/conf/domain_conf.c) for the modelled
// subset, in libvirt's order so that the first error reported is the one libvirt reports.
// Elements libvirt does not know are ignored, as libvirt ignores them without schema validation;
// elements libvirt knows but virtkit does not model are refused (rejectUnmodelled).
import { childElements, childPath, copyElement, firstChild, pathElements, type XmlElement } from "../util/xml.js";
import { parseChr } from "./chr-conf.js";
import {
  confError,
  parseConfXml,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NAME,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
} from "./conf-error.js";
import { parseControllers } from "./controller-conf.js";
import { parseGuestCpu } from "./cpu-conf.js";
import { insertDisk, parseDisk } from "./disk-conf.js";
import type { DomainDef, FeaturesDef, LoaderDef, NumatuneDef, OsDef, TimerDef } from "./domain-def.js";
import {
  VIR_ARCH,
  VIR_DOMAIN_BOOT,
  VIR_DOMAIN_CAPABILITIES_POLICY,
  VIR_DOMAIN_CFPC,
  VIR_DOMAIN_CLOCK_BASIS,
  VIR_DOMAIN_CLOCK_OFFSET,
  VIR_DOMAIN_FEATURE,
  VIR_DOMAIN_HPT_RESIZING,
  VIR_DOMAIN_HYPERV,
  VIR_DOMAIN_HYPERV_MODE,
  VIR_DOMAIN_IBS,
  VIR_DOMAIN_IOAPIC,
  VIR_DOMAIN_KVM,
  VIR_DOMAIN_LIFECYCLE_ACTION,
  VIR_DOMAIN_LOADER,
  VIR_DOMAIN_LOCK_FAILURE,
  VIR_DOMAIN_MSRS_UNKNOWN,
  VIR_DOMAIN_NUMATUNE_MEM_MODE,
  VIR_DOMAIN_NUMATUNE_PLACEMENT,
  VIR_DOMAIN_OS_DEF_FIRMWARE,
  VIR_DOMAIN_OS_DEF_FIRMWARE_FEATURE,
  VIR_DOMAIN_OSTYPE,
  VIR_DOMAIN_PROCES_CAPS_FEATURE,
  VIR_DOMAIN_SBBC,
  VIR_DOMAIN_SMBIOS,
  VIR_DOMAIN_TIMER_MODE,
  VIR_DOMAIN_TIMER_NAME,
  VIR_DOMAIN_TIMER_TICKPOLICY,
  VIR_DOMAIN_TIMER_TRACK,
  VIR_DOMAIN_VIRT,
  VIR_DOMAIN_XEN,
  VIR_DOMAIN_XEN_PASSTHROUGH_MODE,
  VIR_GIC_VERSION,
  type Arch,
  type DomainOSType,
  type DomainVirtType,
  type HypervFeature,
  type KvmFeature,
} from "./domain-enums.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE } from "./domain-flags.js";
import { parseAudio, parseGraphics } from "./graphics-conf.js";
import { generateUUID, parseBitmap, parseUUID, VIR_DOMAIN_CPUMASK_LEN } from "./identifiers.js";
import { parseInput } from "./input-conf.js";
import { parseMemballoon } from "./memballoon-conf.js";
import { parseNet } from "./net-conf.js";
import { rejectUnmodelled, type ParseContext } from "./parse-context.js";
import { parseRng } from "./rng-conf.js";
import { attrString, elementString, parseDomainMemory, parseScaledValue, ULLONG_MAX } from "./units.js";
import { parseVideo } from "./video-conf.js";
import {
  propEnum,
  propInt,
  propString,
  propTristateBool,
  propTristateSwitch,
  propUInt,
  VIR_XML_PROP_NONNEGATIVE,
  VIR_XML_PROP_NONZERO,
  VIR_XML_PROP_REQUIRED,
} from "./virxml-props.js";
import { virStrToLongLl, virStrToLongUi, virStrToLongUip, virStrToLongUllp } from "./virstring.js";
import type { DomainPostParse } from "./domain-driver-hooks.js";

/** top-level elements libvirt 9.0 parses that virtkit does not model */
const DOMAIN_UNMODELLED = [
  "blkiotune", "memtune", "memoryBacking", "vcpus", "iothreads", "iothreadids", "defaultiothread", "cputune",
  "resource", "sysinfo", "bootloader", "bootloader_args", "idmap", "perf", "seclabel", "keywrap", "launchSecurity",
];
const OS_UNMODELLED = ["init", "initarg", "initenv", "initdir", "inituser", "initgroup"];
/** devices libvirt 9.0 parses that virtkit does not model */
const DEVICES_UNMODELLED = [
  "lease", "filesystem", "smartcard", "sound", "hostdev", "redirdev", "redirfilter", "hub", "watchdog",
  "tpm", "nvram", "panic", "shmem", "memory", "iommu", "vsock",
];

export function emptyFeatures(): FeaturesDef {
  return {
    switches: {},
    apicEoi: null,
    hyperv: null,
    kvm: null,
    xen: null,
    msrsUnknown: null,
    smmTseg: null,
    gicVersion: null,
    ioapic: null,
    hpt: null,
    cfpc: null,
    sbbc: null,
    ibs: null,
    capabilities: null,
    tcg: null,
  };
}

/** virDomainDefParseIDs */
function parseIDs(root: XmlElement, def: DomainDef, flags: number): void {
  def.id = -1;
  if (!(flags & VIR_DOMAIN_DEF_PARSE_INACTIVE)) def.id = propInt(root, "id", VIR_XML_PROP_NONNEGATIVE) ?? -1;
  const name = elementString(firstChild(root, "name"));
  if (name === null) throw confError(VIR_ERR_NO_NAME, null);
  def.name = name;
  const uuid = elementString(firstChild(root, "uuid"));
  if (uuid === null) {
    def.uuid = generateUUID();
  } else {
    const u = parseUUID(uuid);
    if (u === null) throw confError(VIR_ERR_INTERNAL_ERROR, "malformed uuid element");
    def.uuid = u;
  }
  const genids = childElements(root, "genid");
  if (genids.length > 0) {
    if (genids.length !== 1) throw confError(VIR_ERR_XML_ERROR, "element 'genid' can only appear once");
    const g = elementString(genids[0]!);
    if (g === null) {
      def.genid = generateUUID();
      def.genidGenerated = true;
    } else {
      const u = parseUUID(g);
      if (u === null) throw confError(VIR_ERR_INTERNAL_ERROR, "malformed genid element");
      def.genid = u;
    }
  }
}

/** virDomainDefParseCaps: domain type, OS type, architecture, machine, emulator */
function parseCaps(root: XmlElement, def: DomainDef, config: ParseContext["config"]): void {
  const virttype = attrString(root, "type");
  const typeNode = childPath(root, "os", "type");
  const ostype = elementString(typeNode);
  const arch = attrString(typeNode, "arch");
  def.os.machine = attrString(typeNode, "machine");
  def.emulator = elementString(childPath(root, "devices", "emulator"));
  if (virttype === null) throw confError(VIR_ERR_INTERNAL_ERROR, "missing domain type attribute");
  const vi = VIR_DOMAIN_VIRT.indexOf(virttype as never);
  if (vi < 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `invalid domain type ${virttype}`);
  def.virtType = virttype as DomainVirtType;
  if (ostype === null) throw confError(VIR_ERR_XML_ERROR, "an os <type> must be specified");
  if (!VIR_DOMAIN_OSTYPE.includes(ostype as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown OS type '${ostype}'`);
  def.os.type = ostype as DomainOSType;
  // Xen back-compat: 'linux' means 'xen' for the xen driver
  if (def.os.type === "linux" && def.virtType === "xen") def.os.type = "xen";
  if (arch !== null) {
    const ai = VIR_ARCH.indexOf(arch as never);
    if (ai <= 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Unknown architecture ${arch}`);
    def.os.arch = arch as Arch;
  } else {
    def.os.arch = config.defArch;
  }
}

/** virDomainDefParseMemory */
function parseMemory(root: XmlElement, def: DomainDef): void {
  const memory = firstChild(root, "memory");
  def.mem.totalMemory = parseDomainMemory(memory, "./memory[1]", false) ?? 0;
  def.mem.curBalloon = parseDomainMemory(firstChild(root, "currentMemory"), "./currentMemory[1]", false) ?? 0;
  const maxMemory = firstChild(root, "maxMemory");
  def.mem.maxMemory = parseDomainMemory(maxMemory, "./maxMemory[1]", false) ?? 0;
  const slots = attrString(maxMemory, "slots");
  if (slots !== null) {
    const n = virStrToLongUip(slots);
    if (n === null) throw confError(VIR_ERR_XML_ERROR, "Failed to parse memory slot count");
    def.mem.memorySlots = n;
  }
  if (memory) def.mem.dumpCore = propTristateSwitch(memory, "dumpCore");
}

/** virDomainVcpuParse (without individual <vcpus>, refused as unmodelled) */
function parseVcpu(root: XmlElement, def: DomainDef): void {
  let max = 1;
  let current = 1;
  const node = firstChild(root, "vcpu");
  if (node) {
    const text = elementText(node);
    const m = virStrToLongUi(text);
    if (m === null) throw confError(VIR_ERR_XML_ERROR, "maximum vcpus count must be an integer");
    max = m;
    const cur = propUInt(node, "current");
    current = cur ?? max;
    def.vcpus.placement = propEnum(node, "placement", ["static", "auto"] as const) ?? "static";
    if (def.vcpus.placement !== "auto") {
      const cpuset = propString(node, "cpuset");
      if (cpuset !== null) {
        const bits = parseBitmap(cpuset, VIR_DOMAIN_CPUMASK_LEN);
        if (bits.length === 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid value of 'cpuset': ${cpuset}`);
        def.vcpus.cpuset = bits;
      }
    }
  }
  def.vcpus.max = max;
  if (current > max) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "maximum vCPU count must not be less than current vCPU count");
  def.vcpus.current = current;
}

/** the string value of an element, "" when empty (virXMLNodeContentString) */
function elementText(el: XmlElement): string {
  return elementString(el) ?? "";
}

/** virDomainNumatuneParseXML for the <memory> element (memnode is refused) */
function parseNumatune(root: XmlElement, def: DomainDef): void {
  const tunes = childElements(root, "numatune");
  if (tunes.length > 1) throw confError(VIR_ERR_XML_ERROR, "only one numatune is supported");
  if (tunes[0]) rejectUnmodelled(tunes[0], ["memnode"], "<numatune>");
  const placementStatic = def.vcpus.placement === "static";
  const node = tunes[0] ? firstChild(tunes[0], "memory") : null;
  let mode: NumatuneDef["mode"] | null = null;
  let placement: "default" | "static" | "auto" | null = !placementStatic && !node ? "auto" : null;
  let nodeset: number[] | null = null;
  if (node) {
    const m = propString(node, "mode");
    if (m !== null) {
      if (!VIR_DOMAIN_NUMATUNE_MEM_MODE.includes(m as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Unsupported NUMA memory tuning mode '${m}'`);
      mode = m as NumatuneDef["mode"];
    }
    const p = propString(node, "placement");
    if (p !== null) {
      if (!VIR_DOMAIN_NUMATUNE_PLACEMENT.includes(p as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Unsupported NUMA memory placement mode '${p}'`);
      placement = p as "default" | "static" | "auto";
    }
    const ns = propString(node, "nodeset");
    if (ns !== null) {
      nodeset = parseBitmap(ns, VIR_DOMAIN_CPUMASK_LEN);
      if (nodeset.length === 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid value of 'nodeset': ${ns}`);
    }
  }
  // virDomainNumatuneSet
  if (mode === null && placement === null && nodeset === null) return;
  mode ??= "strict";
  placement ??= "default";
  if (nodeset !== null && placement === "default") placement = "static";
  if (placement === "default") placement = nodeset !== null || placementStatic ? "static" : "auto";
  if (placement === "static" && nodeset === null) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
  }
  if (placement === "auto") nodeset = null;
  def.numatune = { mode, placement, nodeset };
}

/** virDomainFeaturesDefParse */
function parseFeatures(root: XmlElement, def: DomainDef): void {
  const features = firstChild(root, "features");
  if (!features) return;
  const f = def.features;
  for (const node of childElements(features)) {
    const name = node.local;
    if (!VIR_DOMAIN_FEATURE.includes(name as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unexpected feature '${name}'`);
    switch (name) {
      case "acpi":
      case "pae":
      case "viridian":
      case "privnet":
        f.switches[name] = "on";
        break;
      case "apic":
        f.apicEoi = propTristateSwitch(node, "eoi");
        f.switches.apic = "on";
        break;
      case "msrs":
        f.msrsUnknown = propEnum(node, "unknown", VIR_DOMAIN_MSRS_UNKNOWN, VIR_XML_PROP_REQUIRED);
        f.switches.msrs = "on";
        break;
      case "hyperv":
        parseHyperv(node, f);
        break;
      case "kvm":
        parseKvm(node, f);
        break;
      case "xen":
        parseXen(node, f);
        break;
      case "capabilities":
        parseCapabilities(node, f);
        break;
      case "vmcoreinfo":
      case "hap":
      case "pmu":
      case "pvspinlock":
      case "vmport":
        f.switches[name] = propTristateSwitch(node, "state") ?? "on";
        break;
      case "smm": {
        const state = propTristateSwitch(node, "state") ?? "on";
        f.switches.smm = state;
        if (state === "on") {
          const tseg = firstChild(node, "tseg");
          f.smmTseg = parseScaledValue(elementString(tseg), attrString(tseg, "unit"), "string(./features/smm/tseg)", 1024n * 1024n, ULLONG_MAX, false);
        }
        break;
      }
      case "gic": {
        const v = propEnum(node, "version", VIR_GIC_VERSION, VIR_XML_PROP_NONZERO);
        f.gicVersion = v === "none" ? null : v;
        f.switches.gic = "on";
        break;
      }
      case "ioapic": {
        const d = propEnum(node, "driver", VIR_DOMAIN_IOAPIC, VIR_XML_PROP_NONZERO);
        f.ioapic = d === null || d === "none" ? null : d;
        break;
      }
      case "hpt": {
        const r = propEnum(node, "resizing", VIR_DOMAIN_HPT_RESIZING, VIR_XML_PROP_NONZERO);
        const mp = firstChild(node, "maxpagesize");
        let bytes: bigint | null;
        try {
          bytes = parseScaledValue(elementString(mp), attrString(mp, "unit"), "./features/hpt/maxpagesize", 1024n, ULLONG_MAX, false);
        } catch {
          throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Unable to parse HPT maxpagesize setting");
        }
        const kib = bytes === null ? 0n : (bytes + 1023n) / 1024n;
        if ((r !== null && r !== "none") || kib > 0n) f.hpt = { resizing: r === "none" ? null : r, maxpagesize: kib };
        break;
      }
      case "cfpc":
      case "sbbc":
      case "ibs": {
        const table = name === "cfpc" ? VIR_DOMAIN_CFPC : name === "sbbc" ? VIR_DOMAIN_SBBC : VIR_DOMAIN_IBS;
        const v = propEnum(node, "value", table as readonly string[], VIR_XML_PROP_NONZERO);
        f[name] = v;
        break;
      }
      case "htm":
      case "nested-hv":
      case "ccf-assist":
        f.switches[name] = propTristateSwitch(node, "state", VIR_XML_PROP_REQUIRED)!;
        break;
      case "tcg": {
        const tb = firstChild(node, "tb-cache");
        const kib = parseDomainMemory(tb, "./tb-cache", false) ?? 0;
        if (kib !== 0) f.tcg = { tbCacheKiB: kib };
        break;
      }
      default:
        break;
    }
  }
}

function parseHyperv(node: XmlElement, f: FeaturesDef): void {
  const mode = propEnum(node, "mode", VIR_DOMAIN_HYPERV_MODE, VIR_XML_PROP_NONZERO) ?? "custom";
  const hv: NonNullable<FeaturesDef["hyperv"]> = { mode: mode as "custom" | "passthrough", flags: {}, spinlocksRetries: 0, stimerDirect: null, vendorId: null };
  f.hyperv = hv;
  for (const child of childElements(node)) {
    const feature = child.local as HypervFeature;
    if (!VIR_DOMAIN_HYPERV.includes(feature)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unsupported HyperV Enlightenment feature: ${child.local}`);
    const value = propTristateSwitch(child, "state", VIR_XML_PROP_REQUIRED)!;
    hv.flags[feature] = value;
    if (value !== "on") continue;
    if (feature === "stimer") {
      for (const d of childElements(child)) {
        if (d.local !== "direct") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unsupported Hyper-V stimer feature: ${d.local}`);
        hv.stimerDirect = propTristateSwitch(d, "state", VIR_XML_PROP_REQUIRED);
      }
    } else if (feature === "spinlocks") {
      hv.spinlocksRetries = propUInt(child, "retries", VIR_XML_PROP_REQUIRED, 0)!;
      if (hv.spinlocksRetries < 0xfff) throw confError(VIR_ERR_XML_ERROR, "HyperV spinlock retry count must be at least 4095");
    } else if (feature === "vendor_id") {
      const v = propString(child, "value");
      if (v === null) throw confError(VIR_ERR_XML_ERROR, "missing 'value' attribute for HyperV feature 'vendor_id'");
      if (Buffer.byteLength(v) > 12) throw confError(VIR_ERR_XML_ERROR, "HyperV vendor_id value must not be more than 12 characters.");
      if (v.includes(",")) throw confError(VIR_ERR_XML_ERROR, "HyperV vendor_id value is invalid");
      hv.vendorId = v;
    }
  }
}

function parseKvm(node: XmlElement, f: FeaturesDef): void {
  const kvm: NonNullable<FeaturesDef["kvm"]> = { flags: {}, dirtyRingSize: 0 };
  for (const child of childElements(node)) {
    const feature = child.local as KvmFeature;
    if (!VIR_DOMAIN_KVM.includes(feature)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unsupported KVM feature: ${child.local}`);
    const value = propTristateSwitch(child, "state", VIR_XML_PROP_REQUIRED)!;
    kvm.flags[feature] = value;
    if (feature === "dirty-ring" && value === "on") {
      const size = propUInt(child, "size", VIR_XML_PROP_REQUIRED, 0)!;
      if ((size & (size - 1)) !== 0 || size < 1024 || size > 65536) {
        throw confError(VIR_ERR_XML_ERROR, "dirty ring must be power of 2 and ranges [1024, 65536]");
      }
      kvm.dirtyRingSize = size;
    }
  }
  f.kvm = kvm;
}

function parseXen(node: XmlElement, f: FeaturesDef): void {
  const xen: NonNullable<FeaturesDef["xen"]> = { e820host: null, passthrough: null, passthroughMode: null };
  f.xen = xen;
  for (const child of childElements(node)) {
    if (!VIR_DOMAIN_XEN.includes(child.local as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unsupported Xen feature: ${child.local}`);
    const value = propTristateSwitch(child, "state", VIR_XML_PROP_REQUIRED);
    if (child.local === "e820_host") {
      xen.e820host = value;
    } else {
      xen.passthrough = value;
      if (value === "on") {
        const m = propEnum(child, "mode", VIR_DOMAIN_XEN_PASSTHROUGH_MODE, VIR_XML_PROP_NONZERO);
        xen.passthroughMode = m === "default" ? null : m;
      }
    }
  }
}

function parseCapabilities(node: XmlElement, f: FeaturesDef): void {
  const policy = propEnum(node, "policy", VIR_DOMAIN_CAPABILITIES_POLICY) ?? "default";
  const caps: Partial<Record<string, "on" | "off">> = {};
  for (const child of childElements(node)) {
    if (!VIR_DOMAIN_PROCES_CAPS_FEATURE.includes(child.local as never)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unexpected capability feature '${child.local}'`);
    }
    caps[child.local] = propTristateSwitch(child, "state") ?? "on";
  }
  f.capabilities = { policy, caps };
}

/** virDomainEventActionParseXML */
function parseAction<T extends string>(root: XmlElement, name: string, table: readonly T[], dflt: T): T {
  const v = elementString(firstChild(root, name));
  if (v === null) return dflt;
  if (!table.includes(v as T)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown ${name} action: ${v}`);
  return v as T;
}

/** virDomainDefLifecycleParse */
function parseLifecycle(root: XmlElement, def: DomainDef): void {
  def.onReboot = parseAction(root, "on_reboot", VIR_DOMAIN_LIFECYCLE_ACTION, "restart");
  def.onPoweroff = parseAction(root, "on_poweroff", VIR_DOMAIN_LIFECYCLE_ACTION, "destroy");
  def.onCrash = parseAction(root, "on_crash", VIR_DOMAIN_LIFECYCLE_ACTION, "destroy");
  const lf = parseAction(root, "on_lockfailure", VIR_DOMAIN_LOCK_FAILURE, "default");
  def.onLockFailure = lf === "default" ? null : lf;
  const pm = firstChild(root, "pm");
  const s3 = pm ? firstChild(pm, "suspend-to-mem") : null;
  const s4 = pm ? firstChild(pm, "suspend-to-disk") : null;
  def.pm.suspendToMem = s3 ? propTristateBool(s3, "enabled") : null;
  def.pm.suspendToDisk = s4 ? propTristateBool(s4, "enabled") : null;
}

/** virDomainTimerDefParseXML */
function parseTimer(node: XmlElement): TimerDef {
  const catchupNode = firstChild(node, "catchup");
  return {
    name: propEnum(node, "name", VIR_DOMAIN_TIMER_NAME, VIR_XML_PROP_REQUIRED)!,
    present: propTristateBool(node, "present"),
    tickpolicy: propEnum(node, "tickpolicy", VIR_DOMAIN_TIMER_TICKPOLICY, VIR_XML_PROP_NONZERO) as TimerDef["tickpolicy"],
    track: propEnum(node, "track", VIR_DOMAIN_TIMER_TRACK, VIR_XML_PROP_NONZERO) as TimerDef["track"],
    frequency: propULongLongOrZero(node, "frequency"),
    mode: propEnum(node, "mode", VIR_DOMAIN_TIMER_MODE, VIR_XML_PROP_NONZERO) as TimerDef["mode"],
    catchup: {
      threshold: catchupNode ? propULongLongOrZero(catchupNode, "threshold") : 0n,
      slew: catchupNode ? propULongLongOrZero(catchupNode, "slew") : 0n,
      limit: catchupNode ? propULongLongOrZero(catchupNode, "limit") : 0n,
    },
  };
}

function propULongLongOrZero(el: XmlElement, name: string): bigint {
  const v = propString(el, name);
  if (v === null) return 0n;
  const n = virStrToLongUllp(v);
  if (n === null) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected non-negative integer value`, 5);
  }
  return n;
}

/** virDomainDefClockParse */
function parseClock(root: XmlElement, def: DomainDef): void {
  const clock = firstChild(root, "clock");
  const c = def.clock;
  const offset = attrString(clock, "offset");
  if (offset !== null) {
    if (!VIR_DOMAIN_CLOCK_OFFSET.includes(offset as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown clock offset '${offset}'`);
    c.offset = offset as DomainDef["clock"]["offset"];
  }
  switch (c.offset) {
    case "localtime":
    case "utc": {
      const adj = attrString(clock, "adjustment");
      if (adj !== null) {
        if (adj === "reset") {
          c.utcReset = true;
        } else {
          const v = virStrToLongLl(adj);
          if (v === null) throw confError(VIR_ERR_XML_ERROR, `unknown clock adjustment '${adj}'`);
          c.adjustment = v;
          c.basis = c.offset === "localtime" ? "localtime" : "utc";
          c.offset = "variable";
        }
      }
      break;
    }
    case "variable": {
      const adj = attrString(clock, "adjustment");
      c.adjustment = adj !== null ? (virStrToLongLl(adj) ?? 0n) : 0n;
      const basis = attrString(clock, "basis");
      if (basis !== null) {
        if (!VIR_DOMAIN_CLOCK_BASIS.includes(basis as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown clock basis '${basis}'`);
        c.basis = basis as "utc" | "localtime";
      } else {
        c.basis = "utc";
      }
      break;
    }
    case "timezone":
      c.timezone = attrString(clock, "timezone");
      if (c.timezone === null) throw confError(VIR_ERR_INTERNAL_ERROR, "missing 'timezone' attribute for clock with offset='timezone'");
      break;
    case "absolute": {
      const start = attrString(clock, "start");
      const v = start !== null ? virStrToLongUllp(start) : null;
      if (v === null) throw confError(VIR_ERR_INTERNAL_ERROR, "missing 'start' attribute for clock with offset='absolute'");
      c.start = v;
      break;
    }
  }
  if (clock) for (const t of childElements(clock, "timer")) c.timers.push(parseTimer(t));
}

/** virDomainLoaderDefParseXML (legacy <nvram>path</nvram> only) */
function parseLoader(os: XmlElement): LoaderDef | null {
  const loader = firstChild(os, "loader");
  const nvram = firstChild(os, "nvram");
  if (!loader && !nvram) return null;
  const l: LoaderDef = { path: null, readonly: null, type: null, secure: null, stateless: null, nvramTemplate: null, nvram: null };
  if (nvram) {
    l.nvramTemplate = propString(nvram, "template");
    if (propString(nvram, "type") !== null || firstChild(nvram, "source")) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "element <nvram type=...> with a <source> is not supported by virtkit");
    }
    const path = elementString(nvram);
    if (path !== null) l.nvram = path;
  }
  if (loader) {
    l.readonly = propTristateBool(loader, "readonly");
    const t = propEnum(loader, "type", VIR_DOMAIN_LOADER, VIR_XML_PROP_NONZERO);
    l.type = t === "none" ? null : t;
    l.path = elementString(loader);
    l.secure = propTristateBool(loader, "secure");
    l.stateless = propTristateBool(loader, "stateless");
  }
  return l;
}

/** virDomainDefParseBootOptions for HVM guests */
function parseBootOptions(root: XmlElement, def: DomainDef): void {
  const osNode = firstChild(root, "os");
  const os = def.os;
  if (os.type !== "hvm") {
    if (os.type === "exe") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "OS type 'exe' (containers) is not supported by virtkit");
    if (osNode) {
      os.kernel = elementString(firstChild(osNode, "kernel"));
      os.initrd = elementString(firstChild(osNode, "initrd"));
      os.cmdline = elementString(firstChild(osNode, "cmdline"));
      os.dtb = elementString(firstChild(osNode, "dtb"));
      os.root = elementString(firstChild(osNode, "root"));
      os.loader = parseLoader(osNode);
    }
    return;
  }
  if (!osNode) return;
  rejectUnmodelled(osNode, OS_UNMODELLED, "<os>");
  os.kernel = elementString(firstChild(osNode, "kernel"));
  os.initrd = elementString(firstChild(osNode, "initrd"));
  os.cmdline = elementString(firstChild(osNode, "cmdline"));
  os.dtb = elementString(firstChild(osNode, "dtb"));
  os.root = elementString(firstChild(osNode, "root"));
  // virDomainDefParseBootFirmwareOptions
  const fwFeatures = pathElements(osNode, "firmware", "feature");
  if (fwFeatures.length > 0) {
    const list: NonNullable<OsDef["firmwareFeatures"]> = [];
    for (const n of fwFeatures) {
      const name = propEnum(n, "name", VIR_DOMAIN_OS_DEF_FIRMWARE_FEATURE, VIR_XML_PROP_REQUIRED)!;
      const enabled = propTristateBool(n, "enabled", VIR_XML_PROP_REQUIRED)!;
      const existing = list.find((x) => x.name === name);
      if (existing) existing.enabled = enabled;
      else list.push({ name, enabled });
    }
    os.firmwareFeatures = list;
  }
  const firmware = attrString(osNode, "firmware");
  if (firmware !== null) {
    const i = VIR_DOMAIN_OS_DEF_FIRMWARE.indexOf(firmware as never);
    if (i <= 0) throw confError(VIR_ERR_XML_ERROR, `unknown firmware value ${firmware}`);
    os.firmware = firmware as "bios" | "efi";
  }
  os.loader = parseLoader(osNode);
  // virDomainDefParseBootAcpiOptions
  const tables = pathElements(osNode, "acpi", "table");
  if (tables.length > 1) throw confError(VIR_ERR_XML_ERROR, "Only one acpi table is supported");
  if (tables.length === 1) {
    const type = propString(tables[0]!, "type");
    if (type === null) throw confError(VIR_ERR_XML_ERROR, "Missing acpi table type");
    if (type !== "slic") throw confError(VIR_ERR_XML_ERROR, `Unknown acpi table type: ${type}`);
    os.slicTable = elementString(tables[0]!) ?? "";
  }
  // virDomainDefParseBootXML
  for (const b of childElements(osNode, "boot")) {
    if (os.bootDevs.length >= VIR_DOMAIN_BOOT.length) break;
    os.bootDevs.push(propEnum(b, "dev", VIR_DOMAIN_BOOT, VIR_XML_PROP_REQUIRED)!);
  }
  const bootmenu = firstChild(osNode, "bootmenu");
  if (bootmenu) {
    os.bootmenu = propTristateBool(bootmenu, "enable");
    if (os.bootmenu === "yes") os.bootmenuTimeout = propUInt(bootmenu, "timeout");
  }
  const bios = firstChild(osNode, "bios");
  if (bios) {
    try {
      os.biosUseserial = propTristateBool(bios, "useserial");
    } catch {
      // libvirt quietly turns an invalid useserial into "no"
      os.biosUseserial = "no";
    }
    os.biosRebootTimeout = propInt(bios, "rebootTimeout");
  }
}

export function newDomainDef(config: ParseContext["config"]): DomainDef {
  return {
    virtType: "test",
    id: -1,
    name: "",
    uuid: "",
    genid: null,
    genidGenerated: false,
    title: null,
    description: null,
    metadata: null,
    mem: { totalMemory: 0, curBalloon: 0, maxMemory: 0, memorySlots: 0, dumpCore: null },
    vcpus: { max: 1, current: 1, placement: "static", cpuset: null },
    numatune: null,
    os: {
      type: "hvm",
      arch: config.defArch,
      machine: null,
      firmware: null,
      firmwareFeatures: null,
      loader: null,
      kernel: null,
      initrd: null,
      cmdline: null,
      dtb: null,
      root: null,
      slicTable: null,
      bootDevs: [],
      bootmenu: null,
      bootmenuTimeout: null,
      biosUseserial: null,
      biosRebootTimeout: null,
      smbiosMode: null,
    },
    features: emptyFeatures(),
    cpu: null,
    clock: { offset: "utc", utcReset: false, adjustment: 0n, basis: "utc", timezone: null, start: 0n, timers: [] },
    onPoweroff: "destroy",
    onReboot: "restart",
    onCrash: "destroy",
    onLockFailure: null,
    pm: { suspendToMem: null, suspendToDisk: null },
    emulator: null,
    disks: [],
    controllers: [],
    nets: [],
    serials: [],
    parallels: [],
    consoles: [],
    channels: [],
    inputs: [],
    graphics: [],
    audios: [],
    videos: [],
    memballoon: null,
    rngs: [],
  };
}

/** virDomainDefParseXML: the XML tree to a definition, before post-parse and validation */
export function parseDomainElement(root: XmlElement, ctx: ParseContext, hooks: DomainPostParse): DomainDef {
  const def = newDomainDef(ctx.config);
  parseIDs(root, def, ctx.flags);
  parseCaps(root, def, ctx.config);
  def.title = elementString(firstChild(root, "title"));
  if (def.title?.includes("\n")) throw confError(VIR_ERR_XML_ERROR, "Domain title can't contain newlines");
  def.description = elementString(firstChild(root, "description"));
  rejectUnmodelled(root, DOMAIN_UNMODELLED, "<domain>");
  parseMemory(root, def);
  parseVcpu(root, def);
  const cpuNode = firstChild(root, "cpu");
  if (cpuNode) def.cpu = parseGuestCpu(cpuNode);
  parseNumatune(root, def);
  if (def.numatune?.placement === "auto" && def.vcpus.cpuset === null) def.vcpus.placement = "auto";
  parseFeatures(root, def);
  parseLifecycle(root, def);
  parseClock(root, def);
  parseBootOptions(root, def);

  const devices = firstChild(root, "devices");
  const dev = (name: string): XmlElement[] => (devices ? childElements(devices, name) : []);
  if (devices) rejectUnmodelled(devices, DEVICES_UNMODELLED, "<devices>");
  for (const n of dev("disk")) insertDisk(def.disks, parseDisk(n, ctx));
  const usbNone = parseControllers(dev("controller"), ctx, def.controllers);
  for (const n of dev("interface")) def.nets.push(parseNet(n, ctx, hooks.netPrefix));
  for (const n of dev("parallel")) {
    const chr = parseChr(n, ctx);
    if (chr.targetPort === -1) chr.targetPort = Math.max(-1, ...def.parallels.map((p) => p.targetPort)) + 1;
    def.parallels.push(chr);
  }
  for (const n of dev("serial")) def.serials.push(parseChr(n, ctx));
  dev("console").forEach((n, i) => {
    const chr = parseChr(n, ctx);
    chr.targetPort = i;
    def.consoles.push(chr);
  });
  for (const n of dev("channel")) def.channels.push(parseChr(n, ctx));
  for (const n of dev("input")) {
    const input = parseInput(n, def, ctx);
    if (input.bus === "usb" && usbNone) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Can't add USB input device. USB bus is disabled");
    def.inputs.push(input);
  }
  for (const n of dev("graphics")) def.graphics.push(parseGraphics(n, ctx));
  for (const n of dev("audio")) def.audios.push(parseAudio(n));
  for (const n of dev("video")) {
    const video = parseVideo(n, ctx);
    if (video.primary) def.videos.unshift(video);
    else def.videos.push(video);
  }
  const balloons = dev("memballoon");
  if (balloons.length > 1) throw confError(VIR_ERR_INTERNAL_ERROR, "only a single memory balloon device is supported");
  if (balloons[0]) def.memballoon = parseMemballoon(balloons[0], ctx);
  for (const n of dev("rng")) def.rngs.push(parseRng(n, ctx));

  const smbios = attrString(childPath(root, "os", "smbios"), "mode");
  if (smbios !== null) {
    const i = VIR_DOMAIN_SMBIOS.indexOf(smbios as never);
    if (i < 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown smbios mode '${smbios}'`);
    def.os.smbiosMode = smbios === "none" ? null : (smbios as OsDef["smbiosMode"]);
  }
  const metadata = firstChild(root, "metadata");
  if (metadata) def.metadata = copyElement(metadata);
  return def;
}

/** parse the document text into the <domain> root element, as virDomainDefParse does */
export function parseDomainDocument(xml: string): XmlElement {
  return parseConfXml(xml, "(domain_definition)", "domain", VIR_FROM_DOMAIN).root;
}
