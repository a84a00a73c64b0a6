// Group "Storage Pool" (tools/virsh-pool.c): pool-list, pool-info, pool-dumpxml, pool-define-as,
// pool-start, pool-destroy, pool-undefine, pool-autostart, pool-refresh, pool-name, pool-uuid.
import {
  VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
  VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART,
  VIR_CONNECT_LIST_STORAGE_POOLS_DIR,
  VIR_CONNECT_LIST_STORAGE_POOLS_DISK,
  VIR_CONNECT_LIST_STORAGE_POOLS_FS,
  VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER,
  VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE,
  VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI,
  VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT,
  VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL,
  VIR_CONNECT_LIST_STORAGE_POOLS_MPATH,
  VIR_CONNECT_LIST_STORAGE_POOLS_NETFS,
  VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART,
  VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT,
  VIR_CONNECT_LIST_STORAGE_POOLS_RBD,
  VIR_CONNECT_LIST_STORAGE_POOLS_SCSI,
  VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG,
  VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT,
  VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE,
  VIR_CONNECT_LIST_STORAGE_POOLS_ZFS,
  VIR_STORAGE_POOL_DEGRADED,
  VIR_STORAGE_POOL_RUNNING,
  VIR_STORAGE_XML_INACTIVE,
  type StoragePool,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { exclusive } from "../shell/option-rules.js";
import type { ParsedCommand } from "../shell/parsed-command.js";
import { VSH_ERR_DEBUG, type Shell } from "../shell/shell.js";
import { VshTable } from "../shell/table.js";
import { dumpXML } from "../util/xpath.js";
import { VIRSH_BYNAME, VIRSH_BYUUID, optPool } from "./lookup.js";
import { POOL_STATE, prettyCapacity } from "./strings.js";
import { splitCommas } from "./virsh-itself.js";

/** VIR_STORAGE_POOL_CREATE_WITH_BUILD* */
const CREATE_WITH_BUILD = 1;
const CREATE_WITH_BUILD_OVERWRITE = 2;
const CREATE_WITH_BUILD_NO_OVERWRITE = 4;

/** virStoragePoolType names and the list filter of each. */
const POOL_TYPES: Record<string, number> = {
  dir: VIR_CONNECT_LIST_STORAGE_POOLS_DIR,
  fs: VIR_CONNECT_LIST_STORAGE_POOLS_FS,
  netfs: VIR_CONNECT_LIST_STORAGE_POOLS_NETFS,
  logical: VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL,
  disk: VIR_CONNECT_LIST_STORAGE_POOLS_DISK,
  iscsi: VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI,
  "iscsi-direct": VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT,
  scsi: VIR_CONNECT_LIST_STORAGE_POOLS_SCSI,
  mpath: VIR_CONNECT_LIST_STORAGE_POOLS_MPATH,
  rbd: VIR_CONNECT_LIST_STORAGE_POOLS_RBD,
  sheepdog: VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG,
  gluster: VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER,
  zfs: VIR_CONNECT_LIST_STORAGE_POOLS_ZFS,
  vstorage: VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE,
};

const poolOpt = (completeFlags?: number) =>
  ({ name: "pool", type: "data", required: true, help: "pool name or uuid", complete: "pool", ...(completeFlags !== undefined ? { completeFlags } : {}) }) as const;

function field(ctl: Shell, label: string, value: string): void {
  ctl.print(`${padEnd(label, 15)} ${value}\n`);
}

/** "%.2lf %s" of vshPrettyCapacity */
export function pretty(bytes: number): string {
  const p = prettyCapacity(bytes);
  return `${p.value.toFixed(2)} ${p.unit}`;
}

async function simple(ctl: Shell, cmd: ParsedCommand, op: (p: StoragePool) => Promise<void>, ok: string, fail: string): Promise<boolean> {
  const { pool, name } = await optPool(ctl, cmd);
  const r = await ctl.attempt(op(pool));
  if (!r.ok) {
    ctl.error(fail.replace("%s", () => name));
    return false;
  }
  ctl.printExtra(ok.replace("%s", () => name));
  return true;
}

async function cmdPoolAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { pool, name } = await optPool(ctl, cmd);
  const autostart = !cmd.bool("disable");
  const r = await ctl.attempt(pool.setAutostart(autostart));
  if (!r.ok) {
    ctl.error(autostart ? `failed to mark pool ${name} as autostarted` : `failed to unmark pool ${name} as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Pool ${name} marked as autostarted\n` : `Pool ${name} unmarked as autostarted\n`);
  return true;
}

/** virshBuildPoolXML */
function buildPoolXML(ctl: Shell, cmd: ParsedCommand): { name: string; xml: string } {
  exclusive(ctl, "secret-usage", cmd.bool("secret-usage"), "secret-uuid", cmd.bool("secret-uuid"));
  const name = cmd.requiredString(ctl, "name");
  const type = cmd.requiredString(ctl, "type");
  const g = (n: string): string | null => cmd.string(ctl, n);
  const srcHost = g("source-host");
  const srcPath = g("source-path");
  const srcDev = g("source-dev");
  const srcName = g("source-name");
  const srcFormat = g("source-format");
  const target = g("target");
  const authType = g("auth-type");
  const authUsername = g("auth-username");
  const secretUsage = g("secret-usage");
  const secretUUID = g("secret-uuid");
  const adapterName = g("adapter-name");
  const adapterWwnn = g("adapter-wwnn");
  const adapterWwpn = g("adapter-wwpn");
  const adapterParent = g("adapter-parent");
  const adapterParentWwnn = g("adapter-parent-wwnn");
  const adapterParentWwpn = g("adapter-parent-wwpn");
  const adapterParentFabricWwn = g("adapter-parent-fabric-wwn");
  const protoVer = g("source-protocol-ver");
  const srcInitiator = g("source-initiator");
  let x = `<pool type='${type}'>\n  <name>${name}</name>\n`;
  if (srcHost || srcPath || srcDev || srcInitiator || srcFormat || srcName || (adapterWwnn && adapterWwpn) || adapterName) {
    x += "  <source>\n";
    if (srcHost) x += `    <host name='${srcHost}'/>\n`;
    if (srcPath) x += `    <dir path='${srcPath}'/>\n`;
    if (srcDev) x += `    <device path='${srcDev}'/>\n`;
    if (srcInitiator) x += `    <initiator>\n      <iqn name='${srcInitiator}'/>\n    </initiator>\n`;
    if (adapterWwnn && adapterWwpn) {
      x += "    <adapter type='fc_host'";
      if (adapterParent) x += ` parent='${adapterParent}'`;
      else if (adapterParentWwnn && adapterParentWwpn) x += ` parent_wwnn='${adapterParentWwnn}' parent_wwpn='${adapterParentWwpn}'`;
      else if (adapterParentFabricWwn) x += ` parent_fabric_wwn='${adapterParentFabricWwn}'`;
      x += ` wwnn='${adapterWwnn}' wwpn='${adapterWwpn}'/>\n`;
    } else if (adapterName) {
      x += `    <adapter type='scsi_host' name='${adapterName}'/>\n`;
    }
    if (authType && authUsername && (secretUsage || secretUUID)) {
      x += `    <auth type='${authType}' username='${authUsername}'>\n`;
      x += secretUsage ? `      <secret usage='${secretUsage}'/>\n` : `      <secret uuid='${secretUUID ?? ""}'/>\n`;
      x += "    </auth>\n";
    }
    if (srcFormat) x += `    <format type='${srcFormat}'/>\n`;
    if (srcName) x += `    <name>${srcName}</name>\n`;
    if (protoVer) x += `    <protocol ver='${protoVer}'/>\n`;
    x += "  </source>\n";
  }
  if (target) x += `  <target>\n    <path>${target}</path>\n  </target>\n`;
  x += "</pool>\n";
  return { name, xml: x };
}

async function cmdPoolDefineAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const printXML = cmd.bool("print-xml");
  const { name, xml } = buildPoolXML(ctl, cmd);
  if (printXML) {
    ctl.print(xml);
    return true;
  }
  const r = await ctl.attempt(ctl.c.storagePoolDefineXML(xml, 0));
  if (!r.ok) {
    ctl.error(`Failed to define pool ${name}`);
    return false;
  }
  ctl.printExtra(`Pool ${name} defined\n`);
  return true;
}

