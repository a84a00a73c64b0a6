// The host's IPv4 neighbour table (libvirt 9.0 src/util/virarptable.c virArpTableGet), which the
// ARP source of virDomainInterfaceAddresses matches guest MAC addresses against. libvirt asks
// the kernel over netlink (RTM_GETNEIGH) and keeps the IPv4 entries in state REACHABLE or STALE
// that have a link-layer address; the same table is /proc/net/arp, whose "Flags" column has
// ATF_COM (0x2) for an entry with a resolved address, so that is what is read here.
import { readFileSync } from "node:fs";
import { virSystemError } from "../errors/system-error.js";
import { VirErrorDomain } from "../errors/virterror.js";

export const PROC_NET_ARP = "/proc/net/arp";
/** ATF_COM (linux/if_arp.h): the hardware address is known. */
const ATF_COM = 0x02;

/** virArpTableEntry. */
export interface ArpEntry {
  ipaddr: string;
  /** "aa:bb:cc:dd:ee:ff", lower case as virMacAddrFormat writes it */
  mac: string;
}

/**
 * Parses /proc/net/arp ("IP address  HW type  Flags  HW address  Mask  Device" and one line per
 * entry); incomplete entries (no ATF_COM, all-zero address) are skipped.
 */
export function parseProcNetArp(text: string): ArpEntry[] {
  const out: ArpEntry[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [ip, , flags, mac] = f as [string, string, string, string];
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) continue;
    if ((parseInt(flags, 16) & ATF_COM) === 0) continue;
    out.push({ ipaddr: ip, mac: mac.toLowerCase() });
  }
  return out;
}

/** virArpTableGet. */
export function arpTableGet(path = PROC_NET_ARP): ArpEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw virSystemError(VirErrorDomain.VIR_FROM_NONE, e, `unable to read the ARP table '${path}'`);
  }
  return parseProcNetArp(text);
}
