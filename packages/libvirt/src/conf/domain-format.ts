// Domain XML formatting: virDomainDefFormatInternalSetRootName of libvirt 9.0
// (src/conf/domain_conf.c) for the modelled subset: libvirt's element order, two-space
// indentation and escaping.
import { dumpNode, formatElement, formatElementEmpty, XmlBuffer } from "../util/xml.js";
import { formatChr } from "./chr-conf.js";
import { formatController } from "./controller-conf.js";
import { formatGuestCpu } from "./cpu-conf.js";
import { formatDisk } from "./disk-conf.js";
import type { ChrDef, DomainDef, FeaturesDef } from "./domain-def.js";
import { VIR_DOMAIN_FEATURE, VIR_DOMAIN_HYPERV, VIR_DOMAIN_KVM, VIR_DOMAIN_PROCES_CAPS_FEATURE } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FORMAT_INACTIVE } from "./domain-flags.js";
import { formatAudio, formatGraphics } from "./graphics-conf.js";
import { formatBitmap } from "./identifiers.js";
import { formatInput } from "./input-conf.js";
import { formatMemballoon } from "./memballoon-conf.js";
import { formatNet } from "./net-conf.js";
import { formatRng } from "./rng-conf.js";
import { formatIntPretty } from "./units.js";
import { formatVideo } from "./video-conf.js";

/** virDomainDefFormatFeatures */
function formatFeatures(buf: XmlBuffer, f: FeaturesDef): void {
  const child = buf.child();
  for (const name of VIR_DOMAIN_FEATURE) {
    const sw = f.switches[name];
    switch (name) {
      case "acpi":
      case "pae":
      case "viridian":
      case "privnet":
        if (sw === "on") child.add(`<${name}/>\n`);
        break;
      case "vmcoreinfo":
      case "hap":
      case "pmu":
      case "pvspinlock":
      case "vmport":
      case "htm":
      case "nested-hv":
      case "ccf-assist":
        if (sw !== undefined) child.add(`<${name} state='${sw}'/>\n`);
        break;
      case "smm":
        if (sw !== undefined) {
          const tseg = child.child();
          if (sw === "on" && f.smmTseg !== null) {
            const [v, unit] = formatIntPretty(f.smmTseg);
            tseg.add(`<tseg unit='${unit}'>${v}</tseg>\n`);
          }
          const attr = new XmlBuffer();
          attr.add(` state='${sw}'`);
          formatElement(child, "smm", attr, tseg);
        }
        break;
      case "apic":
        if (sw === "on") {
          const attr = new XmlBuffer();
          if (f.apicEoi !== null) attr.add(` eoi='${f.apicEoi}'`);
          formatElementEmpty(child, "apic", attr, null);
        }
        break;
      case "hyperv":
        if (f.hyperv) {
          const hv = f.hyperv;
          child.add(`<hyperv mode='${hv.mode}'>\n`);
          child.adjustIndent(2);
          for (const flag of VIR_DOMAIN_HYPERV) {
            const v = hv.flags[flag];
            if (v === undefined) continue;
            child.add(`<${flag} state='${v}'`);
            if (flag === "spinlocks" && v === "on") child.add(` retries='${hv.spinlocksRetries}'/>\n`);
            else if (flag === "stimer" && v === "on" && hv.stimerDirect === "on") {
              child.add(">\n");
              child.adjustIndent(2);
              child.add("<direct state='on'/>\n");
              child.adjustIndent(-2);
              child.add("</stimer>\n");
            } else if (flag === "vendor_id" && v === "on") child.addEscaped((x) => ` value='${x}'/>\n`, hv.vendorId);
            else child.add("/>\n");
          }
          child.adjustIndent(-2);
          child.add("</hyperv>\n");
        }
        break;
      case "kvm":
        if (f.kvm) {
          child.add("<kvm>\n");
          child.adjustIndent(2);
          for (const flag of VIR_DOMAIN_KVM) {
            const v = f.kvm.flags[flag];
            if (v === undefined) continue;
            if (flag === "dirty-ring") {
              child.add(`<${flag} state='${v}'${f.kvm.dirtyRingSize > 0 ? ` size='${f.kvm.dirtyRingSize}'` : ""}/>\n`);
            } else {
              child.add(`<${flag} state='${v}'/>\n`);
            }
          }
          child.adjustIndent(-2);
          child.add("</kvm>\n");
        }
        break;
      case "xen":
        if (f.xen) {
          child.add("<xen>\n");
          child.adjustIndent(2);
          if (f.xen.e820host !== null) child.add(`<e820_host state='${f.xen.e820host}'/>\n`);
          if (f.xen.passthrough !== null) {
            child.add(`<passthrough state='${f.xen.passthrough}'`);
            if (f.xen.passthrough === "on" && f.xen.passthroughMode !== null) child.add(` mode='${f.xen.passthroughMode}'`);
            child.add("/>\n");
          }
          child.adjustIndent(-2);
          child.add("</xen>\n");
        }
        break;
      case "capabilities":
        if (f.capabilities) {
          const caps = child.child();
          for (const c of VIR_DOMAIN_PROCES_CAPS_FEATURE) {
            const v = f.capabilities.caps[c];
            if (v !== undefined) caps.add(`<${c} state='${v}'/>\n`);
          }
          const attr = new XmlBuffer();
          if (f.capabilities.policy !== "default" || caps.use()) attr.add(` policy='${f.capabilities.policy}'`);
          formatElement(child, "capabilities", attr, caps);
        }
        break;
      case "gic":
        if (sw === "on") {
          const attr = new XmlBuffer();
          if (f.gicVersion !== null) attr.add(` version='${f.gicVersion}'`);
          formatElementEmpty(child, "gic", attr, null);
        }
        break;
      case "ioapic":
        if (f.ioapic !== null) child.add(`<ioapic driver='${f.ioapic}'/>\n`);
        break;
      case "hpt":
        if (f.hpt) {
          const attr = new XmlBuffer();
          if (f.hpt.resizing !== null) attr.add(` resizing='${f.hpt.resizing}'`);
          const c = child.child();
          if (f.hpt.maxpagesize > 0n) c.add(`<maxpagesize unit='KiB'>${f.hpt.maxpagesize}</maxpagesize>\n`);
          formatElement(child, "hpt", attr, c);
        }
        break;
      case "msrs":
        if (sw === "on" && f.msrsUnknown !== null) child.add(`<msrs unknown='${f.msrsUnknown}'/>\n`);
        break;
      case "cfpc":
      case "sbbc":
      case "ibs": {
        const v = f[name];
        if (v !== null) child.add(`<${name} value='${v}'/>\n`);
        break;
      }
      case "tcg":
        if (f.tcg) {
          const c = child.child();
          c.add(`<tb-cache unit='KiB'>${f.tcg.tbCacheKiB}</tb-cache>\n`);
          formatElement(child, "tcg", null, c);
        }
        break;
    }
  }
  formatElement(buf, "features", null, child);
}

