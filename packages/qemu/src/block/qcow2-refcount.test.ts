import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileProtocol } from "./file-protocol.js";
import { RefcountTable, setRefcountEntry } from "./qcow2-refcount.js";
import { tmpDir } from "./testing/qemu-img-oracle.js";

const CS = 4096;
let dir: string;
beforeAll(() => {
  dir = tmpDir("vk-refcount-");
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A file with a one-cluster reftable at cluster 1 whose entry 0 points at a refcount block in cluster 2 (16-bit entries). */
function makeFile(): FileProtocol {
  const file = path.join(dir, `rt-${Math.random().toString(36).slice(2)}.bin`);
  const buf = new Uint8Array(3 * CS);
  new DataView(buf.buffer).setUint32(CS + 4, 2 * CS);
  const block = buf.subarray(2 * CS);
  for (const [cluster, rc] of [[0, 1], [1, 1], [2, 1], [7, 3]] as const) setRefcountEntry(block, 4, cluster, rc);
  fs.writeFileSync(file, buf);
  return FileProtocol.open(file, false);
}

describe("RefcountTable's no-I/O paths", () => {
  it("peek answers only from cached blocks (-1 on a miss, 0 without a block) and agrees with get", async () => {
    const f = makeFile();
    try {
      const rt = RefcountTable.load(f, 12, 4, CS, 1);
      expect(rt.peek(7)).toBe(-1); // block not read yet
      expect(rt.peek(CS * 8)).toBe(0); // reftable entry 1 is empty: no block, refcount 0
      expect(await rt.get(7)).toBe(3);
      expect(rt.peek(7)).toBe(3);
      expect(rt.peek(8)).toBe(0);
      expect(rt.peek(2)).toBe(await rt.get(2));
    } finally {
      f.close();
    }
  });

  it("tryUpdate changes nothing on a miss and updates like update() on a hit, with its range errors", async () => {
    const f = makeFile();
    try {
      const rt = RefcountTable.load(f, 12, 4, CS, 1);
      expect(rt.tryUpdate(7, 1)).toBe(false);
      expect(await rt.get(7)).toBe(3);
      expect(rt.tryUpdate(7, 1)).toBe(true);
      expect(rt.peek(7)).toBe(4);
      expect(() => rt.tryUpdate(8, -1)).toThrow("refcount underflow on cluster 8");
      expect(rt.tryUpdate(CS * 8, 1)).toBe(false); // no block: update() has to create it
      // The change is a dirty cached block until written back.
      expect(await rt.writeDirty()).toBe(true);
      const again = RefcountTable.load(f, 12, 4, CS, 1);
      expect(await again.get(7)).toBe(4);
    } finally {
      f.close();
    }
  });
});
