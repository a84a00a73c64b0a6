// The qemu driver in-process (qemu:///embed?root=DIR) running the demo guest in emulator child
// processes: lifecycle with its events, the console, managed save/restore, snapshots, the
// read-only connection, and finding running emulators again after the driver went away.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import { VirErrorNumber } from "../../errors/virterror.js";
import "../../index.js";
import { consoleSession, failure, useTestEmulator } from "./testing/driver-test.js";
import { DEMO_KERNEL, demoDisk, demoXML, hasDemoKernel, hasKvmModule, newRoot, until } from "./testing/harness.js";
import { processAlive } from "./qemu-process.js";

const missing = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
if (missing.length) console.warn(`qemu driver tests: skipping, missing ${missing.join(", ")}`);

describe.skipIf(missing.length > 0)("qemu driver (embedded)", () => {
  useTestEmulator();

  it("defines, starts, shows the live XML and console, suspends, resumes, reboots, destroys and undefines with libvirt's events", async () => {
    const root = newRoot("life");
    const disk = demoDisk(root);
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    expect(await conn.getType()).toBe("QEMU");
    expect(await conn.getURI()).toBe(`qemu:///embed?root=${root}`);
    const events: string[] = [];
    await conn.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (_c, d, ev) => {
      if ("event" in ev) events.push(`${d.name()} ${ev.event}/${ev.detail}`);
    });
    await conn.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_REBOOT, (_c, d) => events.push(`${d.name()} reboot`));

    const dom = await conn.defineXML(demoXML({ disk }));
    const cfg = readFileSync(join(root, "etc/qemu/demo.xml"), "utf8");
    expect(cfg.startsWith("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.")).toBe(true);
    expect(cfg).toContain("<serial type='pty'>");
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN });

    await dom.create();
    expect(dom.ID()).toBe(1);
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_BOOTED });
    const live = await dom.XMLDesc(0);
    expect(live).toMatch(/^<domain type='kvm' id='1'>/);
    expect(live).toContain("<alias name='virtio-disk0'/>");
    expect(live).toContain(`<source mode='bind' path='${root}/lib/qemu/domain-1-demo/serial0.sock'/>`);
    expect(await dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE)).toContain("<serial type='pty'>");
    const status = readFileSync(join(root, "run/qemu/demo.xml"), "utf8");
    expect(status).toMatch(/<domstatus state='running' reason='booted' pid='\d+'>/);
    const log = readFileSync(join(root, "log/qemu/demo.log"), "utf8");
    expect(log).toMatch(/: starting up libvirt version: 9\.0\.0, package: virtkit, qemu version: 7\.2\.0, hostname: /);
    expect(log).toContain(`-kernel ${DEMO_KERNEL} \\\n`);
    expect(log).toContain("-device virtio-blk-pci,bus=pci.0,addr=0x2,drive=drive-virtio-disk0,id=virtio-disk0,bootindex=1 \\\n");

    // the console shows what the guest printed before it was opened, then is live both ways
    const con = await consoleSession(conn, dom);
    await until(() => con.text().includes("demo> "), "the demo prompt");
    expect(con.text()).toContain("virtkit demo guest: 32-bit protected mode, booted by multiboot\n");
    expect(con.text()).toContain("disk says: hello from the virtio disk\n");
    await con.type("info\r");
    await until(() => con.text().includes("memory: 32 MiB\ndemo> "), "the info answer");
    // one console session at a time, unless forced
    const second = await failure(dom.openConsole(null, conn.newStream()));
    expect(second.message).toBe("operation failed: Active console session exists for this domain");
    await con.stream.finish();

    const info = await dom.info();
    expect(info).toMatchObject({ state: 1, maxMem: 32768, memory: 32768, nrVirtCpu: 1 });
    expect(info.cpuTime > 0n).toBe(true);

    await dom.suspend();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_PAUSED, reason: C.VIR_DOMAIN_PAUSED_USER });
    await dom.resume();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_UNPAUSED });
    await dom.reboot();
    await until(() => events.includes("demo reboot"), "the reboot event");
    await dom.destroy();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_DESTROYED });
    expect(existsSync(join(root, "run/qemu/demo.xml"))).toBe(false);
    expect(readFileSync(join(root, "log/qemu/demo.log"), "utf8")).toMatch(/: shutting down, reason=destroyed\n$/);
    await dom.undefine();
    expect(existsSync(join(root, "etc/qemu/demo.xml"))).toBe(false);
    await until(() => events.length >= 7, "all events");
    expect(events).toEqual(["demo 0/0", "demo 2/0", "demo 3/0", "demo 4/0", "demo reboot", "demo 5/1", "demo 1/0"]);
    await conn.close();
  });

  it("<vcpu>2</vcpu> with <ioapic driver='kvm'/>: -smp 2 and kernel_irqchip=on; driver='qemu' (split) is the emulator's error", async () => {
    const root = newRoot("smp");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.defineXML(demoXML({ vcpus: 2, ioapic: "kvm" }));
    await dom.create();
    try {
      const log = readFileSync(join(root, "log/qemu/demo.log"), "utf8");
      expect(log).toMatch(/-machine pc-i440fx-7\.2,kernel_irqchip=on,/);
      expect(log).toContain("-smp 2,maxcpus=2,sockets=2,dies=1,cores=1,threads=1 \\\n");
      const con = await consoleSession(conn, dom);
      await until(() => con.text().includes("demo> "), "the demo prompt");
      expect((await dom.info()).nrVirtCpu).toBe(2);
      await con.stream.finish();
    } finally {
      // a failed check must not leave the emulator running
      await dom.destroy();
    }
    await dom.undefine();
    const split = await conn.defineXML(demoXML({ name: "split", ioapic: "qemu" }));
    const err = await failure(split.create());
    expect(err.code).toBe(VirErrorNumber.VIR_ERR_INTERNAL_ERROR);
    expect(err.message).toContain("Could not enable split irqchip mode");
    await split.undefine();
    await conn.close();
  });

  it("IDE disks and CD-ROMs: ide-hd and ide-cd on the drive address's bus and unit, a CD-ROM without a source is an empty tray; other buses are refused", async () => {
    const root = newRoot("ide");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const hd = join(root, "hd.img");
    const iso = join(root, "cd.iso");
    writeFileSync(hd, Buffer.alloc(1 << 20));
    writeFileSync(iso, Buffer.alloc(2048 * 16));
    const ide = `    <disk type='file' device='disk'>\n      <source file='${hd}'/>\n      <target dev='hda' bus='ide'/>\n    </disk>\n` +
      `    <disk type='file' device='cdrom'>\n      <source file='${iso}'/>\n      <target dev='hdc' bus='ide'/>\n    </disk>\n` +
      `    <disk type='file' device='cdrom'>\n      <target dev='hdd' bus='ide'/>\n    </disk>\n`;
    const dom = await conn.defineXML(demoXML().replace("    <controller type='usb'", `${ide}    <controller type='usb'`));
    await dom.create();
    try {
      const log = readFileSync(join(root, "log/qemu/demo.log"), "utf8");
      expect(log).toContain(`-drive file=${hd},format=raw,if=none,id=drive-ide0-0-0 \\\n-device ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0,bootindex=1 \\\n`);
      expect(log).toContain(`-drive file=${iso},format=raw,if=none,id=drive-ide0-1-0,media=cdrom,readonly=on \\\n-device ide-cd,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0 \\\n`);
      expect(log).toContain("-drive if=none,id=drive-ide0-1-1,media=cdrom,readonly=on \\\n-device ide-cd,bus=ide.1,unit=1,drive=drive-ide0-1-1,id=ide0-1-1 \\\n");
      const live = await dom.XMLDesc(0);
      expect(live).toContain("<target dev='hdc' bus='ide'/>\n      <readonly/>\n      <alias name='ide0-1-0'/>\n      <address type='drive' controller='0' bus='1' target='0' unit='0'/>");
      // the guest runs with the IDE devices on its PIIX3
      const con = await consoleSession(conn, dom);
      await until(() => con.text().includes("demo> "), "the demo prompt");
      await con.stream.finish();
    } finally {
      await dom.destroy();
    }
    await dom.undefine();
    for (const [dev, bus, message] of [
      ["cdrom", "virtio", "cdrom 'vdb' on bus 'virtio' is not supported by virtkit's emulator (use bus='ide')"],
      // (the SATA controller the disk brings along is refused first)
      ["disk", "sata", "controller type 'sata' is not supported by virtkit's qemu driver"],
    ] as const) {
      const bad = await conn.defineXML(demoXML({ name: `bad-${bus}` }).replace("    <controller type='usb'", `    <disk type='file' device='${dev}'>\n      <source file='${iso}'/>\n      <target dev='${bus === "virtio" ? "vdb" : "sda"}' bus='${bus}'/>\n    </disk>\n    <controller type='usb'`));
      const err = await failure(bad.create());
      expect([err.code, err.message]).toEqual([VirErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, `unsupported configuration: ${message}`]);
      await bad.undefine();
    }
    await conn.close();
  });

  it("managed save stops the domain into libvirt's save image; start restores the guest where it was", async () => {
    const root = newRoot("save");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.defineXML(demoXML());
    await dom.create();
    let con = await consoleSession(conn, dom);
    await until(() => con.text().includes("demo> "), "the prompt");
    // half a command typed before the save: it lives in guest RAM and the vCPU state
    await con.type("in");
    await until(() => con.text().endsWith("demo> in"), "the echo");
    await con.stream.finish();
    await dom.managedSave();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SAVED });
    expect(await dom.hasManagedSaveImage()).toBe(true);
    const image = readFileSync(join(root, "lib/qemu/save/demo.save"));
    expect(image.toString("latin1", 0, 16)).toBe("LibvirtQemudSave");
    expect(image.readUInt32LE(16)).toBe(2);
    // virQEMUSaveHeader is 92 bytes; the XML, its NUL and 64 KiB of padding follow
    expect(image.toString("utf8", 92, 92 + 22)).toBe("<domain type='kvm'>\n  ");
    const xmlEnd = image.indexOf(0, 92);
    expect(image.readUInt32LE(20)).toBe(xmlEnd + 1 - 92 + 65536);
    const streamAt = 92 + image.readUInt32LE(20);
    expect(image.toString("latin1", streamAt, streamAt + 4)).toBe("QEVM");
    const undef = await failure(dom.undefine());
    expect(undef.message).toBe("Requested operation is not valid: Refusing to undefine while domain managed save image exists");

    await dom.create();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    expect(await dom.hasManagedSaveImage()).toBe(false);
    con = await consoleSession(conn, dom);
    await con.type("fo\r");
    await until(() => con.text().includes("cpu: QEMU Virtual CPU"), "the restored guest finishing 'info'");
    await con.stream.finish();
    await dom.destroy();
    await dom.undefine();
    await conn.close();
  });

  it("internal snapshots: running (savevm) and shut off, list/current/revert/delete, and raw writable disks refused", async () => {
    const root = newRoot("snap");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.defineXML(demoXML());
    // shut off, no disks: the configuration only
    const off = await dom.snapshotCreateXML("<domainsnapshot><name>off</name></domainsnapshot>");
    expect(await off.getXMLDesc()).toContain("<state>shutoff</state>");
    await dom.create();
    let con = await consoleSession(conn, dom);
    await until(() => con.text().includes("demo> "), "the prompt");
    await con.type("in");
    await until(() => con.text().endsWith("demo> in"), "the echo");
    const snap = await dom.snapshotCreateXML("<domainsnapshot><name>s1</name><description>half typed</description></domainsnapshot>");
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_UNPAUSED });
    const sx = await snap.getXMLDesc();
    expect(sx).toContain("<state>running</state>");
    expect(sx).toContain("<parent>\n    <name>off</name>\n  </parent>");
    expect(await dom.snapshotListNames()).toEqual(["off", "s1"]);
    expect((await dom.snapshotCurrent()).getName()).toBe("s1");
    expect(readFileSync(join(root, "lib/qemu/snapshot/demo/s1.xml"), "utf8")).toContain("<active>1</active>");
    // the guest moves on, then goes back to the snapshot: the half-typed "in" is there again
    await con.type("\r");
    await until(() => con.text().includes("unknown command"), "the error for 'in'");
    await con.stream.finish();
    await snap.revert();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT });
    con = await consoleSession(conn, dom);
    await con.type("fo\r");
    await until(() => con.text().includes("cpu: QEMU Virtual CPU"), "'info' completed after revert");
    await con.stream.finish();
    // reverting a stopped domain to a running snapshot starts a new emulator from it
    await dom.destroy();
    await snap.revert();
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT });
    await snap.delete();
    expect(await dom.snapshotListNames()).toEqual(["off"]);
    await dom.destroy();
    const undef = await failure(dom.undefine());
    expect(undef.message).toBe("Requested operation is not valid: cannot delete inactive domain with 1 snapshots");
    await dom.undefineFlags(C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);

    // a running domain with a writable raw disk: the emulator cannot keep its disk state
    const d2 = await conn.defineXML(demoXML({ name: "withdisk", disk: demoDisk(root) }));
    const e1 = await failure(d2.snapshotCreateXML("<domainsnapshot><name>x</name></domainsnapshot>"));
    expect(e1.message).toBe("Requested operation is not valid: Disk device 'vda' does not support snapshotting");
    await d2.undefine();
    await conn.close();
  });

  it("a read-only connection refuses every write", async () => {
    const root = newRoot("ro");
    const rw = await Connect.open(`qemu:///embed?root=${root}`);
    await rw.defineXML(demoXML());
    const ro = await Connect.open(`qemu:///embed?root=${root}`, { readOnly: true });
    const dom = await ro.lookupByName("demo");
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN });
    const writes: [string, () => Promise<unknown>][] = [
      ["virDomainDefineXML", () => ro.defineXML(demoXML({ name: "x" }))],
      ["virDomainCreateXML", () => ro.createXML(demoXML({ name: "x" }))],
      ["virDomainCreate", () => dom.create()],
      ["virDomainDestroy", () => dom.destroy()],
      ["virDomainSuspend", () => dom.suspend()],
      ["virDomainResume", () => dom.resume()],
      ["virDomainShutdown", () => dom.shutdown()],
      ["virDomainReboot", () => dom.reboot()],
      ["virDomainUndefine", () => dom.undefine()],
      ["virDomainManagedSave", () => dom.managedSave()],
      ["virDomainSetAutostart", () => dom.setAutostart(true)],
      ["virDomainOpenConsole", () => dom.openConsole(null, ro.newStream())],
      ["virDomainSnapshotCreateXML", () => dom.snapshotCreateXML("<domainsnapshot/>")],
      ["virNetworkDefineXML", () => ro.networkDefineXML("<network><name>n</name></network>")],
      ["virStoragePoolDefineXML", () => ro.storagePoolDefineXML(`<pool type='dir'><name>p</name><target><path>${root}/p</path></target></pool>`)],
    ];
    for (const [api, f] of writes) {
      const e = await failure(f());
      expect([e.code, e.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_DENIED, `operation forbidden: read only access prevents ${api}`]);
    }
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN });
    await ro.close();
    await rw.close();
  });

  it("a running domain outlives its driver: the next open reconnects to it, or reports it crashed if it died meanwhile", async () => {
    const root = newRoot("reco");
    let conn = await Connect.open(`qemu:///embed?root=${root}`);
    let dom = await conn.defineXML(demoXML());
    await dom.create();
    const pid = Number(/pid='(\d+)'/.exec(readFileSync(join(root, "run/qemu/demo.xml"), "utf8"))![1]);
    await conn.close();
    expect(processAlive(pid)).toBe(true);
    // the embedded driver released the root
    expect(existsSync(join(root, "run/qemu/driver.pid"))).toBe(false);

    conn = await Connect.open(`qemu:///embed?root=${root}`);
    dom = await conn.lookupByName("demo");
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_BOOTED });
    const con = await consoleSession(conn, dom);
    await con.type("info\r");
    await until(() => con.text().includes("cpu: QEMU Virtual CPU"), "the reconnected guest answering");
    await con.stream.finish();
    await conn.close();

    process.kill(pid, "SIGKILL");
    await until(() => !processAlive(pid), "the emulator's death");
    conn = await Connect.open(`qemu:///embed?root=${root}`);
    dom = await conn.lookupByName("demo");
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_CRASHED });
    expect(existsSync(join(root, "run/qemu/demo.xml"))).toBe(false);
    await dom.undefine();
    await conn.close();
  });
});