function formatOs(buf: XmlBuffer, def: DomainDef): void {
  const os = def.os;
  buf.add(os.firmware !== null ? `<os firmware='${os.firmware}'>\n` : "<os>\n");
  buf.adjustIndent(2);
  let type = "<type";
  type += ` arch='${os.arch}'`;
  // machine is written unescaped by libvirt
  if (os.machine !== null) type += ` machine='${os.machine}'`;
  // the xen driver's legacy name for paravirtualized guests
  const osType = def.virtType === "xen" && os.type === "xen" ? "linux" : os.type;
  buf.add(`${type}>${osType}</type>\n`);
  if (os.firmwareFeatures) {
    buf.add("<firmware>\n");
    buf.adjustIndent(2);
    for (const name of ["enrolled-keys", "secure-boot"] as const) {
      const f = os.firmwareFeatures.find((x) => x.name === name);
      if (f) buf.add(`<feature enabled='${f.enabled}' name='${name}'/>\n`);
    }
    buf.adjustIndent(-2);
    buf.add("</firmware>\n");
  }
  const l = os.loader;
  if (l) {
    const attr = new XmlBuffer();
    if (l.readonly !== null) attr.add(` readonly='${l.readonly}'`);
    if (l.secure !== null) attr.add(` secure='${l.secure}'`);
    if (l.type !== null) attr.add(` type='${l.type}'`);
    if (l.stateless !== null) attr.add(` stateless='${l.stateless}'`);
    const child = new XmlBuffer();
    child.addEscaped((v) => v, l.path);
    if (attr.use() || child.use()) {
      buf.add("<loader");
      buf.addBuffer(attr);
      if (child.use()) {
        buf.add(">");
        buf.addBuffer(child);
        buf.add("</loader>\n");
      } else {
        buf.add("/>\n");
      }
    }
    const nAttr = new XmlBuffer();
    nAttr.addEscaped((v) => ` template='${v}'`, l.nvramTemplate);
    const nChild = new XmlBuffer();
    nChild.addEscaped((v) => v, l.nvram);
    if (nAttr.use() || nChild.use()) {
      buf.add("<nvram");
      buf.addBuffer(nAttr);
      if (nChild.use()) {
        buf.add(">");
        buf.addBuffer(nChild);
        buf.add("</nvram>\n");
      } else {
        buf.add("/>\n");
      }
    }
  }
  buf.addEscaped((v) => `<kernel>${v}</kernel>\n`, os.kernel);
  buf.addEscaped((v) => `<initrd>${v}</initrd>\n`, os.initrd);
  buf.addEscaped((v) => `<cmdline>${v}</cmdline>\n`, os.cmdline);
  buf.addEscaped((v) => `<dtb>${v}</dtb>\n`, os.dtb);
  buf.addEscaped((v) => `<root>${v}</root>\n`, os.root);
  if (os.slicTable !== null) {
    buf.add("<acpi>\n");
    buf.adjustIndent(2);
    buf.addEscaped((v) => `<table type='slic'>${v}</table>\n`, os.slicTable);
    buf.adjustIndent(-2);
    buf.add("</acpi>\n");
  }
  for (const dev of os.bootDevs) buf.add(`<boot dev='${dev}'/>\n`);
  if (os.bootmenu !== null) {
    buf.add(`<bootmenu enable='${os.bootmenu}'${os.bootmenuTimeout !== null ? ` timeout='${os.bootmenuTimeout}'` : ""}/>\n`);
  }
  if (os.biosUseserial !== null || os.biosRebootTimeout !== null) {
    let s = "<bios";
    if (os.biosUseserial !== null) s += ` useserial='${os.biosUseserial}'`;
    if (os.biosRebootTimeout !== null) s += ` rebootTimeout='${os.biosRebootTimeout}'`;
    buf.add(s + "/>\n");
  }
  if (os.smbiosMode !== null) buf.add(`<smbios mode='${os.smbiosMode}'/>\n`);
  buf.adjustIndent(-2);
  buf.add("</os>\n");
}

