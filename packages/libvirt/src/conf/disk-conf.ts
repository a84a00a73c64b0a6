// <disk> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainDiskDefParseXML,
// virDomainStorageSourceParse, virDomainDiskBackingStoreParse, virDomainDiskDefFormat,
// virDomainDiskSourceFormat, virDomainDiskBackingStoreFormat, virDomainDiskInsert,
// virDomainDiskDefAssignAddress; src/util/virutil.c: virDiskNameParse).
// Local storage only: file, block and dir sources. Network, volume, NVMe and vhost-user sources,
// <iotune>, <auth>, <encryption>, <mirror> and <geometry> are refused as unmodelled.
import { firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import {
  confError,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_SOURCE,
  VIR_ERR_NO_TARGET,
  VIR_ERR_XML_ERROR,
  VIR_FROM_XML,
} from "./conf-error.js";
import { checkVirtioOptionsAbsent, formatDeviceInfo, formatVirtioOptions, newDeviceInfo, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { DiskDef, StorageSource } from "./domain-def.js";
import {
  VIR_DOMAIN_DISK_BUS,
  VIR_DOMAIN_DISK_CACHE,
  VIR_DOMAIN_DISK_DETECT_ZEROES,
  VIR_DOMAIN_DISK_DEVICE,
  VIR_DOMAIN_DISK_DISCARD,
  VIR_DOMAIN_DISK_ERROR_POLICY,
  VIR_DOMAIN_DISK_IO,
  VIR_DOMAIN_DISK_MODEL,
  VIR_DOMAIN_DISK_TRAY,
  VIR_DOMAIN_DEVICE_SGIO,
  VIR_DOMAIN_SNAPSHOT_LOCATION,
  VIR_DOMAIN_STARTUP_POLICY,
  VIR_STORAGE_FILE_FORMAT,
  VIR_STORAGE_TYPE,
  type DiskBus,
  type StorageFileFormat,
  type StorageType,
} from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT, VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT, VIR_DOMAIN_DEF_PARSE_INACTIVE } from "./domain-flags.js";
import { rejectUnmodelled, VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString, elementString, parseScaledValue, ULLONG_MAX } from "./units.js";
import {
  propEnum,
  propString,
  propTristateBool,
  propTristateSwitch,
  propUInt,
  VIR_XML_PROP_NONZERO,
  type TristateSwitch,
} from "./virxml-props.js";
import { virStrToLongUip } from "./virstring.js";

const DISK_UNMODELLED = ["iotune", "auth", "encryption", "mirror", "geometry", "reservations", "backenddomain", "throttlefilters"];
const SOURCE_UNMODELLED = ["auth", "encryption", "seclabel", "reservations", "slices", "host", "snapshot", "config", "cookies", "ssl", "readahead", "timeout", "privateData"];

export function newStorageSource(type: StorageType = "file"): StorageSource {
  return { type, path: null, fdgroup: null, format: null, id: 0, readonly: false, shared: false, metadataCacheMaxSize: 0n, backingStore: null };
}

/** virStorageSourceIsEmpty for local storage: no path */
export function storageSourceIsEmpty(src: StorageSource): boolean {
  return src.path === null;
}

function parseStorageType(type: string | null, what: "disk" | "backing"): StorageType {
  if (type === null) return "file";
  const i = VIR_STORAGE_TYPE.indexOf(type as never);
  if (i <= 0) {
    if (what === "backing") throw confError(VIR_ERR_XML_ERROR, `unknown storage source type '${type}'`);
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute 'type' in element 'disk': '${type}'.`, VIR_FROM_XML);
  }
  const t = VIR_STORAGE_TYPE[i] as StorageType;
  if (t !== "file" && t !== "block" && t !== "dir") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `disk source type '${t}' is not supported by virtkit`);
  }
  return t;
}

/** virDomainStorageSourceParse for the local source types */
export function parseStorageSource(node: XmlElement, src: StorageSource): void {
  rejectUnmodelled(node, SOURCE_UNMODELLED, "<source>");
  switch (src.type) {
    case "file":
      src.path = propString(node, "file");
      src.fdgroup = propString(node, "fdgroup");
      break;
    case "block":
      src.path = propString(node, "dev");
      break;
    case "dir":
      src.path = propString(node, "dir");
      break;
    default:
      break;
  }
  // a bogus '' path means "no source" (e.g. an empty CD-ROM)
  if (src.path === "") src.path = null;
}

/** virDomainDiskBackingStoreParse (recursive) */
function parseBackingStore(parent: XmlElement, src: StorageSource, flags: number): void {
  const node = firstChild(parent, "backingStore");
  if (!node) return;
  const type = propString(node, "type");
  if (type === null) {
    src.backingStore = "terminator";
    return;
  }
  const idx = flags & VIR_DOMAIN_DEF_PARSE_INACTIVE ? null : propString(node, "index");
  const format = attrString(firstChild(node, "format"), "type");
  if (format === null) throw confError(VIR_ERR_XML_ERROR, "missing disk backing store format");
  const source = firstChild(node, "source");
  if (!source) throw confError(VIR_ERR_XML_ERROR, "missing disk backing store source");
  const bs = newStorageSource(parseStorageType(type, "backing"));
  const fi = VIR_STORAGE_FILE_FORMAT.indexOf(format as never);
  if (fi <= 0) throw confError(VIR_ERR_XML_ERROR, `unknown storage source format '${format}'`);
  bs.format = VIR_STORAGE_FILE_FORMAT[fi] as StorageFileFormat;
  if (idx !== null) {
    const id = virStrToLongUip(idx);
    if (id === null) throw confError(VIR_ERR_XML_ERROR, `invalid storage source index '${idx}'`);
    bs.id = id;
  }
  const maxSize = firstChild(firstChild(node, "format") ?? node, "metadata_cache");
  const ms = maxSize ? firstChild(maxSize, "max_size") : null;
  bs.metadataCacheMaxSize =
    parseScaledValue(elementString(ms), attrString(ms, "unit"), "./format/metadata_cache/max_size", 1n, ULLONG_MAX, false) ?? 0n;
  bs.readonly = true;
  parseStorageSource(source, bs);
  parseBackingStore(node, bs, flags);
  src.backingStore = bs;
}

/** virDomainDiskDefParseXML */
export function parseDisk(node: XmlElement, ctx: ParseContext): DiskDef {
  rejectUnmodelled(node, DISK_UNMODELLED, "<disk>");
  // virDomainDiskDefParseSourceXML
  const typeAttr = propString(node, "type");
  let type: StorageType = "file";
  if (typeAttr !== null) type = parseStorageType(typeAttr, "disk");
  const src = newStorageSource(type);
  const sourceNode = firstChild(node, "source");
  if (sourceNode) {
    parseStorageSource(sourceNode, src);
    if (!(ctx.flags & VIR_DOMAIN_DEF_PARSE_INACTIVE)) {
      const si = propString(sourceNode, "index");
      if (si !== null) {
        const id = virStrToLongUip(si);
        if (id === null) throw confError(VIR_ERR_XML_ERROR, `invalid disk index '${si}'`);
        src.id = id;
      }
    }
  } else {
    src.type = "file";
  }
  if (firstChild(node, "readonly")) src.readonly = true;
  if (firstChild(node, "shareable")) src.shared = true;
  parseBackingStore(node, src, ctx.flags);

  const device = propEnum(node, "device", VIR_DOMAIN_DISK_DEVICE) ?? "disk";
  const model = propEnum(node, "model", VIR_DOMAIN_DISK_MODEL);
  const snapshot = propEnum(node, "snapshot", VIR_DOMAIN_SNAPSHOT_LOCATION, VIR_XML_PROP_NONZERO);
  const rawio = propTristateBool(node, "rawio");
  const sgio = propEnum(node, "sgio", VIR_DOMAIN_DEVICE_SGIO, VIR_XML_PROP_NONZERO);
  const startupPolicy = sourceNode ? propEnum(sourceNode, "startupPolicy", VIR_DOMAIN_STARTUP_POLICY, VIR_XML_PROP_NONZERO) : null;

  const disk: DiskDef = {
    device,
    bus: null,
    dst: null,
    src,
    model: model === "default" ? null : model,
    snapshot: snapshot as DiskDef["snapshot"],
    rawio,
    sgio: sgio as DiskDef["sgio"],
    startupPolicy: startupPolicy as DiskDef["startupPolicy"],
    driver: {
      name: null,
      cache: null,
      errorPolicy: null,
      rerrorPolicy: null,
      io: null,
      ioeventfd: null,
      eventIdx: null,
      copyOnRead: null,
      discard: null,
      iothread: 0,
      detectZeroes: null,
      queues: 0,
      queueSize: 0,
    },
    virtio: null,
    tray: "closed",
    removable: null,
    rotationRate: 0,
    blockio: { logicalBlockSize: 0, physicalBlockSize: 0 },
    transient: false,
    transientShareBacking: null,
    serial: null,
    wwn: null,
    vendor: null,
    product: null,
    info: newDeviceInfo(),
  };

  const target = firstChild(node, "target");
  if (target) {
    disk.dst = propString(target, "dev");
    disk.bus = propEnum(target, "bus", VIR_DOMAIN_DISK_BUS, VIR_XML_PROP_NONZERO) as DiskBus | null;
    disk.tray = propEnum(target, "tray", VIR_DOMAIN_DISK_TRAY) ?? "closed";
    disk.removable = propTristateSwitch(target, "removable");
    disk.rotationRate = propUInt(target, "rotation_rate") ?? 0;
  }
  const blockio = firstChild(node, "blockio");
  if (blockio) {
    disk.blockio.logicalBlockSize = propUInt(blockio, "logical_block_size") ?? 0;
    disk.blockio.physicalBlockSize = propUInt(blockio, "physical_block_size") ?? 0;
  }
  const driver = firstChild(node, "driver");
  if (driver) {
    disk.virtio = parseVirtioOptions(driver);
    const d = disk.driver;
    d.name = propString(driver, "name");
    const cache = propEnum(driver, "cache", VIR_DOMAIN_DISK_CACHE);
    d.cache = cache === "default" ? null : cache;
    d.errorPolicy = propEnum(driver, "error_policy", VIR_DOMAIN_DISK_ERROR_POLICY, VIR_XML_PROP_NONZERO) as DiskDef["driver"]["errorPolicy"];
    d.rerrorPolicy = propEnum(driver, "rerror_policy", VIR_DOMAIN_DISK_ERROR_POLICY, VIR_XML_PROP_NONZERO) as DiskDef["driver"]["rerrorPolicy"];
    if (d.rerrorPolicy === "enospace") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Invalid disk read error policy: 'enospace'");
    d.io = propEnum(driver, "io", VIR_DOMAIN_DISK_IO, VIR_XML_PROP_NONZERO) as DiskDef["driver"]["io"];
    d.ioeventfd = propTristateSwitch(driver, "ioeventfd");
    d.eventIdx = propTristateSwitch(driver, "event_idx");
    d.copyOnRead = propTristateSwitch(driver, "copy_on_read");
    d.discard = propEnum(driver, "discard", VIR_DOMAIN_DISK_DISCARD, VIR_XML_PROP_NONZERO) as DiskDef["driver"]["discard"];
    d.iothread = propUInt(driver, "iothread", VIR_XML_PROP_NONZERO) ?? 0;
    d.detectZeroes = propEnum(driver, "detect_zeroes", VIR_DOMAIN_DISK_DETECT_ZEROES, VIR_XML_PROP_NONZERO) as DiskDef["driver"]["detectZeroes"];
    d.queues = propUInt(driver, "queues") ?? 0;
    d.queueSize = propUInt(driver, "queue_size") ?? 0;
    // virDomainDiskDefDriverSourceParseXML
    const ftype = propString(driver, "type");
    if (ftype !== null) {
      if (ftype === "aio") {
        src.format = "raw";
      } else {
        const fi = VIR_STORAGE_FILE_FORMAT.indexOf(ftype as never);
        if (fi <= 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown driver format value '${ftype}'`);
        src.format = VIR_STORAGE_FILE_FORMAT[fi] as StorageFileFormat;
      }
    }
    const mc = firstChild(driver, "metadata_cache");
    const ms = mc ? firstChild(mc, "max_size") : null;
    src.metadataCacheMaxSize = parseScaledValue(elementString(ms), attrString(ms, "unit"), "./metadata_cache/max_size", 1n, ULLONG_MAX, false) ?? 0n;
  }
  const transient = firstChild(node, "transient");
  if (transient) {
    disk.transient = true;
    disk.transientShareBacking = propTristateBool(transient, "shareBacking");
  }
  disk.serial = elementString(firstChild(node, "serial"));
  disk.wwn = elementString(firstChild(node, "wwn"));
  disk.vendor = elementString(firstChild(node, "vendor"));
  disk.product = elementString(firstChild(node, "product"));
  disk.info = parseDeviceInfo(node, ctx.flags | VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT, {
    userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0,
  });
  return disk;
}

