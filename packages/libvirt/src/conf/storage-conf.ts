// Storage pool and volume XML: libvirt 9.0's src/conf/storage_conf.c (virStoragePoolDefParseXML,
// virStoragePoolDefFormatBuf, virStorageVolDefParseXML, virStorageVolDefFormat). Errors are
// VIR_FROM_STORAGE unless raised by a shared helper.
//
// Pools: every pool type's common XML (source host/device/dir/name/format/initiator/protocol/
// vendor/product, target path and permissions, features cow, refresh). Refused
// (VIR_ERR_CONFIG_UNSUPPORTED): source <adapter> and <auth>, which virtkit does not model.
// Volumes: name, key, type, capacity/allocation with units, target (path, format, permissions,
// compat, nocow, clusterSize, features), backingStore (path, format, permissions). Refused:
// target <encryption>.
import { childElements, childPath, firstChild, XmlBuffer, type XmlElement } from "../util/xml.js";
import {
  confError,
  parseConfXml,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_XML_DETAIL,
  VIR_ERR_XML_ERROR,
  VIR_FROM_STORAGE,
} from "./conf-error.js";
import { VIR_STORAGE_FILE_FORMAT } from "./domain-enums.js";
import { generateUUID, parseUUID } from "./identifiers.js";
import { attrString, elementString, LLONG_MAX, parseScaledValue, ULLONG_MAX, virScaleInteger } from "./units.js";
import { propEnum, propInt, propString, propTristateBool, VIR_XML_PROP_NONE, VIR_XML_PROP_REQUIRED, type TristateBool } from "./virxml-props.js";
import { virStrToLongI, virStrToLongLl, virStrToLongUllp } from "./virstring.js";

/** virStoragePoolDefineFlags / virStorageVolCreateFlags */
export const VIR_STORAGE_POOL_DEFINE_VALIDATE = 1 << 0;
export const VIR_STORAGE_VOL_CREATE_VALIDATE = 1 << 2;
/** virStorageVolDefParse's internal flags (VIR_VOL_XML_PARSE_*) */
export const VIR_VOL_XML_PARSE_NO_CAPACITY = 1 << 0;
export const VIR_VOL_XML_PARSE_OPT_CAPACITY = 1 << 1;
export const VIR_VOL_XML_PARSE_VALIDATE = 1 << 2;

export const VIR_STORAGE_POOL = [
  "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog", "gluster",
  "zfs", "vstorage",
] as const; // prettier-ignore
export type StoragePoolType = (typeof VIR_STORAGE_POOL)[number];
export const VIR_STORAGE_VOL = ["file", "block", "dir", "network", "netdir", "ploop"] as const;
export type StorageVolType = (typeof VIR_STORAGE_VOL)[number];
export const VIR_STORAGE_POOL_FS_FORMAT = [
  "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2", "vmfs",
] as const; // prettier-ignore
export const VIR_STORAGE_POOL_NETFS_FORMAT = ["auto", "nfs", "glusterfs", "cifs"] as const;
export const VIR_STORAGE_POOL_DISK_FORMAT = ["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"] as const;
export const VIR_STORAGE_POOL_LOGICAL_FORMAT = ["unknown", "lvm2"] as const;
export const VIR_STORAGE_VOL_DISK_FORMAT = ["none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"] as const;
export const VIR_STORAGE_FILE_FEATURE = ["lazy_refcounts", "extended_l2"] as const;
export const VIR_STORAGE_VOL_DEF_REFRESH_ALLOCATION = ["default", "capacity"] as const;

const SOURCE_HOST = 1 << 0;
const SOURCE_DEVICE = 1 << 1;
const SOURCE_DIR = 1 << 2;
const SOURCE_ADAPTER = 1 << 3;
const SOURCE_NAME = 1 << 4;
const SOURCE_INITIATOR_IQN = 1 << 5;
const SOURCE_NETWORK = 1 << 6;

interface FormatTable {
  formats: readonly string[];
  /** the index used when no format is given */
  dflt: number;
  /** names accepted when parsing (the volume file formats exclude "none") */
  accepts: (s: string) => number;
}

