// Domain snapshot XML: libvirt 9.0's src/conf/snapshot_conf.c (virDomainSnapshotDefParse,
// virDomainSnapshotAlignDisks, virDomainSnapshotDefFormat) and moment_conf.c (the post-parse
// defaults for a new snapshot). Errors are VIR_FROM_DOMAIN_SNAPSHOT unless raised by a shared
// helper.
import { statSync } from "node:fs";
import { childElements, childPath, firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import {
  confError,
  parseConfXml,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_ERR_XML_INVALID_SCHEMA,
  VIR_FROM_DOMAIN_SNAPSHOT,
  VIR_FROM_XML,
} from "./conf-error.js";
import { formatSource, newStorageSource, parseStorageSource, storageSourceIsEmpty } from "./disk-conf.js";
import { parseDomainNode } from "./domain-conf.js";
import type { DomainDef, StorageSource } from "./domain-def.js";
import type { DomainPostParse } from "./domain-driver-hooks.js";
import { VIR_DOMAIN_SNAPSHOT_LOCATION, VIR_STORAGE_FILE_FORMAT, VIR_STORAGE_TYPE, type StorageFileFormat, type StorageType } from "./domain-enums.js";
import {
  VIR_DOMAIN_DEF_FORMAT_INACTIVE,
  VIR_DOMAIN_DEF_FORMAT_SECURE,
  VIR_DOMAIN_DEF_PARSE_INACTIVE,
  VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE,
} from "./domain-flags.js";
import { formatDomainDef } from "./domain-format.js";
import { attrString, elementString, parseScaledValue, ULLONG_MAX } from "./units.js";
import { propEnum, propString, VIR_XML_PROP_NONZERO } from "./virxml-props.js";
import { virStrToLongI, virStrToLongLl } from "./virstring.js";

/** virDomainSnapshotCreateFlags used by the conf layer */
export const VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE = 1 << 0;
export const VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT = 1 << 1;
export const VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4;
export const VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE = 1 << 9;
/** virDomainSnapshotXMLFlags */
export const VIR_DOMAIN_SNAPSHOT_XML_SECURE = 1 << 0;
/** virDomainSnapshotParseFlags */
export const VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE = 1 << 0;
export const VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL = 1 << 1;
export const VIR_DOMAIN_SNAPSHOT_PARSE_OFFLINE = 1 << 2;
export const VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE = 1 << 3;
/** virDomainSnapshotFormatFlags */
export const VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE = 1 << 0;
export const VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL = 1 << 1;
export const VIR_DOMAIN_SNAPSHOT_FORMAT_CURRENT = 1 << 2;

/** virDomainSnapshotState: virDomainState plus disk-snapshot */
export const VIR_DOMAIN_SNAPSHOT_STATE = [
  "nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "disk-snapshot",
] as const; // prettier-ignore
export type SnapshotState = Exclude<(typeof VIR_DOMAIN_SNAPSHOT_STATE)[number], "nostate">;
export type SnapshotLocation = Exclude<(typeof VIR_DOMAIN_SNAPSHOT_LOCATION)[number], "default">;

export interface SnapshotDiskDef {
  /** the disk's target name after alignment (as written before) */
  name: string;
  snapshot: SnapshotLocation | null;
  snapshotDeleteInProgress: boolean;
  /** type, path (file= or dev=), format (<driver type>), metadataCacheMaxSize */
  src: StorageSource;
}

export interface SnapshotDef {
  name: string | null;
  description: string | null;
  /** seconds since the epoch; 0 when unknown */
  creationTime: bigint;
  parentName: string | null;
  state: SnapshotState | null;
  memory: SnapshotLocation | null;
  memoryFile: string | null;
  disks: SnapshotDiskDef[];
  /** the domain configuration when the snapshot was taken */
  dom: DomainDef | null;
  /** the inactive configuration of a running domain (redefined snapshots only) */
  inactiveDom: DomainDef | null;
  /** <active> with VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL */
  current: boolean;
}

function snapError(code: number, msg: string): never {
  throw confError(code, msg, VIR_FROM_DOMAIN_SNAPSHOT);
}

/** virDomainSnapshotDiskDefParseXML */
function parseSnapshotDisk(node: XmlElement, flags: number): SnapshotDiskDef {
  const name = propString(node, "name");
  if (name === null) snapError(VIR_ERR_INTERNAL_ERROR, "missing name from disk snapshot element");
  const snapshot = propEnum(node, "snapshot", VIR_DOMAIN_SNAPSHOT_LOCATION, VIR_XML_PROP_NONZERO) as SnapshotLocation | null;
  const type = (propEnum(node, "type", VIR_STORAGE_TYPE, VIR_XML_PROP_NONZERO) ?? "file") as StorageType;
  if (type === "volume" || type === "dir") snapError(VIR_ERR_XML_ERROR, `unsupported disk snapshot type '${type}'`);
  if (type !== "file" && type !== "block") {
    snapError(VIR_ERR_CONFIG_UNSUPPORTED, `disk snapshot type '${type}' is not supported by virtkit`);
  }
  const src = newStorageSource(type);
  const disk: SnapshotDiskDef = { name, snapshot, snapshotDeleteInProgress: false, src };
  if (flags & VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE) disk.snapshotDeleteInProgress = firstChild(node, "snapshotDeleteInProgress") !== null;
  const source = firstChild(node, "source");
  if (source) parseStorageSource(source, src);
  const driver = firstChild(node, "driver");
  const format = attrString(driver, "type");
  if (format !== null) {
    const i = VIR_STORAGE_FILE_FORMAT.indexOf(format as never);
    if (i <= 0) snapError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown disk snapshot driver '${format}'`);
    src.format = format as StorageFileFormat;
  }
  const cache = driver ? firstChild(driver, "metadata_cache") : null;
  const ms = cache ? firstChild(cache, "max_size") : null;
  src.metadataCacheMaxSize =
    parseScaledValue(elementString(ms), attrString(ms, "unit"), "./driver/metadata_cache/max_size", 1n, ULLONG_MAX, false) ?? 0n;
  if (src.path !== null && !src.path.startsWith("/")) snapError(VIR_ERR_XML_ERROR, `disk snapshot image path '${src.path}' must be absolute`);
  if (disk.snapshot === null && (src.path !== null || src.format !== null)) disk.snapshot = "external";
  return disk;
}

/** the domainsnapshot.rng top-level elements */
const SNAPSHOT_SCHEMA_TOP = ["name", "description", "state", "creationTime", "memory", "disks", "active", "parent", "domain", "inactiveDomain", "cookie"];

/**
 * VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE: virtkit checks only that every top-level element is one
 * domainsnapshot.rng allows (libxml2's "Element domainsnapshot has extra content: X").
 */
function validateSnapshotSchema(root: XmlElement): void {
  for (const c of childElements(root)) {
    if (c.ns !== null || !SNAPSHOT_SCHEMA_TOP.includes(c.local)) {
      throw confError(
        VIR_ERR_XML_INVALID_SCHEMA,
        `Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nElement domainsnapshot has extra content: ${c.local}\n`,
        VIR_FROM_XML,
      );
    }
  }
}

export interface ParseSnapshotOptions {
  /** VIR_DOMAIN_SNAPSHOT_PARSE_* */
  flags?: number;
  /** the driver's domain hooks, for the embedded <domain> of a redefined snapshot */
  postParse?: DomainPostParse;
  /** the clock for a new snapshot's creationTime (seconds); Date.now() by default */
  now?: () => number;
}

/** virDomainSnapshotDefParse on the <domainsnapshot> root element */
export function parseSnapshotElement(root: XmlElement, opts: ParseSnapshotOptions = {}): SnapshotDef {
  const flags = opts.flags ?? 0;
  let offline = (flags & VIR_DOMAIN_SNAPSHOT_PARSE_OFFLINE) !== 0;
  const def: SnapshotDef = {
    name: elementString(firstChild(root, "name")),
    description: null,
    creationTime: 0n,
    parentName: null,
    state: null,
    memory: null,
    memoryFile: null,
    disks: [],
    dom: null,
    inactiveDom: null,
    current: false,
  };
  if (def.name === null && flags & VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE) snapError(VIR_ERR_XML_ERROR, "a redefined snapshot must have a name");
  def.description = elementString(firstChild(root, "description"));
  if (flags & VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE) {
    const ct = elementString(firstChild(root, "creationTime"));
    const t = ct === null ? null : virStrToLongLl(ct, 10);
    if (t === null) snapError(VIR_ERR_INTERNAL_ERROR, "missing creationTime from existing snapshot");
    def.creationTime = t;
    def.parentName = elementString(childPath(root, "parent", "name"));
    const state = elementString(firstChild(root, "state"));
    if (state === null) snapError(VIR_ERR_XML_ERROR, "missing state from existing snapshot");
    const si = VIR_DOMAIN_SNAPSHOT_STATE.indexOf(state as never);
    if (si <= 0) snapError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid state '${state}' in domain snapshot XML`);
    def.state = state as SnapshotState;
    offline = def.state === "shutoff" || def.state === "disk-snapshot";
    const domainFlags = VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE;
    const dom = firstChild(root, "domain");
    if (attrString(dom, "type") !== null) def.dom = parseDomainNode(dom!, { flags: domainFlags, postParse: opts.postParse });
    const inactive = firstChild(root, "inactiveDomain");
    if (inactive) def.inactiveDom = parseDomainNode(inactive, { flags: domainFlags, postParse: opts.postParse });
  } else {
    // virDomainMomentDefPostParse
    def.creationTime = BigInt(Math.floor(opts.now ? opts.now() : Date.now() / 1000));
    def.name ??= String(def.creationTime);
  }
  const memory = firstChild(root, "memory");
  if (memory) {
    def.memoryFile = propString(memory, "file");
    def.memory = propEnum(memory, "snapshot", VIR_DOMAIN_SNAPSHOT_LOCATION, VIR_XML_PROP_NONZERO) as SnapshotLocation | null;
    if (def.memory === "manual") snapError(VIR_ERR_XML_ERROR, "'manual' memory snapshot mode not supported");
  }
  if (def.memory === null) {
    if (def.memoryFile !== null) def.memory = "external";
    else if (flags & VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE) def.memory = offline ? "no" : "internal";
  }
  if (def.memoryFile !== null && def.memory !== "external") snapError(VIR_ERR_XML_ERROR, `memory filename '${def.memoryFile}' requires external snapshot`);
  if (def.memoryFile === null && def.memory === "external") snapError(VIR_ERR_XML_ERROR, "external memory snapshots require a filename");
  if (offline && def.memory !== null && def.memory !== "no") {
    snapError(VIR_ERR_XML_ERROR, "memory state cannot be saved with offline or disk-only snapshot");
  }
  if (def.memoryFile !== null && !def.memoryFile.startsWith("/")) {
    snapError(VIR_ERR_XML_ERROR, `memory snapshot file path (${def.memoryFile}) must be absolute`);
  }
  const disks = firstChild(root, "disks");
  if (disks) for (const d of childElements(disks)) def.disks.push(parseSnapshotDisk(d, flags));
  if (flags & VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL) {
    const active = elementString(firstChild(root, "active"));
    const a = active === null ? null : virStrToLongI(active, 10);
    if (a === null) snapError(VIR_ERR_INTERNAL_ERROR, "Could not find 'active' element");
    def.current = a !== 0;
  }
  return def;
}