// --- disk names and placement -----------------------------------------------------------------------

const DRIVE_PREFIXES = ["fd", "hd", "vd", "sd", "xvd", "ubd"];

/** virDiskNameToIndex: "sda" -> 0, "hdz" -> 25, "vdaa" -> 26; -1 if not a disk name */
export function diskNameToIndex(name: string | null): number {
  if (name === null) return -1;
  const prefix = DRIVE_PREFIXES.find((p) => name.startsWith(p));
  if (prefix === undefined) return -1;
  let i = prefix.length;
  const isLower = (c: string | undefined): boolean => c !== undefined && c >= "a" && c <= "z";
  if (!isLower(name[i])) return -1;
  let idx = 0;
  for (let n = 0; isLower(name[i]); n++, i++) {
    idx = (idx + (n < 1 ? 0 : 1)) * 26;
    idx += name.charCodeAt(i) - 0x61;
  }
  if (!/^[0-9]*$/.test(name.slice(i))) return -1;
  return idx;
}

/** virDomainDiskInsert: keep disks of one bus ordered by their drive index */
export function insertDisk(disks: DiskDef[], disk: DiskDef): void {
  let insertAt = -1;
  for (let idx = disks.length - 1; idx >= 0; idx--) {
    const d = disks[idx]!;
    if (d.bus === disk.bus && d.dst !== null && disk.dst !== null && diskNameToIndex(d.dst) > diskNameToIndex(disk.dst)) {
      insertAt = idx;
    } else if (d.bus === disk.bus && insertAt === -1) {
      insertAt = idx + 1;
    }
  }
  if (insertAt < 0) disks.push(disk);
  else disks.splice(insertAt, 0, disk);
}