const fileFormats: FormatTable = {
  formats: VIR_STORAGE_FILE_FORMAT,
  dflt: 1,
  accepts: (s) => (s === "none" ? -1 : VIR_STORAGE_FILE_FORMAT.indexOf(s as never)),
};
const table = (formats: readonly string[], dflt = 0): FormatTable => ({ formats, dflt, accepts: (s) => formats.indexOf(s) });

/** poolTypeInfo[]: source flags, pool source formats and volume formats of each pool type */
const POOL_TYPE_INFO: Record<StoragePoolType, { flags: number; pool?: FormatTable; vol?: FormatTable }> = {
  logical: { flags: SOURCE_NAME | SOURCE_DEVICE, pool: table(VIR_STORAGE_POOL_LOGICAL_FORMAT, 1) },
  dir: { flags: 0, vol: fileFormats },
  fs: { flags: SOURCE_DEVICE, pool: table(VIR_STORAGE_POOL_FS_FORMAT), vol: fileFormats },
  netfs: { flags: SOURCE_HOST | SOURCE_DIR, pool: table(VIR_STORAGE_POOL_NETFS_FORMAT), vol: fileFormats },
  iscsi: { flags: SOURCE_HOST | SOURCE_DEVICE | SOURCE_INITIATOR_IQN },
  "iscsi-direct": { flags: SOURCE_HOST | SOURCE_DEVICE | SOURCE_NETWORK | SOURCE_INITIATOR_IQN },
  scsi: { flags: SOURCE_ADAPTER },
  // rbd has no lastFormat: its format enum in the capabilities is empty, parsing works as usual
  rbd: { flags: SOURCE_HOST | SOURCE_NETWORK | SOURCE_NAME, vol: fileFormats },
  sheepdog: { flags: SOURCE_HOST | SOURCE_NETWORK | SOURCE_NAME },
  gluster: { flags: SOURCE_HOST | SOURCE_NETWORK | SOURCE_NAME | SOURCE_DIR, vol: fileFormats },
  mpath: { flags: 0 },
  disk: { flags: SOURCE_DEVICE, pool: table(VIR_STORAGE_POOL_DISK_FORMAT), vol: table(VIR_STORAGE_VOL_DISK_FORMAT) },
  zfs: { flags: SOURCE_NAME | SOURCE_DEVICE },
  vstorage: { flags: SOURCE_NAME, vol: fileFormats },
};

/** virStoragePerms; null members are libvirt's (mode_t/uid_t/gid_t) -1 "not set" */
export interface StoragePerms {
  mode: number | null;
  uid: number | null;
  gid: number | null;
  label: string | null;
}

export interface StoragePoolSource {
  name: string | null;
  /** the pool type's source format name, or null for types without formats */
  format: string | null;
  hosts: { name: string; port: number }[];
  initiatorIqn: string | null;
  devices: { path: string; partSeparator: TristateBool }[];
  dir: string | null;
  protocolVer: string | null;
  vendor: string | null;
  product: string | null;
}

export interface StoragePoolDef {
  type: StoragePoolType;
  name: string;
  uuid: string;
  /** filled in by the driver (the XML's values are ignored) */
  capacity: bigint;
  allocation: bigint;
  available: bigint;
  featureCow: TristateBool;
  source: StoragePoolSource;
  /** null for the network pools (rbd, sheepdog, gluster, iscsi-direct) */
  targetPath: string | null;
  targetPerms: StoragePerms;
  refreshAllocation: "default" | "capacity" | null;
}

export interface StorageVolTarget {
  path: string | null;
  /** the pool type's volume format name; null when the pool type has none */
  format: string | null;
  perms: StoragePerms;
  compat: string | null;
  nocow: boolean;
  /** bytes, 0 when not given */
  clusterSize: bigint;
  /** null without <features>; otherwise the set features in libvirt's order */
  features: string[] | null;
}

export interface StorageVolDef {
  name: string;
  key: string | null;
  type: StorageVolType;
  capacity: bigint;
  allocation: bigint;
  /** <allocation> was given (otherwise allocation = capacity) */
  hasAllocation: boolean;
  target: StorageVolTarget;
  backingStore: { path: string; format: string | null; perms: StoragePerms } | null;
}

