// VIR_DOMAIN_DEFINE_VALIDATE: schema validation of the modelled subset of domain XML.
//
// libvirt validates against its RelaxNG schema (domain.rng, installed under
// /usr/share/libvirt/schemas) with libxml2, and reports VIR_ERR_XML_INVALID_SCHEMA with
// "Unable to validate doc against <schema>" followed by libxml2's RelaxNG messages. This module
// checks the elements, attributes and value types of the subset virtkit models, following the
// patterns of domaincommon.rng/basictypes.rng, and reproduces libxml2's message cascade for the
// classes of failure tested against a real libvirtd (domain-errors/validate-*.xml): an unknown
// top-level element, a bad root attribute, a missing <name>, and a failure inside a top-level
// element, which libxml2 reports as "Extra element X in interleave" (with one more "Invalid
// sequence in interleave" for the elements libvirt's schema nests in an inner group).
// Other failures get the same first line and the same cascade shape; their detail lines are
// virtkit's approximation of libxml2's.
import { childElements, textContent, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_XML_INVALID_SCHEMA, VIR_FROM_XML } from "./conf-error.js";
import {
  VIR_ARCH,
  VIR_CPU_CHECK,
  VIR_CPU_MATCH,
  VIR_CPU_MODE,
  VIR_DOMAIN_BOOT,
  VIR_DOMAIN_CHR,
  VIR_DOMAIN_CLOCK_BASIS,
  VIR_DOMAIN_CLOCK_OFFSET,
  VIR_DOMAIN_CONTROLLER,
  VIR_DOMAIN_DISK_BUS,
  VIR_DOMAIN_DISK_DEVICE,
  VIR_DOMAIN_FEATURE,
  VIR_DOMAIN_GRAPHICS,
  VIR_DOMAIN_INPUT,
  VIR_DOMAIN_INPUT_BUS,
  VIR_DOMAIN_LIFECYCLE_ACTION,
  VIR_DOMAIN_MEMBALLOON_MODEL,
  VIR_DOMAIN_NET,
  VIR_DOMAIN_OSTYPE,
  VIR_DOMAIN_RNG_MODEL,
  VIR_DOMAIN_TIMER_NAME,
  VIR_STORAGE_TYPE,
} from "./domain-enums.js";

export const DOMAIN_SCHEMA_PATH = "/usr/share/libvirt/schemas/domain.rng";

type Check = (v: string) => boolean;

interface ElemSpec {
  attrs?: Readonly<Record<string, Check>>;
  /** text content check; absent = element content only (whitespace allowed) */
  text?: Check;
  children?: Readonly<Record<string, ElemSpec>>;
  /** any attributes and children (e.g. <metadata> content, unmodelled device details) */
  any?: boolean;
  /** with `any`: character content other than white space is still invalid */
  noText?: boolean;
}

// --- basictypes.rng patterns ---------------------------------------------------------------------

const re = (r: RegExp): Check => (v) => r.test(v);
const anyValue: Check = () => true;
const oneOf = (values: readonly string[]): Check => (v) => values.includes(v);
const UUID = re(/^([a-fA-F0-9]{32}|[a-fA-F0-9]{8}-([a-fA-F0-9]{4}-){3}[a-fA-F0-9]{12})$/);
const UNIT = re(/^(([bB]([yY][tT][eE][sS]?)?)|([kKmMgGtTpPeE]([iI]?[bB])?))$/);
const UINT = re(/^[0-9]+$/);
const INT = re(/^-?[0-9]+$/);
const CPUSET = re(/^([0-9]+(-[0-9]+)?|\^[0-9]+)(,([0-9]+(-[0-9]+)?|\^[0-9]+))*$/);
const ON_OFF = oneOf(["on", "off"]);
const YES_NO = oneOf(["yes", "no"]);
const ABS_PATH = re(/^(\/|[a-zA-Z]:\\).+$/s);
const NO_NEWLINE = re(/^[^\n]+$/);
const MAC = re(/^[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}$/);

const address: ElemSpec = { any: true };
const alias: ElemSpec = { attrs: { name: anyValue } };
const boot: ElemSpec = { attrs: { order: UINT, loadparm: anyValue } };
const driverAny: ElemSpec = { any: true };
const chrBody: Readonly<Record<string, ElemSpec>> = {
  source: { any: true },
  target: { any: true },
  protocol: { attrs: { type: oneOf(["raw", "telnet", "telnets", "tls"]) } },
  log: { attrs: { file: anyValue, append: ON_OFF } },
  alias,
  address,
};
const chr: ElemSpec = { attrs: { type: oneOf(VIR_DOMAIN_CHR) }, children: chrBody };

