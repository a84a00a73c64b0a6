import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fillPseudoRandom, qemuImgArgs, timedRun, writeTestImage } from "./qemu-img-throughput.js";

const dir = mkdtempSync(join(tmpdir(), "bench-qemu-img-test-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe("the qemu-img test image", () => {
  it("fills data blocks with pseudo-random words, none zero, the same for the same seed and different for another", () => {
    const a = new Uint8Array(4096);
    const b = new Uint8Array(4096);
    fillPseudoRandom(a, 7);
    fillPseudoRandom(b, 7);
    expect(a).toEqual(b);
    expect(new Uint32Array(a.buffer).every((x) => x !== 0)).toBe(true);
    fillPseudoRandom(b, 8);
    expect(a).not.toEqual(b);
  });
  it("has data in the even MiBs and zeros (holes) in the odd ones, to the full size", () => {
    const p = join(dir, "t.raw");
    writeTestImage(p, 4);
    expect(statSync(p).size).toBe(4 << 20);
    const bytes = readFileSync(p);
    const mib = (i: number): Buffer => bytes.subarray(i << 20, (i + 1) << 20);
    expect(mib(0).some((x) => x !== 0)).toBe(true);
    expect(mib(1).every((x) => x === 0)).toBe(true);
    expect(mib(2).some((x) => x !== 0)).toBe(true);
    expect(mib(3).every((x) => x === 0)).toBe(true);
    expect(mib(0).equals(mib(2))).toBe(false);
  });
});

describe("the qemu-img operations", () => {
  it("converts raw to qcow2 and qcow2 to raw with the formats named, and checks the reference qcow2", () => {
    expect(qemuImgArgs("convert raw→qcow2", "/d", "virtkit")).toEqual({ args: ["convert", "-f", "raw", "-O", "qcow2", "/d/src.raw", "/d/virtkit.qcow2"], output: "/d/virtkit.qcow2" });
    expect(qemuImgArgs("convert qcow2→raw", "/d", "peer")).toEqual({ args: ["convert", "-f", "qcow2", "-O", "raw", "/d/ref.qcow2", "/d/peer.raw"], output: "/d/peer.raw" });
    expect(qemuImgArgs("check qcow2", "/d", "peer")).toEqual({ args: ["check", "-f", "qcow2", "/d/ref.qcow2"], output: null });
  });
  it("times a tool to its exit with its CPU time, and reports a failing one with its stderr", async () => {
    const r = await timedRun(["sh", "-c", "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done"]);
    expect(r.wallMs).toBeGreaterThan(0);
    expect(r.cpuMs).toBeGreaterThan(0);
    await expect(timedRun(["sh", "-c", "echo 'qemu-img: no such file' >&2; exit 1"])).rejects.toThrow(/exited with 1: qemu-img: no such file/);
  });
});
