// The test driver's networks on packages/libvirt/src/conf/network-conf.ts.
import { parseUUID } from "../../api/check.js";
import { formatNetworkXML, parseNetworkXML, type NetworkDef } from "../../conf/network-conf.js";
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
};