const DEVICES: Readonly<Record<string, ElemSpec>> = {
  emulator: { text: ABS_PATH },
  disk: {
    attrs: {
      type: oneOf(VIR_STORAGE_TYPE.slice(1)),
      device: oneOf(VIR_DOMAIN_DISK_DEVICE),
      model: anyValue,
      snapshot: anyValue,
      rawio: YES_NO,
      sgio: anyValue,
    },
    children: {
      driver: driverAny,
      source: { any: true },
      backingStore: { any: true },
      target: { attrs: { dev: anyValue, bus: oneOf(VIR_DOMAIN_DISK_BUS.slice(1)), tray: oneOf(["open", "closed"]), removable: ON_OFF, rotation_rate: UINT } },
      readonly: {},
      shareable: {},
      transient: { attrs: { shareBacking: YES_NO } },
      serial: { text: anyValue },
      wwn: { text: anyValue },
      vendor: { text: anyValue },
      product: { text: anyValue },
      blockio: { attrs: { logical_block_size: UINT, physical_block_size: UINT } },
      boot,
      alias,
      address,
    },
  },
  controller: { attrs: { type: oneOf(VIR_DOMAIN_CONTROLLER), index: UINT, model: anyValue, ports: UINT, vectors: UINT }, children: { driver: driverAny, model: { any: true }, target: { any: true }, pcihole64: { any: true }, master: { any: true }, alias, address } },
  interface: {
    attrs: { type: oneOf(VIR_DOMAIN_NET), trustGuestRxFilters: YES_NO },
    children: {
      mac: { attrs: { address: MAC, type: oneOf(["generated", "static"]), check: YES_NO } },
      source: { any: true },
      target: { attrs: { dev: anyValue, managed: YES_NO } },
      model: { attrs: { type: anyValue } },
      driver: driverAny,
      link: { attrs: { state: oneOf(["up", "down"]) } },
      mtu: { attrs: { size: UINT } },
      script: { attrs: { path: anyValue } },
      downscript: { attrs: { path: anyValue } },
      rom: { any: true },
      acpi: { any: true },
      boot,
      alias,
      address,
    },
  },
  serial: chr,
  parallel: chr,
  console: chr,
  channel: chr,
  input: { attrs: { type: oneOf(VIR_DOMAIN_INPUT), bus: oneOf(VIR_DOMAIN_INPUT_BUS), model: anyValue }, children: { source: { any: true }, driver: driverAny, alias, address } },
  graphics: { attrs: { type: oneOf(VIR_DOMAIN_GRAPHICS) }, any: true },
  video: { children: { model: { any: true }, driver: driverAny, alias, address } },
  memballoon: { attrs: { model: oneOf(VIR_DOMAIN_MEMBALLOON_MODEL), autodeflate: ON_OFF, freePageReporting: ON_OFF }, children: { stats: { attrs: { period: UINT } }, driver: driverAny, alias, address } },
  rng: { attrs: { model: oneOf(VIR_DOMAIN_RNG_MODEL) }, children: { rate: { attrs: { bytes: UINT, period: UINT } }, backend: { any: true }, driver: driverAny, alias, address } },
};

/** the simple <features> children; the others (hyperv, kvm, ...) are checked by the parser */
const FEATURE_SPECS: Readonly<Partial<Record<string, ElemSpec>>> = {
  acpi: {},
  pae: {},
  viridian: {},
  privnet: {},
  apic: { attrs: { eoi: ON_OFF } },
  hap: { attrs: { state: ON_OFF } },
  pmu: { attrs: { state: ON_OFF } },
  pvspinlock: { attrs: { state: ON_OFF } },
  vmport: { attrs: { state: ON_OFF } },
  vmcoreinfo: { attrs: { state: ON_OFF } },
  htm: { attrs: { state: ON_OFF } },
  "nested-hv": { attrs: { state: ON_OFF } },
  "ccf-assist": { attrs: { state: ON_OFF } },
  ioapic: { attrs: { driver: oneOf(["qemu", "kvm"]) } },
  msrs: { attrs: { unknown: oneOf(["ignore", "fault"]) } },
};

const OS: ElemSpec = {
  attrs: { firmware: oneOf(["bios", "efi"]) },
  children: {
    type: { attrs: { arch: oneOf(VIR_ARCH.slice(1)), machine: anyValue }, text: oneOf(VIR_DOMAIN_OSTYPE) },
    boot: { attrs: { dev: oneOf(VIR_DOMAIN_BOOT) } },
    bootmenu: { attrs: { enable: YES_NO, timeout: UINT } },
    bios: { attrs: { useserial: YES_NO, rebootTimeout: INT } },
    smbios: { attrs: { mode: oneOf(["emulate", "host", "sysinfo"]) } },
    kernel: { text: anyValue },
    initrd: { text: anyValue },
    cmdline: { text: anyValue },
    dtb: { text: anyValue },
    root: { text: anyValue },
    loader: { attrs: { readonly: YES_NO, secure: YES_NO, type: oneOf(["rom", "pflash"]), stateless: YES_NO }, text: anyValue },
    nvram: { any: true },
    acpi: { any: true },
    firmware: { any: true },
  },
};

