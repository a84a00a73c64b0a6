import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Mc146818Rtc } from "./mc146818rtc.js";
import { initPcCmos } from "./pc-cmos.js";
import { VirtualClock } from "./virtual-clock.js";
import { QEMU_GUESTS_DIR } from "../machine/testing/guest-harness.js";

/*
 * Differential check of the CMOS contents against the real QEMU: a 64 KiB firmware image
 * (guests/cmos-dump.asm) reads CMOS bytes 0x0E-0x7F through ports 0x70/0x71 and copies them to
 * the debug console.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
if (!hasQemu) {
  console.warn(`pc-cmos-vs-qemu: ${QEMU} not found, skipping the comparison with the real CMOS`);
}
/** guests/cmos-dump.asm, built and committed beside its source. */
const FIRMWARE = join(QEMU_GUESTS_DIR, "cmos-dump.bin");


const dir = mkdtempSync(join(tmpdir(), "virtkit-cmos-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasQemu)("PC CMOS against the real QEMU", () => {
  for (const [mem, smp] of [
    [128, 2],
    [16, 1],
    [5120, 4],
  ] as const) {
    it(`matches bytes 0x0E-0x7F for -m ${mem} -smp ${smp} (QEMU leaves the checksum zero)`, () => {
      const out = join(dir, "out.bin");
      writeFileSync(out, "");
      const r = spawnSync(
        QEMU,
        ["-M", "pc", "-accel", "tcg", "-bios", FIRMWARE, "-display", "none", "-nodefaults", "-m", String(mem),
          "-smp", String(smp), "-debugcon", `file:${out}`, "-device", "isa-debug-exit"],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(r.status, r.stderr).toBe(1);
      const theirs = readFileSync(out);

      const ramSize = mem * 1024 * 1024;
      const below = ramSize >= 0xe000_0000 ? 0xc000_0000 : ramSize;
      const rtc = new Mc146818Rtc(new VirtualClock());
      initPcCmos(rtc, { belowFourGMemSize: below, aboveFourGMemSize: ramSize - below, cpus: smp, checksum: false });
      const mine: number[] = [];
      for (let i = 0x0e; i < 0x80; i++) {
        rtc.write(0, 1, i);
        mine.push(rtc.read(1, 1));
      }
      expect(mine).toEqual(Array.from(theirs));
    });
  }
});
