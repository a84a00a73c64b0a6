import { describe, expect, it } from "vitest";
import { Block } from "../blocks/block.js";
import { machine } from "../testing/test-machine.js";
import { RegionCode } from "./region-code.js";

function block(phys: number, bytes: number[]): Block {
  return new Block(phys, phys, phys, 1, [], Uint8Array.from(bytes), 0, phys & 0xfff);
}

describe("a region's code spans", () => {
  it("merge overlapping blocks of a frame into one span and keep separate frames apart", () => {
    const code = RegionCode.of([block(0x1010, [1, 2, 3, 4]), block(0x1012, [3, 4, 5]), block(0x1020, [9]), block(0x2000, [7, 7])])!;
    expect([...code.frames]).toEqual([1, 1, 2]);
    expect([...code.los]).toEqual([0x10, 0x20, 0]);
    expect([...code.lens]).toEqual([5, 1, 2]);
    expect([...code.bytes]).toEqual([1, 2, 3, 4, 5, 9, 7, 7]);
  });

  it("give up (null) when two blocks saw different bytes at the same address", () => {
    expect(RegionCode.of([block(0x1010, [1, 2, 3]), block(0x1011, [2, 8])])).toBeNull();
  });

  it("match guest memory only while every byte of every span is unchanged", () => {
    const m = machine({});
    m.mem.writeBytes(0x3010, [1, 2, 3, 4, 5]);
    m.mem.writeBytes(0x3800, [6]);
    const code = RegionCode.of([block(0x3010, [1, 2, 3]), block(0x3012, [3, 4, 5]), block(0x3800, [6])])!;
    expect(code.matches(m.cpu)).toBe(true);
    m.mem.chunks[0]!.u8[0x3800] = 0x90;
    expect(code.matches(m.cpu)).toBe(false);
    m.mem.chunks[0]!.u8[0x3800] = 6;
    m.mem.chunks[0]!.u8[0x3014] = 0;
    expect(code.matches(m.cpu)).toBe(false);
  });
});
