import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileProtocol } from "./file-protocol.js";

const MIB = 1 << 20;
const hasHelper = process.env.VIRTKIT_NO_SEEK_HELPER !== "1" && (fs.existsSync("/usr/bin/perl") || fs.existsSync("/usr/bin/python3"));
if (!hasHelper) console.warn("neither /usr/bin/perl nor /usr/bin/python3 (or VIRTKIT_NO_SEEK_HELPER=1): skipping the SEEK_DATA/SEEK_HOLE test");

let dir: string;
const sparse = (): string => path.join(dir, "sparse.raw");

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk-file-protocol-"));
  // Data in MiB 1, 2 and 5 of 8; the rest never written (holes), including the tail.
  const fd = fs.openSync(sparse(), "w");
  for (const m of [1, 2, 5]) fs.writeSync(fd, new Uint8Array(MIB).fill(m), 0, MIB, m * MIB);
  fs.ftruncateSync(fd, 8 * MIB);
  fs.closeSync(fd);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Walks blockStatus over the whole file: [start, length, zero] runs. */
function walk(f: FileProtocol, step: number): [number, number, boolean][] {
  const runs: [number, number, boolean][] = [];
  for (let off = 0; off < 8 * MIB; ) {
    const st = f.blockStatus(off, step);
    const last = runs[runs.length - 1];
    if (last?.[2] === st.zero && last[0] + last[1] === off) last[1] += st.length;
    else runs.push([off, st.length, st.zero]);
    off += st.length;
  }
  return runs;
}

describe.skipIf(!hasHelper)("FileProtocol block status", () => {
  it("finds the data extents and holes of a sparse file (SEEK_DATA/SEEK_HOLE through the helper), whatever the request size", () => {
    const f = FileProtocol.open(sparse(), true);
    try {
      const want: [number, number, boolean][] = [
        [0, MIB, true],
        [MIB, 2 * MIB, false],
        [3 * MIB, 2 * MIB, true],
        [5 * MIB, MIB, false],
        [6 * MIB, 2 * MIB, true],
      ];
      expect(walk(f, 8 * MIB)).toEqual(want);
      expect(walk(f, 3 * 4096)).toEqual(want);
      expect(f.blockStatus(5 * MIB + 4096, 8 * MIB)).toEqual({ zero: false, length: MIB - 4096, eof: false });
      expect(f.blockStatus(7 * MIB, 8 * MIB)).toEqual({ zero: true, length: MIB, eof: true });
      expect(f.blockStatus(8 * MIB, 1)).toEqual({ zero: true, length: 0, eof: true });
    } finally {
      f.close();
    }
  });

  it("sees data written through it after the extents were cached", async () => {
    const copy = path.join(dir, "copy.raw");
    const fd = fs.openSync(copy, "w");
    fs.ftruncateSync(fd, 8 * MIB);
    fs.closeSync(fd);
    const f = FileProtocol.open(copy, false);
    try {
      expect(f.blockStatus(0, MIB).zero).toBe(true);
      await f.pwrite(new Uint8Array(4096).fill(9), 0);
      expect(f.blockStatus(0, MIB)).toEqual({ zero: false, length: 4096, eof: false });
    } finally {
      f.close();
    }
  });
});

describe("FileProtocol.syncIo", () => {
  it("reads on the calling thread: the bytes are there before any other task runs, zeroes past the end", async () => {
    const f = FileProtocol.open(sparse(), true);
    try {
      f.syncIo = true;
      const buf = new Uint8Array(8192).fill(0xee);
      let otherTaskRan = false;
      setImmediate(() => {
        otherTaskRan = true;
      });
      const p = f.pread(buf.subarray(0, 4096), 2 * MIB - 2048);
      // The read completed synchronously, inside pread().
      expect(buf[0]).toBe(1);
      expect(buf[2048]).toBe(2);
      await p;
      expect(otherTaskRan).toBe(false);
      await f.pread(buf, 8 * MIB - 4096);
      expect(buf.every((b) => b === 0)).toBe(true);
    } finally {
      f.close();
    }
  });

  it("writes metadata-sized buffers and flushes on the calling thread, and larger buffers completely", async () => {
    const file = path.join(dir, "sync-writes.raw");
    const f = FileProtocol.create(file);
    try {
      f.syncIo = true;
      const small = new Uint8Array(FileProtocol.SYNC_WRITE_MAX).fill(0x11);
      const p = f.pwrite(small, 4096);
      // On disk (in the page cache) before pwrite() returned its promise.
      const back = new Uint8Array(small.length);
      const fd = fs.openSync(file, "r");
      try {
        expect(fs.readSync(fd, back, 0, back.length, 4096)).toBe(back.length);
        expect(back.every((b) => b === 0x11)).toBe(true);
        await p;
        await f.flush();
        const big = new Uint8Array(FileProtocol.SYNC_WRITE_MAX + 512).fill(0x22);
        await f.pwrite(big, MIB);
        const bigBack = new Uint8Array(big.length);
        expect(fs.readSync(fd, bigBack, 0, bigBack.length, MIB)).toBe(big.length);
        expect(bigBack.every((b) => b === 0x22)).toBe(true);
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      f.close();
    }
  });
});