function formatClock(buf: XmlBuffer, def: DomainDef): void {
  const c = def.clock;
  const attr = new XmlBuffer();
  attr.add(` offset='${c.offset}'`);
  switch (c.offset) {
    case "utc":
    case "localtime":
      if (c.utcReset) attr.add(" adjustment='reset'");
      break;
    case "variable":
      attr.add(` adjustment='${c.adjustment}' basis='${c.basis}'`);
      break;
    case "timezone":
      attr.addEscaped((v) => ` timezone='${v}'`, c.timezone);
      break;
    case "absolute":
      attr.add(` start='${c.start}'`);
      break;
  }
  const child = buf.child();
  for (const t of c.timers) {
    const ta = new XmlBuffer();
    ta.add(` name='${t.name}'`);
    if (t.present !== null) ta.add(` present='${t.present}'`);
    if (t.tickpolicy !== null) ta.add(` tickpolicy='${t.tickpolicy}'`);
    if (t.track !== null) ta.add(` track='${t.track}'`);
    if (t.name === "tsc") {
      if (t.frequency > 0n) ta.add(` frequency='${t.frequency}'`);
      if (t.mode !== null) ta.add(` mode='${t.mode}'`);
    }
    const tc = child.child();
    const ca = new XmlBuffer();
    if (t.catchup.threshold > 0n) ca.add(` threshold='${t.catchup.threshold}'`);
    if (t.catchup.slew > 0n) ca.add(` slew='${t.catchup.slew}'`);
    if (t.catchup.limit > 0n) ca.add(` limit='${t.catchup.limit}'`);
    formatElement(tc, "catchup", ca, null);
    formatElement(child, "timer", ta, tc);
  }
  formatElement(buf, "clock", attr, child);
}

/** The console that formatDomainXML writes for consoles[n] (the serial alias of an HVM guest). */
function consoleForFormat(def: DomainDef, n: number): ChrDef {
  const c = def.consoles[n]!;
  if (def.os.type === "hvm" && (c.targetType === "serial" || c.targetType === "none") && n < def.serials.length) {
    const s = def.serials[n]!;
    return { ...s, deviceType: "console", targetType: "serial" };
  }
  return c;
}

export interface DomainLiveInfo {
  /** the running domain's id (virDomainDef.id); -1 formats inactive XML */
  id: number;
}

/**
 * virDomainDefFormat. `flags` are VIR_DOMAIN_DEF_FORMAT_* (use xmlFlagsToFormatFlags for the
 * public VIR_DOMAIN_XML_* flags). A definition whose id is -1 is always formatted as inactive.
 */
