// Group "Snapshot" (tools/virsh-snapshot.c): snapshot-create, snapshot-create-as,
// snapshot-current, snapshot-delete, snapshot-dumpxml, snapshot-info, snapshot-list,
// snapshot-parent, snapshot-revert.
import {
  VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
  VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
  VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
  VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY,
  VIR_DOMAIN_SNAPSHOT_CREATE_HALT,
  VIR_DOMAIN_SNAPSHOT_CREATE_LIVE,
  VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA,
  VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE,
  VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
  VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT,
  VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
  VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
  VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
  VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY,
  VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE,
  VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS,
  VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY,
  VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL,
  VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE,
  VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL,
  VIR_DOMAIN_SNAPSHOT_LIST_LEAVES,
  VIR_DOMAIN_SNAPSHOT_LIST_METADATA,
  VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES,
  VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA,
  VIR_DOMAIN_SNAPSHOT_LIST_ROOTS,
  VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL,
  VIR_DOMAIN_SNAPSHOT_REVERT_FORCE,
  VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED,
  VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM,
  VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING,
  VIR_DOMAIN_XML_SECURE,
  VirError,
  VirErrorNumber,
  type Domain,
  type DomainSnapshot,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { exclusive } from "../shell/option-rules.js";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { VshTable } from "../shell/table.js";
import { readFileAll } from "../util/read-file.js";
import { XmlReadError, child, readXml, select, type XElement } from "../util/xml-reader.js";
import { dumpXML } from "../util/xpath.js";
import { optDomain } from "./lookup.js";
import { splitCommas } from "./virsh-itself.js";

const domOpt = (completeFlags?: number) =>
  ({ name: "domain", type: "data", required: true, help: "domain name, id or uuid", complete: "domain", ...(completeFlags !== undefined ? { completeFlags } : {}) }) as const;
const SNAPDOM = domOpt(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT);

function field(ctl: Shell, label: string, value: string): void {
  ctl.print(`${padEnd(label, 15)} ${value}\n`);
}

/** virBufferEscapeString's XML escaping. */
function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const CREATE_FLAGS: readonly [string, number][] = [
  ["no-metadata", VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA],
  ["halt", VIR_DOMAIN_SNAPSHOT_CREATE_HALT],
  ["disk-only", VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY],
  ["reuse-external", VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT],
  ["quiesce", VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE],
  ["atomic", VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC],
  ["live", VIR_DOMAIN_SNAPSHOT_CREATE_LIVE],
  ["validate", VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE],
];

function isCode(e: unknown, code: number): e is VirError {
  return e instanceof VirError && e.code === code;
}

/** virshSnapshotCreate: create, with virsh's fallbacks for VALIDATE and HALT. */
async function snapshotCreate(ctl: Shell, dom: Domain, xml: string, flagsIn: number, from: string | null): Promise<boolean> {
  let flags = flagsIn;
  let halt = false;
  let err: unknown = null;
  const attempt = async (): Promise<DomainSnapshot | null> => {
    try {
      const s = await dom.snapshotCreateXML(xml, flags);
      err = null;
      return s;
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      err = e;
      return null;
    }
  };
  let created = await attempt();
  if (!created && isCode(err, VirErrorNumber.VIR_ERR_NO_SUPPORT) && from === null) {
    flags &= ~VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE;
    created = await attempt();
  }
  if (!created && isCode(err, VirErrorNumber.VIR_ERR_INVALID_ARG) && flags & VIR_DOMAIN_SNAPSHOT_CREATE_HALT) {
    const persistent = await dom.isPersistent();
    if (!persistent) {
      ctl.error("cannot halt after snapshot of transient domain");
      return false;
    }
    if (await dom.isActive().catch(() => false)) halt = true;
    flags &= ~VIR_DOMAIN_SNAPSHOT_CREATE_HALT;
    created = await attempt();
  }
  if (!created) {
    if (err instanceof VirError) ctl.saveError(err);
    return false;
  }
  if (halt) await dom.destroy();
  if (from !== null) ctl.printExtra(`Domain snapshot ${created.getName()} created from '${from}'`);
  else ctl.printExtra(`Domain snapshot ${created.getName()} created`);
  return true;
}

async function cmdSnapshotCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool("redefine")) flags |= VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE;
  if (cmd.bool("current")) flags |= VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT;
  for (const [n, f] of CREATE_FLAGS) if (cmd.bool(n)) flags |= f;
  const { dom } = await optDomain(ctl, cmd);
  const from = cmd.string(ctl, "xmlfile");
  let buffer = "<domainsnapshot/>";
  if (from !== null) {
    try {
      buffer = readFileAll(from);
    } catch (e) {
      if (e instanceof VirError) throw new CommandFailed(e);
      throw e;
    }
  }
  return snapshotCreate(ctl, dom, buffer, flags, from);
}

