/**
 * savevm/loadvm and migration carry the IDE controllers (issue #5's whole-machine snapshots): the
 * task-file registers, the selected drive and the interrupt-enable bit a guest programmed come back
 * in a new machine, on the pc machine's PIIX3 IDE function and on isapc's ISA channels.
 */
import { describe, expect, it } from "vitest";
import { MemDisk } from "../hw/ide/testing/mem-disk.js";
import type { PcMachineType } from "../machine/pc.js";
import { CPU_GUESTS_DIR, readGuest, runGuestRom } from "../machine/testing/guest-harness.js";
import { loadVmState, saveVmState } from "./vmstate.js";

const firmware = readGuest(CPU_GUESTS_DIR, "hello.bin");

function machineWithDisk(type: PcMachineType): ReturnType<typeof runGuestRom>["pc"] {
  const { pc } = runGuestRom(firmware, { keep: true, maxSteps: 0, type });
  pc.attachIdeDisk(0, 0, new MemDisk(1 << 20), { cylinders: 2, heads: 16, sectors: 63 });
  return pc;
}

describe("IDE state in the savevm stream", () => {
  for (const type of ["pc", "isapc"] as const) {
    it(`${type}: the registers a guest wrote to the primary channel come back after loadvm in a new machine`, () => {
      const a = machineWithDisk(type);
      const out = (port: number, v: number): void => {
        a.ioAs.write(port, Uint8Array.of(v), 0, 1);
      };
      out(0x1f6, 0xe0); // drive 0, LBA mode
      out(0x1f1, 0x03); // features
      out(0x1f2, 0x05); // sector count
      out(0x1f3, 0x12); // LBA 7:0
      out(0x1f4, 0x34); // LBA 15:8
      out(0x1f5, 0x56); // LBA 23:16
      out(0x3f6, 0x02); // device control: nIEN
      const saved = JSON.stringify(a.ideState());
      const stream = saveVmState(a);
      a.destroy();
      const b = machineWithDisk(type);
      const fresh = JSON.stringify(b.ideState());
      expect(fresh).not.toBe(saved);
      loadVmState(b, stream);
      expect(JSON.stringify(b.ideState())).toBe(saved);
      const read = (port: number): number => {
        const v = new Uint8Array(1);
        b.ioAs.read(port, v, 0, 1);
        return v[0]!;
      };
      expect([read(0x1f2), read(0x1f3), read(0x1f4), read(0x1f5), read(0x1f6)]).toEqual([0x05, 0x12, 0x34, 0x56, 0xe0]);
      b.destroy();
    });
  }
});