/** virDomainSnapshotDefParseString. Throws ConfError. */
export function parseSnapshotXML(xml: string, opts: ParseSnapshotOptions = {}): SnapshotDef {
  const root = parseConfXml(xml, "(domain_snapshot)", "domainsnapshot", VIR_FROM_DOMAIN_SNAPSHOT).root;
  if ((opts.flags ?? 0) & VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE) validateSnapshotSchema(root);
  return parseSnapshotElement(root, opts);
}

/** virDomainDiskIndexByName(def, name, false) */
export function diskIndexByName(dom: DomainDef, name: string, allowAmbiguous = false): number {
  let candidate = -1;
  for (let i = 0; i < dom.disks.length; i++) {
    const d = dom.disks[i]!;
    if (!name.startsWith("/")) {
      if (d.dst === name) return i;
    } else if (d.src.path === name) {
      if (allowAmbiguous) return i;
      if (candidate >= 0) return -1;
      candidate = i;
    }
  }
  return candidate;
}

/**
 * virDomainSnapshotAlignDisks: one snapshot disk per domain disk, in the domain's order, with
 * the snapshot mode defaulted; then virDomainSnapshotDefAssignExternalNames, which names the
 * new image of an external snapshot of a regular file "<file without suffix>.<snapshot name>".
 */
