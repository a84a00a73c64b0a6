import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockError } from "./block-error.js";
import { checkQcow2 } from "./qcow2-check.js";
import { Qcow2Driver } from "./qcow2.js";
import { hasQemuImg, patternBytes, qemuImg, qemuImgOk, qemuIo, tmpDir, warnIfMissing } from "./testing/qemu-img-oracle.js";

warnIfMissing();

/** Images per fuzz test; raise FUZZ_ITERATIONS for a long run. */
const FUZZ_ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? "150");

let dir: string;
let pristine: Uint8Array;
beforeAll(() => {
  dir = tmpDir("vk-fuzz-");
  if (!hasQemuImg) return;
  const f = path.join(dir, "base.qcow2");
  qemuImgOk("create", "-f", "qcow2", "-o", "cluster_size=4096", f, "4M");
  qemuIo(f, "qcow2", "write -P 0x5a 0 256k", "write -c 1M 64k", "write -z 2M 64k");
  qemuImgOk("snapshot", "-c", "s1", f);
  qemuIo(f, "qcow2", "write -P 0x33 8k 8k");
  pristine = fs.readFileSync(f);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Mutation = [name: string, offset: number, bytes: number[]];

/** Header fields set to values qemu rejects at open (qcow2_do_open); the message must be qemu's. */
const HEADER_MUTATIONS: Mutation[] = [
  ["bad magic", 0, [0x51, 0x46, 0x49, 0x00]],
  ["version 1", 4, [0, 0, 0, 1]],
  ["version 4", 4, [0, 0, 0, 4]],
  ["cluster_bits 8", 20, [0, 0, 0, 8]],
  ["cluster_bits 22", 20, [0, 0, 0, 22]],
  ["header_length 100", 100, [0, 0, 0, 100]],
  ["header_length beyond cluster", 100, [0, 0, 0x20, 0]],
  ["backing_file_offset beyond cluster", 8, [0, 0, 0, 0, 0, 0, 0x20, 0]],
  ["unknown incompatible bit", 72, [0, 0, 0, 0, 0, 0, 0, 0x20]],
  ["refcount_order 7", 96, [0, 0, 0, 7]],
  ["no refcount table", 56, [0, 0, 0, 0]],
  ["refcount table too large", 56, [0, 0, 0x10, 0]],
  ["refcount table unaligned", 48, [0, 0, 0, 0, 0, 0, 0x10, 0x08]],
  ["L1 table too small", 36, [0, 0, 0, 0]],
  ["L1 table unaligned", 40, [0, 0, 0, 0, 0, 0, 0x30, 0x10]],
  ["L1 table too large", 36, [0x01, 0, 0, 0]],
  ["snapshot table unaligned", 64, [0, 0, 0, 0, 0, 0, 0x30, 0x08]],
  ["too many snapshots", 60, [0, 0x02, 0, 0]],
  ["header extension too large", 112, [0x12, 0x34, 0x56, 0x78, 0, 0, 0x20, 0]],
  ["backing format too long", 112, [0xe2, 0x79, 0x2a, 0xca, 0, 0, 0, 40]],
];

function mutate(muts: Mutation[]): string {
  const buf = Buffer.from(pristine);
  for (const [, off, bytes] of muts) buf.set(bytes, off);
  const f = path.join(dir, `m-${Math.random().toString(36).slice(2)}.qcow2`);
  fs.writeFileSync(f, buf);
  return f;
}

async function ourOpenError(f: string): Promise<string | null> {
  try {
    const d = await Qcow2Driver.open(f, { readOnly: true });
    await d.close();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(BlockError);
    return (e as BlockError).message;
  }
}

describe.skipIf(!hasQemuImg)("corrupted qcow2 headers are refused with qemu's messages", () => {
  for (const m of HEADER_MUTATIONS) {
    it(m[0], async () => {
      const f = mutate([m]);
      const q = qemuImg("info", "-f", "qcow2", f);
      expect(q.status).toBe(1);
      const prefix = `qemu-img: Could not open '${f}': `;
      expect(q.stderr.startsWith(prefix)).toBe(true);
      const want = q.stderr.slice(prefix.length).trimEnd();
      expect(await ourOpenError(f)).toBe(want);
    });
  }
});

/** Opens, reads everything, checks: every failure must be a BlockError, never a TypeError/RangeError. */
async function exercise(f: string): Promise<void> {
  let d: Qcow2Driver;
  try {
    d = await Qcow2Driver.open(f, { readOnly: true, checkMode: true });
  } catch (e) {
    expect(e).toBeInstanceOf(BlockError);
    return;
  }
  try {
    const buf = new Uint8Array(Math.min(d.getLength(), 8 * 1024 * 1024));
    try {
      await d.read(0, buf);
    } catch (e) {
      expect(e).toBeInstanceOf(BlockError);
    }
    try {
      await checkQcow2(d, { fixLeaks: false, fixErrors: false }, () => undefined);
    } catch (e) {
      expect(e).toBeInstanceOf(BlockError);
    }
    for (const sn of d.snapshots) {
      try {
        await d.readSnapshot(sn, 0, new Uint8Array(Math.min(sn.diskSize, 1 << 20)));
      } catch (e) {
        expect(e).toBeInstanceOf(BlockError);
      }
    }
  } finally {
    await d.close();
  }
}

describe.skipIf(!hasQemuImg)("fuzzed images never crash the driver", () => {
  it("random byte corruption in the header cluster", async () => {
    for (let i = 0; i < FUZZ_ITERATIONS; i++) {
      const noise = patternBytes(8, i + 1);
      const off = (noise[0]! | (noise[1]! << 8)) % 512;
      await exercise(mutate([["fuzz", off, [noise[2]!, noise[3]!]]]));
    }
  });

  it("random corruption of L1, L2, refcount and snapshot tables", async () => {
    const v = new DataView(pristine.buffer, pristine.byteOffset, pristine.byteLength);
    const l1 = Number(v.getBigUint64(40));
    const rt = Number(v.getBigUint64(48));
    const sn = Number(v.getBigUint64(64));
    const l2 = Number(v.getBigUint64(l1) & 0x00fffffffffffe00n);
    const rb = Number(v.getBigUint64(rt));
    const targets = [l1, l2, rt, rb, sn];
    for (let i = 0; i < FUZZ_ITERATIONS; i++) {
      const noise = patternBytes(16, 1000 + i);
      const base = targets[i % targets.length]!;
      const off = base + ((noise[0]! | (noise[1]! << 8)) % 4096 & ~7);
      await exercise(mutate([["fuzz", off, Array.from(noise.subarray(2, 10))]]));
    }
  });
});
