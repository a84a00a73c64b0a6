/**
 * Every runner executes the same ROM and must end with virtkit's register line; where a runner counts
 * instructions or exits itself, the count is checked against the exact region length. Peers that are
 * not installed are skipped with the reason. Small N only: no test here measures or limits speed.
 */
import { describe, expect, it } from "vitest";
import { workloadByName, type Workload } from "../rom.js";
import type { Runner } from "../runner.js";
import { bochsRunner } from "./bochs.js";
import { hostKvmRunner, virtkitKvmRunner } from "./kvm-vmm.js";
import { qemuTcgRunner, virtkitQemuRunner } from "./qemu.js";
import { v86Runner } from "./v86.js";
import { runOnVirtkitCpu } from "./virtkit-cpu.js";

const w = (name: string): Workload => workloadByName(name)!;
const reference = (wl: Workload, n: number): string => runOnVirtkitCpu(wl, n, "interpreter").registers;

function peer(r: Runner): boolean {
  const why = r.unavailable();
  if (why !== null) console.warn(`skipping ${r.title}: ${why}`);
  return why === null;
}

describe.skipIf(!peer(qemuTcgRunner))("QEMU TCG on the benchmark ROM", () => {
  it("runs the integer, branchy and memory loops to virtkit's registers", async () => {
    for (const name of ["integer", "branchy", "memory"]) {
      const r = await qemuTcgRunner.run(w(name), 777);
      expect(r.registers, name).toBe(reference(w(name), 777));
      expect(r.wallMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe.skipIf(!peer(bochsRunner))("Bochs on the benchmark ROM", () => {
  it("counts exactly the region's instructions (magic-break ticks) and ends with virtkit's registers", async () => {
    for (const [name, n] of [["integer", 1000], ["branchy", 999], ["x87", 300], ["pio", 500], ["mmio", 400]] as const) {
      const r = await bochsRunner.run(w(name), n);
      expect(r.instructions, name).toBe(w(name).regionInstructions(n));
      expect(r.registers, name).toBe(reference(w(name), n));
    }
  });
  it("counts each faulting access once more than virtkit in the paging loop (the #PF restarts it)", async () => {
    const r = await bochsRunner.run(w("paging"), 2);
    expect(r.instructions).toBe(w("paging").regionInstructions(2) + 1024);
  });
});

describe.skipIf(!peer(v86Runner(true)))("v86 on the benchmark ROM", () => {
  it("with and without its JIT: virtkit's registers, and exactly one port write or MMIO store seen per iteration", async () => {
    for (const jit of [true, false]) {
      const runner = v86Runner(jit);
      expect((await runner.run(w("branchy"), 1001)).registers).toBe(reference(w("branchy"), 1001));
      expect((await runner.run(w("pio"), 1234)).exits).toBe(1234);
      expect((await runner.run(w("mmio"), 321)).exits).toBe(321);
    }
  });
});

describe("virtkit's kvm module under a minimal VMM", () => {
  it("one KVM_EXIT_IO per OUT and one KVM_EXIT_MMIO per store, and virtkit's registers", async () => {
    const pio = await virtkitKvmRunner.run(w("pio"), 300);
    expect(pio.exits).toBe(300);
    expect(pio.registers).toBe(reference(w("pio"), 300));
    const mmio = await virtkitKvmRunner.run(w("mmio"), 200);
    expect(mmio.exits).toBe(200);
    expect((await virtkitKvmRunner.run(w("memory"), 500)).registers).toBe(reference(w("memory"), 500));
  });
});

describe.skipIf(!peer(hostKvmRunner))("the host's /dev/kvm under the same VMM", () => {
  it("one exit per OUT and per store, and virtkit's registers", async () => {
    const pio = await hostKvmRunner.run(w("pio"), 300);
    expect(pio.exits).toBe(300);
    expect(pio.registers).toBe(reference(w("pio"), 300));
    expect((await hostKvmRunner.run(w("mmio"), 200)).exits).toBe(200);
  });
});

describe.skipIf(!peer(virtkitQemuRunner))("virtkit's qemu-system with QEMU's command line", () => {
  it("runs the ROM as its BIOS to virtkit's registers", async () => {
    const r = await virtkitQemuRunner.run(w("integer"), 1000);
    expect(r.registers).toBe(reference(w("integer"), 1000));
  });
});