/** virDomainDiskDefAssignAddress: the default drive address of a controller-based bus */
export function assignDiskAddress(disk: DiskDef, scsiBusMaxUnit: number): void {
  const idx = diskNameToIndex(disk.dst);
  if (idx < 0) throw confError(VIR_ERR_XML_ERROR, `Unknown disk name '${disk.dst ?? ""}' and no address specified`);
  switch (disk.bus) {
    case "scsi": {
      let controller: number;
      let unit: number;
      if (scsiBusMaxUnit > 7) {
        controller = Math.floor(idx / (scsiBusMaxUnit - 1));
        unit = idx % (scsiBusMaxUnit - 1);
        if (unit >= 7) unit++;
      } else {
        controller = Math.floor(idx / 7);
        unit = idx % 7;
      }
      disk.info.address = { type: "drive", controller, bus: 0, target: 0, unit };
      break;
    }
    case "ide":
      disk.info.address = { type: "drive", controller: Math.floor(idx / 4), bus: Math.floor((idx % 4) / 2), target: 0, unit: idx % 2 };
      break;
    case "sata":
      disk.info.address = { type: "drive", controller: Math.floor(idx / 6), bus: 0, target: 0, unit: idx % 6 };
      break;
    case "fdc":
      disk.info.address = { type: "drive", controller: Math.floor(idx / 2), bus: 0, target: 0, unit: idx % 2 };
      break;
    default:
      break;
  }
}

