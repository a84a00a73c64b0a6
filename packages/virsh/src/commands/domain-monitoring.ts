// Group "Domain Monitoring" (tools/virsh-domain-monitor.c): list, dominfo, domstate, domblklist,
// domiflist, domblkstat, domifstat, dommemstat, domstats, domifaddr.
import {
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT,
  VIR_CONNECT_LIST_DOMAINS_ACTIVE,
  VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
  VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
  VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
  VIR_CONNECT_LIST_DOMAINS_INACTIVE,
  VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
  VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
  VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
  VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
  VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
  VIR_CONNECT_LIST_DOMAINS_OTHER,
  VIR_CONNECT_LIST_DOMAINS_PAUSED,
  VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
  VIR_CONNECT_LIST_DOMAINS_RUNNING,
  VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
  VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
  VIR_DOMAIN_METADATA_TITLE,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_STATS_BALLOON,
  VIR_DOMAIN_STATS_BLOCK,
  VIR_DOMAIN_STATS_CPU_TOTAL,
  VIR_DOMAIN_STATS_DIRTYRATE,
  VIR_DOMAIN_STATS_INTERFACE,
  VIR_DOMAIN_STATS_IOTHREAD,
  VIR_DOMAIN_STATS_MEMORY,
  VIR_DOMAIN_STATS_PERF,
  VIR_DOMAIN_STATS_STATE,
  VIR_DOMAIN_STATS_VCPU,
  VIR_DOMAIN_STATS_VM,
  VIR_DOMAIN_XML_INACTIVE,
  VirError,
  VirErrorNumber,
  type Domain,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { exclusive } from "../shell/option-rules.js";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import { VSH_ERR_DEBUG, type Shell } from "../shell/shell.js";
import { VshTable } from "../shell/table.js";
import { XmlReadError, readXml, select, type XElement } from "../util/xml-reader.js";
import { lookupDomain, optDomain } from "./lookup.js";
import { domainSetMemoryStatsPeriod } from "./optional-api.js";
import { domainStateReasonToString, domainStateToString, typedParamValue } from "./strings.js";

const DOMAIN_OPT = { name: "domain", type: "data", required: true, help: "domain name, id or uuid", complete: "domain" } as const;
const DOMAIN_OPT_ACTIVE = { ...DOMAIN_OPT, completeFlags: VIR_CONNECT_LIST_DOMAINS_ACTIVE } as const;

/** printf("%-15s %s\n") */
function field(ctl: Shell, label: string, value: string): void {
  ctl.print(`${padEnd(label, 15)} ${value}\n`);
}

/** virshDomainState: virDomainGetState, falling back to virDomainGetInfo. */
export async function domainState(ctl: Shell, dom: Domain): Promise<{ state: number; reason: number }> {
  try {
    return await dom.state(0);
  } catch (e) {
    if (!(e instanceof VirError) || e.code !== VirErrorNumber.VIR_ERR_NO_SUPPORT) throw e;
  }
  ctl.resetError();
  return { state: (await dom.info()).state, reason: -1 };
}

/** virshDomainGetXMLFromDom: the domain XML parsed on the client side. */
export async function domainXmlDoc(ctl: Shell, dom: Domain, flags: number): Promise<XElement> {
  const r = await ctl.attempt(dom.XMLDesc(flags));
  if (!r.ok) {
    ctl.error("Failed to get domain description xml");
    throw new CommandFailed();
  }
  try {
    return readXml(r.value);
  } catch (e) {
    if (!(e instanceof XmlReadError)) throw e;
    ctl.error("Failed to parse domain description xml");
    throw new CommandFailed();
  }
}

/** virXPathString("string(./a/@x|./a/@y...)"): the first of the attributes in document order. */
function firstAttr(el: XElement | null, names: readonly string[]): string | null {
  if (!el) return null;
  for (const [k, v] of el.attrs) if (names.includes(k)) return v === "" ? null : v;
  return null;
}
function attrOf(el: XElement | null, name: string): string | null {
  const v = el?.attrs.get(name);
  return v === undefined || v === "" ? null : v;
}
function childEl(el: XElement, name: string): XElement | null {
  return el.children.find((c) => c.name === name) ?? null;
}

async function cmdDominfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  let ret = true;
  field(ctl, "Id:", dom.ID() === -1 ? "-" : String(dom.ID()));
  field(ctl, "Name:", dom.name());
  field(ctl, "UUID:", dom.UUIDString());
  const os = await ctl.attempt(dom.OSType());
  if (os.ok) field(ctl, "OS Type:", os.value);
  const info = await ctl.attempt(dom.info());
  if (info.ok) {
    const i = info.value;
    field(ctl, "State:", domainStateToString(i.state));
    field(ctl, "CPU(s):", String(i.nrVirtCpu));
    if (i.cpuTime !== 0n) field(ctl, "CPU time:", `${(Number(i.cpuTime) / 1e9).toFixed(1)}s`);
    if (i.maxMem !== 0xffffffff) field(ctl, "Max memory:", `${i.maxMem} KiB`);
    else field(ctl, "Max memory:", "no limit");
    field(ctl, "Used memory:", `${i.memory} KiB`);
  } else {
    ret = false;
  }
  const persistent = await ctl.attempt(dom.isPersistent());
  ctl.debug(VSH_ERR_DEBUG, `Domain persistent flag value: ${persistent.ok ? (persistent.value ? 1 : 0) : -1}\n`);
  field(ctl, "Persistent:", !persistent.ok ? "unknown" : persistent.value ? "yes" : "no");
  const autostart = await ctl.attempt(dom.autostart());
  if (autostart.ok) field(ctl, "Autostart:", autostart.value ? "enable" : "disable");
  const ms = await ctl.attempt(dom.hasManagedSaveImage(0));
  field(ctl, "Managed save:", !ms.ok ? "unknown" : ms.value ? "yes" : "no");
  try {
    const model = await dom.conn.getSecurityModel();
    if (model.model !== "") {
      field(ctl, "Security model:", model.model);
      field(ctl, "Security DOI:", model.doi);
      const label = await dom.securityLabel();
      if (label.label !== "") field(ctl, "Security label:", `${label.label} (${label.enforcing ? "enforcing" : "permissive"})`);
    }
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    if (e.code !== VirErrorNumber.VIR_ERR_NO_SUPPORT) throw e;
  }
  const msgs = await ctl.attempt(dom.messages(0));
  if (msgs.ok) msgs.value.forEach((m, i) => { field(ctl, i === 0 ? "Messages:" : "", m); });
  return ret;
}