async function cmdPoolDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool("inactive") ? VIR_STORAGE_XML_INACTIVE : 0;
  const wrap = cmd.bool("wrap");
  const { pool } = await optPool(ctl, cmd);
  const xpath = cmd.stringQuiet("xpath");
  const xml = await pool.XMLDesc(flags);
  return dumpXML(ctl, xml, xpath, wrap);
}

async function cmdPoolInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { pool } = await optPool(ctl, cmd);
  const bytes = cmd.bool("bytes");
  field(ctl, "Name:", pool.name());
  field(ctl, "UUID:", pool.UUIDString());
  const r = await ctl.attempt(pool.info());
  if (!r.ok) return false;
  const info = r.value;
  field(ctl, "State:", POOL_STATE[info.state] ?? "unknown");
  const persistent = await ctl.attempt(pool.isPersistent());
  ctl.debug(VSH_ERR_DEBUG, `Pool persistent flag value: ${persistent.ok ? Number(persistent.value) : -1}\n`);
  field(ctl, "Persistent:", !persistent.ok ? "unknown" : persistent.value ? "yes" : "no");
  const autostart = await ctl.attempt(pool.autostart());
  field(ctl, "Autostart:", !autostart.ok ? "no autostart" : autostart.value ? "yes" : "no");
  if (info.state === VIR_STORAGE_POOL_RUNNING || info.state === VIR_STORAGE_POOL_DEGRADED) {
    if (bytes) {
      field(ctl, "Capacity:", String(info.capacity));
      field(ctl, "Allocation:", String(info.allocation));
      field(ctl, "Available:", String(info.available));
    } else {
      field(ctl, "Capacity:", pretty(info.capacity));
      field(ctl, "Allocation:", pretty(info.allocation));
      field(ctl, "Available:", pretty(info.available));
    }
  }
  ctl.resetError();
  return true;
}

