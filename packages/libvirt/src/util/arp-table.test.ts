// virArpTableGet's view of /proc/net/arp.
import { describe, expect, it } from "vitest";
import { arpTableGet, parseProcNetArp } from "./arp-table.js";

describe("/proc/net/arp", () => {
  it("keeps resolved IPv4 entries with their MAC in lower case, skips incomplete ones", () => {
    const text =
      "IP address       HW type     Flags       HW address            Mask     Device\n" +
      "192.168.122.45   0x1         0x2         52:54:00:AA:BB:01     *        virbr0\n" +
      "192.168.122.46   0x1         0x0         00:00:00:00:00:00     *        virbr0\n" +
      "10.0.0.1         0x1         0x6         02:fc:00:00:00:05     *        eth0\n";
    expect(parseProcNetArp(text)).toEqual([
      { ipaddr: "192.168.122.45", mac: "52:54:00:aa:bb:01" },
      { ipaddr: "10.0.0.1", mac: "02:fc:00:00:00:05" },
    ]);
  });

  it("reads this host's table, or reports why not", () => {
    expect(Array.isArray(arpTableGet())).toBe(true);
    expect(() => arpTableGet("/nonexistent/arp")).toThrow("unable to read the ARP table '/nonexistent/arp': No such file or directory");
  });
});
