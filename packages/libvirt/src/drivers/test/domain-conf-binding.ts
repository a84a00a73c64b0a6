// The test driver's domain definitions on packages/libvirt/src/conf: parseDomainXML with the
// test driver's post-parse hooks (testDriverNew's virDomainXMLOption) and formatDomainXML.
import { parseDomainXML, formatDomainXML } from "../../conf/domain-conf.js";
import type { DomainDef } from "../../conf/domain-def.js";
import { testDomainGenerateIfnames, testDriverPostParse } from "../../conf/domain-hooks-test.js";
import { parseUUID } from "../../api/check.js";
import type { DomainConfOps } from "./test-conf.js";

function uuidBytes(s: string): Uint8Array {
  const b = parseUUID(s);
  if (!b) throw new Error(`conf produced a malformed UUID '${s}'`);
  return b;
}

export const testDomainConf: DomainConfOps<DomainDef> = {
  parse: (xml, flags) => parseDomainXML(xml, { flags, postParse: testDriverPostParse }),
  format: (def, flags, id) => formatDomainXML(def, { flags, live: { id: id ?? -1 } }),
  copy: (def) => structuredClone(def),
  name: (def) => def.name,
  uuid: (def) => uuidBytes(def.uuid),
  maxMemory: (def) => def.mem.totalMemory,
  setMaxMemory: (def, kib) => { def.mem.totalMemory = kib; },
  currentMemory: (def) => def.mem.curBalloon,
  setCurrentMemory: (def, kib) => { def.mem.curBalloon = kib; },
  hotplugMemoryMax: (def) => def.mem.maxMemory,
  // <cpu><numa> cells are not modelled by conf (the parser refuses them), so never any.
  numaNodeCount: () => 0,
  vcpus: (def) => def.vcpus.current,
  maxVcpus: (def) => def.vcpus.max,
  setVcpus: (def, n) => { def.vcpus.current = n; },
  setMaxVcpus: (def, n) => {
    def.vcpus.max = n;
    if (def.vcpus.current > n) def.vcpus.current = n;
  },
  osType: (def) => def.os.type,
  cpuset: (def) => def.vcpus.cpuset,
  disks: (def) => def.disks.map((d) => ({ dst: d.dst ?? "", src: d.src.path ?? "" })),
  hasMemballoon: (def) => def.memballoon !== null && def.memballoon.model !== "none",
  onPoweroff: (def) => def.onPoweroff,
  onReboot: (def) => def.onReboot,
  generateIfnames: (def) => { testDomainGenerateIfnames(def); },
  title: (def) => def.title,
  description: (def) => def.description,
  setTitle: (def, v) => { def.title = v; },
  setDescription: (def, v) => { def.description = v; },
  interfaces: (def) => def.nets.map((n) => ({ type: n.type, network: n.type === "network" ? (n.source?.network ?? null) : null, mac: n.mac, ifname: n.ifname })),
};
