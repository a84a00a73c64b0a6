import { describe, expect, it } from "vitest";
import { Block } from "../blocks/block.js";
import { machine } from "../testing/test-machine.js";
import { RegionCode } from "./region-code.js";

function block(phys: number, bytes: number[]): Block {
  return new Block(phys, phys, phys, 1, [], Uint8Array.from(bytes), 0, phys & 0xfff);
}

describe("a region's code spans", () => {
  it("merge overlapping blocks of a frame into one word-aligned span and keep separate frames apart", () => {
    const m = machine({});
    m.mem.writeBytes(0x1011, [1, 2, 3, 4, 5]);
    m.mem.writeBytes(0x1021, [9]);
    m.mem.writeBytes(0x2000, [7, 7]);
    const code = RegionCode.of(m.cpu, [block(0x1011, [1, 2, 3, 4]), block(0x1013, [3, 4, 5]), block(0x1021, [9]), block(0x2000, [7, 7])])!;
    expect([...code.frames]).toEqual([1, 1, 2]);
    expect([...code.wordLos]).toEqual([4, 8, 0]);
    expect([...code.wordLens]).toEqual([2, 1, 1]);
    expect(code.matches(m.cpu)).toBe(true);
  });

  it("give up (null) when a block's bytes are not what memory holds now (the block is stale)", () => {
    const m = machine({});
    m.mem.writeBytes(0x1010, [1, 2, 3]);
    expect(RegionCode.of(m.cpu, [block(0x1010, [1, 2, 3]), block(0x1011, [2, 8])])).toBeNull();
  });

  it("match guest memory only while every byte of every span is unchanged, the padding to whole words included", () => {
    const m = machine({});
    m.mem.writeBytes(0x3010, [1, 2, 3, 4, 5]);
    m.mem.writeBytes(0x3800, [6]);
    const code = RegionCode.of(m.cpu, [block(0x3010, [1, 2, 3]), block(0x3012, [3, 4, 5]), block(0x3800, [6])])!;
    expect(code.matches(m.cpu)).toBe(true);
    const u8 = m.mem.chunks[0]!.u8;
    u8[0x3800] = 0x90;
    expect(code.matches(m.cpu)).toBe(false);
    u8[0x3800] = 6;
    u8[0x3014] = 0;
    expect(code.matches(m.cpu)).toBe(false);
    u8[0x3014] = 5;
    // A byte next to the code in the same word: the span no longer matches (the blocks are then checked one by one).
    u8[0x3803] = 1;
    expect(code.matches(m.cpu)).toBe(false);
    // Once the blocks were found current one by one, the spans take memory's words again.
    code.refresh(m.cpu);
    expect(code.matches(m.cpu)).toBe(true);
  });
});
