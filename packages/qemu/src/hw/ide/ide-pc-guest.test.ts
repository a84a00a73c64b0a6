import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { qemuSystemMain } from "../../cli/qemu-system.js";
import { QEMU_GUESTS_DIR } from "../../machine/testing/guest-harness.js";

/*
 * Whole system: SeaBIOS boots guests/ide-disk.bin from the primary IDE master of the pc machine;
 * the program reads and writes through INT 13h, then drives the ATA registers and the bus-master
 * engine itself, printing to COM1. The expected output was recorded from the real
 * qemu-system-i386 7.2 with the same image and options (apps/qemu-system re-checks it live).
 */

const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
if (!hasSeabios) console.warn(`ide-pc-guest: ${SEABIOS} not found (Debian package seabios), skipping the SeaBIOS IDE boot`);

const dir = mkdtempSync(join(tmpdir(), "virtkit-ide-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The guest image grown to the 4096 sectors the program expects. */
function diskImage(name: string): string {
  const path = join(dir, name);
  copyFileSync(`${QEMU_GUESTS_DIR}ide-disk.bin`, path);
  truncateSync(path, 4096 * 512);
  return path;
}

describe.skipIf(!hasSeabios)("ide-disk booted by SeaBIOS from an IDE disk", () => {
  it("prints on pc what QEMU's pc prints, writes the sectors it says, exits with (0x31 << 1) | 1", async () => {
    const image = diskImage("pc.img");
    const serial = join(dir, "pc.serial");
    const err = new PassThrough();
    const status = await qemuSystemMain(
      ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-serial", `file:${serial}`, "-device", "isa-debug-exit", "-drive", `file=${image},format=raw`],
      { stdout: new PassThrough(), stderr: err },
    );
    expect(status).toBe(0x63);
    expect(readFileSync(serial, "latin1")).toBe(readFileSync(`${QEMU_GUESTS_DIR}expected/ide-disk.serial.txt`, "latin1"));
    const disk = readFileSync(image);
    const word = (lba: number, i: number): number => disk.readUInt16LE(lba * 512 + i * 2);
    expect([word(300, 0), word(300, 1), word(301, 0)]).toEqual([0x1234, 0x1235, 0x1234 ^ 256]); // INT 13h AH=43h
    expect([word(100, 0), word(101, 255)]).toEqual([0x5a5a, 0x5a5a ^ 255]); // WRITE SECTORS
    expect([word(200, 0), word(203, 255)]).toEqual([0xc3c3, 0xc3c3 ^ 511]); // WRITE MULTIPLE
    expect([word(400, 0), word(401, 255)]).toEqual([0x0f0f, 0x0f0f ^ 511]); // WRITE DMA
  }, 120_000);
});
