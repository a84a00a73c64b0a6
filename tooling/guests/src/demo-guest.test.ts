/**
 * The demo guest is reproducible from its source, and behaves as documented on the real QEMU
 * (the oracle for what our own stack must show when it boots the same kernel).
 */
import { describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_KERNEL } from "./index.js";

function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const hasNasm = has("nasm");
const hasQemu = has("qemu-system-i386");
if (!hasNasm) console.warn("skipping the demo guest rebuild check: nasm is not installed (Debian package nasm)");
if (!hasQemu) console.warn("skipping the demo guest run on QEMU: qemu-system-i386 is not installed (Debian package qemu-system-x86)");

describe("demo guest", () => {
  it.skipIf(!hasNasm)("rebuilds byte-identically from demo.asm", () => {
    const out = execFileSync("bash", [join(DEMO_KERNEL, "..", "build.sh"), "--check"], { encoding: "utf8" });
    expect(out).toContain("reproduced byte-identically");
  });

  it("carries a valid multiboot v1 header with load addresses", () => {
    const b = readFileSync(DEMO_KERNEL);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const magic = dv.getUint32(0, true), flags = dv.getUint32(4, true), sum = dv.getUint32(8, true);
    expect(magic).toBe(0x1badb002);
    expect((magic + flags + sum) >>> 0).toBe(0);
    expect(flags & 0x10000).toBe(0x10000);
    expect(dv.getUint32(16, true)).toBe(0x100000);
  });

  it.skipIf(!hasQemu)("on the real QEMU: banner, disk label, and commands answered on the serial console", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-demo-"));
    const disk = join(dir, "disk.img");
    writeFileSync(disk, "hello from the virtio disk\n");
    truncateSync(disk, 1 << 20);
    const qemu = spawn("qemu-system-i386", ["-kernel", DEMO_KERNEL, "-drive", `file=${disk},if=virtio,format=raw`, "-display", "none", "-serial", "stdio", "-m", "64", "-no-reboot"]);
    let out = "";
    const input = ["disk", "write persisted text", "read", "halt"];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        qemu.kill();
        reject(new Error(`timed out; output so far:\n${out}`));
      }, 60_000);
      qemu.stdout.on("data", (d: Buffer) => {
        out += d.toString("latin1").replace(/\r/g, "");
        // Type the next command only at a prompt, as a person would.
        if (out.endsWith("demo> ")) {
          const next = input.shift();
          if (next !== undefined) qemu.stdin.write(`${next}\r`);
        }
        if (out.includes("halted\n")) {
          clearTimeout(timer);
          qemu.kill();
          resolve();
        }
      });
    });
    expect(out).toContain("virtkit demo guest: 32-bit protected mode, booted by multiboot\n");
    expect(out).toContain("virtio-blk: 2048 sectors\ndisk says: hello from the virtio disk\n");
    expect(out).toContain("demo> write persisted text\nwritten to sector 1\ndemo> read\nsector 1: persisted text\n");
    expect(readFileSync(disk).subarray(512, 527).toString()).toBe("persisted text\n");
  });
});
