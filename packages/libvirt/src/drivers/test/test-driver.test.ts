// The test driver through the public API, in process (test:/// without a transport).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import type { DomainEvent } from "../../api/driver.js";
import { registerTestDriver } from "./register.js";
import { connectionsFor, fail } from "../../testing/connections.js";

beforeAll(() => { registerTestDriver(); });

const conn = connectionsFor("test:///default");

const XML = (name: string, uuid: string, extra = "") =>
  `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory>131072</memory><currentMemory>65536</currentMemory><vcpu current='1'>2</vcpu><os><type>hvm</type></os>${extra}</domain>`;

describe("test driver defaults (testOpenDefault)", () => {
  it("has domain 'test' running with id 1, reason unknown, and libvirt's node info", async () => {
    const c = await conn();
    expect(await c.getType()).toBe("TEST");
    expect(await c.getVersion()).toBe(2);
    expect(await c.getInfo()).toEqual({ model: "i686", memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 });
    expect(await c.getFreeMemory()).toBe(3145728);
    expect(await c.getMaxVcpus()).toBe(32);
    const doms = await c.listAllDomains();
    expect(doms.map((d) => [d.name(), d.ID(), d.UUIDString()])).toEqual([["test", 1, "6695eb01-f6a4-8304-79aa-97f2502e193f"]]);
    const t = doms[0]!;
    expect(await t.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: 0 });
    const info = await t.info();
    expect([info.state, info.maxMem, info.memory, info.nrVirtCpu]).toEqual([1, 8388608, 2097152, 2]);
    expect(await t.OSType()).toBe("linux");
    expect(await t.securityLabel()).toEqual({ label: "libvirt-test", enforcing: true });
  });

  it("shares test:///default between connections and resets it when the last one closes", async () => {
    const a = await Connect.open("test:///default");
    const b = await Connect.open("test:///default");
    await (await a.lookupByName("test")).suspend();
    expect((await (await b.lookupByName("test")).state()).state).toBe(C.VIR_DOMAIN_PAUSED);
    await a.close();
    await b.close();
    const c = await conn();
    expect((await (await c.lookupByName("test")).state()).state).toBe(C.VIR_DOMAIN_RUNNING);
  });
});

describe("virDomainGetJobInfo", () => {
  it("is not supported, as libvirt 9.0's test driver has no domainGetJobInfo entry", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const e = (await t.getJobInfo().catch((x: unknown) => x)) as { code: number; domain: number; message: string };
    expect([e.code, e.domain, e.message]).toEqual([3, 20, "this function is not supported by the connection driver: virDomainGetJobInfo"]);
  });
});

