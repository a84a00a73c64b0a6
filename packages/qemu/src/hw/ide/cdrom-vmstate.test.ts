/**
 * savevm/loadvm and migration carry the ATAPI CD-ROM: sense data, the tray lock and a PIO READ
 * stopped in the middle of a sector come back in a new machine (through saveVmState/loadVmState,
 * the stream of savevm and of migration), and the guest's transfer goes on there.
 */
import { describe, expect, it } from "vitest";
import { loadVmState, saveVmState } from "../../migration/vmstate.js";
import { CPU_GUESTS_DIR, readGuest, runGuestRom } from "../../machine/testing/guest-harness.js";
import { MemDisk, settle } from "./testing/mem-disk.js";

const firmware = readGuest(CPU_GUESTS_DIR, "hello.bin");

function cdImage(): MemDisk {
  const disk = new MemDisk(64 * 2048, true, 64 * 2048);
  const v = new DataView(disk.data.buffer);
  for (let i = 0; i < 64 * 1024; i++) v.setUint16(i * 2, ((Math.floor(i / 1024) << 8) | (i & 0xff)) & 0xffff, true);
  return disk;
}

function machineWithCd(type: "pc" | "isapc"): ReturnType<typeof runGuestRom>["pc"] {
  const { pc } = runGuestRom(firmware, { keep: true, maxSteps: 0, type });
  pc.ideBuses[1]!.drives[0].attachCd({ blk: cdImage(), serial: "QM00003" });
  return pc;
}

describe("ATAPI state in the savevm stream", () => {
  for (const type of ["pc", "isapc"] as const) {
    it(`${type}: sense, tray lock and a PIO READ half-way through a sector come back; the read goes on`, async () => {
      const a = machineWithCd(type);
      const out = (port: number, v: number): void => {
        a.ioAs.write(port, Uint8Array.of(v), 0, 1);
      };
      const packet = async (cdb: number[], bcl: number): Promise<void> => {
        out(0x176, 0xa0);
        out(0x171, 0);
        out(0x174, bcl & 0xff);
        out(0x175, bcl >> 8);
        out(0x177, 0xa0);
        const p = [...cdb, ...new Array<number>(12 - cdb.length).fill(0)];
        for (let i = 0; i < 12; i += 2) a.ioAs.write(0x170, Uint8Array.of(p[i]!, p[i + 1]!), 0, 2);
        for (let i = 0; i < 4; i++) await settle();
      };
      await packet([0x1e, 0, 0, 0, 1], 0xfffe); // lock the tray
      await packet([0xff], 0xfffe); // sense: ILLEGAL REQUEST / INVALID OPCODE
      await packet([0x28, 0, 0, 0, 0, 5, 0, 0, 2], 0x800);
      const word = (m: typeof a): number => {
        const v = new Uint8Array(2);
        m.ioAs.read(0x170, v, 0, 2);
        return v[0]! | (v[1]! << 8);
      };
      for (let i = 0; i < 300; i++) word(a);
      const saved = JSON.stringify(a.ideState());
      const stream = saveVmState(a);
      a.destroy();
      const b = machineWithCd(type);
      loadVmState(b, stream);
      expect(JSON.stringify(b.ideState())).toBe(saved);
      const rest: number[] = [];
      for (let i = 300; i < 1024; i++) rest.push(word(b));
      expect([rest[0], rest.at(-1)]).toEqual([0x0500 | 300 % 256, 0x05ff]);
      for (let i = 0; i < 4; i++) await settle();
      const next = word(b);
      expect(next).toBe(0x0600); // the second sector, read on the new machine
      expect(b.ideBuses[1]!.drives[0].trayLocked).toBe(true);
      expect(b.ideBuses[1]!.drives[0].asc).toBe(0x20);
      b.destroy();
    });
  }
});
