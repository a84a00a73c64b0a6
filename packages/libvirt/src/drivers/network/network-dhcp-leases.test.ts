// networkGetDHCPLeases over the lease helper's BRIDGE.status file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseNetworkXML } from "../../conf/network-conf.js";
import { networkDHCPLeases } from "./network-dhcp-leases.js";

const dir = mkdtempSync(join(tmpdir(), "dhcp-leases-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const net = parseNetworkXML(
  "<network><name>default</name><uuid>0000c0de-0000-4000-8000-000000000d01</uuid><bridge name='virbr7'/>" +
    "<ip address='192.168.122.1' netmask='255.255.255.0'/><ip family='ipv6' address='fd00::1' prefix='64'/></network>",
);
const NOW = 1_700_000_000;

describe("networkGetDHCPLeases", () => {
  it("has no leases without a lease file", () => {
    expect(networkDHCPLeases(net, join(dir, "none"), null, NOW)).toEqual([]);
  });

  it("reports the unexpired leases of the MAC asked for, with the network's prefix per family", () => {
    writeFileSync(
      join(dir, "virbr7.status"),
      JSON.stringify([
        { "ip-address": "192.168.122.45", "mac-address": "52:54:00:aa:bb:01", hostname: "guest", "expiry-time": NOW + 3600 },
        { "ip-address": "fd00::45", "mac-address": "52:54:00:AA:BB:01", iaid: "1234", "client-id": "00:01", "expiry-time": 0 },
        { "ip-address": "192.168.122.46", "mac-address": "52:54:00:aa:bb:01", "expiry-time": NOW - 1 },
        { "ip-address": "192.168.122.47", "mac-address": "52:54:00:aa:bb:02", "expiry-time": NOW + 10 },
      ]),
    );
    expect(networkDHCPLeases(net, dir, "52:54:00:aa:bb:01", NOW)).toEqual([
      { iface: "virbr7", expirytime: NOW + 3600, type: 0, mac: "52:54:00:aa:bb:01", iaid: null, ipaddr: "192.168.122.45", prefix: 24, hostname: "guest", clientid: null },
      { iface: "virbr7", expirytime: 0, type: 1, mac: "52:54:00:AA:BB:01", iaid: "1234", ipaddr: "fd00::45", prefix: 64, hostname: null, clientid: "00:01" },
    ]);
    expect(networkDHCPLeases(net, dir, null, NOW).map((l) => l.ipaddr)).toEqual(["192.168.122.45", "fd00::45", "192.168.122.47"]);
  });

  it("refuses a broken file or MAC with bridge_driver.c's errors", () => {
    const f = join(dir, "virbr7.status");
    writeFileSync(f, "{not json");
    expect(() => networkDHCPLeases(net, dir, null, NOW)).toThrow(`internal error: invalid json in file: ${f}`);
    writeFileSync(f, "{}");
    expect(() => networkDHCPLeases(net, dir, null, NOW)).toThrow("internal error: Malformed lease_entries array");
    writeFileSync(f, JSON.stringify([{ "ip-address": "1.2.3.4", "expiry-time": 0 }]));
    expect(() => networkDHCPLeases(net, dir, null, NOW)).toThrow("internal error: found lease without mac-address");
    writeFileSync(f, JSON.stringify([{ "ip-address": "1.2.3.4", "mac-address": "52:54:00:00:00:01" }]));
    expect(() => networkDHCPLeases(net, dir, null, NOW)).toThrow("internal error: found lease without expiry-time");
    writeFileSync(f, "");
    expect(networkDHCPLeases(net, dir, null, NOW)).toEqual([]);
    expect(() => networkDHCPLeases(net, dir, "52:54:zz", NOW)).toThrow("invalid MAC address: 52:54:zz");
  });
});
