// Group "Storage Volume" (tools/virsh-volume.c): vol-list, vol-info, vol-dumpxml, vol-create-as,
// vol-delete, vol-upload, vol-download, vol-path, vol-key, vol-name.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import {
  VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
  VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA,
  VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM,
  VIR_STORAGE_VOL_GET_PHYSICAL,
  VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM,
  VirError,
  type StorageVol,
  type StorageVolInfo,
  type Stream,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { ULLONG_MAX, scaleInteger, strToUnsigned } from "../shell/numbers.js";
import type { ParsedCommand } from "../shell/parsed-command.js";
import { VSH_ERR_DEBUG, type Shell } from "../shell/shell.js";
import { VshTable } from "../shell/table.js";
import { ByteProgress, stderrIsTerminal } from "../util/progress.js";
import { dumpXML } from "../util/xpath.js";
import { VIRSH_BYUUID, optPool, optVol } from "./lookup.js";
import { storageVolGetInfoFlags } from "./optional-api.js";
import { pretty } from "./storage-pool.js";
import { VOL_TYPE } from "./strings.js";

/** VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS */
const VOL_DELETE_WITH_SNAPSHOTS = 2;
/** Stream chunk size virsh uses (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX). */
const CHUNK = 256 * 1024;

const volOpt = (help: string) => ({ name: "vol", type: "data", required: true, help, complete: "volume" }) as const;
const poolOptOpt = { name: "pool", type: "string", help: "pool name or uuid", complete: "pool", completeFlags: VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE } as const;

function field(ctl: Shell, label: string, value: string): void {
  ctl.print(`${padEnd(label, 15)} ${value}\n`);
}

/** virshVolSize: a byte count with an optional unit suffix. */
function volSize(ctl: Shell, s: string): bigint | null {
  const r = strToUnsigned(s, ULLONG_MAX, false);
  if (!r) return null;
  const v = scaleInteger(r.value, r.rest, 1n, ULLONG_MAX);
  if (typeof v === "bigint") return v;
  ctl.saveError(v);
  return null;
}

async function cmdVolCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const printXML = cmd.bool("print-xml");
  const flags = cmd.bool("prealloc-metadata") ? VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA : 0;
  const { pool } = await optPool(ctl, cmd);
  const name = cmd.requiredString(ctl, "name");
  const capacityStr = cmd.requiredString(ctl, "capacity");
  const capacity = volSize(ctl, capacityStr);
  if (capacity === null) {
    ctl.error(`Malformed size ${capacityStr}`);
    return false;
  }
  const allocationStr = cmd.stringQuiet("allocation");
  let allocation = 0n;
  if (allocationStr !== null) {
    const a = volSize(ctl, allocationStr);
    if (a === null) {
      ctl.error(`Malformed size ${allocationStr}`);
      return false;
    }
    allocation = a;
  }
  const format = cmd.string(ctl, "format");
  const backingVol = cmd.string(ctl, "backing-vol");
  const backingFormat = cmd.string(ctl, "backing-vol-format");
  let xml = `<volume>\n  <name>${name}</name>\n  <capacity>${capacity}</capacity>\n`;
  if (allocationStr !== null) xml += `  <allocation>${allocation}</allocation>\n`;
  if (format !== null) xml += `  <target>\n    <format type='${format}'/>\n  </target>\n`;
  if (backingVol !== null) {
    const conn = ctl.c;
    const tryLookup = async (how: string, f: () => Promise<StorageVol>): Promise<StorageVol | null> => {
      ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: Look up backing store volume '${backingVol}' as ${how}\n`);
      try {
        const v = await f();
        ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: Backing store volume found using '${backingVol}' as ${how}\n`);
        return v;
      } catch (e) {
        if (!(e instanceof VirError)) throw e;
        ctl.saveError(e);
        return null;
      }
    };
    const snapVol =
      (await tryLookup("name", () => pool.storageVolLookupByName(backingVol))) ??
      (await tryLookup("key", () => conn.storageVolLookupByKey(backingVol))) ??
      (await tryLookup("path", () => conn.storageVolLookupByPath(backingVol)));
    if (!snapVol) {
      ctl.error(`failed to get vol '${backingVol}'`);
      return false;
    }
    ctl.resetError();
    const path = await snapVol.path();
    xml += `  <backingStore>\n    <path>${path}</path>\n`;
    if (backingFormat !== null) xml += `    <format type='${backingFormat}'/>\n`;
    xml += "  </backingStore>\n";
  }
  xml += "</volume>\n";
  if (printXML) {
    ctl.print(xml);
    return true;
  }
  const r = await ctl.attempt(pool.createXML(xml, flags));
  if (!r.ok) {
    ctl.error(`Failed to create vol ${name}`);
    return false;
  }
  ctl.printExtra(`Vol ${name} created\n`);
  return true;
}

