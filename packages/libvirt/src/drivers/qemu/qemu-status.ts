// The live status file of a running domain (libvirt 9.0 src/conf/domain_conf.c
// virDomainObjFormat / virDomainObjParseXML with the qemu driver's private data from
// qemu_domain.c qemuDomainObjPrivateXMLFormat): <domstatus state reason pid> with the monitor
// socket, the domain's private directory and the live <domain>, in stateDir/NAME.xml. After a
// daemon restart the driver reads these to find running domains again (qemuProcessReconnectAll).
import { attr, childElements, firstChild, parseXml, type XmlElement } from "../../util/xml.js";
import { escapeXml } from "../../util/xml.js";

/** virDomainState names. */
export const DOMAIN_STATE_NAMES = ["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"] as const;

/** The reason names of each state (virDomain*Reason VIR_ENUM_IMPLs), indexed by state. */
export const DOMAIN_REASON_NAMES: readonly (readonly string[])[] = [
  ["unknown"],
  ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "wakeup", "crashed", "post-copy", "post-copy failed"],
  ["unknown"],
  ["unknown", "user", "migration", "save", "dump", "ioerror", "watchdog", "from snapshot", "shutdown", "snapshot", "panicked", "starting up", "post-copy", "post-copy failed"],
  ["unknown", "user"],
  ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"],
  ["unknown", "panicked"],
  ["unknown"],
];

export interface DomainStatus {
  state: number;
  reason: number;
  pid: number;
  monitorPath: string;
  /** the domain's private directory (libDir/domain-ID-NAME) */
  libDir: string;
  /** the live <domain> element as written */
  domain: XmlElement;
}

/** virDomainObjFormat: the status document around the live domain XML. */
export function formatDomainStatus(s: { state: number; reason: number; pid: number; monitorPath: string; libDir: string }, domainXml: string): string {
  const state = DOMAIN_STATE_NAMES[s.state] ?? "nostate";
  const reason = DOMAIN_REASON_NAMES[s.state]?.[s.reason] ?? "unknown";
  const inner = domainXml
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n");
  return (
    `<domstatus state='${state}' reason='${reason}' pid='${s.pid}'>\n` +
    `  <monitor path='${escapeXml(s.monitorPath)}' type='unix'/>\n` +
    `  <libDir path='${escapeXml(s.libDir)}'/>\n` +
    inner +
    (inner.endsWith("\n") ? "" : "\n") +
    "</domstatus>\n"
  );
}

/** virDomainObjParseXML's outer part; the caller parses `domain` with the driver's conf. */
export function parseDomainStatus(xml: string): DomainStatus {
  const doc = parseXml(xml);
  const root = doc.root;
  if (root.local !== "domstatus") throw new Error("unexpected root element <" + root.local + ">, expecting <domstatus>");
  const stateName = attr(root, "state") ?? "nostate";
  const state = DOMAIN_STATE_NAMES.indexOf(stateName as (typeof DOMAIN_STATE_NAMES)[number]);
  if (state < 0) throw new Error(`invalid domain state '${stateName}'`);
  const reasonName = attr(root, "reason") ?? "unknown";
  const reason = Math.max(0, DOMAIN_REASON_NAMES[state]!.indexOf(reasonName));
  const pid = Number(attr(root, "pid") ?? "0");
  if (!Number.isInteger(pid) || pid < 0) throw new Error("invalid pid");
  const monitor = firstChild(root, "monitor");
  const libDir = firstChild(root, "libDir");
  const domain = childElements(root, "domain")[0];
  if (!domain) throw new Error("no domain config");
  return { state, reason, pid, monitorPath: monitor ? (attr(monitor, "path") ?? "") : "", libDir: libDir ? (attr(libDir, "path") ?? "") : "", domain };
}
