/**
 * The demo kernel through the whole stack — our CPU under our VMX and kvm, the pc machine, virtio-blk on
 * PCI, the serial console — gives the same session as on the real QEMU (tooling/guests tests that side).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const DEMO = fileURLToPath(new URL("../../../tooling/guests/virtkit-demo/demo.bin", import.meta.url));

describe("the demo guest on virtkit", () => {
  it("boots by multiboot, reads and writes its virtio disk, and answers on the serial console", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-demo-"));
    const disk = join(dir, "disk.img");
    writeFileSync(disk, "hello from the virtio disk\n");
    truncateSync(disk, 1 << 20);
    const vm = spawn(process.execPath, [CLI, "-kernel", DEMO, "-drive", `file=${disk},if=virtio,format=raw`, "-display", "none", "-serial", "stdio", "-m", "64"]);
    let out = "";
    const input = ["disk", "write persisted text", "read", "halt"];
    await new Promise<void>((resolve, reject) => {
      vm.on("exit", (code) => {
        reject(new Error(`exited with ${code}; output:\n${out}`));
      });
      vm.stdout.on("data", (d: Buffer) => {
        out += d.toString("latin1").replace(/\r/g, "");
        // Type each command only at a prompt, as a person would.
        if (out.endsWith("demo> ")) {
          const next = input.shift();
          if (next !== undefined) vm.stdin.write(`${next}\r`);
        }
        if (out.includes("halted\n")) {
          vm.removeAllListeners("exit");
          vm.kill();
          resolve();
        }
      });
    });
    expect(out).toContain("virtkit demo guest: 32-bit protected mode, booted by multiboot\nmemory: 64 MiB\n");
    expect(out).toContain("virtio-blk: 2048 sectors\ndisk says: hello from the virtio disk\n");
    expect(out).toContain("demo> write persisted text\nwritten to sector 1\ndemo> read\nsector 1: persisted text\n");
    expect(readFileSync(disk).subarray(512, 527).toString()).toBe("persisted text\n");
  });
});
