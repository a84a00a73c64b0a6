// Host capabilities XML: libvirt 9.0's src/conf/capabilities.c (virCapabilitiesFormatXML) with
// the host CPU of cpu_conf.c (virCPUDefFormatBuf for a host CPU), plus a reader of the same XML
// (what a client or a test needs to get the object model back) and the test driver's
// capabilities (test_driver.c testBuildCapabilities).
import { attr, childElements, childPath, firstChild, formatElement, textContent, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, parseConfXml, VIR_ERR_XML_ERROR, VIR_FROM_CAPABILITIES } from "./conf-error.js";
import { formatBitmap, parseBitmap } from "./identifiers.js";
import { formatIntPretty } from "./units.js";

/** VIR_CAPS_GUEST_FEATURE_TYPE_* in formatting order; the second member: default/toggle apply */
export const VIR_CAPS_GUEST_FEATURES = [
  ["pae", false], ["nonpae", false], ["ia64_be", false], ["acpi", true], ["apic", true], ["cpuselection", false],
  ["deviceboot", false], ["disksnapshot", true], ["hap", true],
] as const; // prettier-ignore
export type CapsGuestFeatureName = (typeof VIR_CAPS_GUEST_FEATURES)[number][0];
/** virCapsHostPMTarget, in bit order */
export const VIR_CAPS_HOST_PM_TARGET = ["suspend_mem", "suspend_disk", "suspend_hybrid"] as const;
export type CapsHostPMTarget = (typeof VIR_CAPS_HOST_PM_TARGET)[number];

export interface CapsHostCpu {
  model?: string;
  vendor?: string;
  microcodeVersion?: number;
  signature?: { family: number; model: number; stepping: number };
  tsc?: { frequency: bigint; scaling?: "yes" | "no" };
  topology?: { sockets: number; dies: number; cores: number; threads: number };
  maxphysaddr?: { mode: "emulate" | "passthrough"; bits?: number };
  features?: string[];
}

export interface CapsNumaCellCpu {
  id: number;
  /** with siblings, socket/die/core ids are written too */
  socketId?: number;
  dieId?: number;
  coreId?: number;
  siblings?: number[];
}

export interface CapsNumaCell {
  id: number;
  /** KiB; omitted when 0 */
  memory?: bigint;
  pages?: { size: number; avail: bigint }[];
  distances?: { id: number; value: number }[];
  cpus: CapsNumaCellCpu[];
}

export interface CapsCacheBank {
  id: number;
  level: number;
  type: "both" | "code" | "data";
  /** bytes (written in the largest exact binary unit) */
  size: bigint;
  cpus: number[];
}

export interface CapsMachine {
  name: string;
  canonical?: string;
  maxCpus?: number;
  deprecated?: boolean;
}

export interface CapsGuestDomain {
  type: string;
  emulator?: string;
  loader?: string;
  machines?: CapsMachine[];
}

export interface CapsGuest {
  osType: string;
  arch: string;
  wordsize: number;
  emulator?: string;
  loader?: string;
  machines?: CapsMachine[];
  domains: CapsGuestDomain[];
  features?: { name: CapsGuestFeatureName; default?: "on" | "off"; toggle?: "yes" | "no" }[];
}

export interface Capabilities {
  host: {
    uuid?: string;
    arch: string;
    /** <cpu><features> host flags such as pae, nonpae, vmx, svm */
    features?: string[];
    cpu?: CapsHostCpu;
    /** KiB */
    pageSizes?: number[];
    /** the supported suspend targets; none (or a failed query) writes <power_management/> */
    powerManagement?: CapsHostPMTarget[] | null;
    iommu: boolean;
    migration?: { live: boolean; uriTransports: string[] };
    netprefix?: string;
    numaCells?: CapsNumaCell[];
    cacheBanks?: CapsCacheBank[];
    secModels?: { model: string; doi: string; baseLabels?: { type: string; label: string }[] }[];
  };
  guests: CapsGuest[];
  /** storage pool types (the storage driver's capabilities) */
  storagePools?: string[];
}