async function cmdDomstate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const showReason = cmd.bool("reason");
  const { dom } = await optDomain(ctl, cmd);
  const { state, reason } = await domainState(ctl, dom);
  if (showReason) ctl.print(`${domainStateToString(state)} (${domainStateReasonToString(state, reason)})\n`);
  else ctl.print(`${domainStateToString(state)}\n`);
  return true;
}

/** virshDomainSorter: running domains by id, then inactive ones by name (case-insensitive). */
function sortDomains(list: Domain[]): Domain[] {
  return [...list].sort((a, b) => {
    const ia = a.ID();
    const ib = b.ID();
    if (ia === -1 && ib === -1) {
      const x = a.name().toLowerCase();
      const y = b.name().toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (ia !== -1 && ib !== -1) return ia - ib;
    return ia !== -1 ? -1 : 1;
  });
}

/** virshGetDomainDescription(title): the title, "" when there is none. */
async function domainTitle(ctl: Shell, dom: Domain): Promise<string> {
  try {
    return await dom.metadata(VIR_DOMAIN_METADATA_TITLE, null, 0);
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    if (e.code === VirErrorNumber.VIR_ERR_NO_DOMAIN_METADATA) return "";
    if (e.code !== VirErrorNumber.VIR_ERR_NO_SUPPORT) throw e;
  }
  const doc = await domainXmlDoc(ctl, dom, 0);
  return childEl(doc, "title")?.text ?? "";
}

const LIST_FILTERS: readonly [string, number][] = [
  ["persistent", VIR_CONNECT_LIST_DOMAINS_PERSISTENT],
  ["transient", VIR_CONNECT_LIST_DOMAINS_TRANSIENT],
  ["with-managed-save", VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE],
  ["without-managed-save", VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE],
  ["autostart", VIR_CONNECT_LIST_DOMAINS_AUTOSTART],
  ["no-autostart", VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART],
  ["with-snapshot", VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT],
  ["without-snapshot", VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT],
  ["with-checkpoint", VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT],
  ["without-checkpoint", VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT],
  ["state-running", VIR_CONNECT_LIST_DOMAINS_RUNNING],
  ["state-paused", VIR_CONNECT_LIST_DOMAINS_PAUSED],
  ["state-shutoff", VIR_CONNECT_LIST_DOMAINS_SHUTOFF],
  ["state-other", VIR_CONNECT_LIST_DOMAINS_OTHER],
];

async function cmdList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const managed = cmd.bool("managed-save");
  const optTitle = cmd.bool("title");
  let optTable = cmd.bool("table");
  const optUUID = cmd.bool("uuid");
  const optName = cmd.bool("name");
  const optID = cmd.bool("id");
  let flags = VIR_CONNECT_LIST_DOMAINS_ACTIVE;
  if (cmd.bool("inactive") || cmd.bool("state-shutoff")) flags = VIR_CONNECT_LIST_DOMAINS_INACTIVE;
  if (cmd.bool("all")) flags = VIR_CONNECT_LIST_DOMAINS_INACTIVE | VIR_CONNECT_LIST_DOMAINS_ACTIVE;
  for (const [name, f] of LIST_FILTERS) if (cmd.bool(name)) flags |= f;
  exclusive(ctl, "table", optTable, "name", optName);
  exclusive(ctl, "table", optTable, "uuid", optUUID);
  exclusive(ctl, "table", optTable, "id", optID);
  if (!optUUID && !optName && !optID) optTable = true;

  const r = await ctl.attempt(ctl.c.listAllDomains(flags));
  if (!r.ok) {
    ctl.error("Failed to list domains");
    return false;
  }
  const list = sortDomains(r.value);
  const table = optTable ? (optTitle ? new VshTable("Id", "Name", "State", "Title") : new VshTable("Id", "Name", "State")) : null;
  for (const dom of list) {
    const id = dom.ID() === -1 ? "-" : String(dom.ID());
    if (table) {
      let state: number;
      try {
        state = (await domainState(ctl, dom)).state;
      } catch (e) {
        // The domain could have gone away in the meantime.
        if (e instanceof VirError) continue;
        throw e;
      }
      let stateText = domainStateToString(state);
      if (managed && state === VIR_DOMAIN_SHUTOFF && (await dom.hasManagedSaveImage(0).catch(() => false))) stateText = "saved";
      if (optTitle) table.add(id, dom.name(), stateText, await domainTitle(ctl, dom));
      else table.add(id, dom.name(), stateText);
    } else {
      let line = "";
      let sep = "";
      if (optUUID) {
        line += dom.UUIDString();
        sep = " ";
      }
      if (optID) {
        if (dom.ID() === -1 && !optUUID && !optName) continue;
        line += sep + id;
        sep = " ";
      }
      if (optName) line += sep + dom.name();
      ctl.print(`${line}\n`);
    }
  }
  if (table) ctl.print(table.format(!ctl.quiet));
  return true;
}