const TOP: Readonly<Record<string, ElemSpec>> = {
  name: { text: NO_NEWLINE },
  uuid: { text: UUID },
  genid: { text: (v) => v === "" || UUID(v) },
  title: { text: NO_NEWLINE },
  description: { text: anyValue },
  metadata: { any: true, noText: true },
  maxMemory: { attrs: { slots: UINT, unit: UNIT }, text: UINT },
  memory: { attrs: { unit: UNIT, dumpCore: ON_OFF }, text: UINT },
  currentMemory: { attrs: { unit: UNIT }, text: UINT },
  vcpu: { attrs: { placement: oneOf(["static", "auto"]), cpuset: CPUSET, current: UINT }, text: UINT },
  numatune: { children: { memory: { attrs: { mode: oneOf(["strict", "preferred", "interleave", "restrictive"]), placement: oneOf(["static", "auto"]), nodeset: CPUSET } } } },
  os: OS,
  features: { children: Object.fromEntries(VIR_DOMAIN_FEATURE.map((f) => [f, FEATURE_SPECS[f] ?? { any: true }])) },
  cpu: {
    attrs: { mode: oneOf(VIR_CPU_MODE), match: oneOf(VIR_CPU_MATCH), check: oneOf(VIR_CPU_CHECK), migratable: ON_OFF },
    children: {
      model: { attrs: { fallback: oneOf(["allow", "forbid"]), vendor_id: anyValue }, text: anyValue },
      vendor: { text: anyValue },
      topology: { attrs: { sockets: UINT, dies: UINT, cores: UINT, threads: UINT } },
      feature: { attrs: { policy: oneOf(["force", "require", "optional", "disable", "forbid"]), name: anyValue } },
      cache: { attrs: { level: UINT, mode: oneOf(["emulate", "passthrough", "disable"]) } },
      maxphysaddr: { attrs: { mode: oneOf(["emulate", "passthrough"]), bits: UINT } },
    },
  },
  clock: {
    attrs: { offset: oneOf(VIR_DOMAIN_CLOCK_OFFSET), adjustment: (v) => v === "reset" || INT(v), basis: oneOf(VIR_DOMAIN_CLOCK_BASIS), timezone: anyValue, start: UINT },
    children: {
      timer: {
        attrs: {
          name: oneOf(VIR_DOMAIN_TIMER_NAME),
          present: YES_NO,
          tickpolicy: oneOf(["delay", "catchup", "merge", "discard"]),
          track: oneOf(["boot", "guest", "wall", "realtime"]),
          frequency: UINT,
          mode: oneOf(["auto", "native", "emulate", "paravirt", "smpsafe"]),
        },
        children: { catchup: { attrs: { threshold: UINT, slew: UINT, limit: UINT } } },
      },
    },
  },
  on_poweroff: { text: oneOf(VIR_DOMAIN_LIFECYCLE_ACTION) },
  on_reboot: { text: oneOf(VIR_DOMAIN_LIFECYCLE_ACTION) },
  on_crash: { text: oneOf(VIR_DOMAIN_LIFECYCLE_ACTION) },
  on_lockfailure: { text: oneOf(["poweroff", "restart", "pause", "ignore"]) },
  pm: { children: { "suspend-to-mem": { attrs: { enabled: YES_NO } }, "suspend-to-disk": { attrs: { enabled: YES_NO } } } },
  devices: { children: DEVICES },
};