function formatMachine(buf: XmlBuffer, m: CapsMachine, withDeprecated: boolean): void {
  buf.add("<machine");
  if (m.canonical !== undefined) buf.add(` canonical='${m.canonical}'`);
  if (m.maxCpus !== undefined && m.maxCpus > 0) buf.add(` maxCpus='${m.maxCpus}'`);
  if (withDeprecated && m.deprecated) buf.add(" deprecated='yes'");
  buf.add(`>${m.name}</machine>\n`);
}

function formatHostCpu(buf: XmlBuffer, cpu: CapsHostCpu): void {
  if (cpu.model !== undefined) buf.addEscaped((v) => `<model>${v}</model>\n`, cpu.model);
  buf.addEscaped((v) => `<vendor>${v}</vendor>\n`, cpu.vendor);
  if (cpu.microcodeVersion) buf.add(`<microcode version='${cpu.microcodeVersion}'/>\n`);
  if (cpu.signature?.family) {
    const s = cpu.signature;
    buf.add(`<signature family='${s.family}' model='${s.model}' stepping='${s.stepping}'/>\n`);
  }
  if (cpu.tsc) {
    buf.add(`<counter name='tsc' frequency='${cpu.tsc.frequency}'`);
    if (cpu.tsc.scaling !== undefined) buf.add(` scaling='${cpu.tsc.scaling}'`);
    buf.add("/>\n");
  }
  const t = cpu.topology;
  if (t?.sockets && t.dies && t.cores && t.threads) {
    buf.add(`<topology sockets='${t.sockets}' dies='${t.dies}' cores='${t.cores}' threads='${t.threads}'/>\n`);
  }
  if (cpu.maxphysaddr) {
    buf.add(`<maxphysaddr mode='${cpu.maxphysaddr.mode}'`);
    if (cpu.maxphysaddr.bits !== undefined) buf.add(` bits='${cpu.maxphysaddr.bits}'`);
    buf.add("/>\n");
  }
  for (const f of cpu.features ?? []) buf.add(`<feature name='${f}'/>\n`);
}

