// <os><boot dev=.../> through the qemu driver to the firmware: libvirt 9.0 turns the list into
// bootindex properties (-boot strict=on, never -boot order=), the emulator writes fw_cfg's
// bootorder, and SeaBIOS boots what the XML asked for. A domain with a bootable IDE disk (the
// ide-disk guest) and an El Torito CD (the cdrom-boot guest) boots the CD with
// <boot dev='cdrom'/><boot dev='hd'/> and the disk with the order swapped; their first words on the
// serial console say which.
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import "../../index.js";
import { buildElToritoIso, cdTestPattern } from "../../../../qemu/src/hw/ide/testing/el-torito.js";
import { consoleSession, useTestEmulator } from "./testing/driver-test.js";
import { hasKvmModule, newRoot, until } from "./testing/harness.js";

const GUESTS = fileURLToPath(new URL("../../../../qemu/guests/", import.meta.url));
const BIOS = ["/usr/share/qemu/bios-256k.bin", "/usr/share/seabios/bios-256k.bin"].find((p) => existsSync(p));
const missing = [!hasKvmModule && "@virtkit/qemu's build", BIOS === undefined && "SeaBIOS (Debian package seabios)"].filter(Boolean);
if (missing.length) console.warn(`qemu boot order tests: skipping, missing ${missing.join(", ")}`);

function bootXML(name: string, disk: string, iso: string, boot: string[]): string {
  return `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
${boot.map((b) => `    <boot dev='${b}'/>\n`).join("")}  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${disk}'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${iso}'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <controller type='usb' model='none'/>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

describe.skipIf(missing.length > 0)("boot order from the domain XML to SeaBIOS", () => {
  useTestEmulator();

  for (const [boot, first, bootindexes] of [
    [["cdrom", "hd"], "cdrom-boot: booted from the CD", ["ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0,bootindex=2", "ide-cd,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0,bootindex=1"]],
    [["hd", "cdrom"], "ide-disk\n", ["ide-hd,bus=ide.0,unit=0,drive=drive-ide0-0-0,id=ide0-0-0,bootindex=1", "ide-cd,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0,bootindex=2"]],
  ] as const) {
    it(`<boot dev='${boot[0]}'/><boot dev='${boot[1]}'/> boots the ${boot[0] === "cdrom" ? "CD" : "disk"}`, async () => {
      const root = newRoot(`boot-${boot[0]}`);
      const disk = join(root, "disk.img");
      copyFileSync(join(GUESTS, "ide-disk.bin"), disk);
      truncateSync(disk, 4096 * 512);
      const iso = join(root, "boot.iso");
      writeFileSync(iso, buildElToritoIso({ bootImage: new Uint8Array(readFileSync(join(GUESTS, "cdrom-boot.bin"))), data: { lba: 32, bytes: cdTestPattern(32, 8) } }));
      const conn = await Connect.open(`qemu:///embed?root=${root}`);
      const dom = await conn.defineXML(bootXML("bootorder", disk, iso, [...boot]));
      await dom.create();
      try {
        const log = readFileSync(join(root, "log/qemu/bootorder.log"), "utf8");
        for (const dev of bootindexes) expect(log).toContain(`-device ${dev} \\\n`);
        const con = await consoleSession(conn, dom);
        await until(() => con.text().includes(first), () => `'${first}' on the console, got: ${con.text()}`);
        // the other guest never ran
        expect(con.text()).not.toContain(boot[0] === "cdrom" ? "ide-disk" : "cdrom-boot");
        expect(con.text().startsWith(first)).toBe(true);
        await con.stream.finish();
      } finally {
        await dom.destroy();
      }
      await dom.undefine();
      await conn.close();
    }, 120_000);
  }
});