/** virshParseSnapshotMemspec */
function memspec(ctl: Shell, str: string): string {
  let snapshot: string | null = null;
  let file: string | null = null;
  for (const a of splitCommas(str)) {
    if (snapshot === null && a.startsWith("snapshot=")) snapshot = a.slice(9);
    else if (file === null && a.startsWith("file=")) file = a.slice(5);
    else if (file === null && a.startsWith("/")) file = a;
    else {
      ctl.error(`unable to parse memspec: ${str}`);
      throw new CommandFailed();
    }
  }
  let x = "  <memory";
  if (snapshot !== null) x += ` snapshot='${esc(snapshot)}'`;
  if (file !== null) x += ` file='${esc(file)}'`;
  return `${x}/>\n`;
}

/** virshParseSnapshotDiskspec */
function diskspec(ctl: Shell, str: string): string {
  const arr = splitCommas(str);
  const fail = (): never => {
    ctl.error(`unable to parse diskspec: ${str}`);
    throw new CommandFailed();
  };
  const name = arr[0]!;
  let snapshot: string | null = null;
  let driver: string | null = null;
  let stype: string | null = null;
  let file: string | null = null;
  for (const a of arr.slice(1)) {
    if (snapshot === null && a.startsWith("snapshot=")) snapshot = a.slice(9);
    else if (driver === null && a.startsWith("driver=")) driver = a.slice(7);
    else if (stype === null && a.startsWith("stype=")) stype = a.slice(6);
    else if (file === null && a.startsWith("file=")) file = a.slice(5);
    else fail();
  }
  let isFile = true;
  let x = `    <disk name='${esc(name)}'`;
  if (snapshot !== null) x += ` snapshot='${snapshot}'`;
  if (stype !== null) {
    if (stype === "block") isFile = false;
    else if (stype !== "file") {
      ctl.error(`Unknown storage type: '${stype}'`);
      fail();
    }
    x += ` type='${stype}'`;
  }
  if (driver !== null || file !== null) {
    x += ">\n";
    if (driver !== null) x += `      <driver type='${driver}'/>\n`;
    if (file !== null) x += isFile ? `      <source file='${esc(file)}'/>\n` : `      <source dev='${esc(file)}'/>\n`;
    x += "    </disk>\n";
  } else {
    x += "/>\n";
  }
  return x;
}

async function cmdSnapshotCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  for (const [n, f] of CREATE_FLAGS) if (cmd.bool(n)) flags |= f;
  const { dom } = await optDomain(ctl, cmd);
  const name = cmd.string(ctl, "name");
  const desc = cmd.string(ctl, "description");
  let x = "<domainsnapshot>\n";
  if (name !== null) x += `  <name>${esc(name)}</name>\n`;
  if (desc !== null) x += `  <description>${esc(desc)}</description>\n`;
  const mem = cmd.string(ctl, "memspec");
  if (mem !== null) x += memspec(ctl, mem);
  if (cmd.has("diskspec")) {
    x += "  <disks>\n";
    for (const d of cmd.argv("diskspec")) x += diskspec(ctl, d);
    x += "  </disks>\n";
  }
  x += "</domainsnapshot>\n";
  if (cmd.bool("print-xml")) {
    ctl.print(`${x}\n`);
    return true;
  }
  return snapshotCreate(ctl, dom, x, flags, null);
}