export function alignSnapshotDisks(
  snap: SnapshotDef,
  existingDom: DomainDef | null,
  defaultLocation: SnapshotLocation,
  uniformInternal: boolean,
  isRegularFile: (path: string) => boolean = defaultIsRegularFile,
): void {
  const dom = snap.dom ?? existingDom;
  if (!dom) snapError(VIR_ERR_INTERNAL_ERROR, "missing domain in snapshot");
  if (snap.disks.length > dom.disks.length) snapError(VIR_ERR_CONFIG_UNSUPPORTED, "too many disk snapshot requests for domain");
  const requireMatch = uniformInternal && defaultLocation === "internal";
  if (dom.disks.length === 0) return;
  const map = new Map<string, SnapshotDiskDef>();
  for (const sd of snap.disks) {
    const idx = diskIndexByName(dom, sd.name);
    if (idx < 0) snapError(VIR_ERR_CONFIG_UNSUPPORTED, `no disk named '${sd.name}'`);
    const dd = dom.disks[idx]!;
    const dst = dd.dst ?? "";
    if (map.has(dst)) snapError(VIR_ERR_CONFIG_UNSUPPORTED, `disk '${sd.name}' specified twice`);
    map.set(dst, sd);
    if (sd.snapshot === null) {
      sd.snapshot = dd.snapshot !== null && (!requireMatch || dd.snapshot === "no") ? dd.snapshot : defaultLocation;
    } else if (requireMatch && sd.snapshot !== defaultLocation && !(sd.snapshot === "no" && dd.snapshot === "no")) {
      snapError(VIR_ERR_CONFIG_UNSUPPORTED, `disk '${sd.name}' must use snapshot mode '${defaultLocation}'`);
    }
    if (sd.src.path !== null && sd.snapshot !== "external") {
      snapError(VIR_ERR_CONFIG_UNSUPPORTED, `file '${sd.src.path}' for disk '${sd.name}' requires use of external snapshot mode`);
    }
    sd.name = dst;
  }
  snap.disks = dom.disks.map((dd) => {
    const existing = map.get(dd.dst ?? "");
    if (existing) return existing;
    let snapshot: SnapshotLocation | null = storageSourceIsEmpty(dd.src) ? "no" : dd.snapshot;
    snapshot ??= defaultLocation;
    return { name: dd.dst ?? "", snapshot, snapshotDeleteInProgress: false, src: newStorageSource("file") };
  });
  // virDomainSnapshotDefAssignExternalNames
  snap.disks.forEach((disk, i) => {
    if (disk.snapshot !== "external" || disk.src.path !== null) return;
    if (disk.src.type !== "file") {
      snapError(VIR_ERR_CONFIG_UNSUPPORTED, `cannot generate external snapshot name for disk '${disk.name}' on a '${disk.src.type}' device`);
    }
    const orig = dom.disks[i]!.src.path;
    if (orig === null) snapError(VIR_ERR_CONFIG_UNSUPPORTED, `cannot generate external snapshot name for disk '${disk.name}' without source`);
    if (!isRegularFile(orig)) {
      snapError(VIR_ERR_CONFIG_UNSUPPORTED, `source for disk '${disk.name}' is not a regular file; refusing to generate external snapshot name`);
    }
    const dot = orig.lastIndexOf(".");
    const base = dot >= 0 && !orig.slice(dot).includes("/") ? orig.slice(0, dot) : orig;
    disk.src.path = `${base}.${snap.name}`;
    for (let j = 0; j < i; j++) {
      if (snap.disks[j]!.src.path === disk.src.path) {
        snapError(VIR_ERR_CONFIG_UNSUPPORTED, `cannot generate external snapshot name for disk '${disk.name}': collision with disk '${snap.disks[j]!.name}'`);
      }
    }
  });
}

function defaultIsRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** virDomainSnapshotDefIsExternal */
export function snapshotDefIsExternal(def: SnapshotDef): boolean {
  return def.memory === "external" || def.disks.some((d) => d.snapshot === "external");
}

function formatSnapshotDisk(buf: XmlBuffer, disk: SnapshotDiskDef): void {
  const attrs = new XmlBuffer();
  const child = buf.child();
  attrs.addEscaped((v) => ` name='${v}'`, disk.name);
  if (disk.snapshot !== null) attrs.add(` snapshot='${disk.snapshot}'`);
  if (disk.snapshotDeleteInProgress) child.add("<snapshotDeleteInProgress/>\n");
  if (disk.src.path !== null || disk.src.format !== null) {
    attrs.add(` type='${disk.src.type}'`);
    const driverAttrs = new XmlBuffer();
    const driverChild = child.child();
    if (disk.src.format !== null) driverAttrs.add(` type='${disk.src.format}'`);
    if (disk.src.metadataCacheMaxSize > 0n) {
      const mc = driverChild.child();
      mc.add(`<max_size unit='bytes'>${disk.src.metadataCacheMaxSize}</max_size>\n`);
      formatElement(driverChild, "metadata_cache", null, mc);
    }
    formatElement(child, "driver", driverAttrs, driverChild);
    formatSource(child, disk.src, null, false);
  }
  formatElement(buf, "disk", attrs, child);
}

