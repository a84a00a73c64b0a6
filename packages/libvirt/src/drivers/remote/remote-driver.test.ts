// The remote driver and our daemon around the test driver: the procedures behind virsh's save,
// restore, domifaddr and freecell carry the driver's answers and errors unchanged both ways.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as C from "../../api/constants.js";
import { virRegisterConnectDriver } from "../../api/registry.js";
import { VirNetServer } from "../../rpc/server.js";
import { registerTestDriver } from "../test/register.js";
import { remoteConnectDriver } from "./remote-driver.js";
import { connectionsFor, fail } from "../../testing/connections.js";

const dir = mkdtempSync(join(tmpdir(), "virtkit-remote-"));
const sock = join(dir, "libvirt-sock");
let server: VirNetServer;

beforeAll(async () => {
  registerTestDriver();
  virRegisterConnectDriver(remoteConnectDriver);
  server = new VirNetServer({ keepaliveInterval: 5, keepaliveCount: 5 });
  await server.listenUnix(sock, { readOnly: false });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const conn = connectionsFor(`test+unix:///default?socket=${sock}`);

describe("save and restore through the daemon", () => {
  it("DOMAIN_SAVE_FLAGS / RESTORE_FLAGS / SAVE_IMAGE_GET_XML_DESC reach the test driver", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const path = join(dir, "t.save");
    await t.saveFlags(path);
    expect(readFileSync(path).subarray(0, 15).toString("latin1")).toBe("TestGuestMagic\0");
    expect(await t.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SAVED });
    expect(await c.saveImageGetXMLDesc(path)).toContain("<name>test</name>");
    await c.restoreFlags(path);
    expect(await (await c.lookupByName("test")).state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    // the flag-less procedures (DOMAIN_SAVE, DOMAIN_RESTORE)
    await (await c.lookupByName("test")).save(path);
    await c.restore(path);
    expect((await (await c.lookupByName("test")).state()).state).toBe(C.VIR_DOMAIN_RUNNING);
  });

  it("relays the driver's errors with their code, domain and text", async () => {
    const c = await conn();
    const missing = await fail(c.restoreFlags(join(dir, "nosuch.save")));
    expect([missing.code, missing.domain, missing.message]).toEqual([38, 12, `cannot read domain image '${join(dir, "nosuch.save")}': No such file or directory`]);
    const flags = await fail((await c.lookupByName("test")).saveFlags(join(dir, "x.save"), null, C.VIR_DOMAIN_SAVE_RUNNING));
    expect(flags.message).toBe("unsupported flags (0x2) in function testDomainSaveFlags");
  });
});

describe("interface addresses and NUMA cells through the daemon", () => {
  it("DOMAIN_INTERFACE_ADDRESSES carries name, MAC and every address", async () => {
    const c = await conn();
    expect(await (await c.lookupByName("test")).interfaceAddresses(C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)).toEqual([
      { name: "testnet0", hwaddr: "aa:bb:cc:dd:ee:ff", addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: "192.168.122.3", prefix: 24 }] },
    ]);
    const e = await fail((await c.lookupByName("test")).interfaceAddresses(7));
    expect([e.code, e.message]).toEqual([74, "argument unsupported: Unknown IP address data source 7"]);
  });

  it("NODE_GET_CELLS_FREE_MEMORY: the cells, the driver's range error, the RPC bounds", async () => {
    const c = await conn();
    expect(await c.getCellsFreeMemory(0, 2)).toEqual([2048 * 1024, 4096 * 1024]);
    expect(await c.getCellsFreeMemory(1, 1024)).toEqual([4096 * 1024]);
    expect((await fail(c.getCellsFreeMemory(5, 1))).message).toBe("invalid argument: Range exceeds available cells");
    const tooMany = await fail(c.getCellsFreeMemory(0, 1025));
    expect([tooMany.code, tooMany.message]).toEqual([39, "too many NUMA cells: 1025 > 1024"]);
  });
});