/** virshLookupSnapshot: by --<arg> or --current; a libvirt failure is reported at once. */
async function lookupSnapshot(ctl: Shell, cmd: ParsedCommand, arg: string, exclusiveOpt: boolean, dom: Domain): Promise<DomainSnapshot> {
  const current = cmd.bool("current");
  const snapname = cmd.string(ctl, arg);
  if (exclusiveOpt && current && snapname !== null) {
    ctl.error(`--${arg} and --current are mutually exclusive`);
    throw new CommandFailed();
  }
  if (snapname === null && !current) {
    ctl.error(`--${arg} or --current is required`);
    throw new CommandFailed();
  }
  try {
    return snapname !== null ? await dom.snapshotLookupByName(snapname, 0) : await dom.snapshotCurrent(0);
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    ctl.saveError(e);
    ctl.reportError();
    throw new CommandFailed();
  }
}

async function cmdSnapshotCurrent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = cmd.bool("security-info") ? VIR_DOMAIN_XML_SECURE : 0;
  exclusive(ctl, "name", cmd.bool("name"), "snapshotname", cmd.has("snapshotname"));
  const { dom, name: domname } = await optDomain(ctl, cmd);
  const snapshotname = cmd.string(ctl, "snapshotname");
  try {
    if (snapshotname !== null) {
      flags = VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT;
      const snap = await dom.snapshotLookupByName(snapshotname, 0);
      const xml = await snap.getXMLDesc(VIR_DOMAIN_XML_SECURE);
      if (xml.includes("<state>disk-snapshot</state>")) flags |= VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
      await dom.snapshotCreateXML(xml, flags);
      ctl.printExtra(`Snapshot ${snapshotname} set as current`);
      return true;
    }
    if (!(await dom.hasCurrentSnapshot(0))) {
      ctl.error(`domain '${domname}' has no current snapshot`);
      ctl.reportError();
      return false;
    }
    const snap = await dom.snapshotCurrent(0);
    if (cmd.bool("name")) ctl.print(snap.getName());
    else ctl.print(await snap.getXMLDesc(flags));
    return true;
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    ctl.saveError(e);
    ctl.reportError();
    return false;
  }
}

async function cmdSnapshotDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  const snap = await lookupSnapshot(ctl, cmd, "snapshotname", true, dom);
  const name = snap.getName();
  let flags = 0;
  if (cmd.bool("children")) flags |= VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
  if (cmd.bool("children-only")) flags |= VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
  if (cmd.bool("metadata")) flags |= VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
  const r = await ctl.attempt(snap.delete(flags));
  if (!r.ok) {
    ctl.error(`Failed to delete snapshot ${name}`);
    return false;
  }
  if (flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY) ctl.printExtra(`Domain snapshot ${name} children deleted\n`);
  else ctl.printExtra(`Domain snapshot ${name} deleted\n`);
  return true;
}

async function cmdSnapshotDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool("security-info") ? VIR_DOMAIN_XML_SECURE : 0;
  const wrap = cmd.bool("wrap");
  const name = cmd.requiredString(ctl, "snapshotname");
  const { dom } = await optDomain(ctl, cmd);
  const snap = await dom.snapshotLookupByName(name, 0);
  const xpath = cmd.stringQuiet("xpath");
  const xml = await snap.getXMLDesc(flags);
  return dumpXML(ctl, xml, xpath, wrap);
}

function parseSnapshotXML(ctl: Shell, xml: string): XElement {
  try {
    return readXml(xml);
  } catch (e) {
    if (!(e instanceof XmlReadError)) throw e;
    ctl.error("unexpected problem reading snapshot xml");
    throw new CommandFailed();
  }
}