async function cmdDomblklist(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool("inactive") ? VIR_DOMAIN_XML_INACTIVE : 0;
  const details = cmd.bool("details");
  const { dom } = await optDomain(ctl, cmd);
  const doc = await domainXmlDoc(ctl, dom, flags);
  const table = details ? new VshTable("Type", "Device", "Target", "Source") : new VshTable("Target", "Source");
  for (const disk of select(doc, "devices/disk")) {
    const type = attrOf(disk, "type");
    const device = attrOf(disk, "device");
    if (details && (type === null || device === null)) {
      ctl.print("unable to query block list details");
      return false;
    }
    const target = attrOf(childEl(disk, "target"), "dev");
    if (target === null) {
      ctl.error("unable to query block list");
      return false;
    }
    let source: string | null;
    const src = childEl(disk, "source");
    if (type === "nvme") {
      const ns = attrOf(src, "namespace");
      const addr = src ? childEl(src, "address") : null;
      if (ns === null || !addr) {
        ctl.error("Unable to query NVMe disk address");
        return false;
      }
      const num = (n: string): number => Number(addr.attrs.get(n) ?? "0");
      const hex = (v: number, w: number): string => v.toString(16).padStart(w, "0");
      source = `nvme://${hex(num("domain"), 4)}:${hex(num("bus"), 2)}:${hex(num("slot"), 2)}.${num("function")}/${ns}`;
    } else {
      source = firstAttr(src, ["file", "dev", "dir", "name", "volume", "path"]);
    }
    if (details) table.add(type ?? "", device ?? "", target, source ?? "-");
    else table.add(target, source ?? "-");
  }
  ctl.print(table.format(!ctl.quiet));
  return true;
}