export function formatDomainDef(def: DomainDef, flags: number, rootName = "domain", baseIndent = 0): string {
  const buf = new XmlBuffer(baseIndent);
  if (def.id === -1) flags |= VIR_DOMAIN_DEF_FORMAT_INACTIVE;
  buf.add(`<${rootName} type='${def.virtType}'`);
  if (!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE)) buf.add(` id='${def.id}'`);
  buf.add(">\n");
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<name>${v}</name>\n`, def.name);
  buf.add(`<uuid>${def.uuid}</uuid>\n`);
  if (def.genid !== null) buf.add(`<genid>${def.genid}</genid>\n`);
  buf.addEscaped((v) => `<title>${v}</title>\n`, def.title);
  buf.addEscaped((v) => `<description>${v}</description>\n`, def.description);
  if (def.metadata) {
    // virXMLFormatMetadata: xmlNodeDump at the current indent level
    buf.add(dumpNode(def.metadata, buf.getIndent() / 2) + "\n");
  }
  if (def.mem.memorySlots > 0 || def.mem.maxMemory > 0) {
    buf.add(`<maxMemory slots='${def.mem.memorySlots}' unit='KiB'>${def.mem.maxMemory}</maxMemory>\n`);
  }
  buf.add("<memory");
  if (def.mem.dumpCore !== null) buf.add(` dumpCore='${def.mem.dumpCore}'`);
  buf.add(` unit='KiB'>${def.mem.totalMemory}</memory>\n`);
  buf.add(`<currentMemory unit='KiB'>${def.mem.curBalloon}</currentMemory>\n`);
  // virDomainCpuDefFormat
  let vcpu = `<vcpu placement='${def.vcpus.placement}'`;
  if (def.vcpus.cpuset !== null && def.vcpus.cpuset.length < 16384) vcpu += ` cpuset='${formatBitmap(def.vcpus.cpuset)}'`;
  if (def.vcpus.current < def.vcpus.max) vcpu += ` current='${def.vcpus.current}'`;
  buf.add(`${vcpu}>${def.vcpus.max}</vcpu>\n`);
  // virDomainNumatuneFormatXML
  if (def.numatune) {
    buf.add("<numatune>\n");
    buf.adjustIndent(2);
    const n = def.numatune;
    if (n.placement === "static") buf.add(`<memory mode='${n.mode}' nodeset='${formatBitmap(n.nodeset ?? [])}'/>\n`);
    else buf.add(`<memory mode='${n.mode}' placement='${n.placement}'/>\n`);
    buf.adjustIndent(-2);
    buf.add("</numatune>\n");
  }
  formatOs(buf, def);
  formatFeatures(buf, def.features);
  formatGuestCpu(buf, def.cpu);
  formatClock(buf, def);
  buf.add(`<on_poweroff>${def.onPoweroff}</on_poweroff>\n`);
  buf.add(`<on_reboot>${def.onReboot}</on_reboot>\n`);
  buf.add(`<on_crash>${def.onCrash}</on_crash>\n`);
  if (def.onLockFailure !== null) buf.add(`<on_lockfailure>${def.onLockFailure}</on_lockfailure>\n`);
  if (def.pm.suspendToMem !== null || def.pm.suspendToDisk !== null) {
    buf.add("<pm>\n");
    buf.adjustIndent(2);
    if (def.pm.suspendToMem !== null) buf.add(`<suspend-to-mem enabled='${def.pm.suspendToMem}'/>\n`);
    if (def.pm.suspendToDisk !== null) buf.add(`<suspend-to-disk enabled='${def.pm.suspendToDisk}'/>\n`);
    buf.adjustIndent(-2);
    buf.add("</pm>\n");
  }
  buf.add("<devices>\n");
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<emulator>${v}</emulator>\n`, def.emulator);
  for (const d of def.disks) formatDisk(buf, d, flags);
  for (const c of def.controllers) formatController(buf, c, flags);
  for (const n of def.nets) formatNet(buf, n, flags);
  for (const s of def.serials) formatChr(buf, s, flags);
  for (const p of def.parallels) formatChr(buf, p, flags);
  for (let n = 0; n < def.consoles.length; n++) formatChr(buf, consoleForFormat(def, n), flags);
  for (const c of def.channels) formatChr(buf, c, flags);
  for (const i of def.inputs) formatInput(buf, i, flags);
  for (const g of def.graphics) formatGraphics(buf, g, flags);
  for (const a of def.audios) formatAudio(buf, a);
  for (const v of def.videos) formatVideo(buf, v, flags);
  if (def.memballoon) formatMemballoon(buf, def.memballoon, flags);
  for (const r of def.rngs) formatRng(buf, r, flags);
  buf.adjustIndent(-2);
  buf.add("</devices>\n");
  buf.adjustIndent(-2);
  buf.add(`</${rootName}>\n`);
  return buf.toString();
}
