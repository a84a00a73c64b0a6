// The DHCP leases of a network (libvirt 9.0 src/network/bridge_driver.c networkGetDHCPLeases):
// libvirt's dnsmasq calls libvirt_leaseshelper on every lease change, which keeps a JSON array
// of the live leases in dnsmasqStateDir/BRIDGE.status ({"ip-address", "mac-address",
// "expiry-time", "hostname", "client-id", "iaid"}); the network driver reads that file. No file
// means no leases (a network whose dnsmasq never handed one out, or none running — virtkit's
// network driver starts no dnsmasq, so only a helper or a test writes it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as C from "../../api/constants.js";
import type { NetworkDef } from "../../conf/network-conf.js";
import { ipPrefix } from "../../conf/socket-addr.js";
import { virError } from "../../errors/vir-error.js";
import { virSystemError } from "../../errors/system-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

const NET = VirErrorDomain.VIR_FROM_NETWORK;
const E = VirErrorNumber;

/** VIR_NETWORK_DHCP_LEASE_FILE_SIZE_MAX (bridge_driver.c). */
const LEASE_FILE_SIZE_MAX = 32 * 1024 * 1024;

/** virNetworkDHCPLease. */
export interface NetworkDHCPLeaseRecord {
  iface: string;
  /** seconds since the epoch, 0 for an infinite lease */
  expirytime: number;
  /** VIR_IP_ADDR_TYPE_* */
  type: number;
  mac: string;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

/** networkDnsmasqLeaseFileNameCustom. */
export function leaseFileName(dnsmasqStateDir: string, bridge: string): string {
  return join(dnsmasqStateDir, `${bridge}.status`);
}

/** virMacAddrParse: six hex octets separated by ':' (each one or two digits). */
export function parseMac(mac: string): number[] | null {
  const parts = mac.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return parts.map((p) => parseInt(p, 16));
}

function sameMac(a: string, b: string): boolean {
  const x = parseMac(a);
  const y = parseMac(b);
  return x !== null && y !== null && x.every((v, i) => v === y[i]);
}

function str(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  return typeof v === "string" ? v : null;
}

/**
 * networkGetDHCPLeases for `def` (the network's live definition): the unexpired leases, only
 * those of `mac` when given.
 */
export function networkDHCPLeases(def: NetworkDef, dnsmasqStateDir: string, mac: string | null, now = Math.floor(Date.now() / 1000)): NetworkDHCPLeaseRecord[] {
  if (mac !== null && parseMac(mac) === null) throw virError(NET, E.VIR_ERR_INVALID_MAC, mac);
  if (def.bridge === null) return [];
  const file = leaseFileName(dnsmasqStateDir, def.bridge);
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > LEASE_FILE_SIZE_MAX) throw Object.assign(new Error("file too large"), { code: "EFBIG" });
    text = buf.toString("utf8");
  } catch (e) {
    // not every network runs dnsmasq: no file is no lease
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw virSystemError(NET, e, `Unable to read leases file: ${file}`);
  }
  if (text === "") return [];
  let leases: unknown;
  try {
    leases = JSON.parse(text);
  } catch {
    throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, `invalid json in file: ${file}`);
  }
  if (!Array.isArray(leases)) throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, "Malformed lease_entries array");
  const out: NetworkDHCPLeaseRecord[] = [];
  for (const l of leases as unknown[]) {
    if (typeof l !== "object" || l === null || Array.isArray(l)) throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, "failed to parse json");
    const o = l as Record<string, unknown>;
    const leaseMac = str(o, "mac-address");
    if (leaseMac === null) throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, "found lease without mac-address");
    if (mac !== null && !sameMac(mac, leaseMac)) continue;
    const expiry = o["expiry-time"];
    if (typeof expiry !== "number" || !Number.isInteger(expiry)) throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, "found lease without expiry-time");
    // an expired lease is not reported
    if (expiry > 0 && expiry < now) continue;
    const ip = str(o, "ip-address");
    if (ip === null) throw virError(NET, E.VIR_ERR_INTERNAL_ERROR, "found lease without ip-address");
    const ipv6 = ip.includes(":");
    let prefix = 0;
    for (const ipdef of def.ips) {
      if (ipv6 && ipdef.address.family === "ipv6") {
        prefix = ipdef.prefix;
        break;
      }
      if (!ipv6 && ipdef.address.family === "ipv4") {
        prefix = ipPrefix(ipdef.address, ipdef.netmask, ipdef.prefix) >>> 0;
        break;
      }
    }
    out.push({
      iface: def.bridge,
      expirytime: expiry,
      type: ipv6 ? C.VIR_IP_ADDR_TYPE_IPV6 : C.VIR_IP_ADDR_TYPE_IPV4,
      mac: leaseMac,
      iaid: str(o, "iaid"),
      ipaddr: ip,
      prefix,
      hostname: str(o, "hostname"),
      clientid: str(o, "client-id"),
    });
  }
  return out;
}
