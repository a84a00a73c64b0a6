import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasQemuImg, hasQemuIo, ours, pattern, real, realOk, tmpDir, warnIfMissing } from "../testing/oracle.js";

warnIfMissing();
const enabled = hasQemuImg && hasQemuIo;

let d: string;
const p = (name: string): string => path.join(d, name);
const MIB = 1 << 20;

/** The lines qemu-img itself prints ("qemu-img: ..."); the qcow2 driver's own notices go to the process's stderr. */
const toolLines = (stderr: string): string[] => stderr.split("\n").filter((l) => l.startsWith("qemu-img:"));

beforeAll(() => {
  d = tmpDir("vk-qemu-img-convert-");
  if (!enabled) return;
  // 9 MiB + 4 KiB, every byte written (no holes in the file): data, zero MiBs, data, zero tail. The
  // pipeline needs more chunks than it has buffers, and zero detection has to find the zeroes by reading.
  const parts: Uint8Array[] = [];
  for (let m = 0; m < 9; m++) parts.push(m % 3 === 1 ? new Uint8Array(MIB) : pattern(MIB, m + 1));
  const mixed = Buffer.concat([...parts, new Uint8Array(4096)]);
  mixed.fill(0x5a, 3 * MIB + 512, 3 * MIB + 1024); // one sector of data inside a zero-ish MiB
  fs.writeFileSync(p("full.raw"), mixed);
  // A compressed image whose 21st cluster's deflate stream is garbage: reading it fails midway.
  fs.writeFileSync(p("a4m.raw"), Buffer.alloc(4 * MIB, 0x41));
  realOk(["convert", "-c", "-f", "raw", "-O", "qcow2", p("a4m.raw"), p("badcomp.qcow2")]);
  const img = fs.readFileSync(p("badcomp.qcow2"));
  const l1 = Number(img.readBigUInt64BE(40));
  const l2 = Number(img.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
  const entry = img.readBigUInt64BE(l2 + 20 * 8);
  expect(entry >> 62n).toBe(1n); // compressed
  const hostOffset = Number(entry & ((1n << 54n) - 1n)); // x = 62 - (cluster_bits - 8) = 54
  img.fill(0xff, hostOffset, hostOffset + 16);
  fs.writeFileSync(p("badcomp.qcow2"), img);
  // An 8 MiB target whose third L2 table offset is unaligned: writes fail from 4 MiB on.
  realOk(["create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", p("badl2.qcow2"), "8M"]);
  const t = fs.readFileSync(p("badl2.qcow2"));
  const tl1 = Number(t.readBigUInt64BE(40));
  t.writeBigUInt64BE(0x8000000000000000n | 0x406200n, tl1 + 2 * 8);
  fs.writeFileSync(p("badl2.qcow2"), t);
  fs.writeFileSync(p("s8.raw"), pattern(8 * MIB, 7));
});

afterAll(() => {
  fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!enabled)("convert's pipelined copy", () => {
  it("finds zero runs in a fully written raw file by reading them and leaves them unallocated, as qemu-img does", async () => {
    for (const [fmt, extra] of [["qcow2", []], ["qcow2", ["-o", "cluster_size=4k"]], ["raw", []]] as const) {
      const mine = p(`mine.${fmt}`), theirs = p(`theirs.${fmt}`);
      const got = await ours(["convert", "-f", "raw", "-O", fmt, ...extra, p("full.raw"), mine]);
      expect(got).toEqual({ status: 0, stdout: "", stderr: "" });
      realOk(["convert", "-f", "raw", "-O", fmt, ...extra, p("full.raw"), theirs]);
      realOk(["compare", "-f", "raw", "-F", fmt, p("full.raw"), mine]);
      // Same allocation map as the real tool's output: the zero MiBs are holes / unallocated clusters.
      expect(realOk(["map", "--output=json", "-f", fmt, mine])).toBe(realOk(["map", "--output=json", "-f", fmt, theirs]));
      if (fmt === "qcow2") expect(real(["check", mine]).status).toBe(0);
      else expect(fs.statSync(mine).blocks * 512).toBeLessThan(fs.statSync(p("full.raw")).size - 2 * MIB);
    }
  });

  it("reports a source that fails to read midway with qemu-img's message, offset and exit status", async () => {
    for (const fmt of ["raw", "qcow2"]) {
      const want = real(["convert", "-f", "qcow2", "-O", fmt, p("badcomp.qcow2"), p(`theirs-bad.${fmt}`)]);
      const got = await ours(["convert", "-f", "qcow2", "-O", fmt, p("badcomp.qcow2"), p(`mine-bad.${fmt}`)]);
      expect(want.status).toBe(1);
      expect(toolLines(want.stderr)).toEqual(["qemu-img: error while reading at byte 1310720: Input/output error"]);
      expect({ status: got.status, lines: toolLines(got.stderr), stdout: got.stdout }).toEqual({ status: want.status, lines: toolLines(want.stderr), stdout: want.stdout });
    }
  });

  it("reports a target that fails to write midway with qemu-img's message, offset and exit status", async () => {
    fs.copyFileSync(p("badl2.qcow2"), p("badl2-theirs.qcow2"));
    const want = real(["convert", "-n", "-f", "raw", "-O", "qcow2", p("s8.raw"), p("badl2-theirs.qcow2")]);
    const got = await ours(["convert", "-n", "-f", "raw", "-O", "qcow2", p("s8.raw"), p("badl2.qcow2")]);
    expect(want.status).toBe(1);
    expect(toolLines(want.stderr)).toEqual(["qemu-img: error while writing at byte 4194304: Input/output error"]);
    expect({ status: got.status, lines: toolLines(got.stderr) }).toEqual({ status: want.status, lines: toolLines(want.stderr) });
  });
});
