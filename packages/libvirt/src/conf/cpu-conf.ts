// Guest <cpu> (libvirt 9.0 src/conf/cpu_conf.c: virCPUDefParseXML for VIR_CPU_TYPE_GUEST,
// virCPUDefFormatBufFull, virCPUDefFormatBuf; domain_postparse.c: virDomainDefPostParseCPU).
// cpu_conf.c reports with VIR_FROM_CPU. Guest NUMA (<cpu><numa>) is refused as unmodelled.
import { childElements, firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR, VIR_ERR_XML_ERROR, VIR_FROM_CPU } from "./conf-error.js";
import type { CpuDef } from "./domain-def.js";
import {
  VIR_CPU_CACHE_MODE,
  VIR_CPU_CHECK,
  VIR_CPU_FALLBACK,
  VIR_CPU_FEATURE_POLICY,
  VIR_CPU_MATCH,
  VIR_CPU_MAX_PHYS_ADDR_MODE,
  VIR_CPU_MODE,
  type CpuFeaturePolicy,
  type CpuMode,
} from "./domain-enums.js";
import { rejectUnmodelled } from "./parse-context.js";
import { attrString, elementString } from "./units.js";
import {
  propEnum,
  propInt,
  propString,
  propTristateSwitch,
  propUInt,
  VIR_XML_PROP_NONNEGATIVE,
  VIR_XML_PROP_NONZERO,
  VIR_XML_PROP_REQUIRED,
} from "./virxml-props.js";

/** VIR_CPU_VENDOR_ID_LENGTH */
const VENDOR_ID_LENGTH = 12;

function cpuError(code: number, msg: string): never {
  throw confError(code, msg, VIR_FROM_CPU);
}

