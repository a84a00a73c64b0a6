// virHostMemGetCellsFree / virHostMemGetInfo over a sysfs node tree and /proc/meminfo made here,
// and over this host's own.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROC_MEMINFO, hostCellsFreeMemory, hostFreeMemory, numaNodeMemory, numaNodes } from "./host-memory.js";

const dir = mkdtempSync(join(tmpdir(), "host-memory-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function node(n: number, totalKiB: number, freeKiB: number): void {
  mkdirSync(join(dir, "node", `node${n}`), { recursive: true });
  writeFileSync(join(dir, "node", `node${n}`, "meminfo"), `Node ${n} MemTotal:       ${totalKiB} kB\nNode ${n} MemFree:        ${freeKiB} kB\nNode ${n} MemUsed:        ${totalKiB - freeKiB} kB\n`);
}

describe("NUMA hosts (libnuma reading sysfs)", () => {
  node(0, 4096, 1000);
  node(2, 8192, 3000);
  writeFileSync(join(dir, "node", "online"), "0,2\n");
  const src = { nodeDir: join(dir, "node"), meminfo: join(dir, "meminfo") };

  it("lists cells from startCell to the highest node, a missing node counting as 0 free", () => {
    expect(numaNodes(src)).toEqual([0, 2]);
    expect(hostCellsFreeMemory(0, 8, src)).toEqual([1000 * 1024, 0, 3000 * 1024]);
    expect(hostCellsFreeMemory(1, 2, src)).toEqual([0, 3000 * 1024]);
    expect(hostCellsFreeMemory(2, 1, src)).toEqual([3000 * 1024]);
    expect(hostFreeMemory(src)).toBe(4000 * 1024);
  });

  it("refuses a start cell past the highest node with virhostmem.c's message", () => {
    expect(() => hostCellsFreeMemory(3, 1, src)).toThrow("internal error: start cell 3 out of range (0-2)");
  });
});

describe("hosts without NUMA (virHostMemGetCellsFreeFake)", () => {
  const src = { nodeDir: join(dir, "absent"), meminfo: join(dir, "meminfo") };
  writeFileSync(join(dir, "meminfo"), "MemTotal:       11626272 kB\nMemFree:         6565844 kB\nMemAvailable:    9000000 kB\n");

  it("has one cell 0 with MemFree, not MemAvailable", () => {
    expect(numaNodes(src)).toBeNull();
    expect(hostCellsFreeMemory(0, 4, src)).toEqual([6565844 * 1024]);
    expect(hostFreeMemory(src)).toBe(6565844 * 1024);
    expect(() => hostCellsFreeMemory(1, 1, src)).toThrow("internal error: start cell 1 out of range (0-0)");
  });
});

describe("this host", () => {
  it("reports as many cells as it has nodes, each no larger than its node's memory", () => {
    // Free memory moves between two reads on a busy host (a CI run boots guests beside this
    // test), so each cell is held against its node's total, which does not move.
    const nodes = numaNodes() ?? [0];
    const cells = hostCellsFreeMemory(0, 1024);
    expect(cells.length).toBe(nodes[nodes.length - 1]! + 1);
    const totalKiB = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync(PROC_MEMINFO, "utf8"))![1]);
    cells.forEach((c, n) => {
      const limit = numaNodes() ? numaNodeMemory(n).total : totalKiB * 1024;
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(limit);
    });
    expect(hostFreeMemory()).toBeGreaterThan(0);
  });
});
