// virDomainSaveFlags / virDomainRestoreFlags / virDomainSaveImageGetXMLDesc on the qemu driver
// (qemu:///embed) with the demo guest in emulator child processes: the image goes where the
// caller says, carries the domain XML, and a driver on another root that never saw the domain
// restores it with the guest exactly where it was.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import { VirErrorNumber } from "../../errors/virterror.js";
import "../../index.js";
import { consoleSession, failure, useTestEmulator } from "./testing/driver-test.js";
import { DEMO_KERNEL, demoXML, hasDemoKernel, hasKvmModule, newRoot, until } from "./testing/harness.js";

const missing = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
if (missing.length) console.warn(`qemu save/restore tests: skipping, missing ${missing.join(", ")}`);

const UUID = "0000c0de-0000-4000-8000-0000000005a1";

describe.skipIf(missing.length > 0)("qemu driver: save to a file and restore", () => {
  useTestEmulator();

  it("saves to the caller's path in libvirt's image format; a driver on another root restores the guest where it was", async () => {
    const root = newRoot("svA");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.defineXML(demoXML({ uuid: UUID }));
    await dom.create();
    let con = await consoleSession(conn, dom);
    await until(() => con.text().includes("demo> "), "the prompt");
    // half a command typed before the save: it lives in guest RAM and the vCPU state
    await con.type("in");
    await until(() => con.text().endsWith("demo> in"), "the echo");
    await con.stream.finish();
    const path = join(root, "demo.save");
    await dom.saveFlags(path);
    expect(dom.ID()).toBe(-1);
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SAVED });
    expect(await dom.hasManagedSaveImage()).toBe(false);

    const image = readFileSync(path);
    expect(image.toString("latin1", 0, 16)).toBe("LibvirtQemudSave");
    expect(image.readUInt32LE(24)).toBe(1); // was_running
    const xml = image.toString("utf8", 92, image.indexOf(0, 92));
    // the configuration form of the running definition: the console is a pty again
    expect(xml).toContain("<serial type='pty'>");
    expect(xml).not.toContain(".sock");
    expect(xml).toContain(`<uuid>${UUID}</uuid>`);
    expect(image.toString("latin1", 92 + image.readUInt32LE(20), 96 + image.readUInt32LE(20))).toBe("QEVM");
    const dumped = await conn.saveImageGetXMLDesc(path);
    expect(dumped.startsWith("<domain type='kvm'>\n  <name>demo</name>")).toBe(true);

    // another driver, another root: it has never seen the domain
    const root2 = newRoot("svB");
    const conn2 = await Connect.open(`qemu:///embed?root=${root2}`);
    const events: string[] = [];
    await conn2.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (_c, d, ev) => {
      if ("event" in ev) events.push(`${d.name()} ${ev.event}/${ev.detail}`);
    });
    await conn2.restoreFlags(path);
    const r = await conn2.lookupByName("demo");
    expect(r.UUIDString()).toBe(UUID);
    expect(await r.isPersistent()).toBe(false);
    expect(await r.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    con = await consoleSession(conn2, r);
    await con.type("fo\r");
    await until(() => con.text().includes("cpu: QEMU Virtual CPU"), "the restored guest finishing 'info'");
    await con.stream.finish();
    const again = await failure(conn2.restoreFlags(path));
    expect([again.code, again.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain 'demo' is already active"]);

    // saved paused: the transient domain is gone; restored it stays paused until resumed
    const path2 = join(root2, "paused.save");
    await r.saveFlags(path2, null, C.VIR_DOMAIN_SAVE_PAUSED);
    expect(readFileSync(path2).readUInt32LE(24)).toBe(0);
    expect((await failure(conn2.lookupByName("demo"))).code).toBe(VirErrorNumber.VIR_ERR_NO_DOMAIN);
    await conn2.restoreFlags(path2);
    const p = await conn2.lookupByName("demo");
    expect(await p.state()).toEqual({ state: C.VIR_DOMAIN_PAUSED, reason: C.VIR_DOMAIN_PAUSED_MIGRATION });
    await p.resume();
    expect((await p.state()).state).toBe(C.VIR_DOMAIN_RUNNING);
    await p.destroy();
    // VIR_DOMAIN_SAVE_RUNNING overrides the image's paused state
    await conn2.restoreFlags(path2, null, C.VIR_DOMAIN_SAVE_RUNNING);
    expect(await (await conn2.lookupByName("demo")).state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    await (await conn2.lookupByName("demo")).destroy();
    await until(() => events.length >= 7, () => `the events (${events.join(", ")})`);
    expect(events.slice(0, 7)).toEqual([
      `demo ${C.VIR_DOMAIN_EVENT_STARTED}/${C.VIR_DOMAIN_EVENT_STARTED_RESTORED}`,
      `demo ${C.VIR_DOMAIN_EVENT_SUSPENDED}/${C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED}`,
      `demo ${C.VIR_DOMAIN_EVENT_STOPPED}/${C.VIR_DOMAIN_EVENT_STOPPED_SAVED}`,
      `demo ${C.VIR_DOMAIN_EVENT_STARTED}/${C.VIR_DOMAIN_EVENT_STARTED_RESTORED}`,
      `demo ${C.VIR_DOMAIN_EVENT_SUSPENDED}/${C.VIR_DOMAIN_EVENT_SUSPENDED_RESTORED}`,
      `demo ${C.VIR_DOMAIN_EVENT_RESUMED}/${C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED}`,
      `demo ${C.VIR_DOMAIN_EVENT_STOPPED}/${C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED}`,
    ]);
    await conn2.close();

    // back on the first root the persistent domain runs the image and keeps its configuration
    await conn.restoreFlags(path);
    expect(await dom.isPersistent()).toBe(true);
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    await dom.destroy();
    await dom.undefine();
    await conn.close();
  });

  it("takes a replacement XML only if the guest could not tell, and gives libvirt's errors", async () => {
    const root = newRoot("svC");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.createXML(demoXML({ name: "tr", uuid: UUID }));
    const path = join(root, "tr.save");
    // a guest-visible change is refused and the domain keeps running
    const bigger = await failure(dom.saveFlags(path, demoXML({ name: "tr", uuid: UUID }).replace("<memory unit='MiB'>32</memory>", "<memory unit='MiB'>64</memory>")));
    expect([bigger.code, bigger.message]).toEqual([VirErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, "unsupported configuration: Target domain max memory 65536 does not match source 32768"]);
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_SAVE_CANCELED });
    // a title is not guest-visible
    await dom.saveFlags(path, demoXML({ name: "tr", uuid: UUID }).replace("<vcpu>", "<title>saved with a title</title>\n  <vcpu>"));
    expect(await conn.saveImageGetXMLDesc(path)).toContain("<title>saved with a title</title>");
    const renamed = await failure(conn.restoreFlags(path, demoXML({ name: "other", uuid: UUID })));
    expect(renamed.message).toBe("unsupported configuration: Target domain name 'other' does not match source 'tr'");
    expect((await failure(conn.lookupByName("tr"))).code).toBe(VirErrorNumber.VIR_ERR_NO_DOMAIN);

    const nosuch = await failure(conn.restoreFlags(join(root, "nosuch.save")));
    expect([nosuch.code, nosuch.message]).toEqual([VirErrorNumber.VIR_ERR_SYSTEM_ERROR, `Failed to open file '${join(root, "nosuch.save")}': No such file or directory`]);
    const notImage = await failure(conn.restoreFlags(join(root, "etc/qemu/../../tr.save/..")));
    expect(notImage.message).toBe("operation failed: failed to read qemu header");
    expect((await failure(conn.restoreFlags(path, null, 16))).message).toBe("unsupported flags (0x10) in function qemuDomainRestoreFlags");

    await conn.restoreFlags(path);
    const back = await conn.lookupByName("tr");
    expect(await back.XMLDesc()).toContain("<title>saved with a title</title>");
    const noDir = await failure(back.saveFlags("/nonexistent/dir/tr.save"));
    expect(noDir.message).toBe("Failed to create file '/nonexistent/dir/tr.save': No such file or directory");
    expect((await back.state()).state).toBe(C.VIR_DOMAIN_RUNNING);
    await back.destroy();
    await conn.close();
  });
});
