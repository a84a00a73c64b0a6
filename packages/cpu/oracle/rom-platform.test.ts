// The ROM platform model: address map, A20 gate, ports, end-of-run detection.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KBC_WRITE_OUTPUT_PORT, PORT_DEBUG_EXIT, PORT_DEBUGCON, PORT_KBC_DATA, PORT_KBC_STATUS, PORT_SYSTEM_CONTROL_A, RomPlatform } from "./rom-platform.js";
import { ROM_END_MARKER } from "./rom-runner.js";
import { GUESTS_DIR } from "./roms.js";

function rom64(): Uint8Array {
  const r = new Uint8Array(0x10000);
  r[0] = 0x11;
  r[0xfff0] = 0xea; // the reset vector's far JMP
  r[0xffff] = 0x22;
  return r;
}
const say = (p: RomPlatform, s: string): void => {
  for (const c of s) p.portOut(PORT_DEBUGCON, 1, c.charCodeAt(0));
};

describe("the ROM platform", () => {
  it("maps a 64 KiB ROM below 1 MiB and below 4 GiB, read-only", () => {
    const p = new RomPlatform(rom64());
    expect([p.readByte(0xf0000), p.readByte(0xffff0), p.readByte(0xfffff)]).toEqual([0x11, 0xea, 0x22]);
    expect([p.readByte(0xffff0000), p.readByte(0xfffffff0)]).toEqual([0x11, 0xea]);
    p.writeByte(0xf0000, 0x99);
    expect(p.readByte(0xf0000)).toBe(0x11);
    expect(p.readByte(0xeffff)).toBe(0);
  });

  it("maps the committed hello ROM so that F000:FFF0 holds its reset jump", () => {
    const p = new RomPlatform(new Uint8Array(readFileSync(join(GUESTS_DIR, "hello.bin"))));
    expect(p.readByte(0xffff0)).toBe(0xea);
    expect(p.readByte(0xfffffff0)).toBe(0xea);
  });

  it("maps a 128 KiB ROM at E0000h", () => {
    const r = new Uint8Array(0x20000);
    r[0] = 0x33;
    const p = new RomPlatform(r);
    expect([p.readByte(0xe0000), p.readByte(0xfffe0000)]).toEqual([0x33, 0x33]);
  });

  it("keeps RAM separate from the ROM and reads unmapped memory as FFh", () => {
    const p = new RomPlatform(rom64(), 2);
    p.writeByte(0x1234, 0x56);
    expect(p.readByte(0x1234)).toBe(0x56);
    expect(p.readByte(0x300000)).toBe(0xff);
  });

  it("gates A20 through port 92h and through the 8042 output port", () => {
    const p = new RomPlatform(rom64());
    p.writeByte(0x000600, 1);
    p.writeByte(0x100600, 2);
    expect(p.readByte(0x000600)).toBe(1);
    p.portOut(PORT_SYSTEM_CONTROL_A, 1, 0x00);
    expect(p.portIn(PORT_SYSTEM_CONTROL_A, 1) & 2).toBe(0);
    expect(p.readByte(0x100600)).toBe(1);
    p.portOut(PORT_SYSTEM_CONTROL_A, 1, 0x02);
    expect(p.readByte(0x100600)).toBe(2);
    p.portOut(PORT_KBC_STATUS, 1, KBC_WRITE_OUTPUT_PORT);
    p.portOut(PORT_KBC_DATA, 1, 0xdd);
    expect(p.a20).toBe(false);
    p.portOut(PORT_KBC_DATA, 1, 0xdd); // without D1 first this is not an output-port write
    p.portOut(PORT_KBC_STATUS, 1, KBC_WRITE_OUTPUT_PORT);
    p.portOut(PORT_KBC_DATA, 1, 0xdf);
    expect(p.a20).toBe(true);
  });

  it("collects port E9h output and finishes on the end-marker line", () => {
    const p = new RomPlatform(rom64());
    say(p, "hello\n");
    expect(p.finished).toBe(false);
    say(p, `\n${ROM_END_MARKER}`);
    expect(p.finished).toBe(false);
    say(p, "\nafter");
    expect(p.finished).toBe(true);
    expect(p.result("halt")).toEqual({ output: `hello\n\n${ROM_END_MARKER}\n`, exit: "halt" });
  });

  it("finishes on a write to isa-debug-exit", () => {
    const p = new RomPlatform(rom64());
    p.portOut(PORT_DEBUG_EXIT, 1, 0);
    expect(p.finished).toBe(true);
  });

  it("rejects images that are not 64 or 128 KiB and impossible RAM sizes", () => {
    expect(() => new RomPlatform(new Uint8Array(1000))).toThrow(/64 KiB or 128 KiB, not 1000 bytes/);
    expect(() => new RomPlatform(rom64(), 1)).toThrow(/2 to 3072 MiB/);
  });
});