async function cmdVolDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { vol, name } = await optVol(ctl, cmd);
  const flags = cmd.bool("delete-snapshots") ? VOL_DELETE_WITH_SNAPSHOTS : 0;
  const r = await ctl.attempt(vol.delete(flags));
  if (!r.ok) {
    ctl.error(`Failed to delete vol ${name}`);
    return false;
  }
  ctl.printExtra(`Vol ${name} deleted\n`);
  return true;
}

async function cmdVolDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const wrap = cmd.bool("wrap");
  const { vol } = await optVol(ctl, cmd);
  const xpath = cmd.stringQuiet("xpath");
  const xml = await vol.XMLDesc(0);
  return dumpXML(ctl, xml, xpath, wrap);
}

async function cmdVolInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const bytes = cmd.bool("bytes");
  const physical = cmd.bool("physical");
  const { vol } = await optVol(ctl, cmd);
  field(ctl, "Name:", vol.name());
  const info: StorageVolInfo = physical ? await storageVolGetInfoFlags(vol, VIR_STORAGE_VOL_GET_PHYSICAL) : await vol.info();
  field(ctl, "Type:", VOL_TYPE[info.type] ?? "unknown");
  const second = physical ? "Physical:" : "Allocation:";
  if (bytes) {
    field(ctl, "Capacity:", `${info.capacity} bytes`);
    field(ctl, second, `${info.allocation} bytes`);
  } else {
    field(ctl, "Capacity:", pretty(info.capacity));
    field(ctl, second, pretty(info.allocation));
  }
  return true;
}

async function cmdVolKey(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { vol } = await optVol(ctl, cmd);
  ctl.print(`${vol.key()}\n`);
  return true;
}

async function cmdVolName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { vol } = await optVol(ctl, cmd, "vol", null, VIRSH_BYUUID);
  ctl.print(`${vol.name()}\n`);
  return true;
}

async function cmdVolPath(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { vol } = await optVol(ctl, cmd);
  ctl.print(`${await vol.path()}\n`);
  return true;
}

async function cmdVolList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const details = cmd.bool("details");
  const { pool } = await optPool(ctl, cmd);
  const r = await ctl.attempt(pool.listAllVolumes(0));
  if (!r.ok) {
    ctl.error("Failed to list volumes");
    return false;
  }
  const vols = [...r.value].sort((a, b) => { const x = a.name().toLowerCase(); const y = b.name().toLowerCase(); return x < y ? -1 : x > y ? 1 : 0; });
  const table = details ? new VshTable("Name", "Path", "Type", "Capacity", "Allocation") : new VshTable("Name", "Path");
  for (const v of vols) {
    const path = await v.path().catch(() => "unknown");
    if (!details) {
      table.add(v.name(), path);
      continue;
    }
    const info = await v.info().catch(() => null);
    if (!info) table.add(v.name(), path, "unknown", "unknown", "unknown");
    else table.add(v.name(), path, VOL_TYPE[info.type] ?? "unknown", pretty(info.capacity), pretty(info.allocation));
  }
  ctl.print(table.format(!ctl.quiet));
  ctl.resetError();
  return true;
}

/** The transfer range options of vol-upload / vol-download. */
function range(ctl: Shell, cmd: ParsedCommand): { offset: number; length: number } {
  const offset = cmd.ulonglong(ctl, "offset") ?? 0n;
  const length = cmd.ulonglongWrap(ctl, "length") ?? 0n;
  return { offset: Number(offset), length: Number(length > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : length) };
}

