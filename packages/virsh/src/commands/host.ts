// Group "Host and Hypervisor" (tools/virsh-host.c): capabilities, freecell, hostname, maxvcpus,
// nodeinfo, sysinfo, uri, version.
import { LIBVIR_VERSION_NUMBER } from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { exclusive } from "../shell/option-rules.js";
import type { ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { readXml, select } from "../util/xml-reader.js";
import { getDomainCapabilities } from "./optional-api.js";

/** major.minor.micro of a libvirt version number. */
export function versionString(v: number): string {
  return `${Math.floor(v / 1000000)}.${Math.floor((v % 1000000) / 1000)}.${v % 1000}`;
}

async function cmdCapabilities(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.getCapabilities());
  if (!r.ok) {
    ctl.error("failed to get capabilities");
    return false;
  }
  ctl.print(`${r.value}\n`);
  return true;
}

async function cmdFreecell(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool("all");
  const cellno = cmd.has("cellno");
  exclusive(ctl, "all", all, "cellno", cellno);
  const conn = ctl.c;
  let cell = -1;
  if (cellno) cell = cmd.int(ctl, "cellno") ?? -1;
  if (!all) {
    if (cellno) {
      const mem = await conn.getCellsFreeMemory(cell, 1);
      if (mem.length !== 1) return false;
      ctl.print(`${cell}: ${Math.floor(mem[0]! / 1024)} KiB\n`);
      return true;
    }
    const memory = await conn.getFreeMemory();
    if (memory === 0) return false;
    ctl.print(`Total: ${Math.floor(memory / 1024)} KiB\n`);
    return true;
  }
  const caps = await ctl.attempt(conn.getCapabilities());
  if (!caps.ok) {
    ctl.error("unable to get node capabilities");
    return false;
  }
  const cells = select(readXml(caps.value), "host/topology/cells/cell");
  const ids: number[] = [];
  const free: number[] = [];
  for (const c of cells) {
    const idText = c.attrs.get("id") ?? "";
    if (!/^\d+$/.test(idText)) {
      ctl.error("conversion from string failed");
      return false;
    }
    const id = Number(idText);
    ids.push(id);
    const r = await ctl.attempt(conn.getCellsFreeMemory(id, 1));
    if (!r.ok || r.value.length !== 1) {
      ctl.error(`failed to get free memory for NUMA node number: ${id}`);
      return false;
    }
    free.push(r.value[0]!);
  }
  let total = 0;
  ids.forEach((id, i) => {
    ctl.print(`${String(id).padStart(5)}: ${String(Math.floor(free[i]! / 1024)).padStart(10)} KiB\n`);
    total += free[i]!;
  });
  ctl.printExtra("--------------------\n");
  ctl.printExtra(`${"Total".padStart(5)}: ${String(Math.floor(total / 1024)).padStart(10)} KiB\n`);
  return true;
}

async function cmdHostname(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.getHostname());
  if (!r.ok) {
    ctl.error("failed to get hostname");
    return false;
  }
  ctl.print(`${r.value}\n`);
  return true;
}

async function cmdMaxvcpus(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const type = cmd.string(ctl, "type");
  const conn = ctl.c;
  let vcpus = -1;
  const caps = await ctl.attempt(getDomainCapabilities(conn, null, null, null, type, 0));
  if (caps.ok) {
    const max = readXml(caps.value).children.find((c) => c.name === "vcpu")?.attrs.get("max");
    if (max !== undefined && /^-?\d+$/.test(max)) vcpus = Number(max);
  } else {
    ctl.resetError();
  }
  if (vcpus < 0) vcpus = await conn.getMaxVcpus(type);
  ctl.print(`${vcpus}\n`);
  return true;
}

