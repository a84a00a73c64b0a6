// CD-ROM media changes of the qemu driver (virDomainUpdateDeviceFlags): through the API on an
// embedded driver, then `virsh change-media` — the real virsh and ours — through our libvirtd on a
// running domain and on its persistent config, with libvirt's messages for bad input. The
// emulator's answers show in the live XML: tray='open' after an eject comes from its
// DEVICE_TRAY_MOVED event. Also the boot order libvirt 9.0 gives the emulator for <os><boot dev>.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import { VirErrorNumber } from "../../errors/virterror.js";
import "../../index.js";
import { failure, useTestEmulator } from "./testing/driver-test.js";
import { OUR_LIBVIRTD, OUR_VIRSH, QemuDaemon, REAL_VIRSH, SYSTEM_PYTHON, hasPythonLibvirt, hasRealVirsh, run, waitForBuild } from "./testing/daemon.js";
import { DEMO_KERNEL, demoXML, hasDemoKernel, hasKvmModule, newRoot, until } from "./testing/harness.js";
import { VIR_DOMAIN_DEVICE_MODIFY_FORCE } from "./qemu-hotplug.js";

const missing = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
if (missing.length) console.warn(`qemu change-media tests: skipping, missing ${missing.join(", ")}`);

const media = mkdtempSync(join(tmpdir(), "virtkit-change-media-"));
const isoA = join(media, "a.iso");
const isoB = join(media, "b.iso");
const hd = join(media, "hd.img");
writeFileSync(isoA, Buffer.alloc(2048 * 16, 0xa));
writeFileSync(isoB, Buffer.alloc(2048 * 32, 0xb));
writeFileSync(hd, Buffer.alloc(1 << 20));

/** The demo domain with an IDE disk, a CD-ROM with a medium (hdc) and an empty one (hdd). */
function cdXML(name: string, boot = ""): string {
  const disks =
    `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${hd}'/>\n      <target dev='hda' bus='ide'/>\n    </disk>\n` +
    `    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n      <source file='${isoA}'/>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>\n` +
    `    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n      <target dev='hdd' bus='ide'/>\n      <readonly/>\n    </disk>\n`;
  return demoXML({ name })
    .replace("    <controller type='usb'", `${disks}    <controller type='usb'`)
    .replace("    <kernel>", `${boot}    <kernel>`);
}

const cdrom = (dst: string, source: string | null): string =>
  `<disk type='file' device='cdrom'>\n  <driver name='qemu' type='raw'/>\n${source === null ? "" : `  <source file='${source}'/>\n`}  <target dev='${dst}' bus='ide'/>\n  <readonly/>\n</disk>\n`;

/** The <disk> of target `dst` in a domain XML. */
function diskOf(xml: string, dst: string): string {
  return /<disk [^>]*>(?:(?!<\/disk>)[\s\S])*<\/disk>/g.exec(xml.slice(xml.lastIndexOf("<disk", xml.indexOf(`<target dev='${dst}'`))))?.[0] ?? "";
}