/** virCPUDefParseXML(ctxt, "./cpu[1]", VIR_CPU_TYPE_GUEST, ...) */
export function parseGuestCpu(node: XmlElement): CpuDef {
  rejectUnmodelled(node, ["numa"], "<cpu>");
  let mode: CpuMode = "custom";
  const modeStr = propString(node, "mode");
  if (modeStr !== null) {
    if (!VIR_CPU_MODE.includes(modeStr as never)) cpuError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid mode attribute '${modeStr}'`);
    mode = modeStr as CpuMode;
  }
  const migratable = propTristateSwitch(node, "migratable");
  if (migratable !== null && mode !== "host-passthrough" && mode !== "maximum") {
    cpuError(VIR_ERR_CONFIG_UNSUPPORTED, "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode");
  }
  const match = propEnum(node, "match", VIR_CPU_MATCH) ?? "exact";
  const check = propEnum(node, "check", VIR_CPU_CHECK);
  const cpu: CpuDef = {
    mode,
    match,
    check: check === "default" ? null : check,
    migratable,
    model: elementString(firstChild(node, "model")),
    fallback: "allow",
    vendorId: null,
    vendor: null,
    topology: null,
    features: [],
    cache: null,
    maxPhysAddr: null,
  };
  if (mode !== "host-passthrough" && mode !== "maximum") {
    const modelNode = firstChild(node, "model");
    const fallback = attrString(modelNode, "fallback");
    if (fallback !== null) {
      if (!VIR_CPU_FALLBACK.includes(fallback as never)) cpuError(VIR_ERR_CONFIG_UNSUPPORTED, "Invalid fallback attribute");
      cpu.fallback = fallback as CpuDef["fallback"];
    }
    const vendorId = attrString(modelNode, "vendor_id");
    if (vendorId !== null) {
      if (Buffer.byteLength(vendorId) !== VENDOR_ID_LENGTH) {
        cpuError(VIR_ERR_XML_ERROR, `vendor_id must be exactly ${VENDOR_ID_LENGTH} characters long`);
      }
      if (vendorId.includes(",")) cpuError(VIR_ERR_XML_ERROR, "vendor id is invalid");
      cpu.vendorId = vendorId;
    }
  }
  cpu.vendor = elementString(firstChild(node, "vendor"));
  if (cpu.vendor !== null && cpu.model === null) cpuError(VIR_ERR_XML_ERROR, "CPU vendor specified without CPU model");
  const topology = firstChild(node, "topology");
  if (topology) {
    const req = VIR_XML_PROP_REQUIRED | VIR_XML_PROP_NONZERO;
    const sockets = propUInt(topology, "sockets", req)!;
    const dies = propUInt(topology, "dies", VIR_XML_PROP_NONZERO) ?? 1;
    const cores = propUInt(topology, "cores", req)!;
    const threads = propUInt(topology, "threads", req)!;
    cpu.topology = { sockets, dies, cores, threads };
  }
  const features = childElements(node, "feature");
  if (features.length > 0 && cpu.model === null && mode === "custom") {
    cpuError(VIR_ERR_XML_ERROR, "Non-empty feature list specified without CPU model");
  }
  for (const f of features) {
    const p = propString(f, "policy");
    let policy: CpuFeaturePolicy = "require";
    if (p !== null) {
      if (!VIR_CPU_FEATURE_POLICY.includes(p as never)) cpuError(VIR_ERR_CONFIG_UNSUPPORTED, "Invalid CPU feature policy");
      policy = p as CpuFeaturePolicy;
    }
    const name = propString(f, "name");
    if (name === null || name === "") cpuError(VIR_ERR_XML_ERROR, "Invalid CPU feature name");
    if (cpu.features.some((x) => x.name === name)) cpuError(VIR_ERR_XML_ERROR, `CPU feature '${name}' specified more than once`);
    cpu.features.push({ name, policy });
  }
  const caches = childElements(node, "cache");
  if (caches.length > 1) cpuError(VIR_ERR_XML_ERROR, "at most one CPU cache element may be specified");
  if (caches.length === 1) {
    const c = caches[0]!;
    const level = propInt(c, "level", VIR_XML_PROP_NONNEGATIVE) ?? -1;
    if (level !== -1 && (level < 1 || level > 3)) cpuError(VIR_ERR_XML_ERROR, "invalid CPU cache level, must be in range [1,3]");
    cpu.cache = { level, mode: propEnum(c, "mode", VIR_CPU_CACHE_MODE, VIR_XML_PROP_REQUIRED)! };
  }
  const mpa = firstChild(node, "maxphysaddr");
  if (mpa) {
    cpu.maxPhysAddr = {
      mode: propEnum(mpa, "mode", VIR_CPU_MAX_PHYS_ADDR_MODE, VIR_XML_PROP_REQUIRED)!,
      bits: propInt(mpa, "bits", VIR_XML_PROP_NONNEGATIVE) ?? -1,
    };
  }
  return cpu;
}

/** virDomainDefPostParseCPU */
export function postParseCpu(cpu: CpuDef): void {
  if (cpu.mode === "custom" && cpu.model === null && cpu.check !== null) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "check attribute specified for CPU with no model");
  }
}

/** virCPUDefFormatBuf for a guest CPU: model, vendor, topology, cache, maxphysaddr, features */
function formatCpuBody(buf: XmlBuffer, cpu: CpuDef): void {
  const formatModel = cpu.mode === "custom" || cpu.mode === "host-model";
  if (cpu.model === null && cpu.mode === "custom" && cpu.features.length > 0) {
    cpuError(VIR_ERR_INTERNAL_ERROR, "Non-empty feature list specified without CPU model");
  }
  if (formatModel && (cpu.model !== null || cpu.vendorId !== null)) {
    buf.add("<model");
    if (cpu.model !== null) buf.add(` fallback='${cpu.fallback}'`);
    buf.addEscaped((v) => ` vendor_id='${v}'`, cpu.vendorId);
    if (cpu.model !== null) buf.addEscaped((v) => `>${v}</model>\n`, cpu.model);
    else buf.add("/>\n");
  }
  if (formatModel && cpu.vendor !== null) buf.addEscaped((v) => `<vendor>${v}</vendor>\n`, cpu.vendor);
  const t = cpu.topology;
  if (t?.sockets && t.dies && t.cores && t.threads) {
    buf.add(`<topology sockets='${t.sockets}' dies='${t.dies}' cores='${t.cores}' threads='${t.threads}'/>\n`);
  }
  if (cpu.cache) buf.add(`<cache ${cpu.cache.level !== -1 ? `level='${cpu.cache.level}' ` : ""}mode='${cpu.cache.mode}'/>\n`);
  if (cpu.maxPhysAddr) buf.add(`<maxphysaddr mode='${cpu.maxPhysAddr.mode}'${cpu.maxPhysAddr.bits !== -1 ? ` bits='${cpu.maxPhysAddr.bits}'` : ""}/>\n`);
  for (const f of cpu.features) buf.add(`<feature policy='${f.policy}' name='${f.name}'/>\n`);
}

/** virCPUDefFormatBufFull for a guest CPU */
export function formatGuestCpu(buf: XmlBuffer, cpu: CpuDef | null): void {
  if (!cpu) return;
  const attr = new XmlBuffer();
  if (cpu.mode !== "custom" || cpu.model !== null) {
    attr.add(` mode='${cpu.mode}'`);
    if (cpu.mode === "custom") attr.add(` match='${cpu.match}'`);
    if (cpu.check !== null) attr.add(` check='${cpu.check}'`);
    if ((cpu.mode === "host-passthrough" || cpu.mode === "maximum") && cpu.migratable !== null) attr.add(` migratable='${cpu.migratable}'`);
  }
  const child = buf.child();
  formatCpuBody(child, cpu);
  formatElement(buf, "cpu", attr, child);
}