function byName<T extends { name(): string }>(a: T, b: T): number {
  const x = a.name().toLowerCase();
  const y = b.name().toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

async function cmdPoolList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const details = cmd.bool("details");
  const inactive = cmd.bool("inactive");
  const all = cmd.bool("all");
  exclusive(ctl, "all", all, "inactive", inactive);
  let flags = VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE;
  if (inactive) flags = VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
  if (all) flags = VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE | VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
  if (cmd.bool("autostart")) flags |= VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART;
  if (cmd.bool("no-autostart")) flags |= VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART;
  if (cmd.bool("persistent")) flags |= VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT;
  if (cmd.bool("transient")) flags |= VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT;
  const uuid = cmd.bool("uuid");
  const name = cmd.bool("name");
  const type = cmd.string(ctl, "type");
  exclusive(ctl, "details", details, "uuid", uuid);
  exclusive(ctl, "details", details, "name", name);
  if (type !== null) {
    for (const t of splitCommas(type)) {
      const f = POOL_TYPES[t];
      if (f === undefined) {
        ctl.error(`Invalid pool type '${t}'`);
        return false;
      }
      flags |= f;
    }
  }
  const r = await ctl.attempt(ctl.c.listAllStoragePools(flags));
  if (!r.ok) {
    ctl.error("Failed to list pools");
    return false;
  }
  const pools = [...r.value].sort(byName);
  const texts: { state: string; autostart: string; persistent: string; capacity: string; allocation: string; available: string }[] = [];
  for (const p of pools) {
    const t = { state: "", autostart: "", persistent: "", capacity: "", allocation: "", available: "" };
    t.autostart = await p.autostart().then(
      (a) => (a ? "yes" : "no"),
      () => "no autostart",
    );
    if (details) {
      const persistent = await p.isPersistent().then(
        (v) => (v ? 1 : 0),
        () => -1,
      );
      ctl.debug(VSH_ERR_DEBUG, `Persistent flag value: ${persistent}\n`);
      t.persistent = persistent < 0 ? "unknown" : persistent ? "yes" : "no";
    }
    const info = await ctl.attempt(p.info());
    if (!info.ok) {
      ctl.error("Could not retrieve pool information");
      t.state = "unknown";
      if (details) t.capacity = t.allocation = t.available = "unknown";
    } else if (details) {
      t.state = POOL_STATE[info.value.state] ?? "unknown";
      if (info.value.state === VIR_STORAGE_POOL_RUNNING || info.value.state === VIR_STORAGE_POOL_DEGRADED) {
        t.capacity = pretty(info.value.capacity);
        t.allocation = pretty(info.value.allocation);
        t.available = pretty(info.value.available);
      } else {
        t.capacity = t.allocation = t.available = "-";
      }
    } else {
      t.state = (await p.isActive().catch(() => true)) ? "active" : "inactive";
    }
    texts.push(t);
  }
  if (!details) {
    if (uuid || name) {
      for (const p of pools) {
        if (uuid) ctl.print(`${padEnd(p.UUIDString(), 36)}${name ? " " : "\n"}`);
        if (name) ctl.print(`${padEnd(p.name(), 20)}\n`);
      }
      ctl.resetError();
      return true;
    }
    const table = new VshTable("Name", "State", "Autostart");
    pools.forEach((p, i) => { table.add(p.name(), texts[i]!.state, texts[i]!.autostart); });
    ctl.print(table.format(!ctl.quiet));
    ctl.resetError();
    return true;
  }
  const table = new VshTable("Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available");
  pools.forEach((p, i) => {
    const t = texts[i]!;
    table.add(p.name(), t.state, t.autostart, t.persistent, t.capacity, t.allocation, t.available);
  });
  ctl.print(table.format(!ctl.quiet));
  ctl.resetError();
  return true;
}