function storageError(code: number, msg: string): never {
  throw confError(code, msg, VIR_FROM_STORAGE);
}

/** virFileSanitizePath */
export function sanitizePath(path: string): string {
  const uri = path.indexOf("://");
  if (uri >= 0 && path.indexOf("/") > uri) return path;
  let out = "";
  let i = 0;
  if (path.startsWith("//") && path[2] !== "/") {
    out = "//";
    i = 2;
  }
  while (i < path.length) {
    const c = path.charAt(i);
    if (c !== "/") {
      out += c;
      i++;
      continue;
    }
    while (path[++i] === "/");
    if (out.length !== 0 && i >= path.length) break;
    out += "/";
  }
  return out;
}

function noPerms(): StoragePerms {
  return { mode: null, uid: null, gid: null, label: null };
}

/** virStorageDefParsePerms */
function parsePerms(node: XmlElement | null): StoragePerms {
  const perms = noPerms();
  if (!node) return perms;
  const mode = elementString(firstChild(node, "mode"));
  if (mode !== null) {
    const m = virStrToLongI(mode, 8);
    if (m === null || m & ~0o777) storageError(VIR_ERR_XML_ERROR, "malformed octal mode");
    perms.mode = m;
  }
  const id = (name: "owner" | "group", what: string): number | null => {
    const el = firstChild(node, name);
    if (!el) return null;
    const s = elementString(el);
    const v = s === null ? null : virStrToLongLl(s, 10);
    if (v === null || ((v < 0n || v > 0xffffffffn) && v !== -1n)) storageError(VIR_ERR_XML_ERROR, `malformed ${what} element`);
    return v === -1n || v === 0xffffffffn ? null : Number(v);
  };
  perms.uid = id("owner", "owner");
  perms.gid = id("group", "group");
  perms.label = elementString(firstChild(node, "label"));
  return perms;
}

function formatPerms(buf: XmlBuffer, p: StoragePerms): void {
  if (p.mode === null && p.uid === null && p.gid === null && p.label === null) return;
  buf.add("<permissions>\n");
  buf.adjustIndent(2);
  if (p.mode !== null) buf.add(`<mode>0${p.mode.toString(8)}</mode>\n`);
  // printed with %d of (int)
  if (p.uid !== null) buf.add(`<owner>${p.uid | 0}</owner>\n`);
  if (p.gid !== null) buf.add(`<group>${p.gid | 0}</group>\n`);
  buf.addEscaped((v) => `<label>${v}</label>\n`, p.label);
  buf.adjustIndent(-2);
  buf.add("</permissions>\n");
}

function rejectUnmodelledStorage(el: XmlElement | null, names: readonly string[], where: string): void {
  if (!el) return;
  for (const c of childElements(el)) {
    if (c.ns === null && names.includes(c.local)) {
      storageError(VIR_ERR_CONFIG_UNSUPPORTED, `element <${c.local}> in ${where} is not supported by virtkit`);
    }
  }
}