async function cmdDomiflist(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool("inactive") ? VIR_DOMAIN_XML_INACTIVE : 0;
  const { dom } = await optDomain(ctl, cmd);
  const doc = await domainXmlDoc(ctl, dom, flags);
  const table = new VshTable("Interface", "Type", "Source", "Model", "MAC");
  for (const iface of select(doc, "devices/interface")) {
    const type = attrOf(iface, "type") ?? "";
    const source = firstAttr(childEl(iface, "source"), ["bridge", "dev", "network", "name", "path"]);
    const target = attrOf(childEl(iface, "target"), "dev");
    const model = attrOf(childEl(iface, "model"), "type");
    const mac = attrOf(childEl(iface, "mac"), "address");
    table.add(target ?? "-", type, source ?? "-", model ?? "-", mac ?? "-");
  }
  ctl.print(table.format(!ctl.quiet));
  return true;
}

/** domblkstat_output: typed-parameter field, legacy name, human label. */
const DOMBLKSTAT_OUTPUT: readonly { legacy: string; human: string }[] = [
  { legacy: "rd_req", human: "number of read operations:" },
  { legacy: "rd_bytes", human: "number of bytes read:" },
  { legacy: "wr_req", human: "number of write operations:" },
  { legacy: "wr_bytes", human: "number of bytes written:" },
  { legacy: "errs", human: "error count:" },
];

async function cmdDomblkstat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const human = cmd.bool("human");
  const { dom, name } = await optDomain(ctl, cmd);
  let device = cmd.string(ctl, "device") ?? "";
  // virDomainBlockStatsFlags is not in this library's API: virsh's fallback to the older
  // virDomainBlockStats (what it does when the driver answers NO_SUPPORT) is the path taken.
  const r = await ctl.attempt(dom.blockStats(device));
  if (!r.ok) {
    ctl.error(`Failed to get block stats ${name} ${device}`);
    return false;
  }
  if (human) {
    ctl.print(`Device: ${device}\n`);
    device = "";
  }
  const s = r.value;
  [s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes, s.errs].forEach((v, i) => {
    const f = DOMBLKSTAT_OUTPUT[i]!;
    if (v >= 0) ctl.print(`${device} ${human ? padEnd(f.human, 31) : f.legacy} ${v}\n`);
  });
  return true;
}

async function cmdDomIfstat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const device = cmd.requiredString(ctl, "interface");
  const r = await ctl.attempt(dom.interfaceStats(device));
  if (!r.ok) {
    ctl.error(`Failed to get interface stats ${name} ${device}`);
    return false;
  }
  const s = r.value;
  const order = ["rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop"] as const;
  for (const k of order) if (s[k] >= 0) ctl.print(`${device} ${k} ${s[k]}\n`);
  return true;
}

/** VIR_DOMAIN_MEMORY_STAT_* tag to the name dommemstat prints. */
const MEMSTAT_NAMES: Record<number, string> = {
  0: "swap_in",
  1: "swap_out",
  2: "major_fault",
  3: "minor_fault",
  4: "unused",
  5: "available",
  6: "actual",
  7: "rss",
  8: "usable",
  9: "last_update",
  10: "disk_caches",
  11: "hugetlb_pgalloc",
  12: "hugetlb_pgfail",
};
/** The order of dommemstat's printing branches. */
const MEMSTAT_ORDER = [0, 1, 2, 3, 4, 5, 8, 6, 7, 9, 10, 11, 12];