/** Is a block of the file all zeros (a hole to send in a sparse stream)? */
function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

async function cmdVolUpload(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { offset, length } = range(ctl, cmd);
  const { vol, name } = await optVol(ctl, cmd);
  const file = cmd.requiredString(ctl, "file");
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    ctl.error(`cannot read ${file}`);
    return false;
  }
  try {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch {
      ctl.error(`unable to stat ${file}`);
      return false;
    }
    const sparse = cmd.bool("sparse");
    const st: Stream = ctl.c.newStream(0);
    const up = await ctl.attempt(vol.upload(st, offset, length, sparse ? VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0));
    if (!up.ok) {
      ctl.error(`cannot upload to volume ${name}`);
      return false;
    }
    const total = length > 0 ? Math.min(length, size) : size;
    const progress = new ByteProgress(ctl, "Upload", total, stderrIsTerminal());
    const buf = Buffer.allocUnsafe(CHUNK);
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        const chunk = buf.subarray(0, n);
        // virStreamSparseSendAll: runs of zeros travel as holes (virFileInData finds them with
        // SEEK_DATA; here a zero block is what the file reads back as a hole).
        if (sparse && allZero(chunk)) await st.sendHole(n, 0);
        else await st.send(Uint8Array.from(chunk));
        progress.add(n);
      }
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      ctl.saveError(e);
      await st.abort().catch(() => undefined);
      ctl.error(`cannot send data to volume ${name}`);
      return false;
    }
    const fin = await ctl.attempt(st.finish());
    if (!fin.ok) {
      ctl.error(`cannot close volume ${name}`);
      return false;
    }
    progress.finish();
    return true;
  } finally {
    closeSync(fd);
  }
}

async function cmdVolDownload(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { offset, length } = range(ctl, cmd);
  const { vol, name } = await optVol(ctl, cmd);
  const file = cmd.requiredString(ctl, "file");
  const sparse = cmd.bool("sparse");
  let fd: number;
  let created = false;
  try {
    fd = openSync(file, "wx", 0o666);
    created = true;
  } catch (e) {
    try {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      fd = openSync(file, "w", 0o666);
    } catch {
      ctl.error(`cannot create ${file}`);
      return false;
    }
  }
  let ok = false;
  try {
    const st: Stream = ctl.c.newStream(0);
    const down = await ctl.attempt(vol.download(st, offset, length, sparse ? VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0));
    if (!down.ok) {
      ctl.error(`cannot download from volume ${name}`);
      return false;
    }
    const info = await vol.info().catch(() => null);
    const total = length > 0 ? length : info ? Math.max(0, info.capacity - offset) : 0;
    const progress = new ByteProgress(ctl, "Download", total, stderrIsTerminal());
    let pos = 0;
    try {
      for (;;) {
        const item = await st.next();
        if (item.kind === "eof") break;
        if (item.kind === "hole") {
          // virshStreamSkip: seek past the hole and extend the file to it.
          pos += item.length;
          ftruncateSync(fd, pos);
          progress.add(item.length);
          continue;
        }
        let off = 0;
        while (off < item.data.length) off += writeSync(fd, item.data, off, item.data.length - off, pos + off);
        pos += item.data.length;
        progress.add(item.data.length);
      }
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      ctl.saveError(e);
      ctl.error(`cannot receive data from volume ${name}`);
      return false;
    }
    const fin = await ctl.attempt(st.finish());
    if (!fin.ok) {
      ctl.error(`cannot close volume ${name}`);
      return false;
    }
    progress.finish();
    ok = true;
    return true;
  } finally {
    closeSync(fd);
    if (!ok && created) unlinkSync(file);
  }
}

