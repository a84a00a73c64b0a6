// The test driver's networks on packages/libvirt/src/conf/network-conf.ts.
import { parseUUID } from "../../api/check.js";
import { formatNetworkXML, parseNetworkXML, type NetworkDef } from "../../conf/network-conf.js";
import { formatSocketAddr, ipPrefix } from "../../conf/socket-addr.js";
import type { NetworkConfOps } from "./test-conf.js";

export const testNetworkConf: NetworkConfOps<NetworkDef> = {
  parse: (xml) => parseNetworkXML(xml),
  format: (net, flags) => formatNetworkXML(net, { flags }),
  name: (net) => net.name,
  uuid: (net) => {
    const b = parseUUID(net.uuid);
    if (!b) throw new Error(`conf produced a malformed UUID '${net.uuid}'`);
    return b;
  },
  bridge: (net) => net.bridge,
  firstIP: (net) => {
    const ip = net.ips[0];
    if (!ip) return null;
    const start = ip.ranges[0]?.start ?? ip.address;
    return { start: { family: start.family, bytes: [...start.bytes] }, prefix: ipPrefix(ip.address, ip.netmask, ip.prefix) };
  },
  formatIP: (a) => formatSocketAddr({ family: a.family, bytes: a.bytes }),
};