async function cmdDomMemStat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const config = cmd.bool("config");
  const live = cmd.bool("live");
  const current = cmd.bool("current");
  exclusive(ctl, "current", current, "live", live);
  exclusive(ctl, "current", current, "config", config);
  let flags = 0;
  if (config) flags |= 2;
  if (live) flags |= 1;
  const { dom, name } = await optDomain(ctl, cmd);
  if (!current && !live && !config && (await dom.isActive().catch(() => false))) flags |= 1;
  const period = cmd.int(ctl, "period");
  if (period !== null) {
    if (period < 0) {
      ctl.error(`Invalid collection period value '${period}'`);
      return false;
    }
    const r = await ctl.attempt(domainSetMemoryStatsPeriod(dom, period, flags));
    if (!r.ok) {
      ctl.error("Unable to change balloon collection period.");
      return false;
    }
    return true;
  }
  const r = await ctl.attempt(dom.memoryStats(13, 0));
  if (!r.ok) {
    ctl.error(`Failed to get memory statistics for domain ${name}`);
    return false;
  }
  for (const st of r.value) {
    for (const tag of MEMSTAT_ORDER) if (st.tag === tag) ctl.print(`${MEMSTAT_NAMES[tag]!} ${st.val}\n`);
  }
  return true;
}

const STATS_GROUPS: readonly [string, number][] = [
  ["state", VIR_DOMAIN_STATS_STATE],
  ["cpu-total", VIR_DOMAIN_STATS_CPU_TOTAL],
  ["balloon", VIR_DOMAIN_STATS_BALLOON],
  ["vcpu", VIR_DOMAIN_STATS_VCPU],
  ["interface", VIR_DOMAIN_STATS_INTERFACE],
  ["block", VIR_DOMAIN_STATS_BLOCK],
  ["perf", VIR_DOMAIN_STATS_PERF],
  ["iothread", VIR_DOMAIN_STATS_IOTHREAD],
  ["memory", VIR_DOMAIN_STATS_MEMORY],
  ["dirtyrate", VIR_DOMAIN_STATS_DIRTYRATE],
  ["vm", VIR_DOMAIN_STATS_VM],
];
const STATS_FLAGS: readonly [string, number][] = [
  ["list-active", VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE],
  ["list-inactive", VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE],
  ["list-persistent", VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT],
  ["list-transient", VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT],
  ["list-running", VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING],
  ["list-paused", VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED],
  ["list-shutoff", VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF],
  ["list-other", VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER],
  ["enforce", VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS],
  ["backing", VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING],
  ["nowait", VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT],
];

async function cmdDomstats(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let stats = 0;
  let flags = 0;
  for (const [n, f] of STATS_GROUPS) if (cmd.bool(n)) stats |= f;
  for (const [n, f] of STATS_FLAGS) if (cmd.bool(n)) flags = (flags | f) >>> 0;
  const doms: Domain[] = [];
  for (const n of cmd.argv("domain")) doms.push(await lookupDomain(ctl, "unknown", n));
  const records = await ctl.c.getAllDomainStats(stats, flags, doms);
  records.forEach((rec, i) => {
    ctl.print(`Domain: '${rec.dom.name()}'\n`);
    for (const p of rec.params) ctl.print(`  ${p.field}=${typedParamValue(p)}\n`);
    if (i < records.length - 1) ctl.print("\n");
  });
  return true;
}

/** virshDomainInterfaceAddressesSource */
const IFADDR_SOURCES = ["lease", "agent", "arp"];