async function cmdSnapshotInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  const snap = await lookupSnapshot(ctl, cmd, "snapshotname", true, dom);
  field(ctl, "Name:", snap.getName());
  field(ctl, "Domain:", dom.name());
  const current = await snap.isCurrent(0).catch(() => false);
  field(ctl, "Current:", current ? "yes" : "no");
  const doc = parseSnapshotXML(ctl, await snap.getXMLDesc(0));
  const state = child(doc, "state")?.text ?? "";
  if (state === "") {
    ctl.error("unexpected problem reading snapshot xml");
    return false;
  }
  field(ctl, "State:", state);
  let external: boolean;
  if (child(doc, "memory")) {
    external =
      select(doc, "memory").some((m) => m.attrs.get("snapshot") === "external") || select(doc, "disks/disk").some((d) => d.attrs.get("snapshot") === "external");
  } else {
    external = state === "disk-snapshot";
  }
  field(ctl, "Location:", external ? "external" : "internal");
  const parent = child(doc, "parent");
  const parentName = parent ? (child(parent, "name")?.text ?? "") : "";
  field(ctl, "Parent:", parentName === "" ? "-" : parentName);
  let count: number;
  try {
    count = await snap.numChildren(0);
  } catch (e) {
    if (isCode(e, VirErrorNumber.VIR_ERR_NO_SUPPORT)) return true;
    throw e;
  }
  field(ctl, "Children:", String(count));
  field(ctl, "Descendants:", String(await snap.numChildren(VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)));
  let metadata: number;
  try {
    metadata = (await snap.hasMetadata(0)) ? 1 : 0;
  } catch {
    metadata = await dom.snapshotNum(VIR_DOMAIN_SNAPSHOT_LIST_METADATA).catch(() => -1);
    ctl.resetError();
  }
  if (metadata >= 0) field(ctl, "Metadata:", metadata ? "yes" : "no");
  return true;
}

/** virshGetSnapshotParent: the parent's name, null for a root. */
async function snapshotParent(ctl: Shell, snap: DomainSnapshot): Promise<string | null> {
  try {
    return (await snap.getParent(0)).getName();
  } catch (e) {
    if (isCode(e, VirErrorNumber.VIR_ERR_NO_DOMAIN_SNAPSHOT)) return null;
    if (!(e instanceof VirError)) throw e;
    ctl.saveError(e);
    ctl.reportError();
    ctl.error("unable to determine if snapshot has parent");
    throw new CommandFailed();
  }
}

async function cmdSnapshotParent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  const snap = await lookupSnapshot(ctl, cmd, "snapshotname", true, dom);
  const parent = await snapshotParent(ctl, snap);
  if (parent === null) {
    ctl.error(`snapshot '${snap.getName()}' has no parent`);
    return false;
  }
  ctl.print(parent);
  return true;
}

async function cmdSnapshotRevert(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool("running")) flags |= VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING;
  if (cmd.bool("paused")) flags |= VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED;
  if (cmd.bool("reset-nvram")) flags |= VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM;
  const force = cmd.bool("force");
  const { dom } = await optDomain(ctl, cmd);
  const snap = await lookupSnapshot(ctl, cmd, "snapshotname", true, dom);
  const name = snap.getName();
  let ok = true;
  try {
    await snap.revert(flags);
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    if (force && e.code === VirErrorNumber.VIR_ERR_SNAPSHOT_REVERT_RISKY) {
      const r = await ctl.attempt(snap.revert(flags | VIR_DOMAIN_SNAPSHOT_REVERT_FORCE));
      ok = r.ok;
    } else {
      ctl.saveError(e);
      ok = false;
    }
  }
  if (!ok) ctl.error(`Failed to revert snapshot ${name}`);
  else ctl.printExtra(`Domain snapshot ${name} reverted\n`);
  return ok;
}

const LIST_FILTERS: readonly [string, number][] = [
  ["leaves", VIR_DOMAIN_SNAPSHOT_LIST_LEAVES],
  ["no-leaves", VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES],
  ["inactive", VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE],
  ["active", VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE],
  ["disk-only", VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY],
  ["internal", VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL],
  ["external", VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL],
];