/** virStoragePoolDefParseSource */
function parsePoolSource(node: XmlElement, type: StoragePoolType): StoragePoolSource {
  const info = POOL_TYPE_INFO[type];
  const src = emptySource(info.pool ? info.pool.formats[info.pool.dflt]! : null);
  src.name = elementString(firstChild(node, "name"));
  if (type === "rbd" && src.name === null) storageError(VIR_ERR_XML_ERROR, "element 'name' is mandatory for RBD pool");
  if (info.pool) {
    const format = attrString(firstChild(node, "format"), "type");
    if (format !== null) {
      const i = info.pool.accepts(format);
      if (i < 0) storageError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown pool format type ${format}`);
      src.format = info.pool.formats[i]!;
    }
  }
  for (const h of childElements(node, "host")) {
    const name = propString(h, "name");
    if (name === null) storageError(VIR_ERR_XML_ERROR, "missing storage pool host name");
    src.hosts.push({ name, port: propInt(h, "port", VIR_XML_PROP_NONE) ?? 0 });
  }
  src.initiatorIqn = attrString(childPath(node, "initiator", "iqn"), "name");
  for (const d of childElements(node, "device")) {
    const path = propString(d, "path");
    if (path === null) storageError(VIR_ERR_XML_ERROR, "missing storage pool source device path");
    src.devices.push({ path, partSeparator: propTristateBool(d, "part_separator") });
  }
  const dir = attrString(firstChild(node, "dir"), "path");
  if (dir !== null) src.dir = sanitizePath(dir);
  if (src.dir === null && type === "gluster") src.dir = "/";
  rejectUnmodelledStorage(node, ["adapter", "auth"], "<source>");
  src.protocolVer = attrString(firstChild(node, "protocol"), "ver");
  if (src.protocolVer !== null) {
    // source->format is an index into the pool type's own table (0 without one), compared with
    // and named through the netfs table
    const idx = info.pool && src.format !== null ? info.pool.formats.indexOf(src.format) : 0;
    if (idx !== 0 && idx !== 1) {
      storageError(VIR_ERR_CONFIG_UNSUPPORTED, `storage pool protocol ver unsupported for pool type '${(VIR_STORAGE_POOL_NETFS_FORMAT as readonly string[])[idx] ?? "(null)"}'`);
    }
    if (src.protocolVer.includes(",")) storageError(VIR_ERR_XML_DETAIL, `storage pool protocol ver '${src.protocolVer}' must not contain ','`);
  }
  src.vendor = attrString(firstChild(node, "vendor"), "name");
  src.product = attrString(firstChild(node, "product"), "name");
  return src;
}

function emptySource(format: string | null): StoragePoolSource {
  return { name: null, format, hosts: [], initiatorIqn: null, devices: [], dir: null, protocolVer: null, vendor: null, product: null };
}

/** virStoragePoolDefParseXML on the <pool> root element */
export function parsePoolElement(root: XmlElement): StoragePoolDef {
  const type = propEnum(root, "type", VIR_STORAGE_POOL, VIR_XML_PROP_REQUIRED)!;
  const info = POOL_TYPE_INFO[type];
  const sourceNode = firstChild(root, "source");
  const source = sourceNode ? parsePoolSource(sourceNode, type) : emptySource(info.pool ? info.pool.formats[info.pool.dflt]! : null);
  let name = elementString(firstChild(root, "name"));
  if (name === null && info.flags & SOURCE_NAME) name = source.name;
  if (name === null) storageError(VIR_ERR_XML_ERROR, "missing pool source name element");
  if (name.includes("/")) storageError(VIR_ERR_XML_ERROR, `name ${name} cannot contain '/'`);
  const uuidStr = elementString(firstChild(root, "uuid"));
  let uuid: string;
  if (uuidStr === null) uuid = generateUUID();
  else {
    const u = parseUUID(uuidStr);
    if (u === null) storageError(VIR_ERR_XML_ERROR, "malformed uuid element");
    uuid = u;
  }
  const def: StoragePoolDef = {
    type,
    name,
    uuid,
    capacity: 0n,
    allocation: 0n,
    available: 0n,
    featureCow: null,
    source,
    targetPath: null,
    targetPerms: noPerms(),
    refreshAllocation: null,
  };
  const cow = childPath(root, "features", "cow");
  if (cow) {
    const v = propTristateBool(cow, "state");
    if (v !== null) {
      if (type !== "fs" && type !== "dir") storageError(VIR_ERR_NO_SUPPORT, "cow feature may only be used for 'fs' and 'dir' pools");
      def.featureCow = v;
    }
  }
  if (info.flags & SOURCE_HOST && source.hosts.length === 0) storageError(VIR_ERR_XML_ERROR, "missing storage pool source host name");
  if (info.flags & SOURCE_DIR && source.dir === null) storageError(VIR_ERR_XML_ERROR, "missing storage pool source path");
  if (info.flags & SOURCE_NAME && source.name === null) source.name = name;
  if (info.flags & SOURCE_ADAPTER) storageError(VIR_ERR_CONFIG_UNSUPPORTED, "scsi pools (source <adapter>) are not supported by virtkit");
  if (info.flags === SOURCE_DEVICE && source.devices.length === 0) storageError(VIR_ERR_XML_ERROR, "missing storage pool source device name");
  if (!(info.flags & SOURCE_NETWORK)) {
    let target: string | null;
    if (type === "logical") target = `/dev/${source.name}`;
    else if (type === "zfs") target = `/dev/zvol/${source.name}`;
    else {
      target = elementString(childPath(root, "target", "path"));
      if (target === null) storageError(VIR_ERR_XML_ERROR, "missing storage pool target path");
    }
    def.targetPath = sanitizePath(target);
    def.targetPerms = parsePerms(childPath(root, "target", "permissions"));
  }
  if (type === "iscsi-direct" && source.initiatorIqn === null) storageError(VIR_ERR_CONFIG_UNSUPPORTED, "missing initiator IQN");
  const refresh = attrString(childPath(root, "refresh", "volume"), "allocation");
  if (refresh !== null) {
    if (!VIR_STORAGE_VOL_DEF_REFRESH_ALLOCATION.includes(refresh as never)) {
      storageError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown storage pool volume refresh allocation type ${refresh}`);
    }
    def.refreshAllocation = refresh as "default" | "capacity";
  }
  return def;
}