const commands: CmdDef[] = [
  {
    name: "vol-create-as",
    help: "create a volume from a set of args",
    desc: "Create a vol.",
    opts: [
      { name: "pool", type: "data", required: true, help: "pool name", complete: "pool", completeFlags: VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE },
      { name: "name", type: "data", required: true, help: "name of the volume" },
      { name: "capacity", type: "data", required: true, help: "size of the vol, as scaled integer (default bytes)" },
      { name: "allocation", type: "string", help: "initial allocation size, as scaled integer (default bytes)" },
      { name: "format", type: "string", help: "file format type raw,bochs,qcow,qcow2,qed,vmdk" },
      { name: "backing-vol", type: "string", help: "the backing volume if taking a snapshot" },
      { name: "backing-vol-format", type: "string", help: "format of backing volume if taking a snapshot" },
      { name: "prealloc-metadata", type: "bool", help: "preallocate metadata (for qcow2 instead of full allocation)" },
      { name: "print-xml", type: "bool", help: "print XML document, but don't define/create" },
    ],
    handler: cmdVolCreateAs,
  },
  {
    name: "vol-delete",
    help: "delete a vol",
    desc: "Delete a given vol.",
    opts: [
      volOpt("vol name, key or path"),
      poolOptOpt,
      { name: "delete-snapshots", type: "bool", help: "delete snapshots associated with volume (must be supported by storage driver)" },
    ],
    handler: cmdVolDelete,
  },
  {
    name: "vol-download",
    help: "download volume contents to a file",
    desc: "Download volume contents to a file",
    opts: [
      volOpt("vol name, key or path"),
      { name: "file", type: "data", required: true, help: "file" },
      poolOptOpt,
      { name: "offset", type: "int", help: "volume offset to download from" },
      { name: "length", type: "int", help: "amount of data to download" },
      { name: "sparse", type: "bool", help: "preserve sparseness of volume" },
    ],
    handler: cmdVolDownload,
  },
  {
    name: "vol-dumpxml",
    help: "vol information in XML",
    desc: "Output the vol information as an XML dump to stdout.",
    opts: [
      volOpt("vol name, key or path"),
      poolOptOpt,
      { name: "xpath", type: "string", needName: true, help: "xpath expression to filter the XML document" },
      { name: "wrap", type: "bool", help: "wrap xpath results in an common root element" },
    ],
    handler: cmdVolDumpXML,
  },
  {
    name: "vol-info",
    help: "storage vol information",
    desc: "Returns basic information about the storage vol.",
    opts: [
      volOpt("vol name, key or path"),
      poolOptOpt,
      { name: "bytes", type: "bool", help: "sizes are represented in bytes rather than pretty units" },
      { name: "physical", type: "bool", help: "return the physical size of the volume in allocation field" },
    ],
    handler: cmdVolInfo,
  },
  {
    name: "vol-key",
    help: "returns the volume key for a given volume name or path",
    desc: "",
    opts: [volOpt("volume name or path"), poolOptOpt],
    handler: cmdVolKey,
  },
  {
    name: "vol-list",
    help: "list vols",
    desc: "Returns list of vols by pool.",
    opts: [
      { name: "pool", type: "data", required: true, help: "pool name or uuid", complete: "pool", completeFlags: VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE },
      { name: "details", type: "bool", help: "display extended details for volumes" },
    ],
    handler: cmdVolList,
  },
  {
    name: "vol-name",
    help: "returns the volume name for a given volume key or path",
    desc: "",
    opts: [{ name: "vol", type: "data", required: true, help: "volume key or path" }],
    handler: cmdVolName,
  },
  {
    name: "vol-path",
    help: "returns the volume path for a given volume name or key",
    desc: "",
    opts: [volOpt("volume name or key"), poolOptOpt],
    handler: cmdVolPath,
  },
  {
    name: "vol-upload",
    help: "upload file contents to a volume",
    desc: "Upload file contents to a volume",
    opts: [
      volOpt("vol name, key or path"),
      { name: "file", type: "data", required: true, help: "file" },
      poolOptOpt,
      { name: "offset", type: "int", help: "volume offset to upload to" },
      { name: "length", type: "int", help: "amount of data to upload" },
      { name: "sparse", type: "bool", help: "preserve sparseness of volume" },
    ],
    handler: cmdVolUpload,
  },
];

export const storageVolume: CmdGroup = { name: "Storage Volume", keyword: "volume", commands };
