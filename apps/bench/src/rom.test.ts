import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findExecutable } from "./host-tools.js";
import { baseRom, EMPTY_WORKLOAD, romFor, WORKLOADS, workloadByName } from "./rom.js";
import { runOnVirtkitCpu, type CpuEngine } from "./runners/virtkit-cpu.js";

const hasNasm = findExecutable("nasm", { skipNodeModules: true }) !== undefined;
if (!hasNasm) console.warn("skipping the bench.bin rebuild check: nasm not found (Debian package: nasm)");

describe("the benchmark ROM", () => {
  it("patches the workload number and N into the parameter block and nothing else", () => {
    const w = workloadByName("branchy")!;
    const rom = romFor(w, 0x12345678);
    const base = baseRom();
    const dv = new DataView(rom.buffer);
    expect(dv.getUint32(8, true)).toBe(w.id);
    expect(dv.getUint32(12, true)).toBe(0x12345678);
    expect(rom.length).toBe(65536);
    for (let i = 16; i < rom.length; i++) if (rom[i] !== base[i]) throw new Error(`byte ${i} changed`);
    // the reset vector: JMP F000:reset
    expect(rom[0xfff0]).toBe(0xea);
  });
  it("refuses iteration counts the guest loops cannot run", () => {
    const pio = workloadByName("pio")!;
    expect(() => romFor(pio, 0)).toThrow(/N must be at least 1/);
    expect(() => romFor(pio, 2 ** 32)).toThrow(/outside 0\.\.4294967295/);
    expect(() => romFor(workloadByName("paging")!, 1.5)).toThrow(/outside/);
  });
  for (const w of [EMPTY_WORKLOAD, ...WORKLOADS]) {
    it(`${w.name}: every virtkit engine retires exactly the region's formula and ends with the same registers`, () => {
      const n = w.name === "empty" ? 0 : Math.max(1, Math.min(w.checkN, 3000));
      const lines = (["step", "interpreter", "jit"] as CpuEngine[]).map((e) => {
        const r = runOnVirtkitCpu(w, n, e);
        expect(r.instructions, e).toBe(w.regionInstructions(n));
        return r.registers;
      });
      expect(new Set(lines).size).toBe(1);
    });
  }
  it("odd N changes the branchy loop's count by the odd-iteration cost", () => {
    const w = workloadByName("branchy")!;
    expect(runOnVirtkitCpu(w, 7, "jit").instructions).toBe(4 + 3 + 6 * 4 + 5 * 3);
  });
  it.skipIf(!hasNasm)("guests/bench.bin is what NASM builds from guests/bench.asm", () => {
    execFileSync("sh", [join(import.meta.dirname, "..", "guests", "build.sh"), "--check"], { stdio: "pipe" });
  });
});
