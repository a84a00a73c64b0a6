import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImage, openImage } from "./image.js";
import { Qcow2Driver } from "./qcow2.js";
import { hasQemuImg, patternBytes, qemuImg, qemuImgOk, qemuIo, tmpDir, warnIfMissing } from "./testing/qemu-img-oracle.js";

warnIfMissing();

let dir: string;
beforeAll(() => {
  dir = tmpDir("vk-qcow2-");
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectCheckClean(file: string): void {
  const r = qemuImg("check", file);
  expect(r.stderr + r.stdout).toContain("No errors were found on the image.");
  expect(r.status).toBe(0);
}

async function readAll(file: string): Promise<Uint8Array> {
  const d = await openImage(file, { readOnly: true });
  try {
    const buf = new Uint8Array(d.getLength());
    await d.read(0, buf);
    return buf;
  } finally {
    await d.close();
  }
}

describe.skipIf(!hasQemuImg)("qcow2 images we write pass real qemu-img check and compare", () => {
  for (const cs of [512, 4096, 65536, 2 * 1024 * 1024]) {
    for (const compat of ["0.10", "1.1"]) {
      it(`cluster_size=${cs} compat=${compat}: random writes read back and compare equal`, async () => {
        const file = path.join(dir, `w-${cs}-${compat}.qcow2`);
        const size = 8 * 1024 * 1024;
        await createImage("qcow2", file, { size, clusterSize: cs, compat });
        expectCheckClean(file);
        const mirror = new Uint8Array(size);
        const d = await openImage(file, { readOnly: false });
        for (let i = 0; i < 40; i++) {
          const len = 1 + ((i * 7919) % 200000);
          const off = (i * 104729 * 13) % (size - len);
          const data = patternBytes(len, i + 1);
          await d.write(off, data);
          mirror.set(data, off);
        }
        await d.writeZeroes(1024 * 1024, 3 * cs);
        mirror.fill(0, 1024 * 1024, 1024 * 1024 + 3 * cs);
        await d.close();
        expectCheckClean(file);
        expect(Buffer.from(await readAll(file)).equals(Buffer.from(mirror))).toBe(true);
        const raw = path.join(dir, `w-${cs}-${compat}.raw`);
        fs.writeFileSync(raw, mirror);
        const cmp = qemuImg("compare", "-f", "qcow2", "-F", "raw", file, raw);
        expect(cmp.stdout).toContain("Images are identical.");
      });
    }
  }
});

describe.skipIf(!hasQemuImg)("images real qemu-img makes read back identically", () => {
  it("reads every refcount width, v2 and v3, with data, zero and compressed clusters", async () => {
    const raw = path.join(dir, "src.raw");
    const size = 4 * 1024 * 1024;
    const content = new Uint8Array(size);
    content.set(patternBytes(300000, 7), 10000);
    content.fill(0x55, 2 * 1024 * 1024, 3 * 1024 * 1024);
    fs.writeFileSync(raw, content);
    for (const rb of [1, 2, 4, 8, 16, 32, 64]) {
      const f = path.join(dir, `rb${rb}.qcow2`);
      qemuImgOk("convert", "-f", "raw", "-O", "qcow2", "-o", `refcount_bits=${rb},cluster_size=4096`, raw, f);
      expect(Buffer.from(await readAll(f)).equals(Buffer.from(content))).toBe(true);
    }
    for (const [opts, c] of [["compat=0.10", false], ["compat=1.1", true], ["cluster_size=512", true], ["cluster_size=2M", true]] as const) {
      const f = path.join(dir, `c-${opts}.qcow2`);
      qemuImgOk("convert", ...(c ? ["-c"] : []), "-f", "raw", "-O", "qcow2", "-o", opts, raw, f);
      expect(Buffer.from(await readAll(f)).equals(Buffer.from(content))).toBe(true);
    }
  });

  it("reads through a backing chain and v3 zero clusters", async () => {
    const base = path.join(dir, "base.qcow2");
    const top = path.join(dir, "top.qcow2");
    qemuImgOk("create", "-f", "qcow2", base, "2M");
    qemuIo(base, "qcow2", "write -P 0x11 0 1M", "write -P 0x22 1M 1M");
    qemuImgOk("create", "-f", "qcow2", "-b", base, "-F", "qcow2", top);
    qemuIo(top, "qcow2", "write -P 0x33 4k 4k", "write -z 1M 64k");
    const got = await readAll(top);
    const want = new Uint8Array(2 * 1024 * 1024);
    want.fill(0x11, 0, 1024 * 1024);
    want.fill(0x22, 1024 * 1024);
    want.fill(0x33, 4096, 8192);
    want.fill(0, 1024 * 1024, 1024 * 1024 + 65536);
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  });

  it("writes through to a backing file with copy-on-write of partial clusters", async () => {
    const base = path.join(dir, "cow-base.raw");
    const top = path.join(dir, "cow-top.qcow2");
    const content = patternBytes(1024 * 1024, 99);
    fs.writeFileSync(base, content);
    await createImage("qcow2", top, { size: 0, backingFile: base, backingFormat: "raw", backingSize: content.length });
    const d = await openImage(top, { readOnly: false });
    await d.write(70000, new Uint8Array(100).fill(0xee));
    await d.close();
    expectCheckClean(top);
    content.fill(0xee, 70000, 70100);
    const rawOut = path.join(dir, "cow-expect.raw");
    fs.writeFileSync(rawOut, content);
    expect(qemuImg("compare", top, rawOut).stdout).toContain("Images are identical.");
  });
});

describe.skipIf(!hasQemuImg)("compressed clusters and snapshots", () => {
  it("writes compressed clusters qemu-img reads and checks clean", async () => {
    const file = path.join(dir, "comp.qcow2");
    const size = 1024 * 1024;
    await createImage("qcow2", file, { size, clusterSize: 65536 });
    const d = await Qcow2Driver.open(file, { readOnly: false });
    const mirror = new Uint8Array(size);
    for (let c = 0; c < 16; c++) {
      const buf = new Uint8Array(65536);
      for (let i = 0; i < buf.length; i++) buf[i] = (i * c) & 0x0f;
      await d.writeCompressed(c * 65536, buf);
      mirror.set(buf, c * 65536);
    }
    await d.write(65536 * 3 + 100, new Uint8Array(10).fill(0xff));
    mirror.fill(0xff, 65536 * 3 + 100, 65536 * 3 + 110);
    await d.close();
    expectCheckClean(file);
    const raw = path.join(dir, "comp.raw");
    fs.writeFileSync(raw, mirror);
    expect(qemuImg("compare", file, raw).stdout).toContain("Images are identical.");
    expect(qemuImgOk("check", file)).toMatch(/compressed clusters/);
  });

  it("creates, applies and deletes internal snapshots that qemu-img agrees with", async () => {
    const file = path.join(dir, "snap.qcow2");
    await createImage("qcow2", file, { size: 1024 * 1024, clusterSize: 4096 });
    let d = await Qcow2Driver.open(file, { readOnly: false });
    await d.write(0, new Uint8Array(8192).fill(1));
    await d.createSnapshot("first");
    await d.write(4096, new Uint8Array(8192).fill(2));
    await d.createSnapshot("second");
    await d.write(0, new Uint8Array(100).fill(3));
    await d.close();
    expectCheckClean(file);
    const list = qemuImgOk("snapshot", "-l", file);
    expect(list).toMatch(/1\s+first/);
    expect(list).toMatch(/2\s+second/);
    d = await Qcow2Driver.open(file, { readOnly: false });
    const first = d.findSnapshot("first")!;
    const b = new Uint8Array(12288);
    await d.readSnapshot(first, 0, b);
    expect(b.subarray(0, 8192).every((x) => x === 1)).toBe(true);
    expect(b.subarray(8192).every((x) => x === 0)).toBe(true);
    await d.applySnapshot("first");
    await d.close();
    expectCheckClean(file);
    d = await Qcow2Driver.open(file, { readOnly: false });
    await d.read(0, b);
    expect(b.subarray(0, 8192).every((x) => x === 1)).toBe(true);
    await d.deleteSnapshot("first");
    await d.write(0, new Uint8Array(4096).fill(9));
    await d.close();
    expectCheckClean(file);
    qemuImgOk("snapshot", "-a", "second", file);
    const after = await readAll(file);
    expect(after.subarray(0, 4096).every((x) => x === 1)).toBe(true);
    expect(after.subarray(4096, 12288).every((x) => x === 2)).toBe(true);
  });
});

describe.skipIf(!hasQemuImg)("header bits", () => {
  it("a dirty image (incompatible bit 0) is repaired and marked clean when opened read-write", async () => {
    const file = path.join(dir, "dirty.qcow2");
    qemuImgOk("create", "-f", "qcow2", "-o", "cluster_size=4096", file, "8M");
    qemuIo(file, "qcow2", "write -P 7 0 64k");
    const raw = fs.readFileSync(file);
    const rb = Number(raw.readBigUInt64BE(Number(raw.readBigUInt64BE(48))));
    raw.writeUInt16BE(1, rb + 2 * 200); // a leaked cluster, as lazy refcounts leave them
    raw.writeUInt8(raw.readUInt8(79) | 1, 79);
    fs.writeFileSync(file, raw);
    expect(qemuImg("info", "--output=json", file).stdout).toContain('"dirty-flag": true');
    const d = await Qcow2Driver.open(file, { readOnly: false });
    expect(d.dirty).toBe(false);
    await d.close();
    expectCheckClean(file);
    expect(qemuImg("info", "--output=json", file).stdout).toContain('"dirty-flag": false');
  });

  it("a corrupt image (incompatible bit 1) opens read-only but never read-write", async () => {
    const file = path.join(dir, "corruptbit.qcow2");
    qemuImgOk("create", "-f", "qcow2", file, "8M");
    const raw = fs.readFileSync(file);
    raw.writeUInt8(raw.readUInt8(79) | 2, 79);
    fs.writeFileSync(file, raw);
    await expect(Qcow2Driver.open(file, { readOnly: false })).rejects.toThrow("qcow2: Image is corrupt; cannot be opened read/write");
    const d = await Qcow2Driver.open(file, { readOnly: true });
    expect(d.corrupt).toBe(true);
    await d.close();
  });

  it("an unaligned L2 table offset marks the image corrupt, as qemu does", async () => {
    const file = path.join(dir, "badl2.qcow2");
    qemuImgOk("create", "-f", "qcow2", "-o", "cluster_size=4096", file, "8M");
    qemuIo(file, "qcow2", "write -P 7 0 4k");
    const raw = fs.readFileSync(file);
    const l1 = Number(raw.readBigUInt64BE(40));
    raw.writeBigUInt64BE(0x8000000000000000n | 0x1234n, l1); // unaligned L2 table offset
    fs.writeFileSync(file, raw);
    const d = await Qcow2Driver.open(file, { readOnly: false });
    await expect(d.read(0, new Uint8Array(512))).rejects.toThrow("L2 table offset 0x1200 unaligned (L1 index: 0x0)");
    expect(d.corrupt).toBe(true);
    await d.close();
    expect(qemuImg("info", "--output=json", file).stdout).toContain('"corrupt": true');
  });

  it("clears autoclear bits it does not implement when writing", async () => {
    const file = path.join(dir, "autoclear.qcow2");
    qemuImgOk("create", "-f", "qcow2", file, "8M");
    const raw = fs.readFileSync(file);
    raw[95] = 1; // bitmaps extension valid
    fs.writeFileSync(file, raw);
    await (await Qcow2Driver.open(file, { readOnly: false })).close();
    expect(fs.readFileSync(file)[95]).toBe(0);
    expectCheckClean(file);
  });
});
