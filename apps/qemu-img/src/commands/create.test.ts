import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasQemuImg, ours, realOk, tmpDir, warnIfMissing } from "../testing/oracle.js";

warnIfMissing();

let d: string;
const p = (name: string): string => path.join(d, name);

beforeAll(() => {
  d = tmpDir("vk-qemu-img-create-");
  if (hasQemuImg) realOk(["create", "-q", "-f", "qcow2", p("base.qcow2"), "64M"]);
});

afterAll(() => {
  fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!hasQemuImg)("qemu-img create -f qcow2", () => {
  // The full header qcow2_co_create writes (the feature name table only for clusters over 4 KiB), the
  // refcount structures and the L1 table of exactly l1_size entries: the same file, byte for byte.
  const cases: [string, string[]][] = [
    ["defaults", []],
    ["512-byte clusters", ["-o", "cluster_size=512"]],
    ["4 KiB clusters", ["-o", "cluster_size=4096"]],
    ["8 KiB clusters", ["-o", "cluster_size=8192"]],
    ["2 MiB clusters", ["-o", "cluster_size=2M"]],
    ["v2 (compat=0.10)", ["-o", "compat=0.10"]],
    ["1-bit refcounts", ["-o", "refcount_bits=1"]],
    ["64-bit refcounts", ["-o", "refcount_bits=64"]],
    ["a backing file", ["-b", "BASE", "-F", "qcow2"]],
    ["a backing file, 4 KiB clusters", ["-o", "cluster_size=4096", "-b", "BASE", "-F", "qcow2"]],
  ];
  for (const [what, opts] of cases) {
    it(`writes the file real qemu-img writes: ${what}, at 1 MiB, 64 MiB and 10 GiB`, async () => {
      const args = opts.map((a) => (a === "BASE" ? p("base.qcow2") : a));
      for (const size of ["1M", "64M", "10G"]) {
        realOk(["create", "-q", "-f", "qcow2", ...args, p("theirs.qcow2"), size]);
        expect(await ours(["create", "-q", "-f", "qcow2", ...args, p("ours.qcow2"), size])).toMatchObject({ status: 0, stderr: "" });
        expect(fs.readFileSync(p("ours.qcow2")).equals(fs.readFileSync(p("theirs.qcow2"))), `${what}, ${size}`).toBe(true);
      }
    });
  }
});
