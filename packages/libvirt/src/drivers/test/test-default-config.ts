// The test driver's configuration document: the built-in default (defaultConnXML in
// src/test/test_driver.c, libvirt 9.0) and the reader for <node> files (testOpenParse):
// <domain>, <network>, <pool> (with <volume>s), <cpu>/<memory> node information and the
// test namespace extras on domains (<test:runstate>, <test:transient/>, <test:hasmanagedsave/>).
import type { NodeInfo } from "../../api/driver.js";
import { VirError } from "../../errors/vir-error.js";
import { VIR_ERR_ERROR, VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { childElements, childText, dumpNode, parseXml, XmlSyntaxError, type XmlElement } from "../../util/xml.js";

/** The test driver's XML namespace for domain extras (test_driver.c TEST_NAMESPACE_HREF). */
export const TEST_NAMESPACE_HREF = "http://libvirt.org/schemas/domain/test/1.0";

export const TEST_DEFAULT_CONFIG = `<node>
<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
    </memballoon>
  </devices>
</domain>
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
</node>`;

export interface TestConfigDomain {
  xml: string;
  /** virDomainState from <test:runstate>, default running. */
  runstate: number;
  transient: boolean;
  hasManagedSave: boolean;
}

export interface TestConfig {
  domains: TestConfigDomain[];
  networks: string[];
  pools: { xml: string; volumes: string[] }[];
  nodeInfo: Partial<NodeInfo> | null;
}

function configError(msg: string): VirError {
  return new VirError({ code: VirErrorNumber.VIR_ERR_XML_ERROR, domain: VirErrorDomain.VIR_FROM_TEST, message: `XML error: ${msg}`, level: VIR_ERR_ERROR, str1: "XML error: %s", str2: msg });
}

function intOf(el: XmlElement, name: string): number | undefined {
  const t = childText(el, name);
  if (t === null) return undefined;
  const n = Number(t.trim());
  if (!Number.isInteger(n) || n < 0) throw configError(`invalid node ${name} value '${t}'`);
  return n;
}

/** testOpenParse: split a <node> document into its object definitions. */
export function parseTestConfig(xml: string): TestConfig {
  let root: XmlElement;
  try {
    root = parseXml(xml).root;
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw configError(e.message);
    throw e;
  }
  if (root.local !== "node") throw configError("Root element is not 'node'");
  const out: TestConfig = { domains: [], networks: [], pools: [], nodeInfo: null };
  const cpu = childElements(root, "cpu")[0];
  const mem = childText(root, "memory");
  if (cpu || mem !== null) {
    const ni: Partial<NodeInfo> = {};
    if (cpu) {
      const nodes = intOf(cpu, "nodes");
      const sockets = intOf(cpu, "sockets");
      const cores = intOf(cpu, "cores");
      const threads = intOf(cpu, "threads");
      const active = intOf(cpu, "active");
      const mhz = intOf(cpu, "mhz");
      const model = childText(cpu, "model");
      if (nodes !== undefined) ni.nodes = nodes;
      if (sockets !== undefined) ni.sockets = sockets;
      if (cores !== undefined) ni.cores = cores;
      if (threads !== undefined) ni.threads = threads;
      if (active !== undefined) ni.cpus = active;
      if (mhz !== undefined) ni.mhz = mhz;
      if (model !== null) ni.model = model.slice(0, 31);
    }
    if (mem !== null) {
      const n = Number(mem.trim());
      if (!Number.isInteger(n) || n < 0) throw configError(`invalid node memory value '${mem}'`);
      ni.memory = n;
    }
    out.nodeInfo = ni;
  }
  const states: Record<string, number> = { nostate: 0, running: 1, blocked: 2, paused: 3, shutdown: 4, shutoff: 5, crashed: 6, pmsuspended: 7 };
  for (const el of childElements(root, "domain")) {
    let runstate = 1;
    let transient = false;
    let hasManagedSave = false;
    for (const c of el.children) {
      if (c.type !== "element" || c.ns !== TEST_NAMESPACE_HREF) continue;
      const local = c.local.includes(":") ? c.local.slice(c.local.indexOf(":") + 1) : c.local;
      if (local === "runstate") {
        const v = childText({ ...c, children: [] }) ?? c.children.map((t) => (t.type === "text" ? t.value : "")).join("").trim();
        const n = Number(v);
        runstate = Number.isInteger(n) ? n : (states[v] ?? 1);
      } else if (local === "transient") transient = true;
      else if (local === "hasmanagedsave") hasManagedSave = true;
    }
    out.domains.push({ xml: dumpNode(el, 0), runstate, transient, hasManagedSave });
  }
  for (const el of childElements(root, "network")) out.networks.push(dumpNode(el, 0));
  for (const el of childElements(root, "pool")) {
    out.pools.push({ xml: dumpNode(el, 0), volumes: childElements(el, "volume").map((v) => dumpNode(v, 0)) });
  }
  return out;
}