describe.skipIf(missing.length > 0)("virDomainUpdateDeviceFlags on a CD-ROM (embedded qemu driver)", () => {
  useTestEmulator();

  it("ejects, inserts and changes media live and in the config, with libvirt's errors", async () => {
    const root = newRoot("media");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const trays: string[] = [];
    await conn.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, (_c, d, ev) => {
      const p = (ev as { payload: { devAlias: string; reason: number } }).payload;
      trays.push(`${d.name()} ${p.devAlias} ${p.reason === 0 ? "opened" : "closed"}`);
    });
    const dom = await conn.defineXML(cdXML("media"));
    await dom.create();
    try {
      // eject: the tray opened (the emulator's event), no source left
      await dom.updateDeviceFlags(cdrom("hdc", null), C.VIR_DOMAIN_AFFECT_LIVE);
      let hdc = diskOf(await dom.XMLDesc(0), "hdc");
      expect(hdc).not.toContain("<source");
      expect(hdc).toContain("<target dev='hdc' bus='ide' tray='open'/>");
      // insert: closed again over the new medium
      await dom.updateDeviceFlags(cdrom("hdc", isoB), 0);
      hdc = diskOf(await dom.XMLDesc(0), "hdc");
      expect(hdc).toContain(`<source file='${isoB}'`);
      expect(hdc).toContain("<target dev='hdc' bus='ide'/>");
      // VIR_DOMAIN_EVENT_ID_TRAY_CHANGE for each move the emulator reported
      await until(() => trays.length >= 2, "the tray events");
      expect(trays).toEqual(["media ide0-1-0 opened", "media ide0-1-0 closed"]);
      // the empty drive takes a medium; --force on a tray the guest did not lock
      await dom.updateDeviceFlags(cdrom("hdd", isoA), C.VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_DEVICE_MODIFY_FORCE);
      expect(diskOf(await dom.XMLDesc(0), "hdd")).toContain(`<source file='${isoA}'`);
      // the persistent definition did not change
      expect(diskOf(await dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE), "hdc")).toContain(`<source file='${isoA}'/>`);
      expect(diskOf(await dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE), "hdd")).not.toContain("<source");
      // --config: only the persistent definition, saved to disk
      await dom.updateDeviceFlags(cdrom("hdd", isoB), C.VIR_DOMAIN_AFFECT_CONFIG);
      expect(diskOf(await dom.XMLDesc(C.VIR_DOMAIN_XML_INACTIVE), "hdd")).toContain(`<source file='${isoB}'/>`);
      expect(diskOf(await dom.XMLDesc(0), "hdd")).toContain(`<source file='${isoA}'`);
      expect(readFileSync(join(root, "etc/qemu/media.xml"), "utf8")).toContain(`<source file='${isoB}'/>`);

      // errors, as libvirt 9.0 words them
      let err = await failure(dom.updateDeviceFlags(cdrom("hdc", join(media, "nonexistent.iso")), 0));
      expect(err.code).toBe(VirErrorNumber.VIR_ERR_SYSTEM_ERROR);
      expect(err.message).toBe(`Cannot access storage file '${join(media, "nonexistent.iso")}': No such file or directory`);
      err = await failure(dom.updateDeviceFlags(cdrom("hdz", isoA), C.VIR_DOMAIN_AFFECT_LIVE));
      expect(err.message).toBe("internal error: disk 'hdz' not found");
      err = await failure(dom.updateDeviceFlags(cdrom("hdz", isoA), C.VIR_DOMAIN_AFFECT_CONFIG));
      expect(err.code).toBe(VirErrorNumber.VIR_ERR_INVALID_ARG);
      expect(err.message).toBe("invalid argument: target hdz doesn't exist.");
      const disk = `<disk type='file' device='disk'>\n  <driver name='qemu' type='raw'/>\n  <source file='${isoA}'/>\n  <target dev='hda' bus='ide'/>\n</disk>\n`;
      err = await failure(dom.updateDeviceFlags(disk, 0));
      expect(err.code).toBe(VirErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED);
      expect(err.message).toBe("Operation not supported: disk source can be changed only in removable drives");
      err = await failure(dom.updateDeviceFlags(cdrom("hdc", isoA), 0x100));
      expect(err.code).toBe(VirErrorNumber.VIR_ERR_INVALID_ARG);
      expect(err.message).toBe("unsupported flags (0x100) in function qemuDomainUpdateDeviceFlags");
      // nothing was lost by the failures
      expect(diskOf(await dom.XMLDesc(0), "hdc")).toContain(`<source file='${isoB}'`);
    } finally {
      await dom.destroy();
    }
    // shut off: the default affects the config, live is refused
    const err = await failure(dom.updateDeviceFlags(cdrom("hdc", isoA), C.VIR_DOMAIN_AFFECT_LIVE));
    expect(err.code).toBe(VirErrorNumber.VIR_ERR_OPERATION_INVALID);
    expect(err.message).toBe("Requested operation is not valid: domain is not running");
    await dom.updateDeviceFlags(cdrom("hdc", null), 0);
    expect(diskOf(await dom.XMLDesc(0), "hdc")).not.toContain("<source");
    await dom.undefine();
    await conn.close();
  });

  it("turns <os><boot dev='cdrom'/><boot dev='hd'/> into bootindex on the first CD-ROM and disk, as libvirt 9.0 does", async () => {
    const root = newRoot("bootdev");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    const dom = await conn.defineXML(cdXML("bootdev", "    <boot dev='cdrom'/>\n    <boot dev='hd'/>\n"));
    await dom.create();
    try {
      const log = readFileSync(join(root, "log/qemu/bootdev.log"), "utf8");
      expect(log).toContain("-boot strict=on \\\n");
      expect(log).toContain("-device ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0,bootindex=2 \\\n");
      expect(log).toContain("-device ide-cd,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0,bootindex=1 \\\n");
      // only the first CD-ROM gets the index
      expect(log).toContain("-device ide-cd,bus=ide.1,unit=1,drive=drive-ide0-1-1,id=ide0-1-1 \\\n");
      expect(log).not.toContain("-boot order");
    } finally {
      await dom.destroy();
    }
    await dom.undefine();
    await conn.close();
  });
});

const hasDaemon = missing.length === 0 && (await waitForBuild(OUR_LIBVIRTD));
const hasOurVirsh = missing.length === 0 && (await waitForBuild(OUR_VIRSH));
const virshMissing = [...missing, !hasDaemon && `our libvirtd (${OUR_LIBVIRTD})`, !hasOurVirsh && `our virsh (${OUR_VIRSH})`, !hasRealVirsh && "virsh (Debian libvirt-clients)"].filter(Boolean);
if (virshMissing.length) console.warn(`virsh change-media through our libvirtd: skipping, missing ${virshMissing.join(", ")}`);

