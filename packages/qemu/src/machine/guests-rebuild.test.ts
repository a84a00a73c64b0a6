// The device-layer test guests (packages/qemu/guests/*.asm) are committed built; this proves every
// committed .bin is what its source assembles to, as the cpu ROMs and the demo guest are checked.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QEMU_GUESTS_DIR } from "./testing/guest-harness.js";

const hasNasm = spawnSync("nasm", ["-v"]).status === 0;
if (!hasNasm) console.warn("skipping the device-layer guests' rebuild check: nasm is not installed (Debian package nasm)");

describe.skipIf(!hasNasm)("packages/qemu/guests/build.sh", () => {
  it("rebuilds every committed guest image byte for byte", () => {
    const r = spawnSync("sh", [join(QEMU_GUESTS_DIR, "build.sh"), "--check"], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
