/**
 * Debian's i386 Linux reading an ISO 9660 CD through virtkit's ATAPI CD-ROM (a long check, with
 * VIRTKIT_LINUX_BOOT=1 like the other Linux boots on qemu-system): the guest of tooling/guests/linux
 * with a second initramfs archive appended that brings libata, ata_piix, sr_mod, cdrom and isofs
 * from the same kernel package and an /init that loads them, mounts /dev/sr0 and reads it. The
 * kernel's ATAPI probe (IDENTIFY PACKET, INQUIRY, MODE SENSE, GET CONFIGURATION, GET EVENT STATUS,
 * TEST UNIT READY, READ CAPACITY, READ TOC) and its DMA reads must give the same transcript lines
 * on virtkit and on qemu-system-i386 (-cdrom, the secondary master), and the file's md5 must be
 * the image's.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type CpioEntry, tryBuildLinuxGuest, writeCpioNewc } from "@virtkit/guests";
import { describe, expect, it } from "vitest";
import { buildElToritoIso } from "../../../packages/qemu/src/hw/ide/testing/el-torito.js";
import { QEMU_GUESTS, hasQemu, runQemu, runVirtkit } from "./testing/run.js";

const full = process.env.VIRTKIT_LINUX_BOOT === "1";
const guest = full ? tryBuildLinuxGuest() : {};
const KVER = "6.1.0-50-686";
const modulesRoot = guest.paths === undefined ? "" : join(guest.paths.dir, "..", "root-kernel", "lib", "modules", KVER);
const skipReason = !full
  ? "the Linux CD-ROM boot runs only with VIRTKIT_LINUX_BOOT=1"
  : guest.paths === undefined
    ? `the Debian guest cannot be assembled here: ${guest.why ?? ""}`
    : !existsSync(modulesRoot)
      ? `${modulesRoot} (the extracted kernel package) is missing`
      : !hasQemu
        ? "qemu-system-i386 is not installed (Debian package qemu-system-x86)"
        : undefined;
if (skipReason !== undefined) console.warn(`skipping the Linux CD-ROM boot: ${skipReason}`);

/** In dependency order (each module's .modinfo depends=). */
const CD_MODULES = [
  "drivers/scsi/scsi_common", "drivers/scsi/scsi_mod", "drivers/ata/libata", "drivers/ata/ata_piix",
  "drivers/cdrom/cdrom", "drivers/scsi/sr_mod", "fs/isofs/isofs",
];

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${CD_MODULES.join(" ")}; do
  insmod /lib/modules/${KVER}/kernel/$m.ko || echo "init: insmod $m failed"
done
echo "CDTEST: modules loaded"
ls /dev/sr*
cat /sys/block/sr0/device/vendor /sys/block/sr0/device/model /sys/block/sr0/device/rev /sys/block/sr0/size
mkdir -p /mnt/cd
mount -t iso9660 -o ro /dev/sr0 /mnt/cd && echo "CDTEST: mounted"
ls -l /mnt/cd
cat /mnt/cd/hello.txt
md5sum /mnt/cd/big.bin
dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null | head -c 6 | od -c | head -1
umount /mnt/cd && echo "CDTEST: unmounted"
echo "CDTEST: done"
echo b > /proc/sysrq-trigger
`;

function cdInitramfs(base: Uint8Array): Uint8Array {
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  for (const m of CD_MODULES) {
    const path = `lib/modules/${KVER}/kernel/${m}.ko`;
    for (let d = dirname(path); d !== "." && !dirs.has(d); d = dirname(d)) dirs.add(d);
    entries.push({ type: "file", path, mode: 0o644, data: new Uint8Array(readFileSync(join(modulesRoot, "kernel", `${m}.ko`))) });
  }
  const dirEntries: CpioEntry[] = [...dirs].sort().map((path) => ({ type: "dir", path, mode: 0o755 }));
  // A second archive after the first: the kernel unpacks both, this /init replacing the first one's.
  const extra = writeCpioNewc([...dirEntries, ...entries, { type: "file", path: "init", mode: 0o755, data: new TextEncoder().encode(INIT) }]);
  const out = new Uint8Array(base.length + extra.length);
  out.set(base);
  out.set(extra, base.length);
  return out;
}

/** The lines the guest's /init prints, and the kernel's ATA/SCSI/sr lines, without timestamps. */
function cdLines(transcript: string): string[] {
  const lines = transcript.split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] /, "").trimEnd());
  const from = lines.findIndex((l) => l.startsWith("CDTEST: modules loaded"));
  const to = lines.findIndex((l) => l.startsWith("CDTEST: done"));
  const kernel = lines.filter((l) => /^(ata2|scsi 1:|sr 1:|sr0|cdrom:|ISO 9660)/.test(l) && !l.includes("bmdma"));
  return [...kernel, ...lines.slice(from, to + 1).filter((l) => !/^(ata|scsi|sr |\[)/.test(l))];
}

describe.skipIf(skipReason !== undefined)("Debian's i386 Linux mounts an ISO 9660 CD from the ATAPI CD-ROM", () => {
  it("the same transcript lines on virtkit and qemu-system-i386, the file read back intact", { timeout: 30 * 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-cdrom-linux-"));
    const big = new Uint8Array(300 * 1024);
    let x = 12345;
    for (let i = 0; i < big.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      big[i] = x >>> 24;
    }
    const iso = join(dir, "cd.iso");
    writeFileSync(iso, buildElToritoIso({
      bootImage: new Uint8Array(readFileSync(join(QEMU_GUESTS, "cdrom-boot.bin"))),
      files: [{ name: "HELLO.TXT", bytes: new TextEncoder().encode("hello from the virtkit CD\n") }, { name: "BIG.BIN", bytes: big }],
    }));
    const initrd = join(dir, "initramfs-cd.cpio");
    writeFileSync(initrd, cdInitramfs(new Uint8Array(readFileSync(guest.paths!.initramfs))));
    const args = [
      "-M", "pc", "-m", "256", "-nodefaults", "-display", "none", "-kernel", guest.paths!.vmlinuz, "-initrd", initrd,
      "-append", "console=ttyS0 panic=-1", "-serial", "stdio", "-cdrom", iso, "-no-reboot",
    ];
    const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 20 * 60_000)]);
    const a = cdLines(ours.stdout);
    expect(a).toEqual(cdLines(qemu.stdout));
    const md5 = createHash("md5").update(big).digest("hex");
    expect(a).toContain(`${md5}  /mnt/cd/big.bin`);
    expect(a).toContain("hello from the virtkit CD");
    expect(a).toContain("CDTEST: mounted");
    expect(a).toContain("ata2.00: ATAPI: QEMU DVD-ROM, 2.5+, max UDMA/100");
    expect(ours.status).toBe(0);
  });
});