/** virDomainDiskDefPostParse (domain_postparse.c) */
export function postParseDisk(disk: DiskDef, scsiBusMaxUnit: number): void {
  if (disk.dst?.startsWith("ioemu:")) disk.dst = disk.dst.slice(6);
  if (disk.device === "cdrom") disk.src.readonly = true;
  if (disk.bus === null) {
    let bus: DiskBus = "ide";
    if (disk.device === "floppy") bus = "fdc";
    else if (disk.dst !== null) {
      if (disk.dst.startsWith("hd")) bus = "ide";
      else if (disk.dst.startsWith("sd")) bus = "scsi";
      else if (disk.dst.startsWith("vd")) bus = "virtio";
      else if (disk.dst.startsWith("xvd")) bus = "xen";
      else if (disk.dst.startsWith("ubd")) bus = "uml";
    }
    disk.bus = bus;
  }
  if (disk.snapshot === null && disk.src.readonly) disk.snapshot = "no";
  if (disk.info.address === null && disk.dst !== null) assignDiskAddress(disk, scsiBusMaxUnit);
}

// --- validation -----------------------------------------------------------------------------------------

/** virDomainDiskDefValidate for the modelled parts */
export function validateDisk(disk: DiskDef): void {
  if (disk.dst === null) {
    throw confError(VIR_ERR_NO_TARGET, disk.src.path);
  }
  const bus = disk.bus ?? "none";
  if (disk.sgio === "unfiltered") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "unfiltered sgio is no longer supported");
  if (disk.device === "lun") {
    if (disk.src.type !== "block") {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk device='lun' is only valid for block type disk source");
    }
    if (disk.src.format !== null && disk.src.format !== "raw") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk device 'lun' must use 'raw' format");
  } else {
    if (disk.rawio !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "rawio can be used only with device='lun'");
    if (disk.sgio !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "sgio can be used only with device='lun'");
  }
  const addrType = disk.info.address?.type ?? "none";
  if ((bus === "ide" || bus === "fdc" || bus === "scsi" || bus === "sata") && addrType !== "none" && addrType !== "drive") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid address type '${addrType}' for the disk '${disk.dst}' with the bus type '${bus}'`);
  }
  if (bus !== "virtio") {
    if (disk.model !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `disk model '${disk.model}' not supported for bus '${bus}'`);
    if (disk.driver.queues) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "queues attribute in disk driver element is only supported by virtio-blk");
    if (disk.driver.eventIdx !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk event_idx mode supported only for virtio bus");
    if (disk.driver.ioeventfd !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk ioeventfd mode supported only for virtio bus");
    checkVirtioOptionsAbsent(disk.virtio);
  }
  if (disk.tray !== "closed" && disk.device !== "floppy" && disk.device !== "cdrom") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "tray is only valid for cdrom and floppy");
  }
  const printable = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);
  if (disk.vendor !== null) {
    if (!printable(disk.vendor)) throw confError(VIR_ERR_XML_ERROR, "disk vendor is not printable string");
    if (Buffer.byteLength(disk.vendor) > 8) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk vendor is more than 8 characters");
  }
  if (disk.product !== null) {
    if (!printable(disk.product)) throw confError(VIR_ERR_XML_ERROR, "disk product is not printable string");
    if (Buffer.byteLength(disk.product) > 16) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "disk product is more than 16 characters");
  }
  if (disk.device === "floppy" && bus !== "fdc") throw confError(VIR_ERR_INTERNAL_ERROR, `Invalid bus type '${bus}' for floppy disk`);
  if (disk.device !== "floppy" && bus === "fdc") throw confError(VIR_ERR_INTERNAL_ERROR, `Invalid bus type '${bus}' for disk`);
  if (disk.removable !== null && bus !== "usb") throw confError(VIR_ERR_XML_ERROR, "removable is only valid for usb disks");
  if (disk.startupPolicy !== null && disk.device !== "cdrom" && disk.device !== "floppy" && disk.startupPolicy === "requisite") {
    throw confError(VIR_ERR_XML_ERROR, "disk startupPolicy 'requisite' is allowed only for cdrom or floppy");
  }
  if (disk.wwn !== null && !/^(0x)?[0-9a-fA-F]{16}$/.test(disk.wwn)) {
    throw confError(VIR_ERR_XML_ERROR, `Malformed wwn: ${disk.wwn}`, 0);
  }
  if ((disk.device === "disk" || disk.device === "lun") && !["hd", "sd", "vd", "xvd", "ubd"].some((p) => disk.dst!.startsWith(p))) {
    throw confError(VIR_ERR_INTERNAL_ERROR, `Invalid harddisk device name: ${disk.dst}`);
  }
  if (disk.device === "floppy" && !disk.dst.startsWith("fd")) throw confError(VIR_ERR_INTERNAL_ERROR, `Invalid floppy device name: ${disk.dst}`);
  if (storageSourceIsEmpty(disk.src) && disk.device === "disk") throw confError(VIR_ERR_NO_SOURCE, disk.dst);
}

// --- formatting -----------------------------------------------------------------------------------------

function attrBuf(text = ""): XmlBuffer {
  const b = new XmlBuffer();
  if (text !== "") b.add(text);
  return b;
}

/** virDomainDiskSourceFormat for the local source types */
export function formatSource(buf: XmlBuffer, src: StorageSource, startupPolicy: string | null, attrIndex: boolean): void {
  const attr = attrBuf();
  const key = src.type === "block" ? "dev" : src.type === "dir" ? "dir" : "file";
  attr.addEscaped((v) => ` ${key}='${v}'`, src.path);
  if (src.type === "file") attr.addEscaped((v) => ` fdgroup='${v}'`, src.fdgroup);
  if (startupPolicy !== null) attr.addEscaped((v) => ` startupPolicy='${v}'`, startupPolicy);
  if (attrIndex && src.id !== 0) attr.add(` index='${src.id}'`);
  formatElement(buf, "source", attr, buf.child());
}

/** virDomainDiskBackingStoreFormat (recursive) */
function formatBackingStore(buf: XmlBuffer, src: StorageSource): void {
  const bs = src.backingStore;
  if (bs === null) return;
  if (bs === "terminator") {
    buf.add("<backingStore/>\n");
    return;
  }
  if (bs.format === null) throw confError(VIR_ERR_INTERNAL_ERROR, "unexpected disk backing store format 0");
  const child = buf.child();
  let attrs = ` type='${bs.type}'`;
  if (bs.id !== 0) attrs += ` index='${bs.id}'`;
  const fmtChild = child.child();
  if (bs.metadataCacheMaxSize > 0n) {
    const mc = fmtChild.child();
    mc.add(`<max_size unit='bytes'>${bs.metadataCacheMaxSize}</max_size>\n`);
    formatElement(fmtChild, "metadata_cache", null, mc);
  }
  formatElement(child, "format", attrBuf(` type='${bs.format}'`), fmtChild);
  formatSource(child, bs, null, false);
  formatBackingStore(child, bs);
  formatElement(buf, "backingStore", attrBuf(attrs), child);
}

function fmtSwitch(name: string, v: TristateSwitch): string {
  return v !== null ? ` ${name}='${v}'` : "";
}

/** virDomainDiskDefFormat */
export function formatDisk(buf: XmlBuffer, disk: DiskDef, flags: number): void {
  const child = buf.child();
  let attrs = ` type='${disk.src.type}' device='${disk.device}'`;
  if (disk.model !== null) attrs += ` model='${disk.model}'`;
  if (disk.rawio !== null) attrs += ` rawio='${disk.rawio}'`;
  if (disk.sgio !== null) attrs += ` sgio='${disk.sgio}'`;
  if (disk.snapshot !== null && !(disk.snapshot === "no" && disk.src.readonly)) attrs += ` snapshot='${disk.snapshot}'`;

  // virDomainDiskDefFormatDriver
  const d = disk.driver;
  const dAttr = attrBuf();
  dAttr.addEscaped((v) => ` name='${v}'`, d.name);
  if (disk.src.format !== null) dAttr.add(` type='${disk.src.format}'`);
  if (d.cache !== null) dAttr.add(` cache='${d.cache}'`);
  if (d.errorPolicy !== null) dAttr.add(` error_policy='${d.errorPolicy}'`);
  if (d.rerrorPolicy !== null) dAttr.add(` rerror_policy='${d.rerrorPolicy}'`);
  if (d.io !== null) dAttr.add(` io='${d.io}'`);
  dAttr.add(fmtSwitch("ioeventfd", d.ioeventfd) + fmtSwitch("event_idx", d.eventIdx) + fmtSwitch("copy_on_read", d.copyOnRead));
  if (d.discard !== null) dAttr.add(` discard='${d.discard}'`);
  if (d.iothread) dAttr.add(` iothread='${d.iothread}'`);
  if (d.detectZeroes !== null) dAttr.add(` detect_zeroes='${d.detectZeroes}'`);
  if (d.queues) dAttr.add(` queues='${d.queues}'`);
  if (d.queueSize) dAttr.add(` queue_size='${d.queueSize}'`);
  dAttr.add(formatVirtioOptions(disk.virtio));
  const dChild = child.child();
  if (disk.src.metadataCacheMaxSize > 0n) {
    const mc = dChild.child();
    mc.add(`<max_size unit='bytes'>${disk.src.metadataCacheMaxSize}</max_size>\n`);
    formatElement(dChild, "metadata_cache", null, mc);
  }
  formatElement(child, "driver", dAttr, dChild);

  formatSource(child, disk.src, disk.startupPolicy, true);
  formatBackingStore(child, disk.src);
  if (disk.blockio.logicalBlockSize > 0 || disk.blockio.physicalBlockSize > 0) {
    let s = "<blockio";
    if (disk.blockio.logicalBlockSize > 0) s += ` logical_block_size='${disk.blockio.logicalBlockSize}'`;
    if (disk.blockio.physicalBlockSize > 0) s += ` physical_block_size='${disk.blockio.physicalBlockSize}'`;
    child.add(s + "/>\n");
  }
  let target = `<target dev='${disk.dst ?? "(null)"}' bus='${disk.bus ?? "none"}'`;
  if ((disk.device === "floppy" || disk.device === "cdrom") && disk.tray !== "closed") target += ` tray='${disk.tray}'`;
  if (disk.bus === "usb" && disk.removable !== null) target += ` removable='${disk.removable}'`;
  if (disk.rotationRate) target += ` rotation_rate='${disk.rotationRate}'`;
  child.add(target + "/>\n");
  if (disk.src.readonly) child.add("<readonly/>\n");
  if (disk.src.shared) child.add("<shareable/>\n");
  if (disk.transient) child.add(`<transient${disk.transientShareBacking === "yes" ? " shareBacking='yes'" : ""}/>\n`);
  child.addEscaped((v) => `<serial>${v}</serial>\n`, disk.serial);
  child.addEscaped((v) => `<wwn>${v}</wwn>\n`, disk.wwn);
  child.addEscaped((v) => `<vendor>${v}</vendor>\n`, disk.vendor);
  child.addEscaped((v) => `<product>${v}</product>\n`, disk.product);
  formatDeviceInfo(child, disk.info, flags | VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT);
  formatElement(buf, "disk", attrBuf(attrs), child);
}