export interface FormatSnapshotOptions {
  /** VIR_DOMAIN_SNAPSHOT_FORMAT_* (VIR_DOMAIN_SNAPSHOT_XML_SECURE is FORMAT_SECURE) */
  flags?: number;
  /** the domain's UUID, written as <domain><uuid> when the snapshot has no domain definition */
  domainUUID?: string;
}

/** virDomainSnapshotDefFormat */
export function formatSnapshotXML(def: SnapshotDef, opts: FormatSnapshotOptions = {}): string {
  const flags = opts.flags ?? 0;
  let domainFlags = VIR_DOMAIN_DEF_FORMAT_INACTIVE;
  if (flags & VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE) domainFlags |= VIR_DOMAIN_DEF_FORMAT_SECURE;
  const buf = new XmlBuffer();
  buf.add("<domainsnapshot>\n");
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<name>${v}</name>\n`, def.name);
  buf.addEscaped((v) => `<description>${v}</description>\n`, def.description);
  if (def.state !== null) buf.add(`<state>${def.state}</state>\n`);
  if (def.parentName !== null) {
    buf.add("<parent>\n");
    buf.adjustIndent(2);
    buf.addEscaped((v) => `<name>${v}</name>\n`, def.parentName);
    buf.adjustIndent(-2);
    buf.add("</parent>\n");
  }
  if (def.creationTime !== 0n) buf.add(`<creationTime>${def.creationTime}</creationTime>\n`);
  if (def.memory !== null) {
    buf.add(`<memory snapshot='${def.memory}'`);
    buf.addEscaped((v) => ` file='${v}'`, def.memoryFile);
    buf.add("/>\n");
  }
  if (def.disks.length) {
    buf.add("<disks>\n");
    buf.adjustIndent(2);
    for (const d of def.disks) formatSnapshotDisk(buf, d);
    buf.adjustIndent(-2);
    buf.add("</disks>\n");
  }
  if (def.dom) {
    buf.addBuffer(rawBuffer(formatDomainDef(def.dom, domainFlags, "domain", buf.getIndent())));
  } else if (opts.domainUUID !== undefined) {
    buf.add("<domain>\n");
    buf.adjustIndent(2);
    buf.add(`<uuid>${opts.domainUUID}</uuid>\n`);
    buf.adjustIndent(-2);
    buf.add("</domain>\n");
  }
  if (def.inactiveDom) buf.addBuffer(rawBuffer(formatDomainDef(def.inactiveDom, domainFlags, "inactiveDomain", buf.getIndent())));
  if (flags & VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL) buf.add(`<active>${flags & VIR_DOMAIN_SNAPSHOT_FORMAT_CURRENT ? 1 : 0}</active>\n`);
  buf.adjustIndent(-2);
  buf.add("</domainsnapshot>\n");
  return buf.toString();
}

function rawBuffer(text: string): XmlBuffer {
  const b = new XmlBuffer();
  b.add(text);
  return b;
}

/**
 * What the test driver does with a new snapshot of a domain (testDomainSnapshotCreateXML and
 * testDomainSnapshotAlignDisks): record the domain definition and state, default the memory
 * location from the state, and align the disks.
 */
export function testDriverPrepareSnapshot(snap: SnapshotDef, dom: DomainDef, state: SnapshotState, createFlags = 0): void {
  for (const d of snap.disks) {
    if (d.snapshot === "manual") {
      throw confError(84 /* VIR_ERR_OPERATION_UNSUPPORTED */, "'manual' snapshot mode is not supported by the test driver", 12 /* VIR_FROM_TEST */);
    }
  }
  snap.dom = dom;
  let align: SnapshotLocation = "internal";
  if (createFlags & VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) {
    align = "external";
    snap.state = state !== "shutoff" ? "disk-snapshot" : "shutoff";
    snap.memory = "no";
  } else if (snap.memory === "external") {
    snap.state = state;
    align = "external";
  } else {
    snap.state = state;
    snap.memory = state === "shutoff" ? "no" : "internal";
  }
  alignSnapshotDisks(snap, null, align, true);
}
