import * as path from "node:path";
import { type BlockDriver, Qcow2Driver, type Qcow2Snapshot } from "./block.js";
import { QDict, dumpHuman, toJson } from "./qdict.js";
import { formatG, sizeToStr } from "./size.js";

/**
 * ImageInfo as bdrv_query_image_info() fills it (block/qapi.c), built as a QDict
 * in QAPI field order so that printing reproduces qemu's key order.
 */
export interface ImageInfo {
  filename: string;
  format: string;
  dirtyFlag: boolean;
  actualSize: number;
  virtualSize: number;
  clusterSize: number | null;
  backingFilename: string | null;
  fullBackingFilename: string | null;
  backingFilenameFormat: string | null;
  snapshots: Qcow2Snapshot[];
  formatSpecific: QDict | null;
}

/** bdrv_get_full_backing_filename(): relative names resolve against the overlay's directory. */
export function fullBackingFilename(overlay: string, backing: string): string {
  if (path.isAbsolute(backing)) return backing;
  const dir = overlay.includes("/") ? overlay.slice(0, overlay.lastIndexOf("/") + 1) : "";
  return dir + backing;
}

export function queryImageInfo(d: BlockDriver, filename: string): ImageInfo {
  const info: ImageInfo = {
    filename,
    format: d.format,
    dirtyFlag: false,
    actualSize: d.allocatedSize(),
    virtualSize: d.getLength(),
    clusterSize: null,
    backingFilename: null,
    fullBackingFilename: null,
    backingFilenameFormat: null,
    snapshots: [],
    formatSpecific: null,
  };
  if (d instanceof Qcow2Driver) {
    const h = d.header;
    info.clusterSize = d.clusterSize;
    info.dirtyFlag = d.dirty;
    info.snapshots = d.snapshots;
    if (h.backingFile !== null && h.backingFile !== "") {
      info.backingFilename = h.backingFile;
      info.fullBackingFilename = fullBackingFilename(filename, h.backingFile);
      if (h.backingFormat) info.backingFilenameFormat = h.backingFormat;
    }
    // qcow2_get_specific_info(): ImageInfoSpecificQCow2 fields in QAPI order.
    const data = new QDict();
    if (h.version === 2) {
      data.put("compat", "0.10");
      data.put("refcount-bits", 2 ** h.refcountOrder);
    } else {
      data.put("compat", "1.1");
      data.put("extended-l2", false);
      data.put("lazy-refcounts", (h.compatibleFeatures & 1n) !== 0n);
      data.put("corrupt", d.corrupt);
      data.put("refcount-bits", 2 ** h.refcountOrder);
    }
    data.put("compression-type", h.compressionType === 0 ? "zlib" : "zstd");
    info.formatSpecific = new QDict().put("type", "qcow2").put("data", data);
  }
  return info;
}

function snapshotDict(sn: Qcow2Snapshot): QDict {
  const q = new QDict()
    .put("id", sn.id)
    .put("name", sn.name)
    .put("vm-state-size", sn.vmStateSize)
    .put("date-sec", sn.dateSec)
    .put("date-nsec", sn.dateNsec)
    .put("vm-clock-sec", Math.floor(sn.vmClockNsec / 1e9))
    .put("vm-clock-nsec", sn.vmClockNsec % 1e9);
  if (sn.icount >= 0) q.put("icount", sn.icount);
  return q;
}

/** visit_type_ImageInfo() into a QDict (field order of qapi/block-core.json ImageInfo). */
export function imageInfoDict(info: ImageInfo): QDict {
  const q = new QDict();
  q.put("filename", info.filename);
  q.put("format", info.format);
  q.put("dirty-flag", info.dirtyFlag);
  q.put("actual-size", info.actualSize);
  q.put("virtual-size", info.virtualSize);
  if (info.clusterSize !== null) q.put("cluster-size", info.clusterSize);
  if (info.backingFilename !== null) q.put("backing-filename", info.backingFilename);
  if (info.fullBackingFilename !== null) q.put("full-backing-filename", info.fullBackingFilename);
  if (info.backingFilenameFormat !== null) q.put("backing-filename-format", info.backingFilenameFormat);
  if (info.snapshots.length > 0) q.put("snapshots", info.snapshots.map(snapshotDict));
  if (info.formatSpecific) q.put("format-specific", info.formatSpecific);
  return q;
}

export function imageInfoJson(info: ImageInfo): string {
  return `${toJson(imageInfoDict(info))}\n`;
}

export function imageInfoListJson(list: ImageInfo[]): string {
  return `${toJson(list.map(imageInfoDict))}\n`;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** bdrv_snapshot_dump(): one line of the snapshot table (without newline). */
export function snapshotLine(sn: Qcow2Snapshot | null): string {
  if (!sn) return `${"ID".padEnd(10)}${"TAG".padEnd(17)}${"VM SIZE".padStart(8)}${"DATE".padStart(20)}${"VM CLOCK".padStart(13)}${"ICOUNT".padStart(11)}`;
  const d = new Date(sn.dateSec * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const secs = Math.floor(sn.vmClockNsec / 1e9);
  const clock = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${String(Math.floor(sn.vmClockNsec / 1e6) % 1000).padStart(3, "0")}`;
  const icount = sn.icount >= 0 ? String(sn.icount) : "";
  return `${sn.id.padEnd(9)} ${sn.name.padEnd(16)} ${sizeToStr(sn.vmStateSize).padStart(8)}${date.padStart(20)}${clock.padStart(13)}${icount.padStart(11)}`;
}

/** bdrv_image_info_dump() */
export function imageInfoHuman(info: ImageInfo): string {
  let s = `image: ${info.filename}\nfile format: ${info.format}\nvirtual size: ${sizeToStr(info.virtualSize)} (${info.virtualSize} bytes)\ndisk size: ${sizeToStr(info.actualSize)}\n`;
  if (info.clusterSize !== null) s += `cluster_size: ${info.clusterSize}\n`;
  if (info.dirtyFlag) s += "cleanly shut down: no\n";
  if (info.backingFilename !== null) {
    s += `backing file: ${info.backingFilename}`;
    if (info.fullBackingFilename === null) s += " (cannot determine actual path)";
    else if (info.fullBackingFilename !== info.backingFilename) s += ` (actual path: ${info.fullBackingFilename})`;
    s += "\n";
    if (info.backingFilenameFormat !== null) s += `backing file format: ${info.backingFilenameFormat}\n`;
  }
  if (info.snapshots.length > 0) {
    s += `Snapshot list:\n${snapshotLine(null)}\n`;
    for (const sn of info.snapshots) s += `${snapshotLine(sn)}\n`;
  }
  if (info.formatSpecific) {
    s += "Format specific information:\n";
    s += dumpHuman(info.formatSpecific.get("data")!, 1);
  }
  return s;
}

export { formatG };
