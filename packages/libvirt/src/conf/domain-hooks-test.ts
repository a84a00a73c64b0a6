// The test driver's parser configuration (libvirt 9.0 src/test/test_driver.c testDriverNew and
// testDomainDevicesDefPostParse), plus the interface naming its domainDefineXML applies
// (testDomainGenerateIfnames). Verified against a real libvirtd's test driver by the golden tests.
import { confError, VIR_ERR_INTERNAL_ERROR, VIR_ERR_XML_DETAIL, VIR_FROM_XML } from "./conf-error.js";

/** VIR_FROM_TEST: errors raised by test_driver.c itself */
const VIR_FROM_TEST = 12;
import type { DomainDef } from "./domain-def.js";
import type { DomainPostParse } from "./domain-driver-hooks.js";
import {
  VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT,
  VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS,
  VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG,
  VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
  VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN,
  VIR_DOMAIN_DEF_FEATURE_USER_ALIAS,
} from "./parse-context.js";

export const testDriverPostParse: DomainPostParse = {
  name: "test",
  config: {
    features:
      VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG |
      VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN |
      VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS |
      VIR_DOMAIN_DEF_FEATURE_USER_ALIAS |
      VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT |
      VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
    defArch: "i686",
    wideScsi: false,
  },
  netPrefix: null,
  /** testDomainDevicesDefPostParse: the default video model */
  devicePostParse(dev, def): void {
    if (dev.type !== "video" || dev.video.type !== "default") return;
    if (def.os.type === "xen" || def.os.type === "linux") dev.video.type = "xen";
    else if (def.os.arch === "ppc64" || def.os.arch === "ppc64le") dev.video.type = "vga";
    else dev.video.type = "cirrus";
  },
};

/** virXMLCheckIllegalChars: a driver's check of names before defining (VIR_ERR_XML_DETAIL) */
export function checkIllegalChars(nodeName: string, str: string, illegal: string): void {
  for (const c of str) {
    if (illegal.includes(c)) throw confError(VIR_ERR_XML_DETAIL, `invalid char in ${nodeName}: ${c}`, VIR_FROM_XML);
  }
}

/**
 * testDomainGenerateIfnames: the test driver names every <interface> without a target dev
 * "testnetN" with the lowest N not in use, as its domainDefineXML and domainCreateXML do.
 */
export function testDomainGenerateIfnames(def: DomainDef): void {
  for (const net of def.nets) {
    if (net.ifname !== null) continue;
    let n = 0;
    for (; n < 1024; n++) {
      const candidate = `testnet${n}`;
      if (!def.nets.some((x) => x.ifname === candidate)) {
        net.ifname = candidate;
        break;
      }
    }
    if (n === 1024) throw confError(VIR_ERR_INTERNAL_ERROR, "Exceeded max iface limit 1024", VIR_FROM_TEST);
  }
}
