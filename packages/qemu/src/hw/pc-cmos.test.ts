import { describe, expect, it } from "vitest";
import { Mc146818Rtc } from "./mc146818rtc.js";
import { cmosChecksum, encodeBootOrder, initPcCmos } from "./pc-cmos.js";
import { VirtualClock } from "./virtual-clock.js";

const MiB = 1024 * 1024;

describe("PC CMOS layout", () => {
  it("fills the memory size fields as QEMU's pc_cmos_init", () => {
    const rtc = new Mc146818Rtc(new VirtualClock(), { baseMs: 0 });
    initPcCmos(rtc, { belowFourGMemSize: 3 * 1024 * MiB, aboveFourGMemSize: 5 * 1024 * MiB, cpus: 4 });
    const c = rtc.cmos;
    expect([c[0x15], c[0x16]]).toEqual([0x80, 0x02]); // 640 KiB
    expect([c[0x17], c[0x18], c[0x30], c[0x31]]).toEqual([0xff, 0xff, 0xff, 0xff]); // capped at 65535 KiB
    // (3 GiB - 16 MiB) / 64 KiB = 48896 = 0xbf00
    expect([c[0x34], c[0x35]]).toEqual([0x00, 0xbf]);
    // 5 GiB / 64 KiB = 81920 = 0x014000
    expect([c[0x5b], c[0x5c], c[0x5d]]).toEqual([0x00, 0x40, 0x01]);
    expect(c[0x5f]).toBe(3);
    expect(c[0x14]).toBe(0x06); // FPU + PS/2 mouse
    // default boot order "cad": 0x3d = (floppy << 4) | disk, 0x38 = cdrom << 4 with the floppy check on
    expect(c[0x3d]).toBe(0x12);
    expect(c[0x38]).toBe(0x30);
    const sum = cmosChecksum(c);
    expect((c[0x2e]! << 8) | c[0x2f]!).toBe(sum);
  });

  it("computes small memory sizes, floppies and IDE geometry", () => {
    const rtc = new Mc146818Rtc(new VirtualClock(), { baseMs: 0 });
    initPcCmos(rtc, {
      belowFourGMemSize: 32 * MiB,
      bootOrder: "dn",
      fdBootCheck: false,
      floppies: ["1.44M"],
      ideDisks: [{ cylinders: 1024, heads: 16, sectors: 63 }],
    });
    const c = rtc.cmos;
    // 31 MiB above 1 MiB = 31744 KiB = 0x7c00; 16 MiB above 16 MiB / 64 KiB = 256
    expect([c[0x17], c[0x18]]).toEqual([0x00, 0x7c]);
    expect([c[0x34], c[0x35]]).toEqual([0x00, 0x01]);
    expect(c[0x3d]).toBe(0x43);
    expect(c[0x38]).toBe(0x01);
    expect(c[0x10]).toBe(0x40);
    expect(c[0x14]).toBe(0x07);
    expect(c[0x12]).toBe(0xf0);
    expect(Array.from(c.subarray(0x19, 0x1a))).toEqual([47]);
    expect(Array.from(c.subarray(0x1b, 0x24))).toEqual([0x00, 0x04, 16, 0xff, 0xff, 0xc8, 0x00, 0x04, 63]);
    expect(c[0x39]).toBe(0x01);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += c[i]!;
    expect([c[0x2e], c[0x2f]]).toEqual([(sum >> 8) & 0xff, sum & 0xff]);
  });

  it("rejects boot orders the way QEMU does", () => {
    expect(() => encodeBootOrder("cdnx")).toThrow("Too many boot devices for PC");
    expect(() => encodeBootOrder("cz")).toThrow("Invalid boot device for PC: 'z'");
  });
});