export interface ParsePoolOptions {
  /** VIR_STORAGE_POOL_DEFINE_VALIDATE: accepted; RNG validation is not performed (see README) */
  flags?: number;
}

/** virStoragePoolDefParse. Throws ConfError. */
export function parsePoolXML(xml: string, _opts: ParsePoolOptions = {}): StoragePoolDef {
  return parsePoolElement(parseConfXml(xml, "(storage_pool_definition)", "pool", VIR_FROM_STORAGE).root);
}

function formatPoolSource(buf: XmlBuffer, def: StoragePoolDef): void {
  const flags = POOL_TYPE_INFO[def.type].flags;
  const src = def.source;
  buf.add("<source>\n");
  buf.adjustIndent(2);
  if (flags & SOURCE_HOST) {
    for (const h of src.hosts) {
      buf.addEscaped((v) => `<host name='${v}'`, h.name);
      if (h.port) buf.add(` port='${h.port}'`);
      buf.add("/>\n");
    }
  }
  if (flags & SOURCE_DEVICE) {
    for (const d of src.devices) {
      buf.addEscaped((v) => `<device path='${v}'`, d.path);
      if (d.partSeparator !== null) buf.add(` part_separator='${d.partSeparator}'`);
      buf.add("/>\n");
    }
  }
  if (flags & SOURCE_DIR) buf.addEscaped((v) => `<dir path='${v}'/>\n`, src.dir);
  if (flags & SOURCE_NAME) buf.addEscaped((v) => `<name>${v}</name>\n`, src.name);
  if (flags & SOURCE_INITIATOR_IQN && src.initiatorIqn !== null) {
    buf.add("<initiator>\n");
    buf.adjustIndent(2);
    buf.addEscaped((v) => `<iqn name='${v}'/>\n`, src.initiatorIqn);
    buf.adjustIndent(-2);
    buf.add("</initiator>\n");
  }
  if (POOL_TYPE_INFO[def.type].pool && src.format !== null) buf.add(`<format type='${src.format}'/>\n`);
  buf.addEscaped((v) => `<protocol ver='${v}'/>\n`, src.protocolVer);
  buf.addEscaped((v) => `<vendor name='${v}'/>\n`, src.vendor);
  buf.addEscaped((v) => `<product name='${v}'/>\n`, src.product);
  buf.adjustIndent(-2);
  buf.add("</source>\n");
}