describe("lifecycle, reasons and events", () => {
  it("walks define, start, suspend, resume, shutdown, start, destroy, undefine with libvirt's events", async () => {
    const c = await conn();
    const events: [string, number, number][] = [];
    const cb = await c.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (_c, d, ev: DomainEvent) => {
      if ("event" in ev) events.push([d.name(), ev.event, ev.detail]);
    });
    const d = await c.defineXML(XML("t1", "0000c0de-0000-4000-8000-000000000001"));
    expect(d.ID()).toBe(-1);
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN });
    await d.create();
    expect(d.ID()).toBe(2);
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_BOOTED });
    await d.suspend();
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_PAUSED, reason: C.VIR_DOMAIN_PAUSED_USER });
    expect((await fail(d.suspend())).message).toBe("internal error: domain 't1' not running");
    await d.resume();
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_UNPAUSED });
    await d.shutdown();
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SHUTDOWN });
    await d.create();
    expect(d.ID()).toBe(3);
    await d.destroy();
    expect(await d.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_DESTROYED });
    const e = await fail(d.destroy());
    expect([e.code, e.domain, e.message]).toEqual([55, 20, "Requested operation is not valid: domain is not running"]);
    await d.undefine();
    expect((await fail(c.lookupByName("t1"))).code).toBe(42);
    await new Promise((r) => setImmediate(r));
    await c.domainEventDeregisterAny(cb);
    expect(events).toEqual([
      ["t1", 0, 0], ["t1", 2, 0], ["t1", 3, 0], ["t1", 4, 0], ["t1", 5, 0], ["t1", 2, 0], ["t1", 5, 1], ["t1", 1, 0],
    ]);
  });

  it("createXML makes a transient domain that disappears when destroyed", async () => {
    const c = await conn();
    const d = await c.createXML(XML("tr", "0000c0de-0000-4000-8000-000000000002"));
    expect(await d.isPersistent()).toBe(false);
    expect(await d.isActive()).toBe(true);
    await d.destroy();
    expect((await fail(c.lookupByName("tr"))).message).toBe("Domain not found");
  });

  it("refuses duplicates the way virDomainObjListAdd does", async () => {
    const c = await conn();
    const e = await fail(c.defineXML(XML("test", "0000c0de-0000-4000-8000-000000000003")));
    expect(e.message).toBe("operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f");
    const e2 = await fail(c.defineXML(XML("other", "6695eb01-f6a4-8304-79aa-97f2502e193f")));
    expect(e2.message).toBe("operation failed: domain 'test' is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f");
  });

  it("keeps the persistent config apart from the live definition while running", async () => {
    const c = await conn();
    const d = await c.defineXML(XML("m1", "0000c0de-0000-4000-8000-000000000004"));
    await d.create();
    await d.setMemoryFlags(32768, C.VIR_DOMAIN_AFFECT_LIVE);
    await d.setMemoryFlags(98304, C.VIR_DOMAIN_AFFECT_CONFIG);
    expect((await d.info()).memory).toBe(32768);
    expect(await d.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)).toContain("<currentMemory unit='KiB'>98304</currentMemory>");
    expect((await fail(d.setMemory(999999999))).message).toBe("invalid argument: cannot set memory higher than max memory");
    expect((await fail(d.setMaxMemory(1024))).message).toBe("Requested operation is not valid: cannot resize the maximum memory on an active domain");
    await d.destroy();
    expect((await d.info()).memory).toBe(98304);
    await d.setVcpusFlags(2, C.VIR_DOMAIN_AFFECT_CONFIG);
    expect((await fail(d.setVcpusFlags(3, C.VIR_DOMAIN_AFFECT_CONFIG))).message).toBe("invalid argument: requested cpu amount exceeds maximum (3 > 2)");
    expect(await d.vcpusFlags(C.VIR_DOMAIN_AFFECT_CONFIG)).toBe(2);
    await d.undefine();
  });

  it("reports unsupported flags and missing entries with libvirt's messages", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const e = await fail(t.state(4));
    expect([e.code, e.message]).toEqual([8, "unsupported flags (0x4) in function testDomainGetState"]);
    const n = await fail(t.openConsole(null, c.newStream()));
    expect([n.code, n.domain, n.message]).toEqual([3, 20, "this function is not supported by the connection driver: virDomainOpenConsole"]);
  });

  it("refuses writes on a read-only connection", async () => {
    const c = await conn("test:///default", true);
    const e = await fail((await c.lookupByName("test")).destroy());
    expect([e.code, e.domain, e.message]).toEqual([29, 20, "operation forbidden: read only access prevents virDomainDestroy"]);
  });
});