async function cmdPoolStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { pool, name } = await optPool(ctl, cmd);
  const build = cmd.bool("build");
  const overwrite = cmd.bool("overwrite");
  const noOverwrite = cmd.bool("no-overwrite");
  exclusive(ctl, "overwrite", overwrite, "no-overwrite", noOverwrite);
  let flags = 0;
  if (build) flags |= CREATE_WITH_BUILD;
  if (overwrite) flags |= CREATE_WITH_BUILD_OVERWRITE;
  if (noOverwrite) flags |= CREATE_WITH_BUILD_NO_OVERWRITE;
  const r = await ctl.attempt(pool.create(flags));
  if (!r.ok) {
    ctl.error(`Failed to start pool ${name}`);
    return false;
  }
  ctl.printExtra(`Pool ${name} started\n`);
  return true;
}

async function cmdPoolName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { pool } = await optPool(ctl, cmd, "pool", VIRSH_BYUUID);
  ctl.print(`${pool.name()}\n`);
  return true;
}

async function cmdPoolUuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { pool } = await optPool(ctl, cmd, "pool", VIRSH_BYNAME);
  ctl.print(`${pool.UUIDString()}\n`);
  return true;
}

const commands: CmdDef[] = [
  {
    name: "pool-autostart",
    help: "autostart a pool",
    desc: "Configure a pool to be automatically started at boot.",
    opts: [poolOpt(VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT), { name: "disable", type: "bool", help: "disable autostarting" }],
    handler: cmdPoolAutostart,
  },
  {
    name: "pool-define-as",
    help: "define a pool from a set of args",
    desc: "Define a pool.",
    opts: [
      { name: "name", type: "data", required: true, help: "name of the pool" },
      { name: "type", type: "data", required: true, help: "type of the pool" },
      { name: "print-xml", type: "bool", help: "print XML document, but don't define/create" },
      { name: "source-host", type: "string", help: "source-host for underlying storage" },
      { name: "source-path", type: "string", help: "source path for underlying storage" },
      { name: "source-dev", type: "string", help: "source device for underlying storage" },
      { name: "source-name", type: "string", help: "source name for underlying storage" },
      { name: "target", type: "string", help: "target for underlying storage" },
      { name: "source-format", type: "string", help: "format for underlying storage" },
      { name: "auth-type", type: "string", help: "auth type to be used for underlying storage" },
      { name: "auth-username", type: "string", help: "auth username to be used for underlying storage" },
      { name: "secret-usage", type: "string", help: "auth secret usage to be used for underlying storage" },
      { name: "secret-uuid", type: "string", help: "auth secret UUID to be used for underlying storage" },
      { name: "adapter-name", type: "string", help: "adapter name to be used for underlying storage" },
      { name: "adapter-wwnn", type: "string", help: "adapter wwnn to be used for underlying storage" },
      { name: "adapter-wwpn", type: "string", help: "adapter wwpn to be used for underlying storage" },
      { name: "adapter-parent", type: "string", help: "adapter parent scsi_hostN to be used for underlying vHBA storage" },
      { name: "adapter-parent-wwnn", type: "string", help: "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage" },
      { name: "adapter-parent-wwpn", type: "string", help: "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage" },
      { name: "adapter-parent-fabric-wwn", type: "string", help: "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage" },
      { name: "source-protocol-ver", type: "string", help: "nfsvers value for NFS pool mount option" },
      { name: "source-initiator", type: "string", help: "initiator iqn for underlying storage" },
    ],
    handler: cmdPoolDefineAs,
  },
  {
    name: "pool-destroy",
    help: "destroy (stop) a pool",
    desc: "Forcefully stop a given pool. Raw data in the pool is untouched",
    opts: [poolOpt(VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)],
    handler: (ctl, cmd) => simple(ctl, cmd, (p) => p.destroy(), "Pool %s destroyed\n", "Failed to destroy pool %s"),
  },
  {
    name: "pool-dumpxml",
    help: "pool information in XML",
    desc: "Output the pool information as an XML dump to stdout.",
    opts: [
      poolOpt(),
      { name: "inactive", type: "bool", help: "show inactive defined XML" },
      { name: "xpath", type: "string", needName: true, help: "xpath expression to filter the XML document" },
      { name: "wrap", type: "bool", help: "wrap xpath results in an common root element" },
    ],
    handler: cmdPoolDumpXML,
  },
  {
    name: "pool-info",
    help: "storage pool information",
    desc: "Returns basic information about the storage pool.",
    opts: [poolOpt(), { name: "bytes", type: "bool", help: "Return pool info in bytes" }],
    handler: cmdPoolInfo,
  },
  {
    name: "pool-list",
    help: "list pools",
    desc: "Returns list of pools.",
    opts: [
      { name: "inactive", type: "bool", help: "list inactive pools" },
      { name: "all", type: "bool", help: "list inactive & active pools" },
      { name: "transient", type: "bool", help: "list transient pools" },
      { name: "persistent", type: "bool", help: "list persistent pools" },
      { name: "autostart", type: "bool", help: "list pools with autostart enabled" },
      { name: "no-autostart", type: "bool", help: "list pools with autostart disabled" },
      { name: "type", type: "string", help: "only list pool of specified type(s) (if supported)" },
      { name: "details", type: "bool", help: "display extended details for pools" },
      { name: "uuid", type: "bool", help: "list UUID of active pools only" },
      { name: "name", type: "bool", help: "list name of active pools only" },
    ],
    handler: cmdPoolList,
  },
  {
    name: "pool-name",
    help: "convert a pool UUID to pool name",
    desc: "",
    opts: [poolOpt()],
    handler: cmdPoolName,
  },
  {
    name: "pool-refresh",
    help: "refresh a pool",
    desc: "Refresh a given pool.",
    opts: [poolOpt(VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)],
    handler: (ctl, cmd) => simple(ctl, cmd, (p) => p.refresh(0), "Pool %s refreshed\n", "Failed to refresh pool %s"),
  },
  {
    name: "pool-start",
    help: "start a (previously defined) inactive pool",
    desc: "Start a pool.",
    opts: [
      poolOpt(VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE),
      { name: "build", type: "bool", help: "build the pool as normal" },
      { name: "no-overwrite", type: "bool", help: "do not overwrite any existing data" },
      { name: "overwrite", type: "bool", help: "overwrite any existing data" },
    ],
    handler: cmdPoolStart,
  },
  {
    name: "pool-undefine",
    help: "undefine an inactive pool",
    desc: "Undefine the configuration for an inactive pool.",
    opts: [poolOpt(VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT)],
    handler: (ctl, cmd) => simple(ctl, cmd, (p) => p.undefine(), "Pool %s has been undefined\n", "Failed to undefine pool %s"),
  },
  {
    name: "pool-uuid",
    help: "convert a pool name to pool UUID",
    desc: "",
    opts: [poolOpt()],
    handler: cmdPoolUuid,
  },
];

export const storagePool: CmdGroup = { name: "Storage Pool", keyword: "pool", commands };