/** virStoragePoolDefFormat */
export function formatPoolXML(def: StoragePoolDef): string {
  const buf = new XmlBuffer();
  buf.add(`<pool type='${def.type}'>\n`);
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<name>${v}</name>\n`, def.name);
  buf.add(`<uuid>${def.uuid}</uuid>\n`);
  buf.add(`<capacity unit='bytes'>${def.capacity}</capacity>\n`);
  buf.add(`<allocation unit='bytes'>${def.allocation}</allocation>\n`);
  buf.add(`<available unit='bytes'>${def.available}</available>\n`);
  if (def.featureCow !== null) {
    buf.add("<features>\n");
    buf.adjustIndent(2);
    buf.add(`<cow state='${def.featureCow}'/>\n`);
    buf.adjustIndent(-2);
    buf.add("</features>\n");
  }
  formatPoolSource(buf, def);
  if (!["rbd", "sheepdog", "gluster", "iscsi-direct"].includes(def.type)) {
    buf.add("<target>\n");
    buf.adjustIndent(2);
    buf.addEscaped((v) => `<path>${v}</path>\n`, def.targetPath);
    formatPerms(buf, def.targetPerms);
    buf.adjustIndent(-2);
    buf.add("</target>\n");
  }
  if (def.refreshAllocation !== null) {
    buf.add("<refresh>\n");
    buf.adjustIndent(2);
    buf.add(`<volume allocation='${def.refreshAllocation}'/>\n`);
    buf.adjustIndent(-2);
    buf.add("</refresh>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</pool>\n");
  return buf.toString();
}

/** virStorageSize: an unsigned long long scaled by its unit, at most LLONG_MAX bytes */
function storageSize(unit: string | null, val: string): bigint {
  const v = virStrToLongUllp(val, 10);
  if (v === null) storageError(VIR_ERR_XML_ERROR, "malformed capacity element");
  return virScaleInteger(v, unit, 1n, LLONG_MAX);
}

export interface ParseVolumeOptions {
  /** the pool the volume is created in; its type selects the volume format table */
  pool: Pick<StoragePoolDef, "type">;
  /** VIR_VOL_XML_PARSE_* */
  flags?: number;
}

/** virStorageVolDefParseXML on the <volume> root element */
export function parseVolumeElement(root: XmlElement, opts: ParseVolumeOptions): StorageVolDef {
  const flags = opts.flags ?? 0;
  const vol = POOL_TYPE_INFO[opts.pool.type].vol;
  const name = elementString(firstChild(root, "name"));
  if (name === null) storageError(VIR_ERR_XML_ERROR, "missing volume name element");
  const def: StorageVolDef = {
    name,
    key: elementString(firstChild(root, "key")),
    type: "file",
    capacity: 0n,
    allocation: 0n,
    hasAllocation: false,
    target: { path: null, format: null, perms: noPerms(), compat: null, nocow: false, clusterSize: 0n, features: null },
    backingStore: null,
  };
  const type = attrString(root, "type");
  if (type !== null) {
    if (!VIR_STORAGE_VOL.includes(type as never)) storageError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown volume type '${type}'`);
    def.type = type as StorageVolType;
  }
  const fmt = (el: XmlElement | null): string | null => {
    if (!vol) return null;
    const format = attrString(el, "type");
    if (format === null) return vol.formats[vol.dflt]!;
    const i = vol.accepts(format);
    if (i < 0) storageError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown volume format type ${format}`);
    return vol.formats[i]!;
  };
  const bsPath = elementString(childPath(root, "backingStore", "path"));
  if (bsPath !== null) {
    def.backingStore = {
      path: bsPath,
      format: fmt(childPath(root, "backingStore", "format")),
      perms: parsePerms(childPath(root, "backingStore", "permissions")),
    };
  }
  const capacity = elementString(firstChild(root, "capacity"));
  if (capacity !== null) {
    def.capacity = storageSize(attrString(firstChild(root, "capacity"), "unit"), capacity);
  } else if (!(flags & VIR_VOL_XML_PARSE_NO_CAPACITY) && !(flags & VIR_VOL_XML_PARSE_OPT_CAPACITY && def.backingStore)) {
    storageError(VIR_ERR_XML_ERROR, "missing capacity element");
  }
  const allocation = elementString(firstChild(root, "allocation"));
  if (allocation !== null) {
    def.allocation = storageSize(attrString(firstChild(root, "allocation"), "unit"), allocation);
    def.hasAllocation = true;
  } else {
    def.allocation = def.capacity;
  }
  const target = firstChild(root, "target");
  const t = def.target;
  t.path = elementString(childPath(root, "target", "path"));
  t.format = fmt(childPath(root, "target", "format"));
  t.perms = parsePerms(childPath(root, "target", "permissions"));
  rejectUnmodelledStorage(target, ["encryption"], "<target>");
  t.compat = elementString(childPath(root, "target", "compat"));
  if (t.compat !== null) {
    const dot = t.compat.indexOf(".");
    const ok = dot >= 0 && virStrToLongUiLoose(t.compat.slice(0, dot)) && virStrToLongUiLoose(t.compat.slice(dot + 1));
    if (!ok) storageError(VIR_ERR_XML_ERROR, "forbidden characters in 'compat' attribute");
  }
  if (childPath(root, "target", "nocow")) t.nocow = true;
  const cs = childPath(root, "target", "clusterSize");
  t.clusterSize =
    parseScaledValue(elementString(cs), attrString(cs, "unit"), "./target/clusterSize", 1n, ULLONG_MAX, false) ?? 0n;
  const features = childPath(root, "target", "features");
  if (features) {
    t.compat ??= "1.1";
    const set = new Set<string>();
    for (const f of childElements(features)) {
      if (!VIR_STORAGE_FILE_FEATURE.includes(f.local as never)) storageError(VIR_ERR_CONFIG_UNSUPPORTED, `unsupported feature ${f.local}`);
      set.add(f.local);
    }
    t.features = VIR_STORAGE_FILE_FEATURE.filter((f) => set.has(f));
  }
  return def;
}

/** virStrToLong_ui(s, NULL, 10, &x) succeeds */
function virStrToLongUiLoose(s: string): boolean {
  const v = virStrToLongLl(s, 10);
  if (v === null) return false;
  return (v >= 0n && v <= 0xffffffffn) || (v < 0n && -v <= 0xffffffffn);
}

/** virStorageVolDefParse(pool, xml, NULL, flags). Throws ConfError. */
export function parseVolumeXML(xml: string, opts: ParseVolumeOptions): StorageVolDef {
  return parseVolumeElement(parseConfXml(xml, "(storage_volume_definition)", "volume", VIR_FROM_STORAGE).root, opts);
}

function formatVolTarget(
  buf: XmlBuffer,
  hasFormats: boolean,
  t: { path: string | null; format: string | null; perms: StoragePerms } & Partial<StorageVolTarget>,
  elName: string,
): void {
  buf.add(`<${elName}>\n`);
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<path>${v}</path>\n`, t.path);
  if (hasFormats) {
    if (t.format === null) storageError(VIR_ERR_INTERNAL_ERROR, "unknown volume format number 0");
    buf.add(`<format type='${t.format}'/>\n`);
  }
  formatPerms(buf, t.perms);
  buf.addEscaped((v) => `<compat>${v}</compat>\n`, t.compat ?? null);
  if (t.clusterSize) buf.add(`<clusterSize unit='B'>${t.clusterSize}</clusterSize>\n`);
  if (t.features) {
    if (t.features.length === 0) buf.add("<features/>\n");
    else {
      buf.add("<features>\n");
      buf.adjustIndent(2);
      for (const f of t.features) buf.add(`<${f}/>\n`);
      buf.adjustIndent(-2);
      buf.add("</features>\n");
    }
  }
  buf.adjustIndent(-2);
  buf.add(`</${elName}>\n`);
}

/** virStorageVolDefFormat(pool, vol) */
export function formatVolumeXML(def: StorageVolDef, opts: { pool: Pick<StoragePoolDef, "type"> }): string {
  const hasFormats = POOL_TYPE_INFO[opts.pool.type].vol !== undefined;
  const buf = new XmlBuffer();
  buf.add(`<volume type='${def.type}'>\n`);
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<name>${v}</name>\n`, def.name);
  buf.addEscaped((v) => `<key>${v}</key>\n`, def.key);
  buf.add(`<capacity unit='bytes'>${def.capacity}</capacity>\n`);
  buf.add(`<allocation unit='bytes'>${def.allocation}</allocation>\n`);
  formatVolTarget(buf, hasFormats, def.target, "target");
  if (def.backingStore) formatVolTarget(buf, hasFormats, def.backingStore, "backingStore");
  buf.adjustIndent(-2);
  buf.add("</volume>\n");
  return buf.toString();
}