describe.skipIf(virshMissing.length > 0)("virsh change-media through our libvirtd: the real virsh and ours say and do the same", () => {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-change-media-daemon-"));
  const daemon = new QemuDaemon(dir, join(dir, "root"));
  beforeAll(async () => {
    await daemon.start();
  });
  afterAll(async () => {
    for (const name of ["cdreal", "cdours"]) {
      run(REAL_VIRSH, ["-c", daemon.uri, "destroy", name], daemon.env);
      run(REAL_VIRSH, ["-c", daemon.uri, "undefine", name], daemon.env);
    }
    await daemon.stop();
  });

  it("eject, insert, update, --config, --print-xml and the refusals; tray events reach a remote client", async () => {
    const remote = await Connect.open(daemon.uri);
    const trays: string[] = [];
    await remote.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, (_c, d, ev) => {
      const p = (ev as { payload: { devAlias: string; reason: number } }).payload;
      trays.push(`${d.name()} ${p.devAlias} ${p.reason}`);
    });
    const steps = (name: string): string[][] => [
      ["change-media", name, "hdc", "--eject"],
      ["change-media", name, "hdc", "--eject"],
      ["change-media", name, "hdc", "--insert", isoB],
      ["change-media", name, "hdc", "--insert", isoA],
      ["change-media", name, "hdc", "--update", isoA, "--live"],
      ["change-media", name, isoA, "--update", isoB, "--print-xml"],
      ["change-media", name, "hdc", "--update", join(media, "nonexistent.iso")],
      ["change-media", name, "hda", "--eject"],
      ["change-media", name, "hdc", "--eject", "--insert"],
      ["change-media", name, "hdc", "--current", "--live", "--eject"],
      ["change-media", name, "hdc"],
      ["change-media", name, "hdd", isoB, "--config"],
      ["change-media", name, "hdd", "--update"],
      ["domblklist", name],
      ["domblklist", name, "--inactive"],
    ];
    const transcript = (virsh: string[], name: string): string[] => {
      const xml = join(dir, `${name}.xml`);
      writeFileSync(xml, cdXML(name));
      expect(run(REAL_VIRSH, ["-c", daemon.uri, "define", xml], daemon.env).status).toBe(0);
      expect(run(REAL_VIRSH, ["-c", daemon.uri, "start", name], daemon.env).status).toBe(0);
      return steps(name).map((s) => {
        const r = run(virsh[0]!, [...virsh.slice(1), "-c", daemon.uri, ...s], daemon.env);
        return `${s.join(" ")}\n${r.status}\n${r.out}${r.err}`.replaceAll(name, "NAME");
      });
    };
    const real = transcript([REAL_VIRSH], "cdreal");
    const ours = transcript([process.execPath, OUR_VIRSH], "cdours");
    expect(ours).toEqual(real);
    // and the commands did what they say
    expect(real[0]).toContain("Successfully ejected media.");
    expect(real[1]).toContain("error: The disk device 'hdc' doesn't have media");
    expect(real[2]).toContain("Successfully inserted media.");
    expect(real[3]).toContain("error: The disk device 'hdc' already has media");
    expect(real[6]).toContain("error: Failed to complete action update on media");
    expect(real[13]).toMatch(/ hdc +\S*\/a\.iso\n hdd +-\n/);
    expect(real[14]).toContain(`hdd      ${isoB}`);
    // eject (open), insert (close), update (open, close) on each domain, through the daemon
    const moves = (name: string): string[] => [0, 1, 0, 1].map((r) => `${name} ide0-1-0 ${r}`);
    await until(() => trays.length >= 8, "the tray events");
    expect(trays).toEqual([...moves("cdreal"), ...moves("cdours")]);
    await remote.close();
  }, 120_000);

  it.skipIf(!hasPythonLibvirt)("python3-libvirt: updateDeviceFlags and the tray-change events it decodes", () => {
    if (!hasPythonLibvirt) console.warn("skipping the python3-libvirt check: python3-libvirt is not installed");
    const name = "cdpy";
    const xml = join(dir, `${name}.xml`);
    writeFileSync(xml, cdXML(name));
    const script = `
import libvirt, sys
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
seen = []
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, lambda c, d, alias, reason, o: seen.append("%s %s %d" % (d.name(), alias, reason)), None)
dom = conn.defineXML(open(sys.argv[2]).read())
dom.create()
dom.updateDeviceFlags("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>", libvirt.VIR_DOMAIN_AFFECT_LIVE)
while len(seen) < 1:
    libvirt.virEventRunDefaultImpl()
try:
    dom.updateDeviceFlags("<disk type='file' device='disk'><source file='/x'/><target dev='hda' bus='ide'/></disk>", 0)
except libvirt.libvirtError as e:
    print("error", e.get_error_code(), e.get_error_message())
print("\\n".join(seen))
dom.destroy()
dom.undefine()
`;
    const r = run(SYSTEM_PYTHON, ["-c", script, daemon.uri, xml], daemon.env);
    // the default error handler of the python binding reports the refusal on stderr too
    expect(r.err).toBe("libvirt: QEMU Driver error : Operation not supported: disk source can be changed only in removable drives\n");
    expect(r.out).toBe(`error 84 Operation not supported: disk source can be changed only in removable drives\n${name} ide0-1-0 0\n`);
  }, 60_000);
});