function formatNuma(buf: XmlBuffer, cells: CapsNumaCell[]): void {
  buf.add("<topology>\n");
  buf.adjustIndent(2);
  buf.add(`<cells num='${cells.length}'>\n`);
  buf.adjustIndent(2);
  for (const cell of cells) {
    buf.add(`<cell id='${cell.id}'>\n`);
    buf.adjustIndent(2);
    if (cell.memory) buf.add(`<memory unit='KiB'>${cell.memory}</memory>\n`);
    for (const p of cell.pages ?? []) buf.add(`<pages unit='KiB' size='${p.size}'>${p.avail}</pages>\n`);
    const dist = buf.child();
    for (const d of cell.distances ?? []) if (d.value !== 0) dist.add(`<sibling id='${d.id}' value='${d.value}'/>\n`);
    formatElement(buf, "distances", null, dist);
    const cpus = buf.child();
    for (const c of cell.cpus) {
      cpus.add(`<cpu id='${c.id}'`);
      if (c.siblings) {
        cpus.add(` socket_id='${c.socketId ?? 0}' die_id='${c.dieId ?? 0}' core_id='${c.coreId ?? 0}' siblings='${formatBitmap(c.siblings)}'`);
      }
      cpus.add("/>\n");
    }
    const attrs = new XmlBuffer();
    attrs.add(` num='${cell.cpus.length}'`);
    formatElement(buf, "cpus", attrs, cpus);
    buf.adjustIndent(-2);
    buf.add("</cell>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</cells>\n");
  buf.adjustIndent(-2);
  buf.add("</topology>\n");
}

/** virCapabilitiesFormatXML */
export function formatCapabilities(caps: Capabilities): string {
  const buf = new XmlBuffer();
  buf.add("<capabilities>\n\n");
  buf.adjustIndent(2);
  const h = caps.host;
  buf.add("<host>\n");
  buf.adjustIndent(2);
  if (h.uuid !== undefined) buf.add(`<uuid>${h.uuid}</uuid>\n`);
  buf.add("<cpu>\n");
  buf.adjustIndent(2);
  buf.add(`<arch>${h.arch}</arch>\n`);
  if (h.features?.length) {
    buf.add("<features>\n");
    buf.adjustIndent(2);
    for (const f of h.features) buf.add(`<${f}/>\n`);
    buf.adjustIndent(-2);
    buf.add("</features>\n");
  }
  if (h.cpu) formatHostCpu(buf, h.cpu);
  for (const p of h.pageSizes ?? []) buf.add(`<pages unit='KiB' size='${p}'/>\n`);
  buf.adjustIndent(-2);
  buf.add("</cpu>\n");
  if (h.powerManagement?.length) {
    buf.add("<power_management>\n");
    buf.adjustIndent(2);
    for (const t of VIR_CAPS_HOST_PM_TARGET) if (h.powerManagement.includes(t)) buf.add(`<${t}/>\n`);
    buf.adjustIndent(-2);
    buf.add("</power_management>\n");
  } else {
    buf.add("<power_management/>\n");
  }
  buf.add(`<iommu support='${h.iommu ? "yes" : "no"}'/>\n`);
  if (h.migration) {
    buf.add("<migration_features>\n");
    buf.adjustIndent(2);
    if (h.migration.live) buf.add("<live/>\n");
    if (h.migration.uriTransports.length) {
      buf.add("<uri_transports>\n");
      buf.adjustIndent(2);
      for (const t of h.migration.uriTransports) buf.add(`<uri_transport>${t}</uri_transport>\n`);
      buf.adjustIndent(-2);
      buf.add("</uri_transports>\n");
    }
    buf.adjustIndent(-2);
    buf.add("</migration_features>\n");
  }
  if (h.netprefix !== undefined) buf.add(`<netprefix>${h.netprefix}</netprefix>\n`);
  if (h.numaCells) formatNuma(buf, h.numaCells);
  if (h.cacheBanks?.length) {
    buf.add("<cache>\n");
    buf.adjustIndent(2);
    for (const b of h.cacheBanks) {
      const [size, unit] = formatIntPretty(b.size);
      buf.add(`<bank id='${b.id}' level='${b.level}' type='${b.type}' size='${size}' unit='${unit}' cpus='${formatBitmap(b.cpus)}'/>\n`);
    }
    buf.adjustIndent(-2);
    buf.add("</cache>\n");
  }
  for (const s of h.secModels ?? []) {
    buf.add("<secmodel>\n");
    buf.adjustIndent(2);
    buf.add(`<model>${s.model}</model>\n`);
    buf.add(`<doi>${s.doi}</doi>\n`);
    for (const l of s.baseLabels ?? []) buf.add(`<baselabel type='${l.type}'>${l.label}</baselabel>\n`);
    buf.adjustIndent(-2);
    buf.add("</secmodel>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</host>\n\n");

  for (const g of caps.guests) {
    buf.add("<guest>\n");
    buf.adjustIndent(2);
    buf.add(`<os_type>${g.osType}</os_type>\n`);
    buf.add(`<arch name='${g.arch}'>\n`);
    buf.adjustIndent(2);
    buf.add(`<wordsize>${g.wordsize}</wordsize>\n`);
    if (g.emulator !== undefined) buf.add(`<emulator>${g.emulator}</emulator>\n`);
    if (g.loader !== undefined) buf.add(`<loader>${g.loader}</loader>\n`);
    for (const m of g.machines ?? []) formatMachine(buf, m, true);
    for (const d of g.domains) {
      buf.add(`<domain type='${d.type}'`);
      if (d.emulator === undefined && d.loader === undefined && !d.machines?.length) {
        buf.add("/>\n");
        continue;
      }
      buf.add(">\n");
      buf.adjustIndent(2);
      if (d.emulator !== undefined) buf.add(`<emulator>${d.emulator}</emulator>\n`);
      if (d.loader !== undefined) buf.add(`<loader>${d.loader}</loader>\n`);
      for (const m of d.machines ?? []) formatMachine(buf, m, false);
      buf.adjustIndent(-2);
      buf.add("</domain>\n");
    }
    buf.adjustIndent(-2);
    buf.add("</arch>\n");
    const feats = buf.child();
    for (const [name, toggles] of VIR_CAPS_GUEST_FEATURES) {
      const f = g.features?.find((x) => x.name === name);
      if (!f) continue;
      feats.add(`<${name}`);
      if (toggles && f.default !== undefined) feats.add(` default='${f.default}'`);
      if (toggles && f.toggle !== undefined) feats.add(` toggle='${f.toggle}'`);
      feats.add("/>\n");
    }
    formatElement(buf, "features", null, feats);
    buf.adjustIndent(-2);
    buf.add("</guest>\n\n");
  }
  if (caps.storagePools?.length) {
    buf.add("<pool>\n");
    buf.adjustIndent(2);
    buf.add("<enum name='type'>\n");
    buf.adjustIndent(2);
    for (const p of caps.storagePools) buf.add(`<value>${p}</value>\n`);
    buf.adjustIndent(-2);
    buf.add("</enum>\n");
    buf.adjustIndent(-2);
    buf.add("</pool>\n\n");
  }
  buf.adjustIndent(-2);
  buf.add("</capabilities>\n");
  return buf.toString();
}

// --- reading -------------------------------------------------------------------------------------

function str(el: XmlElement | null, name: string): string | undefined {
  return (el ? attr(el, name) : null) ?? undefined;
}

function num(el: XmlElement | null, name: string): number | undefined {
  const v = str(el, name);
  return v === undefined ? undefined : Number(v);
}

function text(el: XmlElement | null): string | undefined {
  return el ? textContent(el) : undefined;
}

function machines(el: XmlElement): CapsMachine[] | undefined {
  const ms = childElements(el, "machine").map((m) => {
    const out: CapsMachine = { name: textContent(m) };
    if (str(m, "canonical") !== undefined) out.canonical = str(m, "canonical")!;
    if (num(m, "maxCpus") !== undefined) out.maxCpus = num(m, "maxCpus")!;
    if (str(m, "deprecated") === "yes") out.deprecated = true;
    return out;
  });
  return ms.length ? ms : undefined;
}

/**
 * Read capabilities XML (as virConnectGetCapabilities returns it) back into the object model.
 * Unknown elements are ignored. Throws ConfError for malformed XML.
 */
export function parseCapabilitiesXML(xml: string): Capabilities {
  const root = parseConfXml(xml, "(capabilities)", "capabilities", VIR_FROM_CAPABILITIES).root;
  const host = firstChild(root, "host");
  const cpu = host ? firstChild(host, "cpu") : null;
  const arch = text(cpu ? firstChild(cpu, "arch") : null);
  if (!host || !cpu || arch === undefined) throw confError(VIR_ERR_XML_ERROR, "missing host CPU architecture", VIR_FROM_CAPABILITIES);
  const caps: Capabilities = { host: { arch, iommu: str(firstChild(host, "iommu"), "support") === "yes" }, guests: [] };
  const h = caps.host;
  const uuid = text(firstChild(host, "uuid"));
  if (uuid !== undefined) h.uuid = uuid;
  const feats = firstChild(cpu, "features");
  if (feats) h.features = childElements(feats).map((f) => f.local);
  const hc: CapsHostCpu = {};
  const model = text(firstChild(cpu, "model"));
  if (model !== undefined) hc.model = model;
  const vendor = text(firstChild(cpu, "vendor"));
  if (vendor !== undefined) hc.vendor = vendor;
  const mc = num(firstChild(cpu, "microcode"), "version");
  if (mc !== undefined) hc.microcodeVersion = mc;
  const sig = firstChild(cpu, "signature");
  if (sig) hc.signature = { family: num(sig, "family") ?? 0, model: num(sig, "model") ?? 0, stepping: num(sig, "stepping") ?? 0 };
  const counter = firstChild(cpu, "counter");
  if (counter) {
    hc.tsc = { frequency: BigInt(str(counter, "frequency") ?? "0") };
    const scaling = str(counter, "scaling");
    if (scaling === "yes" || scaling === "no") hc.tsc.scaling = scaling;
  }
  const topo = firstChild(cpu, "topology");
  if (topo) hc.topology = { sockets: num(topo, "sockets") ?? 0, dies: num(topo, "dies") ?? 0, cores: num(topo, "cores") ?? 0, threads: num(topo, "threads") ?? 0 };
  const mpa = firstChild(cpu, "maxphysaddr");
  if (mpa) {
    hc.maxphysaddr = { mode: str(mpa, "mode") === "passthrough" ? "passthrough" : "emulate" };
    if (num(mpa, "bits") !== undefined) hc.maxphysaddr.bits = num(mpa, "bits")!;
  }
  const cpuFeatures = childElements(cpu, "feature").map((f) => str(f, "name") ?? "");
  if (cpuFeatures.length) hc.features = cpuFeatures;
  if (Object.keys(hc).length) h.cpu = hc;
  const pages = childElements(cpu, "pages").map((p) => num(p, "size") ?? 0);
  if (pages.length) h.pageSizes = pages;
  const pm = firstChild(host, "power_management");
  if (pm) h.powerManagement = childElements(pm).map((e) => e.local as CapsHostPMTarget);
  const mig = firstChild(host, "migration_features");
  if (mig) {
    const ut = firstChild(mig, "uri_transports");
    h.migration = { live: firstChild(mig, "live") !== null, uriTransports: ut ? childElements(ut, "uri_transport").map((t) => textContent(t)) : [] };
  }
  const np = text(firstChild(host, "netprefix"));
  if (np !== undefined) h.netprefix = np;
  const cells = childPath(host, "topology", "cells");
  if (cells) {
    h.numaCells = childElements(cells, "cell").map((c) => {
      const cell: CapsNumaCell = { id: num(c, "id") ?? 0, cpus: [] };
      const mem = text(firstChild(c, "memory"));
      if (mem !== undefined) cell.memory = BigInt(mem);
      const pg = childElements(c, "pages").map((p) => ({ size: num(p, "size") ?? 0, avail: BigInt(textContent(p)) }));
      if (pg.length) cell.pages = pg;
      const dist = firstChild(c, "distances");
      if (dist) cell.distances = childElements(dist, "sibling").map((s) => ({ id: num(s, "id") ?? 0, value: num(s, "value") ?? 0 }));
      const cpus = firstChild(c, "cpus");
      cell.cpus = cpus
        ? childElements(cpus, "cpu").map((e) => {
            const out: CapsNumaCellCpu = { id: num(e, "id") ?? 0 };
            const sib = str(e, "siblings");
            if (sib !== undefined) {
              out.socketId = num(e, "socket_id") ?? 0;
              out.dieId = num(e, "die_id") ?? 0;
              out.coreId = num(e, "core_id") ?? 0;
              out.siblings = parseBitmap(sib);
            }
            return out;
          })
        : [];
      return cell;
    });
  }
  const cache = firstChild(host, "cache");
  if (cache) {
    const UNITS: Record<string, bigint> = { B: 1n, KiB: 1n << 10n, MiB: 1n << 20n, GiB: 1n << 30n, TiB: 1n << 40n, PiB: 1n << 50n, EiB: 1n << 60n };
    h.cacheBanks = childElements(cache, "bank").map((b) => ({
      id: num(b, "id") ?? 0,
      level: num(b, "level") ?? 0,
      type: (str(b, "type") ?? "both") as CapsCacheBank["type"],
      size: BigInt(str(b, "size") ?? "0") * (UNITS[str(b, "unit") ?? "B"] ?? 1n),
      cpus: parseBitmap(str(b, "cpus") ?? ""),
    }));
  }
  const sms = childElements(host, "secmodel").map((s) => {
    const out: NonNullable<Capabilities["host"]["secModels"]>[number] = { model: text(firstChild(s, "model")) ?? "", doi: text(firstChild(s, "doi")) ?? "" };
    const labels = childElements(s, "baselabel").map((l) => ({ type: str(l, "type") ?? "", label: textContent(l) }));
    if (labels.length) out.baseLabels = labels;
    return out;
  });
  if (sms.length) h.secModels = sms;

  for (const g of childElements(root, "guest")) {
    const archEl = firstChild(g, "arch");
    const guest: CapsGuest = {
      osType: text(firstChild(g, "os_type")) ?? "",
      arch: str(archEl, "name") ?? "",
      wordsize: Number(text(archEl ? firstChild(archEl, "wordsize") : null) ?? 0),
      domains: [],
    };
    if (archEl) {
      const em = text(firstChild(archEl, "emulator"));
      if (em !== undefined) guest.emulator = em;
      const ld = text(firstChild(archEl, "loader"));
      if (ld !== undefined) guest.loader = ld;
      const ms = machines(archEl);
      if (ms) guest.machines = ms;
      for (const d of childElements(archEl, "domain")) {
        const dom: CapsGuestDomain = { type: str(d, "type") ?? "" };
        const dem = text(firstChild(d, "emulator"));
        if (dem !== undefined) dom.emulator = dem;
        const dld = text(firstChild(d, "loader"));
        if (dld !== undefined) dom.loader = dld;
        const dms = machines(d);
        if (dms) dom.machines = dms;
        guest.domains.push(dom);
      }
    }
    const gf = firstChild(g, "features");
    if (gf) {
      guest.features = childElements(gf).map((f) => {
        const out: NonNullable<CapsGuest["features"]>[number] = { name: f.local as CapsGuestFeatureName };
        const d = str(f, "default");
        if (d === "on" || d === "off") out.default = d;
        const t = str(f, "toggle");
        if (t === "yes" || t === "no") out.toggle = t;
        return out;
      });
    }
    caps.guests.push(guest);
  }
  const pool = firstChild(root, "pool");
  if (pool) caps.storagePools = childElements(firstChild(pool, "enum") ?? pool, "value").map((v) => textContent(v));
  return caps;
}

/** the test driver's capabilities (testBuildCapabilities with its two default NUMA cells) */
export function testDriverCapabilities(): Capabilities {
  const pageSizes = [4, 8, 2048, 1024 * 1024];
  const numaCells: CapsNumaCell[] = [0, 1].map((i) => {
    const mem = BigInt((i + 1) * 2048 * 1024);
    const first = i === 1 ? pageSizes[1]! : pageSizes[0]!;
    return {
      id: i,
      memory: mem,
      pages: [{ size: first, avail: mem / BigInt(first) }, ...pageSizes.slice(2).map((size) => ({ size, avail: 0n }))],
      cpus: Array.from({ length: 8 }, (_, j) => ({ id: i * 8 + j, socketId: i, dieId: 0, coreId: j, siblings: [i * 8 + j] })),
    };
  });
  const guest = (osType: string): CapsGuest => ({
    osType,
    arch: "i686",
    wordsize: 32,
    emulator: "/usr/bin/test-hv",
    domains: [{ type: "test" }],
    features: [{ name: "pae" }, { name: "nonpae" }],
  });
  return {
    host: {
      arch: "i686",
      features: ["pae", "nonpae"],
      pageSizes,
      powerManagement: [],
      iommu: false,
      numaCells,
      secModels: [{ model: "testSecurity", doi: "" }],
    },
    guests: [guest("hvm"), guest("xen")],
  };
}