describe("configuration files (testOpenFromFile)", () => {
  it("loads domains with test:runstate and node info from a <node> file, privately per connection", async () => {
    const dir = mkdtempSync(join(tmpdir(), "test-node-"));
    try {
      const f = join(dir, "node.xml");
      writeFileSync(
        f,
        `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu><mhz>2000</mhz><model>i586</model><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active></cpu>
  <memory>1048576</memory>
  ${XML("off", "0000c0de-0000-4000-8000-00000000000a", "<test:runstate>5</test:runstate>").replace("<domain type='test'>", "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>")}
  ${XML("on", "0000c0de-0000-4000-8000-00000000000b")}
</node>`,
      );
      const c = await conn(`test://${f}`);
      expect(await c.getInfo()).toEqual({ model: "i586", memory: 1048576, cpus: 2, mhz: 2000, nodes: 1, sockets: 1, cores: 2, threads: 1 });
      expect((await c.listAllDomains()).map((d) => [d.name(), d.ID()]).sort()).toEqual([["off", -1], ["on", 1]]);
      expect(await (await c.lookupByName("off")).state()).toEqual({ state: 5, reason: 0 });
      const e = await fail(Connect.open(`test://${dir}/missing.xml`));
      expect(e.message).toBe(`failed to open ${dir}/missing.xml: No such file or directory`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("NUMA cells (testNodeGetCellsFreeMemory, testNodeGetFreeMemory)", () => {
  it("reports each default cell's memory from startCell on, and the free total", async () => {
    const c = await conn();
    expect(await c.getCellsFreeMemory(0, 8)).toEqual([2048 * 1024, 4096 * 1024]);
    expect(await c.getCellsFreeMemory(1, 1)).toEqual([4096 * 1024]);
    expect(await c.getCellsFreeMemory(0, 1)).toEqual([2048 * 1024]);
    expect(await c.getFreeMemory()).toBe(3 * 1024 * 1024);
    const range = await fail(c.getCellsFreeMemory(2, 1));
    expect([range.code, range.domain, range.message]).toEqual([8, 12, "invalid argument: Range exceeds available cells"]);
    expect((await fail(c.getCellsFreeMemory(-1, 1))).message).toBe("startCell in virNodeGetCellsFreeMemory must be zero or greater");
    expect((await fail(c.getCellsFreeMemory(0, 0))).message).toBe("maxCells in virNodeGetCellsFreeMemory must be greater than zero");
  });

  it("has no cells with a file configuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "test-node-"));
    try {
      const f = join(dir, "node.xml");
      writeFileSync(f, "<node/>");
      const c = await conn(`test://${f}`);
      expect((await fail(c.getCellsFreeMemory(0, 1))).message).toBe("invalid argument: Range exceeds available cells");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("interface addresses (testDomainInterfaceAddresses)", () => {
  const NETS =
    "<devices>" +
    "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>" +
    "<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/></interface>" +
    "<interface type='user'><mac address='52:54:00:00:00:03'/></interface>" +
    "<interface type='network'><mac address='52:54:00:00:00:04'/><source network='v6'/><target dev='mytap'/></interface>" +
    "</devices>";

  it("answers every source with the first range start + 20 * (id - 1) + i + 1, other types 192.168.0.(i + 1)/24", async () => {
    const c = await conn();
    // the values a real libvirtd 9.0 test driver gives for this domain with id 4
    await c.networkDefineXML("<network><name>v6</name><ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::ff' end='fd00::1ff'/></dhcp></ip></network>");
    for (let i = 0; i < 2; i++) await (await c.createXML(XML(`pad${i}`, `0000c0de-0000-4000-8000-00000000010${i}`))).destroy();
    const d = await c.createXML(XML("multi", "0000c0de-0000-4000-8000-0000000001ff", NETS));
    expect(d.ID()).toBe(4);
    const expected = [
      { name: "testnet0", hwaddr: "52:54:00:00:00:01", addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: "192.168.122.63", prefix: 24 }] },
      { name: "testnet1", hwaddr: "52:54:00:00:00:02", addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: "192.168.0.2", prefix: 24 }] },
      { name: "testnet2", hwaddr: "52:54:00:00:00:03", addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: "192.168.0.3", prefix: 24 }] },
      // fd00::ff + 64 wraps within the last byte: fd00::3f
      { name: "mytap", hwaddr: "52:54:00:00:00:04", addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV6, addr: "fd00::3f", prefix: 64 }] },
    ];
    for (const src of [C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP]) {
      expect(await d.interfaceAddresses(src)).toEqual(expected);
    }
    expect(await (await c.lookupByName("test")).interfaceAddresses()).toEqual([
      { name: "testnet0", hwaddr: "aa:bb:cc:dd:ee:ff", addrs: [{ type: 0, addr: "192.168.122.3", prefix: 24 }] },
    ]);
  });

  it("gives the driver's errors: unknown source, inactive domain, missing network or one without <ip>, flags, read-only agent", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const src = await fail(t.interfaceAddresses(3));
    expect([src.code, src.message]).toEqual([74, "argument unsupported: Unknown IP address data source 3"]);
    expect((await fail(t.interfaceAddresses(0, 1))).message).toBe("unsupported flags (0x1) in function testDomainInterfaceAddresses");
    const nonet = await c.createXML(XML("nonet", "0000c0de-0000-4000-8000-0000000002ff", "<devices><interface type='network'><mac address='52:54:00:00:00:05'/><source network='nosuchnet'/></interface></devices>"));
    const e = await fail(nonet.interfaceAddresses());
    expect([e.code, e.domain, e.message]).toEqual([43, 12, "Network not found: no network with matching name 'nosuchnet'"]);
    await c.networkDefineXML("<network><name>noip</name></network>");
    const noip = await c.createXML(XML("noip", "0000c0de-0000-4000-8000-0000000003ff", "<devices><interface type='network'><mac address='52:54:00:00:00:06'/><source network='noip'/></interface></devices>"));
    // (libvirtd's test driver dereferences the missing <ip> and crashes here)
    expect((await fail(noip.interfaceAddresses())).message).toBe("Requested operation is not valid: network 'noip' has no IP address to derive a guest address from");
    await t.destroy();
    expect((await fail(t.interfaceAddresses())).message).toBe("Requested operation is not valid: domain is not running");
    const ro = await conn("test:///default", true);
    const rot = await ro.lookupByName("nonet");
    expect((await fail(rot.interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT))).message).toBe("operation forbidden: read only access prevents virDomainInterfaceAddresses");
  });
});