async function cmdDomIfAddr(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const full = cmd.bool("full");
  const ifacestr = cmd.string(ctl, "interface");
  const sourcestr = cmd.string(ctl, "source");
  let source = 0;
  if (sourcestr !== null) {
    source = IFADDR_SOURCES.indexOf(sourcestr);
    if (source < 0) {
      ctl.error(`Unknown data source '${sourcestr}'`);
      return false;
    }
  }
  const { dom } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(dom.interfaceAddresses(source, 0));
  if (!r.ok) {
    ctl.error("Failed to query for interfaces addresses");
    return false;
  }
  ctl.printExtra(` ${padEnd("Name", 10)} ${padEnd("MAC address", 20)} ${padEnd("Protocol", 8)}     Address\n${"-".repeat(49)}${"-".repeat(30)}\n`);
  for (const iface of r.value) {
    if (ifacestr !== null && ifacestr !== iface.name) continue;
    if (iface.addrs.length === 0) {
      ctl.print(` ${padEnd(iface.name, 10)} ${padEnd(iface.hwaddr ?? "N/A", 17)}    ${padEnd("N/A", 12)} N/A\n`);
      continue;
    }
    iface.addrs.forEach((a, j) => {
      const type = a.type === 0 ? "ipv4" : "ipv6";
      const addr = `${padEnd(type, 12)} ${a.addr}/${a.prefix}`;
      if (full || j === 0) ctl.print(` ${padEnd(iface.name, 10)} ${padEnd(iface.hwaddr ?? "", 17)}    ${addr}\n`);
      else ctl.print(` ${padEnd("-", 10)} ${padEnd("-", 17)}    ${addr}\n`);
    });
  }
  return true;
}

