import { describe, expect, it } from "vitest";
import { ISO_SECTOR, buildElToritoIso, cdTestPattern, wordSums } from "./el-torito.js";

/*
 * The test CD builder: the fields a BIOS (SeaBIOS cdrom_boot) and an ISO 9660 reader look at,
 * read back by offset from the specifications, not from the builder's code.
 */

describe("buildElToritoIso", () => {
  const boot = new Uint8Array(3000).map((_, i) => (i * 3) & 0xff);
  const iso = buildElToritoIso({ bootImage: boot, data: { lba: 30, bytes: cdTestPattern(30, 2) } });
  const v = new DataView(iso.buffer);
  const ascii = (at: number, n: number): string => String.fromCharCode(...iso.subarray(at, at + n));

  it("has the primary volume descriptor at 16, the El Torito boot record at 17 and the terminator at 18", () => {
    expect([iso[16 * ISO_SECTOR], ascii(16 * ISO_SECTOR + 1, 5), iso[16 * ISO_SECTOR + 6]]).toEqual([1, "CD001", 1]);
    expect(v.getUint32(16 * ISO_SECTOR + 80, true)).toBe(32); // volume space size (LE) ...
    expect(v.getUint32(16 * ISO_SECTOR + 84, false)).toBe(32); // ... and BE
    expect(v.getUint16(16 * ISO_SECTOR + 128, true)).toBe(2048);
    expect([iso[17 * ISO_SECTOR], ascii(17 * ISO_SECTOR + 1, 5), ascii(17 * ISO_SECTOR + 7, 23)]).toEqual([0, "CD001", "EL TORITO SPECIFICATION"]);
    expect([iso[18 * ISO_SECTOR], ascii(18 * ISO_SECTOR + 1, 5)]).toEqual([255, "CD001"]);
    expect(iso.length).toBe(32 * ISO_SECTOR);
  });

  it("points to a boot catalog whose validation entry sums to 0 and whose initial entry loads the image with no emulation", () => {
    const cat = v.getUint32(17 * ISO_SECTOR + 0x47, true) * ISO_SECTOR;
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum += v.getUint16(cat + i, true);
    expect(sum & 0xffff).toBe(0);
    expect([iso[cat], iso[cat + 30], iso[cat + 31]]).toEqual([1, 0x55, 0xaa]);
    expect([iso[cat + 32], iso[cat + 33], v.getUint16(cat + 34, true), v.getUint16(cat + 38, true)]).toEqual([0x88, 0, 0, 6]);
    const rba = v.getUint32(cat + 40, true);
    expect(iso.subarray(rba * ISO_SECTOR, rba * ISO_SECTOR + boot.length)).toEqual(boot);
  });

  it("has a root directory with . and .. found through the PVD and the path tables", () => {
    const rootLba = v.getUint32(16 * ISO_SECTOR + 156 + 2, true);
    expect(v.getUint32(16 * ISO_SECTOR + 156 + 6, false)).toBe(rootLba);
    expect(v.getUint32(v.getUint32(16 * ISO_SECTOR + 140, true) * ISO_SECTOR + 2, true)).toBe(rootLba);
    expect(v.getUint32(v.getUint32(16 * ISO_SECTOR + 148, false) * ISO_SECTOR + 2, false)).toBe(rootLba);
    const r = rootLba * ISO_SECTOR;
    expect([iso[r], iso[r + 25], iso[r + 33], iso[r + 34], iso[r + 34 + 33]]).toEqual([34, 2, 0, 34, 1]);
  });

  it("places the data and refuses data over the boot image", () => {
    expect(iso[30 * ISO_SECTOR + 5]).toBe((30 * 7 + 5 * 13) & 0xff);
    expect(() => buildElToritoIso({ bootImage: boot, data: { lba: 23, bytes: new Uint8Array(1) } })).toThrow("overlaps the boot image");
    expect(wordSums(Uint8Array.of(1, 2, 3, 4))).toBe("sum=0604 xor=0602");
  });
});
