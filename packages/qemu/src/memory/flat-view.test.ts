import { describe, expect, it } from "vitest";
import { FlatRange, FlatView } from "./flat-view.js";
import { MemoryRegion } from "./memory-region.js";

describe("flat view lookups", () => {
  it("find ranges and unassigned holes alike, whatever was looked up before (the last range and the last hole are remembered)", () => {
    const dev = MemoryRegion.io("dev", 0x100, { read: () => 0, write: () => undefined });
    const view = new FlatView([new FlatRange(0x10, 0x10, dev, 0, false), new FlatRange(0x40, 0x10, dev, 0x10, false)]);
    const probes: [number, number, number][] = [
      // [address, range index or -1, next start for a hole]
      [0x30, -1, 0x40], [0x30, -1, 0x40], [0x15, 0, 0], [0x3f, -1, 0x40], [0x40, 1, 0], [0x4f, 1, 0], [0x50, -1, Infinity],
      [0x5, -1, 0x10], [0x20, -1, 0x40], [0x1f, 0, 0], [0x0, -1, 0x10], [0x80, -1, Infinity], [0x10, 0, 0],
    ];
    for (const [addr, index, next] of probes) {
      expect(view.lookupIndex(addr), `lookup ${addr.toString(16)}`).toBe(index);
      if (index < 0) expect(view.nextStart(addr), `next after ${addr.toString(16)}`).toBe(next);
    }
    const empty = new FlatView([]);
    expect(empty.lookupIndex(5)).toBe(-1);
    expect(empty.nextStart(5)).toBe(Infinity);
  });
});
