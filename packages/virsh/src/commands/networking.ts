// Group "Networking" (tools/virsh-network.c): net-list, net-info, net-dumpxml, net-define,
// net-undefine, net-start, net-destroy, net-autostart, net-name, net-uuid.
import {
  VIR_CONNECT_LIST_NETWORKS_ACTIVE,
  VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
  VIR_CONNECT_LIST_NETWORKS_INACTIVE,
  VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART,
  VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
  VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
  VIR_NETWORK_XML_INACTIVE,
  VirError,
  type Network,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { VshTable } from "../shell/table.js";
import { readFileAll } from "../util/read-file.js";
import { dumpXML } from "../util/xpath.js";
import { VIRSH_BYNAME, VIRSH_BYUUID, optNetwork } from "./lookup.js";
import { networkDefineXMLFlags } from "./optional-api.js";

/** VIR_NETWORK_DEFINE_VALIDATE */
const VIR_NETWORK_DEFINE_VALIDATE = 1;

const netOpt = (help: string, completeFlags?: number) =>
  ({ name: "network", type: "data", required: true, help, complete: "network", ...(completeFlags !== undefined ? { completeFlags } : {}) }) as const;

function field(ctl: Shell, label: string, value: string): void {
  ctl.print(`${padEnd(label, 15)} ${value}\n`);
}

async function cmdNetworkAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { net, name } = await optNetwork(ctl, cmd);
  const autostart = !cmd.bool("disable");
  const r = await ctl.attempt(net.setAutostart(autostart));
  if (!r.ok) {
    ctl.error(autostart ? `failed to mark network ${name} as autostarted` : `failed to unmark network ${name} as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Network ${name} marked as autostarted\n` : `Network ${name} unmarked as autostarted\n`);
  return true;
}

async function cmdNetworkDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.requiredString(ctl, "file");
  const flags = cmd.bool("validate") ? VIR_NETWORK_DEFINE_VALIDATE : 0;
  let buffer: string;
  try {
    buffer = readFileAll(from);
  } catch (e) {
    if (e instanceof VirError) throw new CommandFailed(e);
    throw e;
  }
  const conn = ctl.c;
  const r = await ctl.attempt(flags ? networkDefineXMLFlags(conn, buffer, flags) : conn.networkDefineXML(buffer));
  if (!r.ok) {
    ctl.error(`Failed to define network from ${from}`);
    return false;
  }
  ctl.printExtra(`Network ${r.value.name()} defined from ${from}\n`);
  return true;
}

async function simple(ctl: Shell, cmd: ParsedCommand, op: (n: Network) => Promise<void>, ok: string, fail: string): Promise<boolean> {
  const { net, name } = await optNetwork(ctl, cmd);
  const r = await ctl.attempt(op(net));
  if (!r.ok) {
    ctl.error(fail.replace("%s", () => name));
    return false;
  }
  ctl.printExtra(ok.replace("%s", () => name));
  return true;
}

async function cmdNetworkDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const wrap = cmd.bool("wrap");
  const { net } = await optNetwork(ctl, cmd);
  const flags = cmd.bool("inactive") ? VIR_NETWORK_XML_INACTIVE : 0;
  const xpath = cmd.stringQuiet("xpath");
  const xml = await net.XMLDesc(flags);
  return dumpXML(ctl, xml, xpath, wrap);
}

async function cmdNetworkInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { net } = await optNetwork(ctl, cmd);
  field(ctl, "Name:", net.name());
  field(ctl, "UUID:", net.UUIDString());
  const active = await ctl.attempt(net.isActive());
  if (active.ok) field(ctl, "Active:", active.value ? "yes" : "no");
  const persistent = await ctl.attempt(net.isPersistent());
  field(ctl, "Persistent:", !persistent.ok ? "unknown" : persistent.value ? "yes" : "no");
  const autostart = await ctl.attempt(net.autostart());
  field(ctl, "Autostart:", !autostart.ok ? "no autostart" : autostart.value ? "yes" : "no");
  const bridge = await ctl.attempt(net.bridgeName());
  if (bridge.ok) field(ctl, "Bridge:", bridge.value);
  return true;
}

const LIST_FILTERS: readonly [string, number][] = [
  ["persistent", VIR_CONNECT_LIST_NETWORKS_PERSISTENT],
  ["transient", VIR_CONNECT_LIST_NETWORKS_TRANSIENT],
  ["autostart", VIR_CONNECT_LIST_NETWORKS_AUTOSTART],
  ["no-autostart", VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART],
];