/** top-level elements that domain.rng places in an inner group (one more "Invalid sequence") */
const INNER_GROUP = new Set(["name", "uuid", "genid", "memory", "currentMemory", "maxMemory", "vcpu", "numatune", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure"]);
/** top-level elements that may appear once */
const SINGLE = new Set(Object.keys(TOP));

const ROOT_ATTRS: Readonly<Record<string, Check>> = {
  type: oneOf(["qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv", "vbox", "phyp", "vz", "bhyve", "hvf"]),
  id: UINT,
};

interface Failure {
  /** libxml2 detail lines emitted before the cascade (each ends with "\n") */
  detail: string;
  /** the failure is reported without the interleave cascade */
  standalone?: boolean;
}

/** the first invalid attribute of `el` under `spec`, or null */
function badAttribute(el: XmlElement, spec: ElemSpec): string | null {
  for (const a of el.attributes) {
    if (a.ns !== null) continue;
    const check = spec.attrs?.[a.local];
    if (!check?.(a.value)) return a.local;
  }
  return null;
}

function hasEntityOrNonText(el: XmlElement): boolean {
  return el.entityRefs === true || el.children.some((c) => c.type === "element" || c.type === "pi");
}

/** generic element check: true when valid */
function valid(el: XmlElement, spec: ElemSpec): boolean {
  if (spec.any) {
    if (spec.noText && el.children.some((c) => (c.type === "text" || c.type === "cdata") && c.value.trim() !== "")) return false;
    if (spec.attrs) {
      const a = el.attributes.find((x) => x.ns === null && spec.attrs![x.local] !== undefined && !spec.attrs![x.local]!(x.value));
      if (a) return false;
    }
    return true;
  }
  if (badAttribute(el, spec) !== null) return false;
  if (spec.text) {
    if (hasEntityOrNonText(el)) return false;
    return spec.text(textContent(el));
  }
  if (el.children.some((c) => (c.type === "text" || c.type === "cdata") && c.value.trim() !== "")) return false;
  for (const c of childElements(el)) {
    const cs = c.ns === null ? spec.children?.[c.local] : undefined;
    if (!cs || !valid(c, cs)) return false;
  }
  return true;
}

/** per-element checks with libxml2's detail lines where they are known */
function checkTop(el: XmlElement, spec: ElemSpec): Failure | null {
  const name = el.local;
  if (name === "name") {
    const bad = badAttribute(el, spec);
    if (bad !== null) return { detail: `Invalid attribute ${bad} for element name\n`, standalone: true };
  }
  if (name === "memory") {
    const bad = badAttribute(el, spec);
    if (bad !== null) return { detail: `Invalid attribute ${bad} for element memory\n` };
  }
  if (name === "os") {
    const bad = badAttribute(el, spec);
    if (bad !== null) return { detail: `Invalid attribute ${bad} for element os\n` };
    for (const c of childElements(el)) {
      const cs = c.ns === null ? OS.children![c.local] : undefined;
      if (!cs) return { detail: `Element os has extra content: ${c.local}\n` };
      if (c.local === "type") {
        const badType = badAttribute(c, cs);
        if (badType !== null) return { detail: `Invalid attribute ${badType} for element type\n` };
      }
      if (c.local === "boot" && badAttribute(c, cs) !== null) return { detail: "Element boot failed to validate attributes\n" };
      if (!valid(c, cs)) return { detail: "" };
    }
    return null;
  }
  if (name === "clock") {
    if (badAttribute(el, spec) !== null) return { detail: "Expecting an element timer, got nothing\n" };
    for (const c of childElements(el)) {
      if (c.ns !== null || c.local !== "timer") return { detail: `Expecting element timer, got ${c.local}\n` };
      if (!valid(c, spec.children!.timer!)) return { detail: "" };
    }
    return null;
  }
  return valid(el, spec) ? null : { detail: "" };
}

function fail(detail: string): never {
  // virXMLValidateAgainstSchema (virxml.c) reports from VIR_FROM_XML
  throw confError(VIR_ERR_XML_INVALID_SCHEMA, `Unable to validate doc against ${DOMAIN_SCHEMA_PATH}\n${detail}`, VIR_FROM_XML);
}

function cascade(name: string): string {
  return `Extra element ${name} in interleave\n${INNER_GROUP.has(name) ? "Invalid sequence in interleave\n" : ""}Element domain failed to validate content\n`;
}

/** Validate a <domain> element; throws VIR_ERR_XML_INVALID_SCHEMA like virXMLValidateAgainstSchema. */
export function validateDomainSchema(root: XmlElement): void {
  const missingName = "Expecting an element name, got nothing\nInvalid sequence in interleave\nInvalid sequence in interleave\nElement domain failed to validate content\n";
  const seen = new Set<string>();
  for (const c of childElements(root)) {
    const spec = c.ns === null ? TOP[c.local] : undefined;
    if (!spec) fail(seen.has("name") ? `Element domain has extra content: ${c.local}\n` : missingName);
    if (SINGLE.has(c.local) && seen.has(c.local)) fail(cascade(c.local));
    seen.add(c.local);
    const f = checkTop(c, spec);
    if (f) fail(f.standalone ? f.detail : f.detail + cascade(c.local));
  }
  if (root.children.some((c) => (c.type === "text" || c.type === "cdata") && c.value.trim() !== "")) {
    fail("Element domain failed to validate content\n");
  }
  if (!seen.has("name")) fail(missingName);
  // libxml2 reports content problems before those of the root's own attributes
  for (const a of root.attributes) {
    if (a.ns !== null) continue;
    const check = ROOT_ATTRS[a.local];
    if (!check) fail(`Invalid attribute ${a.local} for element domain\n`);
    if (!check(a.value)) fail("Element domain failed to validate content\n");
  }
  if (!root.attributes.some((a) => a.local === "type" && a.ns === null)) fail("Element domain failed to validate content\n");
}
