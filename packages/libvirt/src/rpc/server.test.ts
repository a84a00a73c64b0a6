import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Connect } from "../api/connect.js";
import { virRegisterConnectDriver } from "../api/registry.js";
import { remoteConnectDriver } from "../drivers/remote/remote-driver.js";
import { VirError } from "../errors/vir-error.js";
import { VirNetServer } from "./server.js";
import { mockConnectDriver, type MockConnection } from "./testing/mock-driver.js";

const dir = mkdtempSync(join(tmpdir(), "virtkit-rpc-"));
const sock = join(dir, "libvirt-sock");
const sockRO = join(dir, "libvirt-sock-ro");
const opened: MockConnection[] = [];
let server: VirNetServer;

beforeAll(async () => {
  virRegisterConnectDriver(mockConnectDriver(opened));
  virRegisterConnectDriver(remoteConnectDriver);
  server = new VirNetServer({ keepaliveInterval: 5, keepaliveCount: 5 });
  await server.listenUnix(sock, { readOnly: false });
  await server.listenUnix(sockRO, { readOnly: true });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const uri = () => `mock+unix:///x?socket=${sock}`;

describe("our remote driver against our daemon", () => {
  it("opens through the handshake and calls the driver on the other side", async () => {
    const c = await Connect.open(uri());
    expect(await c.getType()).toBe("MOCK");
    expect(await c.getVersion()).toBe(1002003);
    expect(await c.getHostname()).toBe("mockhost");
    const d = await c.lookupByName("mock");
    expect(d.ID()).toBe(1);
    expect(await d.state()).toEqual({ state: 1, reason: 0 });
    await c.close();
  });

  it("carries virDomainGetJobInfo's twelve fields both ways (REMOTE_PROC_DOMAIN_GET_JOB_INFO)", async () => {
    const c = await Connect.open(uri());
    const d = await c.lookupByName("mock");
    const mem = 6 * 2 ** 30;
    expect(await d.getJobInfo()).toEqual({ type: 2, timeElapsed: 1234, timeRemaining: 0, dataTotal: mem, dataProcessed: mem / 3, dataRemaining: (mem * 2) / 3, memTotal: mem, memProcessed: mem / 3, memRemaining: (mem * 2) / 3, fileTotal: 0, fileProcessed: 0, fileRemaining: 0 });
    await c.close();
  });

  it("relays the driver's error unchanged (code, domain, message)", async () => {
    const c = await Connect.open(uri());
    const e = await c.lookupByName("nosuch").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VirError);
    expect((e as VirError).code).toBe(42);
    expect((e as VirError).domain).toBe(12);
    expect((e as VirError).message).toBe("Domain not found");
    await c.close();
  });

  it("matches out-of-order replies to overlapping calls by serial", async () => {
    const c = await Connect.open(uri());
    const drv = opened[opened.length - 1]!;
    let release!: () => void;
    drv.gates.set("version", new Promise<void>((r) => { release = r; }));
    const order: string[] = [];
    await Promise.all([
      c.getVersion().then((v) => { order.push(`version:${v}`); }),
      c.getHostname().then((h) => { order.push(`hostname:${h}`); release(); }),
    ]);
    expect(order).toEqual(["hostname:mockhost", "version:1002003"]);
    await c.close();
  });

  it("delivers lifecycle events registered through the callback procedures", async () => {
    const c = await Connect.open(uri());
    const events: [string, number, number][] = [];
    const got = new Promise<void>((resolve) => {
      void c.domainEventRegisterAny(null, 0, (_c, dom, ev) => {
        if ("event" in ev) events.push([dom.name(), ev.event, ev.detail]);
        if (events.length === 2) resolve();
      });
    });
    const d = await c.lookupByName("mock");
    await d.suspend();
    await d.resume();
    await got;
    expect(events).toEqual([["mock", 3, 0], ["mock", 4, 0]]);
    await c.close();
  });

  it("refuses writes on the read-only socket with libvirt's message", async () => {
    const c = await Connect.open(`mock+unix:///x?socket=${sockRO}`);
    const d = await c.lookupByName("mock");
    const e = (await d.suspend().catch((x: unknown) => x)) as VirError;
    expect(e.code).toBe(29);
    expect(e.message).toBe("operation forbidden: read only access prevents virDomainSuspend");
    await c.close();
  });

  it("carries a console stream both ways", async () => {
    const c = await Connect.open(uri());
    const d = await c.lookupByName("mock");
    const st = c.newStream();
    await d.openConsole(null, st);
    expect(new TextDecoder().decode((await st.recv()))).toBe("login: ");
    await st.send(new TextEncoder().encode("root\n"));
    expect(new TextDecoder().decode((await st.recv()))).toBe("ROOT\n");
    await st.finish();
    await c.close();
  });

  it("uploads with holes (STREAM_HOLE) and downloads sparse data in order", async () => {
    const c = await Connect.open(uri());
    const drv = opened[opened.length - 1]!;
    const vol = new (await import("../api/storage.js")).StorageVol(c, { pool: "p", name: "v", key: "/p/v" });
    const up = c.newStream();
    await vol.upload(up, 0, 0, 1);
    await up.send(new Uint8Array([1, 2, 3]));
    await up.sendHole(4096);
    await up.send(new Uint8Array(600000).fill(9));
    await up.finish();
    expect(drv.vol.holes).toEqual([4096]);
    expect(drv.vol.data.length).toBe(3 + 4096 + 600000);
    expect(drv.vol.data[4099]).toBe(9);

    const down = c.newStream();
    await vol.download(down, 0, 0, 1);
    const items: string[] = [];
    let bytes = 0;
    for (;;) {
      const it = await down.next();
      if (it.kind === "eof") break;
      if (it.kind === "hole") items.push(`hole:${it.length}`);
      else {
        if (items[items.length - 1] !== "data") items.push("data");
        bytes += it.data.length;
      }
    }
    expect(items).toEqual(["data", "hole:1048576", "data"]);
    expect(bytes).toBe(4 + 300000);
    await down.finish();
    await c.close();
  });
});

describe("read-only socket: every write API is refused by the daemon", () => {
  it("answers each write procedure with 29 'operation forbidden: read only access prevents virX'", async () => {
    // Opened without VIR_CONNECT_RO, so the client lets every call through and the daemon decides.
    const c = await Connect.open(`mock+unix:///x?socket=${sockRO}`);
    const { Domain, DomainSnapshot } = await import("../api/domain.js");
    const { Network } = await import("../api/network.js");
    const { StoragePool, StorageVol } = await import("../api/storage.js");
    const ref = { name: "mock", uuid: new Uint8Array(16), id: 1 };
    const d = new Domain(c, ref);
    const snap = new DomainSnapshot(d, { name: "s", dom: ref });
    const net = new Network(c, { name: "n", uuid: new Uint8Array(16) });
    const pool = new StoragePool(c, { name: "p", uuid: new Uint8Array(16) });
    const vol = new StorageVol(c, { pool: "p", name: "v", key: "k" });
    const writes: [string, () => Promise<unknown>][] = [
      ["virDomainCreateXML", () => c.createXML("<domain/>")],
      ["virDomainDefineXML", () => c.defineXML("<domain/>")],
      ["virDomainDefineXMLFlags", () => c.defineXMLFlags("<domain/>", 0)],
      ["virDomainCreate", () => d.create()],
      ["virDomainCreateWithFlags", () => d.createWithFlags(0)],
      ["virDomainDestroy", () => d.destroy()],
      ["virDomainDestroyFlags", () => d.destroyFlags(0)],
      ["virDomainShutdown", () => d.shutdown()],
      ["virDomainShutdownFlags", () => d.shutdownFlags(0)],
      ["virDomainReboot", () => d.reboot()],
      ["virDomainReset", () => d.reset()],
      ["virDomainSuspend", () => d.suspend()],
      ["virDomainResume", () => d.resume()],
      ["virDomainUndefine", () => d.undefine()],
      ["virDomainUndefineFlags", () => d.undefineFlags(0)],
      ["virDomainSetMaxMemory", () => d.setMaxMemory(1024)],
      ["virDomainSetMemory", () => d.setMemory(1024)],
      ["virDomainSetMemoryFlags", () => d.setMemoryFlags(1024, 0)],
      ["virDomainSetVcpus", () => d.setVcpus(1)],
      ["virDomainSetVcpusFlags", () => d.setVcpusFlags(1, 0)],
      ["virDomainSetAutostart", () => d.setAutostart(true)],
      ["virDomainSetMetadata", () => d.setMetadata(1, "t", null, null)],
      ["virDomainManagedSave", () => d.managedSave()],
      ["virDomainManagedSaveRemove", () => d.managedSaveRemove()],
      ["virDomainSave", () => d.save("/tmp/x.save")],
      ["virDomainSaveFlags", () => d.saveFlags("/tmp/x.save")],
      ["virDomainRestore", () => c.restore("/tmp/x.save")],
      ["virDomainRestoreFlags", () => c.restoreFlags("/tmp/x.save")],
      ["virDomainSaveImageGetXMLDesc", () => c.saveImageGetXMLDesc("/tmp/x.save")],
      ["virDomainInterfaceAddresses", () => d.interfaceAddresses(1 /* SRC_AGENT */)],
      ["virDomainOpenConsole", () => d.openConsole(null, c.newStream())],
      ["virDomainScreenshot", () => d.screenshot(c.newStream())],
      ["virDomainGetHostname", () => d.hostname()],
      ["virDomainSnapshotCreateXML", () => d.snapshotCreateXML("<domainsnapshot/>")],
      ["virDomainRevertToSnapshot", () => snap.revert()],
      ["virDomainSnapshotDelete", () => snap.delete()],
      ["virNetworkDefineXML", () => c.networkDefineXML("<network/>")],
      ["virNetworkCreate", () => net.create()],
      ["virNetworkDestroy", () => net.destroy()],
      ["virNetworkUndefine", () => net.undefine()],
      ["virNetworkSetAutostart", () => net.setAutostart(true)],
      ["virStoragePoolDefineXML", () => c.storagePoolDefineXML("<pool/>")],
      ["virStoragePoolCreate", () => pool.create()],
      ["virStoragePoolDestroy", () => pool.destroy()],
      ["virStoragePoolUndefine", () => pool.undefine()],
      ["virStoragePoolRefresh", () => pool.refresh()],
      ["virStoragePoolSetAutostart", () => pool.setAutostart(true)],
      ["virStorageVolCreateXML", () => pool.createXML("<volume/>")],
      ["virStorageVolDelete", () => vol.delete()],
      ["virStorageVolUpload", () => vol.upload(c.newStream(), 0, 0)],
      ["virStorageVolDownload", () => vol.download(c.newStream(), 0, 0)],
    ];
    for (const [api, call] of writes) {
      const e = (await call().then(() => null, (x: unknown) => x)) as VirError | null;
      expect(e, api).toBeInstanceOf(VirError);
      expect([e!.code, e!.message], api).toEqual([29, `operation forbidden: read only access prevents ${api}`]);
    }
    // Reads still work.
    expect(await (await c.lookupByName("mock")).state()).toEqual({ state: 1, reason: 0 });
    await c.close();
  });

  it("a client-side read-only connection refuses before sending anything", async () => {
    const c = await Connect.open(uri(), { readOnly: true });
    const d = await c.lookupByName("mock");
    const e = (await d.suspend().catch((x: unknown) => x)) as VirError;
    expect([e.code, e.domain, e.message]).toEqual([29, 20, "operation forbidden: read only access prevents virDomainSuspend"]);
    await c.close();
  });
});
