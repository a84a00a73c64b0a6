import { describe, expect, it } from "vitest";
import { IsaDebugExit } from "./isa-debug-exit.js";

describe("isa-debug-exit", () => {
  it("reports QEMU's exit code (value << 1) | 1 for each access width", () => {
    const codes: number[] = [];
    const dev = new IsaDebugExit({ onExit: (c) => codes.push(c) });
    expect([dev.iobase, dev.iosize]).toEqual([0x501, 2]);
    dev.write(0, 1, 0x00);
    dev.write(0, 1, 0x31);
    dev.write(0, 2, 0x1234);
    dev.write(0, 4, 0xffffffff);
    expect(codes).toEqual([1, 0x63, 0x2469, 0x1_ffff_ffff]);
    expect(codes.map((c) => c & 0xff)).toEqual([1, 0x63, 0x69, 0xff]);
    expect(dev.read(0, 1)).toBe(0);
  });

  it("takes iobase/iosize properties", () => {
    const dev = new IsaDebugExit({ iobase: 0xf4, iosize: 4, onExit: () => undefined });
    expect([dev.iobase, dev.iosize]).toEqual([0xf4, 4]);
  });
});