/** g_date_time_format(local, "%Y-%m-%d %H:%M:%S %z") */
export function localTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number): string => String(n).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const a = Math.abs(off);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(a / 60))}${p(a % 60)}`;
}

/** vshTreePrint: a node, then its children with "+- " and "|" guides. */
function treePrint(ctl: Shell, names: string[], parents: (string | null)[], devid: number): void {
  const walk = (id: number, lastdev: number, root: boolean, indent: string): void => {
    const dev = names[id]!;
    ctl.print(`${indent}${root ? "" : "+- "}${dev}\n`);
    let ind = indent;
    if (!root) ind += `${id === lastdev ? " " : "|"} `;
    let nextlast = -1;
    for (let i = 0; i < names.length; i++) if (parents[i] === dev) nextlast = i;
    if (nextlast !== -1) ctl.print(`${ind}  |\n`);
    for (let i = 0; i < names.length; i++) if (parents[i] === dev) walk(i, nextlast, false, `${ind}  `);
    if (nextlast === -1 && id === lastdev) ctl.print(`${ind}\n`);
  };
  walk(devid, devid, true, "");
}

async function cmdSnapshotList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const tree = cmd.bool("tree");
  const name = cmd.bool("name");
  const from = cmd.has("from");
  const parent = cmd.bool("parent");
  const roots = cmd.bool("roots");
  const current = cmd.bool("current");
  exclusive(ctl, "tree", tree, "name", name);
  exclusive(ctl, "parent", parent, "roots", roots);
  exclusive(ctl, "parent", parent, "tree", tree);
  exclusive(ctl, "roots", roots, "tree", tree);
  exclusive(ctl, "roots", roots, "from", from);
  exclusive(ctl, "roots", roots, "current", current);
  let flags = 0;
  for (const [n, f] of LIST_FILTERS) {
    if (!cmd.bool(n)) continue;
    if (tree) {
      ctl.error(`--${n} and --tree are mutually exclusive`);
      return false;
    }
    flags |= f;
  }
  if (cmd.bool("topological")) flags |= VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL;
  if (roots) flags |= VIR_DOMAIN_SNAPSHOT_LIST_ROOTS;
  if (cmd.bool("metadata")) flags |= VIR_DOMAIN_SNAPSHOT_LIST_METADATA;
  if (cmd.bool("no-metadata")) flags |= VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA;
  if (cmd.bool("descendants")) {
    if (!from && !current) {
      ctl.error("--descendants requires either --from or --current");
      return false;
    }
    flags |= VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
  }
  const { dom } = await optDomain(ctl, cmd);
  const start = from || current ? await lookupSnapshot(ctl, cmd, "from", true, dom) : null;
  // virshSnapshotListCollect
  let snaps = start ? await start.listAllChildren(flags) : await dom.listAllSnapshots(flags);
  const parents: (string | null)[] = [];
  if (tree) {
    for (const s of snaps) parents.push(await snapshotParent(ctl, s));
    if (start) {
      snaps = [...snaps, start];
      parents.push(null);
    }
  }
  const order = snaps.map((s, i) => i);
  if (!(flags & VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)) {
    order.sort((a, b) => {
      const x = snaps[a]!.getName().toLowerCase();
      const y = snaps[b]!.getName().toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  const names = order.map((i) => snaps[i]!.getName());
  if (tree) {
    const par = order.map((i) => parents[i] ?? null);
    names.forEach((_n, i) => { if (par[i] === null) treePrint(ctl, names, par, i); });
    return true;
  }
  const table = !name ? (parent ? new VshTable("Name", "Creation Time", "State", "Parent") : new VshTable("Name", "Creation Time", "State")) : null;
  for (const i of order) {
    const s = snaps[i]!;
    if (name) {
      ctl.print(`${s.getName()}\n`);
      continue;
    }
    let doc: XElement;
    try {
      doc = readXml(await s.getXMLDesc(0));
    } catch {
      continue;
    }
    const state = child(doc, "state")?.text ?? "";
    const creation = child(doc, "creationTime")?.text.trim() ?? "";
    if (state === "" || !/^-?\d+$/.test(creation)) continue;
    const when = localTime(Number(creation));
    if (parent) {
      const p = child(doc, "parent");
      table!.add(s.getName(), when, state, p ? (child(p, "name")?.text ?? "") : "");
    } else {
      table!.add(s.getName(), when, state);
    }
  }
  if (table) ctl.print(table.format(!ctl.quiet));
  return true;
}

const commands: CmdDef[] = [
  {
    name: "snapshot-create",
    help: "Create a snapshot from XML",
    desc: "Create a snapshot (disk and RAM) from XML",
    opts: [
      domOpt(),
      { name: "xmlfile", type: "string", help: "domain snapshot XML" },
      { name: "redefine", type: "bool", help: "redefine metadata for existing snapshot" },
      { name: "current", type: "bool", help: "with redefine, set current snapshot" },
      { name: "no-metadata", type: "bool", help: "take snapshot but create no metadata" },
      { name: "halt", type: "bool", help: "halt domain after snapshot is created" },
      { name: "disk-only", type: "bool", help: "capture disk state but not vm state" },
      { name: "reuse-external", type: "bool", help: "reuse any existing external files" },
      { name: "quiesce", type: "bool", help: "quiesce guest's file systems" },
      { name: "atomic", type: "bool", help: "require atomic operation" },
      { name: "live", type: "bool", help: "take a live snapshot" },
      { name: "validate", type: "bool", help: "validate the XML against the schema" },
    ],
    handler: cmdSnapshotCreate,
  },
  {
    name: "snapshot-create-as",
    help: "Create a snapshot from a set of args",
    desc: "Create a snapshot (disk and RAM) from arguments",
    opts: [
      domOpt(),
      { name: "name", type: "string", help: "name of snapshot" },
      { name: "description", type: "string", help: "description of snapshot" },
      { name: "print-xml", type: "bool", help: "print XML document rather than create" },
      { name: "no-metadata", type: "bool", help: "take snapshot but create no metadata" },
      { name: "halt", type: "bool", help: "halt domain after snapshot is created" },
      { name: "disk-only", type: "bool", help: "capture disk state but not vm state" },
      { name: "reuse-external", type: "bool", help: "reuse any existing external files" },
      { name: "quiesce", type: "bool", help: "quiesce guest's file systems" },
      { name: "atomic", type: "bool", help: "require atomic operation" },
      { name: "live", type: "bool", help: "take a live snapshot" },
      { name: "validate", type: "bool", help: "validate the XML against the schema" },
      { name: "memspec", type: "string", needName: true, help: "memory attributes: [file=]name[,snapshot=type]" },
      { name: "diskspec", type: "argv", help: "disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]" },
    ],
    handler: cmdSnapshotCreateAs,
  },
  {
    name: "snapshot-current",
    help: "Get or set the current snapshot",
    desc: "Get or set the current snapshot",
    opts: [
      SNAPDOM,
      { name: "name", type: "bool", help: "list the name, rather than the full xml" },
      { name: "security-info", type: "bool", help: "include security sensitive information in XML dump" },
      { name: "snapshotname", type: "string", help: "name of existing snapshot to make current", complete: "snapshot" },
    ],
    handler: cmdSnapshotCurrent,
  },
  {
    name: "snapshot-delete",
    help: "Delete a domain snapshot",
    desc: "Snapshot Delete",
    opts: [
      SNAPDOM,
      { name: "snapshotname", type: "string", help: "snapshot name", complete: "snapshot" },
      { name: "current", type: "bool", help: "delete current snapshot" },
      { name: "children", type: "bool", help: "delete snapshot and all children" },
      { name: "children-only", type: "bool", help: "delete children but not snapshot" },
      { name: "metadata", type: "bool", help: "delete only libvirt metadata, leaving snapshot contents behind" },
    ],
    handler: cmdSnapshotDelete,
  },
  {
    name: "snapshot-dumpxml",
    help: "Dump XML for a domain snapshot",
    desc: "Snapshot Dump XML",
    opts: [
      SNAPDOM,
      { name: "snapshotname", type: "data", required: true, help: "snapshot name", complete: "snapshot" },
      { name: "security-info", type: "bool", help: "include security sensitive information in XML dump" },
      { name: "xpath", type: "string", needName: true, help: "xpath expression to filter the XML document" },
      { name: "wrap", type: "bool", help: "wrap xpath results in an common root element" },
    ],
    handler: cmdSnapshotDumpXML,
  },
  {
    name: "snapshot-info",
    help: "snapshot information",
    desc: "Returns basic information about a snapshot.",
    opts: [
      SNAPDOM,
      { name: "snapshotname", type: "string", help: "snapshot name", complete: "snapshot" },
      { name: "current", type: "bool", help: "info on current snapshot" },
    ],
    handler: cmdSnapshotInfo,
  },
  {
    name: "snapshot-list",
    help: "List snapshots for a domain",
    desc: "Snapshot List",
    opts: [
      SNAPDOM,
      { name: "parent", type: "bool", help: "add a column showing parent snapshot" },
      { name: "roots", type: "bool", help: "list only snapshots without parents" },
      { name: "leaves", type: "bool", help: "list only snapshots without children" },
      { name: "no-leaves", type: "bool", help: "list only snapshots that are not leaves (with children)" },
      { name: "metadata", type: "bool", help: "list only snapshots that have metadata that would prevent undefine" },
      { name: "no-metadata", type: "bool", help: "list only snapshots that have no metadata managed by libvirt" },
      { name: "inactive", type: "bool", help: "filter by snapshots taken while inactive" },
      { name: "active", type: "bool", help: "filter by snapshots taken while active (full system snapshots)" },
      { name: "disk-only", type: "bool", help: "filter by disk-only snapshots" },
      { name: "internal", type: "bool", help: "filter by internal snapshots" },
      { name: "external", type: "bool", help: "filter by external snapshots" },
      { name: "tree", type: "bool", help: "list snapshots in a tree" },
      { name: "from", type: "string", help: "limit list to children of given snapshot", complete: "snapshot" },
      { name: "current", type: "bool", help: "limit list to children of current snapshot" },
      { name: "descendants", type: "bool", help: "with --from, list all descendants" },
      { name: "name", type: "bool", help: "list snapshot names only" },
      { name: "topological", type: "bool", help: "sort list topologically rather than by name" },
    ],
    handler: cmdSnapshotList,
  },
  {
    name: "snapshot-parent",
    help: "Get the name of the parent of a snapshot",
    desc: "Extract the snapshot's parent, if any",
    opts: [
      SNAPDOM,
      { name: "snapshotname", type: "string", help: "find parent of snapshot name", complete: "snapshot" },
      { name: "current", type: "bool", help: "find parent of current snapshot" },
    ],
    handler: cmdSnapshotParent,
  },
  {
    name: "snapshot-revert",
    help: "Revert a domain to a snapshot",
    desc: "Revert domain to snapshot",
    opts: [
      SNAPDOM,
      { name: "snapshotname", type: "string", help: "snapshot name", complete: "snapshot" },
      { name: "current", type: "bool", help: "revert to current snapshot" },
      { name: "running", type: "bool", help: "after reverting, change state to running" },
      { name: "paused", type: "bool", help: "after reverting, change state to paused" },
      { name: "force", type: "bool", help: "try harder on risky reverts" },
      { name: "reset-nvram", type: "bool", help: "re-initialize NVRAM from its pristine template" },
    ],
    handler: cmdSnapshotRevert,
  },
];

export const snapshot: CmdGroup = { name: "Snapshot", keyword: "snapshot", commands };