/** virshNetworkSorter (vshStrcasecmp on names). */
function byName<T extends { name(): string }>(a: T, b: T): number {
  const x = a.name().toLowerCase();
  const y = b.name().toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

async function cmdNetworkList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const optName = cmd.bool("name");
  let optTable = cmd.bool("table");
  const optUUID = cmd.bool("uuid");
  let flags = VIR_CONNECT_LIST_NETWORKS_ACTIVE;
  if (cmd.bool("inactive")) flags = VIR_CONNECT_LIST_NETWORKS_INACTIVE;
  if (cmd.bool("all")) flags = VIR_CONNECT_LIST_NETWORKS_ACTIVE | VIR_CONNECT_LIST_NETWORKS_INACTIVE;
  for (const [n, f] of LIST_FILTERS) if (cmd.bool(n)) flags |= f;
  if (Number(optTable) + Number(optName) + Number(optUUID) > 1) {
    ctl.error("Only one argument from --table, --name and --uuid may be specified.");
    return false;
  }
  if (!optUUID && !optName) optTable = true;
  const r = await ctl.attempt(ctl.c.listAllNetworks(flags));
  if (!r.ok) {
    ctl.error("Failed to list networks");
    return false;
  }
  const nets = [...r.value].sort(byName);
  const table = optTable ? new VshTable("Name", "State", "Autostart", "Persistent") : null;
  for (const net of nets) {
    if (table) {
      const auto = await net.autostart().then(
        (a) => (a ? "yes" : "no"),
        () => "no autostart",
      );
      const active = await net.isActive().catch(() => true);
      const persistent = await net.isPersistent().catch(() => true);
      table.add(net.name(), active ? "active" : "inactive", auto, persistent ? "yes" : "no");
    } else if (optUUID) {
      ctl.print(`${net.UUIDString()}\n`);
    } else {
      ctl.print(`${net.name()}\n`);
    }
  }
  if (table) ctl.print(table.format(!ctl.quiet));
  return true;
}

async function cmdNetworkName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { net } = await optNetwork(ctl, cmd, VIRSH_BYUUID);
  ctl.print(`${net.name()}\n`);
  return true;
}

async function cmdNetworkUuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { net } = await optNetwork(ctl, cmd, VIRSH_BYNAME);
  ctl.print(`${net.UUIDString()}\n`);
  return true;
}

const commands: CmdDef[] = [
  {
    name: "net-autostart",
    help: "autostart a network",
    desc: "Configure a network to be automatically started at boot.",
    opts: [netOpt("network name or uuid", VIR_CONNECT_LIST_NETWORKS_PERSISTENT), { name: "disable", type: "bool", help: "disable autostarting" }],
    handler: cmdNetworkAutostart,
  },
  {
    name: "net-define",
    help: "define an inactive persistent virtual network or modify an existing persistent one from an XML file",
    desc: "Define or modify a persistent virtual network.",
    opts: [
      { name: "file", type: "data", required: true, help: "file containing an XML network description" },
      { name: "validate", type: "bool", help: "validate the XML against the schema" },
    ],
    handler: cmdNetworkDefine,
  },
  {
    name: "net-destroy",
    help: "destroy (stop) a network",
    desc: "Forcefully stop a given network.",
    opts: [netOpt("network name or uuid", VIR_CONNECT_LIST_NETWORKS_ACTIVE)],
    handler: (ctl, cmd) => simple(ctl, cmd, (n) => n.destroy(), "Network %s destroyed\n", "Failed to destroy network %s"),
  },
  {
    name: "net-dumpxml",
    help: "network information in XML",
    desc: "Output the network information as an XML dump to stdout.",
    opts: [
      netOpt("network name or uuid"),
      { name: "inactive", type: "bool", help: "show inactive defined XML" },
      { name: "xpath", type: "string", needName: true, help: "xpath expression to filter the XML document" },
      { name: "wrap", type: "bool", help: "wrap xpath results in an common root element" },
    ],
    handler: cmdNetworkDumpXML,
  },
  {
    name: "net-info",
    help: "network information",
    desc: "Returns basic information about the network",
    opts: [netOpt("network name or uuid")],
    handler: cmdNetworkInfo,
  },
  {
    name: "net-list",
    help: "list networks",
    desc: "Returns list of networks.",
    opts: [
      { name: "inactive", type: "bool", help: "list inactive networks" },
      { name: "all", type: "bool", help: "list inactive & active networks" },
      { name: "persistent", type: "bool", help: "list persistent networks" },
      { name: "transient", type: "bool", help: "list transient networks" },
      { name: "autostart", type: "bool", help: "list networks with autostart enabled" },
      { name: "no-autostart", type: "bool", help: "list networks with autostart disabled" },
      { name: "uuid", type: "bool", help: "list uuid's only" },
      { name: "name", type: "bool", help: "list network names only" },
      { name: "table", type: "bool", help: "list table (default)" },
    ],
    handler: cmdNetworkList,
  },
  {
    name: "net-name",
    help: "convert a network UUID to network name",
    desc: "",
    opts: [{ name: "network", type: "data", required: true, help: "network uuid" }],
    handler: cmdNetworkName,
  },
  {
    name: "net-start",
    help: "start a (previously defined) inactive network",
    desc: "Start a network.",
    opts: [netOpt("network name or uuid", VIR_CONNECT_LIST_NETWORKS_INACTIVE)],
    handler: (ctl, cmd) => simple(ctl, cmd, (n) => n.create(), "Network %s started\n", "Failed to start network %s"),
  },
  {
    name: "net-undefine",
    help: "undefine a persistent network",
    desc: "Undefine the configuration for a persistent network.",
    opts: [netOpt("network name or uuid", VIR_CONNECT_LIST_NETWORKS_PERSISTENT)],
    handler: (ctl, cmd) => simple(ctl, cmd, (n) => n.undefine(), "Network %s has been undefined\n", "Failed to undefine network %s"),
  },
  {
    name: "net-uuid",
    help: "convert a network name to network UUID",
    desc: "",
    opts: [netOpt("network name")],
    handler: cmdNetworkUuid,
  },
];

export const networking: CmdGroup = { name: "Networking", keyword: "network", commands };
