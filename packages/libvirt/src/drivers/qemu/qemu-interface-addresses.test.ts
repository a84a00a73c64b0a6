// virDomainInterfaceAddresses and virNodeGetCellsFreeMemory on the qemu driver (qemu:///embed)
// with the demo guest: leases come from the network's lease helper file, the guest agent is not
// configured (virtkit's qemu driver starts no domain with channels), ARP is the host's table.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import "../../index.js";
import { hostCellsFreeMemory, numaNodes } from "../../util/host-memory.js";
import { failure, useTestEmulator } from "./testing/driver-test.js";
import { DEMO_KERNEL, demoXML, hasDemoKernel, hasKvmModule, newRoot } from "./testing/harness.js";

const missing = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
if (missing.length) console.warn(`qemu interface address tests: skipping, missing ${missing.join(", ")}`);

const MAC = "52:54:00:aa:bb:01";

describe.skipIf(missing.length > 0)("qemu driver: interface addresses and NUMA cells", () => {
  useTestEmulator();

  it("answers lease, agent and ARP as qemuDomainInterfaceAddresses does", async () => {
    const root = newRoot("ifa");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const net = await conn.networkDefineXML("<network><name>default</name><bridge name='virbr0'/><forward mode='nat'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>");
    await net.create();
    const xml = demoXML().replace("    <serial", `    <interface type='network'>\n      <mac address='${MAC}'/>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n    <serial`);
    const dom = await conn.defineXML(xml);
    await dom.create();

    // no lease helper has written anything for virbr0 yet
    expect(await dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)).toEqual([]);
    const dnsmasq = join(root, "lib", "dnsmasq");
    mkdirSync(dnsmasq, { recursive: true });
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    writeFileSync(
      join(dnsmasq, "virbr0.status"),
      JSON.stringify([
        { "ip-address": "192.168.122.45", "mac-address": MAC, hostname: "demo", "expiry-time": expiry },
        { "ip-address": "192.168.122.46", "mac-address": "52:54:00:aa:bb:02", "expiry-time": expiry },
      ]),
    );
    expect(await dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)).toEqual([
      { name: "", hwaddr: MAC, addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: "192.168.122.45", prefix: 24 }] },
    ]);

    const agent = await failure(dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT));
    expect([agent.code, agent.domain, agent.message]).toEqual([VirErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, VirErrorDomain.VIR_FROM_QEMU, "argument unsupported: QEMU guest agent is not configured"]);
    // the guest's NIC is on the emulator's user-mode network: no host neighbour has its MAC
    expect(await dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)).toEqual([]);
    const unknown = await failure(dom.interfaceAddresses(3));
    expect(unknown.message).toBe("argument unsupported: Unknown IP address data source 3");

    await dom.suspend();
    expect((await failure(dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT))).message).toBe("Requested operation is not valid: domain is not running");
    await dom.destroy();
    expect((await failure(dom.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE))).message).toBe("Requested operation is not valid: domain is not running");
    await dom.undefine();
    await conn.close();
  });

  it("reports this host's NUMA cells and refuses a start cell past them", async () => {
    const root = newRoot("cells");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const nodes = numaNodes() ?? [0];
    const max = nodes[nodes.length - 1]!;
    const cells = await conn.getCellsFreeMemory(0, 1024);
    expect(cells.length).toBe(hostCellsFreeMemory(0, 1024).length);
    expect(cells.every((c) => c >= 0)).toBe(true);
    expect(await conn.getFreeMemory()).toBeGreaterThan(0);
    // the capabilities list the same cells (what virsh freecell --all walks)
    const caps = await conn.getCapabilities();
    expect(caps).toContain(`<cells num='${numaNodes()?.length ?? 1}'>`);
    expect(caps).toMatch(/<cell id='0'>\n\s+<memory unit='KiB'>\d+<\/memory>\n\s+<pages unit='KiB' size='4'>\d+<\/pages>/);
    const e = await failure(conn.getCellsFreeMemory(max + 1, 1));
    expect(e.message).toBe(`internal error: start cell ${max + 1} out of range (0-${max})`);
    await conn.close();
  });
});