const commands: CmdDef[] = [
  {
    name: "domblklist",
    help: "list all domain blocks",
    desc: "Get the summary of block devices for a domain.",
    opts: [
      DOMAIN_OPT,
      { name: "inactive", type: "bool", help: "get inactive rather than running configuration" },
      { name: "details", type: "bool", help: "additionally display the type and device value" },
    ],
    handler: cmdDomblklist,
  },
  {
    name: "domblkstat",
    help: "get device block stats for a domain",
    desc: "Get device block stats for a running domain. See man page or use --human for explanation of fields",
    opts: [
      DOMAIN_OPT_ACTIVE,
      { name: "device", type: "string", emptyOk: true, help: "block device" },
      { name: "human", type: "bool", help: "print a more human readable output" },
    ],
    handler: cmdDomblkstat,
  },
  {
    name: "domifaddr",
    help: "Get network interfaces' addresses for a running domain",
    desc: "Get network interfaces' addresses for a running domain",
    opts: [
      DOMAIN_OPT_ACTIVE,
      { name: "interface", type: "string", help: "network interface name" },
      { name: "full", type: "bool", help: "always display names and MACs of interfaces" },
      { name: "source", type: "string", help: "address source: 'lease', 'agent', or 'arp'" },
    ],
    handler: cmdDomIfAddr,
  },
  {
    name: "domiflist",
    help: "list all domain virtual interfaces",
    desc: "Get the summary of virtual interfaces for a domain.",
    opts: [DOMAIN_OPT, { name: "inactive", type: "bool", help: "get inactive rather than running configuration" }],
    handler: cmdDomiflist,
  },
  {
    name: "domifstat",
    help: "get network interface stats for a domain",
    desc: "Get network interface stats for a running domain.",
    opts: [DOMAIN_OPT_ACTIVE, { name: "interface", type: "data", required: true, help: "interface device specified by name or MAC Address" }],
    handler: cmdDomIfstat,
  },
  {
    name: "dominfo",
    help: "domain information",
    desc: "Returns basic information about the domain.",
    opts: [DOMAIN_OPT],
    handler: cmdDominfo,
  },
  {
    name: "dommemstat",
    help: "get memory statistics for a domain",
    desc: "Get memory statistics for a running domain.",
    opts: [
      DOMAIN_OPT_ACTIVE,
      { name: "period", type: "int", needName: true, help: "period in seconds to set collection" },
      { name: "config", type: "bool", help: "affect next boot" },
      { name: "live", type: "bool", help: "affect running domain" },
      { name: "current", type: "bool", help: "affect current domain" },
    ],
    handler: cmdDomMemStat,
  },
  {
    name: "domstate",
    help: "domain state",
    desc: "Returns state about a domain.",
    opts: [DOMAIN_OPT, { name: "reason", type: "bool", help: "also print reason for the state" }],
    handler: cmdDomstate,
  },
  {
    name: "domstats",
    help: "get statistics about one or multiple domains",
    desc: "Gets statistics about one or more (or all) domains",
    opts: [
      { name: "state", type: "bool", help: "report domain state" },
      { name: "cpu-total", type: "bool", help: "report domain physical cpu usage" },
      { name: "balloon", type: "bool", help: "report domain balloon statistics" },
      { name: "vcpu", type: "bool", help: "report domain virtual cpu information" },
      { name: "interface", type: "bool", help: "report domain network interface information" },
      { name: "block", type: "bool", help: "report domain block device statistics" },
      { name: "perf", type: "bool", help: "report domain perf event statistics" },
      { name: "iothread", type: "bool", help: "report domain IOThread information" },
      { name: "memory", type: "bool", help: "report domain memory usage" },
      { name: "dirtyrate", type: "bool", help: "report domain dirty rate information" },
      { name: "vm", type: "bool", help: "report hypervisor-specific statistics" },
      { name: "list-active", type: "bool", help: "list only active domains" },
      { name: "list-inactive", type: "bool", help: "list only inactive domains" },
      { name: "list-persistent", type: "bool", help: "list only persistent domains" },
      { name: "list-transient", type: "bool", help: "list only transient domains" },
      { name: "list-running", type: "bool", help: "list only running domains" },
      { name: "list-paused", type: "bool", help: "list only paused domains" },
      { name: "list-shutoff", type: "bool", help: "list only shutoff domains" },
      { name: "list-other", type: "bool", help: "list only domains in other states" },
      { name: "raw", type: "bool", help: "do not pretty-print the fields" },
      { name: "enforce", type: "bool", help: "enforce requested stats parameters" },
      { name: "backing", type: "bool", help: "add backing chain information to block stats" },
      { name: "nowait", type: "bool", help: "report only stats that are accessible instantly" },
      { name: "domain", type: "argv", help: "list of domains to get stats for", complete: "domain" },
    ],
    handler: cmdDomstats,
  },
  {
    name: "list",
    help: "list domains",
    desc: "Returns list of domains.",
    opts: [
      { name: "inactive", type: "bool", help: "list inactive domains" },
      { name: "all", type: "bool", help: "list inactive & active domains" },
      { name: "transient", type: "bool", help: "list transient domains" },
      { name: "persistent", type: "bool", help: "list persistent domains" },
      { name: "with-snapshot", type: "bool", help: "list domains with existing snapshot" },
      { name: "without-snapshot", type: "bool", help: "list domains without a snapshot" },
      { name: "with-checkpoint", type: "bool", help: "list domains with existing checkpoint" },
      { name: "without-checkpoint", type: "bool", help: "list domains without a checkpoint" },
      { name: "state-running", type: "bool", help: "list domains in running state" },
      { name: "state-paused", type: "bool", help: "list domains in paused state" },
      { name: "state-shutoff", type: "bool", help: "list domains in shutoff state" },
      { name: "state-other", type: "bool", help: "list domains in other states" },
      { name: "autostart", type: "bool", help: "list domains with autostart enabled" },
      { name: "no-autostart", type: "bool", help: "list domains with autostart disabled" },
      { name: "with-managed-save", type: "bool", help: "list domains with managed save state" },
      { name: "without-managed-save", type: "bool", help: "list domains without managed save" },
      { name: "uuid", type: "bool", help: "list uuid's only" },
      { name: "name", type: "bool", help: "list domain names only" },
      { name: "id", type: "bool", help: "list domain IDs only" },
      { name: "table", type: "bool", help: "list table (default)" },
      { name: "managed-save", type: "bool", help: "mark inactive domains with managed save state" },
      { name: "title", type: "bool", help: "show domain title" },
    ],
    handler: cmdList,
  },
];

export const domainMonitoring: CmdGroup = { name: "Domain Monitoring", keyword: "monitor", commands };