async function cmdNodeinfo(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.getInfo());
  if (!r.ok) {
    ctl.error("failed to get node information");
    return false;
  }
  const info = r.value;
  const line = (label: string, v: string): void => { ctl.print(`${padEnd(label, 20)} ${v}\n`); };
  line("CPU model:", info.model);
  line("CPU(s):", String(info.cpus));
  if (info.mhz) line("CPU frequency:", `${info.mhz} MHz`);
  line("CPU socket(s):", String(info.sockets));
  line("Core(s) per socket:", String(info.cores));
  line("Thread(s) per core:", String(info.threads));
  line("NUMA cell(s):", String(info.nodes));
  line("Memory size:", `${info.memory} KiB`);
  return true;
}

async function cmdSysinfo(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.getSysinfo(0));
  if (!r.ok) {
    ctl.error("failed to get sysinfo");
    return false;
  }
  ctl.print(r.value);
  return true;
}

async function cmdURI(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.getURI());
  if (!r.ok) {
    ctl.error("failed to get URI");
    return false;
  }
  ctl.print(`${r.value}\n`);
  return true;
}

async function cmdVersion(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const conn = ctl.c;
  const type = await ctl.attempt(conn.getType());
  if (!type.ok) {
    ctl.error("failed to get hypervisor type");
    return false;
  }
  const hvType = type.value;
  // virGetVersion: the library answers with its own version for the library and the API.
  ctl.print(`Compiled against library: libvirt ${versionString(LIBVIR_VERSION_NUMBER)}\n`);
  ctl.print(`Using library: libvirt ${versionString(LIBVIR_VERSION_NUMBER)}\n`);
  ctl.print(`Using API: ${hvType} ${versionString(LIBVIR_VERSION_NUMBER)}\n`);
  const hv = await ctl.attempt(conn.getVersion());
  if (!hv.ok) {
    ctl.error("failed to get the hypervisor version");
    return false;
  }
  if (hv.value === 0) ctl.print(`Cannot extract running ${hvType} hypervisor version\n`);
  else ctl.print(`Running hypervisor: ${hvType} ${versionString(hv.value)}\n`);
  if (cmd.bool("daemon")) {
    const d = await ctl.attempt(conn.getLibVersion());
    if (!d.ok) ctl.error("failed to get the daemon version");
    else ctl.print(`Running against daemon: ${versionString(d.value)}\n`);
  }
  return true;
}

const commands: CmdDef[] = [
  {
    name: "capabilities",
    help: "capabilities",
    desc: "Returns capabilities of hypervisor/driver.",
    opts: [],
    handler: cmdCapabilities,
  },
  {
    name: "freecell",
    help: "NUMA free memory",
    desc: "display available free memory for the NUMA cell.",
    opts: [
      { name: "cellno", type: "int", help: "NUMA cell number" },
      { name: "all", type: "bool", help: "show free memory for all NUMA cells" },
    ],
    handler: cmdFreecell,
  },
  {
    name: "hostname",
    help: "print the hypervisor hostname",
    desc: "",
    opts: [],
    handler: cmdHostname,
  },
  {
    name: "maxvcpus",
    help: "connection vcpu maximum",
    desc: "Show maximum number of virtual CPUs for guests on this connection.",
    opts: [{ name: "type", type: "string", help: "domain type" }],
    handler: cmdMaxvcpus,
  },
  {
    name: "nodeinfo",
    help: "node information",
    desc: "Returns basic information about the node.",
    opts: [],
    handler: cmdNodeinfo,
  },
  {
    name: "sysinfo",
    help: "print the hypervisor sysinfo",
    desc: "output an XML string for the hypervisor sysinfo, if available",
    opts: [],
    handler: cmdSysinfo,
  },
  {
    name: "uri",
    help: "print the hypervisor canonical URI",
    desc: "",
    opts: [],
    handler: cmdURI,
  },
  {
    name: "version",
    help: "show version",
    desc: "Display the system version information.",
    opts: [{ name: "daemon", type: "bool", help: "report daemon version too" }],
    handler: cmdVersion,
  },
];

export const hostAndHypervisor: CmdGroup = { name: "Host and Hypervisor", keyword: "host", commands };
