import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasQemuImg, hasQemuIo, io, ours, pattern, real, realOk, tmpDir, warnIfMissing } from "./testing/oracle.js";

warnIfMissing();
const enabled = hasQemuImg && hasQemuIo;

let d: string;
const p = (name: string): string => path.join(d, name);

beforeAll(() => {
  d = tmpDir("vk-qemu-img-");
  if (!enabled) return;
  // A zoo of images made by the real qemu-img.
  realOk(["create", "-f", "raw", p("base.raw"), "8M"]);
  fs.writeFileSync(p("data.raw"), Buffer.concat([pattern(3 << 20, 1), Buffer.alloc(2 << 20), pattern(1 << 20, 2), Buffer.alloc(2 << 20, 0x41)]));
  realOk(["create", "-f", "qcow2", p("v3.qcow2"), "1G"]);
  io(p("v3.qcow2"), "write -P 0xab 0 100k", "write -z 1M 64k", "write -P 1 5M 4k", "write -c 8M 64k");
  realOk(["create", "-f", "qcow2", "-o", "compat=0.10", p("v2.qcow2"), "5G"]);
  io(p("v2.qcow2"), "write -P 0xcd 64k 200k");
  for (const cs of ["512", "4k", "2M"]) {
    realOk(["create", "-f", "qcow2", "-o", `cluster_size=${cs}`, p(`cs${cs}.qcow2`), "20M"]);
    io(p(`cs${cs}.qcow2`), "write -P 7 3k 9k", "write -P 8 4M 1M");
  }
  for (const rb of ["1", "8", "64"]) realOk(["convert", "-O", "qcow2", "-o", `refcount_bits=${rb}`, p("data.raw"), p(`rb${rb}.qcow2`)]);
  realOk(["convert", "-c", "-O", "qcow2", p("data.raw"), p("comp.qcow2")]);
  realOk(["create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", p("over.qcow2")]);
  io(p("over.qcow2"), "write -P 9 1M 128k");
  realOk(["create", "-f", "qcow2", "-b", p("over.qcow2"), "-F", "qcow2", p("top.qcow2"), "16M"]);
  io(p("top.qcow2"), "write -P 3 0 4k", "write -z 1M 4k");
  realOk(["create", "-f", "qcow2", "-o", "cluster_size=4k", p("snap.qcow2"), "64M"]);
  io(p("snap.qcow2"), "write -P 1 0 1M");
  realOk(["snapshot", "-c", "first", p("snap.qcow2")]);
  io(p("snap.qcow2"), "write -P 2 512k 1M");
  realOk(["snapshot", "-c", "second one", p("snap.qcow2")]);
  // A leaked cluster and a refcount corruption, made by editing refcount blocks.
  realOk(["create", "-f", "qcow2", "-o", "cluster_size=4k", p("leak.qcow2"), "16M"]);
  io(p("leak.qcow2"), "write -P 5 0 64k");
  const leak = fs.readFileSync(p("leak.qcow2"));
  const rb = Number(leak.readBigUInt64BE(Number(leak.readBigUInt64BE(48))));
  leak.writeUInt16BE(1, rb + 2 * 100); // cluster 100: refcount 1, referenced by nothing
  fs.writeFileSync(p("leak.qcow2"), leak);
  const bad = Buffer.from(leak);
  bad.writeUInt16BE(0, rb + 2 * 100);
  bad.writeUInt16BE(2, rb + 2 * 6); // a data cluster claims refcount 2
  const l1 = Number(bad.readBigUInt64BE(40));
  const l2 = Number(bad.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
  const firstData = Number(bad.readBigUInt64BE(l2) & 0x00fffffffffffe00n) / 4096;
  bad.writeUInt16BE(0, rb + 2 * firstData); // a referenced cluster with refcount 0
  fs.writeFileSync(p("corrupt.qcow2"), bad);
  // Header bits: corrupt (incompatible bit 1), dirty (bit 0); a backing file that is gone.
  const v3 = fs.readFileSync(p("cs4k.qcow2"));
  fs.writeFileSync(p("corruptbit.qcow2"), Buffer.from(v3).fill(2, 79, 80));
  fs.writeFileSync(p("dirtybit.qcow2"), Buffer.from(v3).fill(1, 79, 80));
  realOk(["create", "-f", "qcow2", "-u", "-b", "gone.raw", "-F", "raw", p("orphan.qcow2"), "1M"]);
});

afterAll(() => {
  fs.rmSync(d, { recursive: true, force: true });
});

async function expectSame(args: string[]): Promise<void> {
  const want = real(args);
  const got = await ours(args);
  expect({ args, ...got }).toEqual({ args, ...want });
}

const IMAGES = ["base.raw", "data.raw", "v3.qcow2", "v2.qcow2", "cs512.qcow2", "cs4k.qcow2", "cs2M.qcow2", "rb1.qcow2", "rb8.qcow2", "rb64.qcow2", "comp.qcow2", "over.qcow2", "top.qcow2", "snap.qcow2", "leak.qcow2", "corrupt.qcow2", "corruptbit.qcow2", "dirtybit.qcow2", "orphan.qcow2"];
const READ_COMMANDS = [
  ["info"],
  ["info", "--output=json"],
  ["info", "--backing-chain"],
  ["info", "--backing-chain", "--output=json"],
  ["check"],
  ["check", "--output=json"],
  ["map"],
  ["map", "--output=json"],
  ["snapshot", "-l"],
];

describe.skipIf(!enabled)("info, check, map and snapshot -l print exactly what qemu-img 7.2 prints", () => {
  for (const img of IMAGES) {
    it(img, async () => {
      for (const cmd of READ_COMMANDS) await expectSame([...cmd, p(img)]);
    });
  }
});

/** Invocations with bad options or input; `@` stands for the scratch directory. */
const ERROR_CASES = [
  "", "foo", "--bogus", "info", "info a b", "info --output=xml @/v3.qcow2", "info --output", "info -f", "info -x @/v3.qcow2",
  "info -f foo @/v3.qcow2", "info -f qcow2 @/base.raw", "info @/missing", "info --out=json @/base.raw",
  "create -f qcow2 -o foo=bar @/x.qcow2 1M", "create -f qcow2 -o cluster_size=3000 @/x.qcow2 1M", "create -f qcow2 -o compat=2 @/x.qcow2 1M",
  "create -f qcow2 -o refcount_bits=3 @/x.qcow2 1M", "create -f qcow2 -o compat=0.10,refcount_bits=8 @/x.qcow2 1M", "create -f qcow2 @/x.qcow2 -5",
  "create -f qcow2 @/x.qcow2 20E", "create -f qcow2 @/x.qcow2 1Q", "create -f raw -o cluster_size=4k @/x.raw 1M", "create -f foo @/x 1M",
  "create -f qcow2 -b @/base.raw @/x.qcow2", "create -f qcow2 -b @/missing -F raw @/x.qcow2", "create -f qcow2 @/x.qcow2 1M extra",
  "create -f qcow2 -o size=1M @/x.qcow2 1M", "create -f qcow2 -o lazy_refcounts=maybe @/x.qcow2 1M", "create -f qcow2 -o cluster_size=abc @/x.qcow2 1M",
  "create -f qcow2 -o refcount_bits=abc @/x.qcow2 1M", "create -f qcow2 -o a,b @/x.qcow2 1M", "create -f qcow2 -o help @/x.qcow2", "create -f qcow2 -o help",
  "create -f qcow2 -o compression_type=foo @/x.qcow2 1M", "create -f qcow2 -o preallocation=bogus @/x.qcow2 1M", "create -f qcow2 @/x.qcow2",
  "create -f qcow2 -o , @/x.qcow2 1M", "create -f qcow2 -o cluster_size=4k, @/x.qcow2 1M", "create -f qcow2 -b @/x.qcow2 -F qcow2 @/x.qcow2",
  "check -r foo @/v3.qcow2", "check --output=xml @/v3.qcow2", "check @/base.raw", "check", "resize @/base.raw", "resize @/base.raw abc",
  "resize -f raw @/base.raw -20M", "resize @/v3.qcow2 -1M", "snapshot -l -c x @/snap.qcow2", "snapshot -a nosuch @/snap.qcow2",
  "snapshot -d nosuch @/snap.qcow2", "snapshot -c x -f raw @/base.raw", "compare @/v3.qcow2", "compare @/v3.qcow2 @/missing",
  "compare -s @/v3.qcow2 @/v2.qcow2", "map --output=foo @/v3.qcow2", "map -s abc @/v3.qcow2", "map -s 4096 -l 100000 @/cs4k.qcow2",
  "map @/comp.qcow2", "convert -c -O raw @/base.raw @/y.raw", "convert -O foo @/base.raw @/y", "convert @/base.raw", "convert -f qcow2 @/base.raw @/y",
  "convert -O qcow2 -o cluster_size=1k @/missing @/y", "convert -O qcow2 -o foo=1 @/base.raw @/y", "convert -O raw -o cluster_size=4k @/base.raw @/y",
  "convert -O qcow2 -B @/base.raw @/base.raw @/y", "convert -n -o cluster_size=4k @/base.raw @/y", "convert -S 100 @/base.raw @/y",
  "convert -O qcow2 -o cluster_size=300 @/base.raw @/y", "resize @/corruptbit.qcow2 +1M", "resize @/orphan.qcow2 +1M",
  "compare @/orphan.qcow2 @/base.raw", "convert -O raw @/orphan.qcow2 @/y", "resize --shrink @/cs512.qcow2 20000001",
];

describe.skipIf(!enabled)("bad options and input get qemu-img's exact messages and exit codes", () => {
  it("error table", async () => {
    for (const c of ERROR_CASES) {
      const args = c === "" ? [] : c.split(" ").map((a) => a.replace("@", d));
      for (const f of ["x.qcow2", "x.raw", "x", "y", "y.raw"]) fs.rmSync(p(f), { force: true });
      const want = real(args);
      for (const f of ["x.qcow2", "x.raw", "x", "y", "y.raw"]) fs.rmSync(p(f), { force: true });
      const got = await ours(args);
      expect({ c, ...got }).toEqual({ c, ...want });
    }
  });
});

function expectClean(file: string): void {
  const r = real(["check", file]);
  expect(r.stdout + r.stderr).toContain("No errors were found on the image.");
  expect(r.status).toBe(0);
}

function expectIdentical(a: string, b: string): void {
  const r = real(["compare", a, b]);
  expect(r.stdout).toBe("Images are identical.\n");
  expect(r.status).toBe(0);
}

describe.skipIf(!enabled)("images our qemu-img writes pass real qemu-img check and compare", () => {
  it("create prints qemu's Formatting line and makes images qemu-img accepts", async () => {
    const variants = [
      ["-f", "qcow2", p("n1.qcow2"), "1G"],
      ["-f", "qcow2", "-o", "cluster_size=512,refcount_bits=1", p("n2.qcow2"), "10M"],
      ["-f", "qcow2", "-o", "compat=0.10,cluster_size=2M", p("n3.qcow2"), "3G"],
      ["-f", "qcow2", "-o", "refcount_bits=64,lazy_refcounts=off", p("n4.qcow2"), "1.5k"],
      ["-f", "qcow2", "-b", p("base.raw"), "-F", "raw", p("n5.qcow2")],
      ["-f", "qcow2", "-o", "backing_file=v3.qcow2,backing_fmt=qcow2", p("n6.qcow2"), "2G"],
      ["-f", "raw", p("n7.raw"), "100M"],
    ];
    for (const v of variants) {
      const want = real(["create", ...v]);
      const mine = await ours(["create", ...v]);
      expect(mine).toEqual(want);
      const file = v[v.length - (v[v.length - 1]!.endsWith("raw") || v[v.length - 1]!.endsWith("qcow2") ? 1 : 2)]!;
      if (file.endsWith(".qcow2")) expectClean(file);
      await expectSame(["info", "--output=json", file]);
    }
  });

  it("convert to qcow2 (plain, compressed, options) and raw reproduces the source", async () => {
    const outs: [string[], string][] = [
      [["-O", "qcow2"], "c1.qcow2"],
      [["-O", "qcow2", "-c"], "c2.qcow2"],
      [["-O", "qcow2", "-o", "cluster_size=512,refcount_bits=2", "-p"], "c3.qcow2"],
      [["-O", "qcow2", "-o", "compat=0.10,cluster_size=2M", "-c"], "c4.qcow2"],
      [["-O", "raw"], "c5.raw"],
      [["-O", "qcow2", "-S", "0"], "c6.qcow2"],
    ];
    for (const [opts, out] of outs) {
      const r = await ours(["convert", ...opts, p("data.raw"), p(out)]);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      if (out.endsWith(".qcow2")) expectClean(p(out));
      expectIdentical(p("data.raw"), p(out));
    }
    expect(realOk(["check", p("c2.qcow2")])).toMatch(/[1-9][0-9.]*% compressed clusters/);
    // -p prints the same progress lines as qemu-img.
    for (const args of [["convert", "-p", "-O", "qcow2", p("data.raw")], ["convert", "-p", "-O", "raw", p("c1.qcow2")]]) {
      const want = real([...args, p("prog-real")]);
      const got = await ours([...args, p("prog-ours")]);
      expect(got.stdout).toBe(want.stdout);
    }
    expect((await ours(["compare", "-p", p("data.raw"), p("c1.qcow2")])).stdout).toBe(real(["compare", "-p", p("data.raw"), p("c1.qcow2")]).stdout);
    // From qcow2 sources: compressed, backing chains, snapshots, concatenation.
    for (const [src, extra] of [["comp.qcow2", []], ["top.qcow2", []], ["snap.qcow2", []], ["rb1.qcow2", ["-c"]]] as const) {
      const out = p(`from-${src}`);
      expect((await ours(["convert", ...extra, "-O", "qcow2", p(src), out])).status).toBe(0);
      expectClean(out);
      expectIdentical(p(src), out);
    }
    expect((await ours(["convert", "-l", "first", "-O", "raw", p("snap.qcow2"), p("first.raw")])).status).toBe(0);
    expect(realOk(["convert", "-l", "first", "-O", "raw", p("snap.qcow2"), p("first-real.raw")])).toBe("");
    expect(Buffer.compare(fs.readFileSync(p("first.raw")), fs.readFileSync(p("first-real.raw")))).toBe(0);
    expect((await ours(["convert", "-O", "qcow2", p("data.raw"), p("data.raw"), p("cat.qcow2")])).status).toBe(0);
    expectClean(p("cat.qcow2"));
    expect((await ours(["convert", "-O", "qcow2", "-B", p("data.raw"), "-F", "raw", p("v3.qcow2"), p("withbase.qcow2")])).status).toBe(0);
    expectClean(p("withbase.qcow2"));
  });

  it("resize, snapshot and check -r repair leave images qemu-img accepts", async () => {
    realOk(["create", "-f", "qcow2", p("r.qcow2"), "10M"]);
    expect(await ours(["resize", p("r.qcow2"), "+1G"])).toEqual({ status: 0, stdout: "Image resized.\n", stderr: "" });
    expectClean(p("r.qcow2"));
    expect((JSON.parse(realOk(["info", "--output=json", p("r.qcow2")])) as Record<string, unknown>)["virtual-size"]).toBe(10485760 + 1073741824);
    fs.copyFileSync(p("base.raw"), p("r.raw"));
    expect((await ours(["resize", "-f", "raw", "--shrink", p("r.raw"), "1M"])).status).toBe(0);
    expect(fs.statSync(p("r.raw")).size).toBe(1 << 20);

    // Shrinking qcow2 (also with snapshots on v3) gives what qemu gives, down to the file size.
    for (const src of ["cs4k.qcow2", "snap.qcow2", "comp.qcow2"]) {
      const a = p(`shrink-a-${src}`), b = p(`shrink-b-${src}`);
      fs.copyFileSync(p(src), a);
      fs.copyFileSync(p(src), b);
      expect(real(["resize", "--shrink", a, "4M"]).status).toBe(0);
      expect((await ours(["resize", "--shrink", b, "4M"])).status).toBe(0);
      expectClean(b);
      expectIdentical(a, b);
      // Without snapshots the file is cut where qemu cuts it (qemu's snapshot path grows
      // and frees temporary clusters first, so sizes may differ there).
      if (src !== "snap.qcow2") expect(fs.statSync(b).size).toBe(fs.statSync(a).size);
    }

    fs.copyFileSync(p("snap.qcow2"), p("s.qcow2"));
    expect((await ours(["snapshot", "-c", "third", p("s.qcow2")])).status).toBe(0);
    expectClean(p("s.qcow2"));
    expect(realOk(["snapshot", "-l", p("s.qcow2")])).toMatch(/3\s+third/);
    expect((await ours(["snapshot", "-a", "first", p("s.qcow2")])).status).toBe(0);
    expectClean(p("s.qcow2"));
    realOk(["convert", "-l", "first", "-O", "raw", p("snap.qcow2"), p("first2.raw")]);
    expectIdentical(p("s.qcow2"), p("first2.raw"));
    expect((await ours(["snapshot", "-d", "second one", p("s.qcow2")])).status).toBe(0);
    expectClean(p("s.qcow2"));
    await expectSame(["snapshot", "-l", p("s.qcow2")]);

    for (const [img, mode] of [["leak.qcow2", "leaks"], ["corrupt.qcow2", "all"]] as const) {
      const a = p(`fix-a-${img}`), b = p(`fix-b-${img}`);
      fs.copyFileSync(p(img), a);
      fs.copyFileSync(p(img), b);
      const want = real(["check", "-r", mode, a]);
      const got = await ours(["check", "-r", mode, b]);
      expect(got.status).toBe(want.status);
      expect(got.stdout.replaceAll(b, "F")).toBe(want.stdout.replaceAll(a, "F"));
      expectClean(b);
    }
  });
});
