import { describe, expect, it } from "vitest";
import { ioapicInfo } from "./ioapic-info.js";

describe("info pic's I/O APIC lines", () => {
  it("prints a reset IOAPIC as QEMU 7.2 does (text from qemu-system-i386 -M pc -S, info pic)", () => {
    const masked = (i: number): string => `  pin ${String(i).padEnd(2)} 0x0000000000010000 dest=0 vec=0   active-hi edge  masked fixed  physical\n`;
    expect(ioapicInfo({ version: 0x20, id: 0, ioregsel: 0, irr: 0, redirtbl: Array<bigint>(24).fill(0x10000n) })).toBe(
      `ioapic0: ver=0x20 id=0x00 sel=0x00\n${Array.from({ length: 24 }, (_, i) => masked(i)).join("")}  IRR      (none)\n  Remote IRR (none)\n`,
    );
  });

  it("decodes programmed entries: destination by mode, polarity, trigger, delivery mode; IRR and Remote IRR pins", () => {
    const redirtbl = Array<bigint>(24).fill(0x10000n);
    redirtbl[2] = 0x0100000000000030n; // physical APIC 1, vector 30h, fixed, edge, unmasked
    redirtbl[10] = 0x030000000000e961n; // logical 03h, vector 61h, lowest priority, level, active-low, Remote IRR
    redirtbl[11] = 0xff000000000107fan; // physical: only 4 destination bits; extINT, masked
    const text = ioapicInfo({ version: 0x11, id: 2, ioregsel: 0x24, irr: (1 << 2) | (1 << 11), redirtbl }).split("\n");
    expect(text[0]).toBe("ioapic0: ver=0x11 id=0x02 sel=0x24 (redir[10])");
    expect(text[3]).toBe("  pin 2  0x0100000000000030 dest=1 vec=48  active-hi edge         fixed  physical");
    expect(text[11]).toBe("  pin 10 0x030000000000e961 dest=3 vec=97  active-lo level        lowest logical");
    expect(text[12]).toBe("  pin 11 0xff000000000107fa dest=f vec=250 active-hi edge  masked extINT physical");
    expect(text.slice(-3)).toEqual(["  IRR      2  11 ", "  Remote IRR 10 ", ""]);
  });

  it("shows a register select below the table as C's int arithmetic prints it", () => {
    expect(ioapicInfo({ version: 0x11, id: 0, ioregsel: 1, irr: 0, redirtbl: [] }).split("\n")[0]).toBe("ioapic0: ver=0x11 id=0x00 sel=0x01 (redir[4294967288])");
  });
});
