import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { qemuSystemMain } from "../../cli/qemu-system.js";
import { QEMU_GUESTS_DIR } from "../../machine/testing/guest-harness.js";
import { ISO_SECTOR, buildElToritoIso, cdTestPattern, wordSums } from "./testing/el-torito.js";

/*
 * Whole system: SeaBIOS boots guests/cdrom-boot.bin from an El Torito CD (-cdrom, -boot d) on the
 * pc machine; the program reads the CD through INT 13h extensions, then drives the ATAPI device
 * at the secondary master itself (packet commands in PIO and DMA), printing to COM1. The expected
 * output was recorded from the real qemu-system-i386 7.2 with the same image and options
 * (apps/qemu-system re-checks it live); the sums are also checked against the image here.
 */

const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
if (!hasSeabios) console.warn(`cdrom-pc-guest: ${SEABIOS} not found (Debian package seabios), skipping the SeaBIOS CD boot`);

const DATA_LBA = 32;
const DATA_SECTORS = 8;

const dir = mkdtempSync(join(tmpdir(), "virtkit-cdrom-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function cdromBootIso(): Uint8Array {
  const boot = new Uint8Array(readFileSync(`${QEMU_GUESTS_DIR}cdrom-boot.bin`));
  return buildElToritoIso({ bootImage: boot, data: { lba: DATA_LBA, bytes: cdTestPattern(DATA_LBA, DATA_SECTORS) } });
}

async function boot(args: string[]): Promise<{ status: number; serial: string; stderr: string }> {
  const serial = join(dir, `${args.join("_").replace(/[^a-z0-9]/gi, "")}.serial`);
  const err = new PassThrough();
  const errText: Buffer[] = [];
  err.on("data", (d: Buffer) => errText.push(d));
  const status = await qemuSystemMain(
    ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-serial", `file:${serial}`, "-device", "isa-debug-exit", "-boot", "d", ...args],
    { stdout: new PassThrough(), stderr: err },
  );
  return { status, serial: readFileSync(serial, "latin1"), stderr: Buffer.concat(errText).toString() };
}

describe.skipIf(!hasSeabios)("cdrom-boot booted by SeaBIOS from an ATAPI CD-ROM", () => {
  const iso = join(dir, "boot.iso");
  writeFileSync(iso, cdromBootIso());
  const data = cdTestPattern(DATA_LBA, DATA_SECTORS);
  const slice = (lba: number, n: number): Uint8Array => data.subarray((lba - DATA_LBA) * ISO_SECTOR, (lba - DATA_LBA + n) * ISO_SECTOR);

  it("-cdrom: prints what QEMU's pc prints (INT 13h on drive E0h, the packet commands, DMA) and exits with (0x31 << 1) | 1", async () => {
    const r = await boot(["-cdrom", iso]);
    // A read-only image gets no "probing guessed raw" warning (QEMU's raw_open warns only for writable ones).
    expect(r.stderr).not.toContain("WARNING");
    expect(r.status).toBe(0x63);
    expect(r.serial).toBe(readFileSync(`${QEMU_GUESTS_DIR}expected/cdrom-boot.serial.txt`, "latin1"));
    // The sums the guest printed are the image's.
    expect(r.serial).toContain(`int13 42 data x8: cf=0 ah=00 n=0008 ${wordSums(slice(DATA_LBA, 8))}\n`);
    expect(r.serial).toContain(`read10 x3 limit 800h:\n${" as=58 er=00 ir=02 sn=01 bc=0800 dh=a0 st=58\n".repeat(3)} as=50 er=00 ir=03 sn=01 bc=0800 dh=a0 st=50\n ${wordSums(slice(DATA_LBA, 3))}\n`);
    expect(r.serial).toContain(` ${wordSums(slice(DATA_LBA + 3, 2))}\ndma read10 x2:`);
    expect(r.serial).toContain(`dma read10 x2:\n before: as=d8 er=00 ir=01 sn=01 bc=0000 dh=a0 st=d8\n bmst=00 after: as=50 er=00 ir=03 sn=01 bc=0000 dh=a0 st=50\n ${wordSums(slice(DATA_LBA + 5, 2))}\n`);
  }, 120_000);

  it("-device ide-cd,drive= at ide.1 unit 0 prints the same", async () => {
    const expected = readFileSync(`${QEMU_GUESTS_DIR}expected/cdrom-boot.serial.txt`, "latin1");
    const b = await boot(["-drive", `file=${iso},format=raw,if=none,id=cd`, "-device", "ide-cd,drive=cd,bus=ide.1,unit=0"]);
    expect(b.serial).toBe(expected);
    expect(b.status).toBe(0x63);
  }, 120_000);
});
