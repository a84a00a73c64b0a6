/** The workloads do exactly the work they claim (counts, not times: no test here measures speed). */
import { describe, expect, it } from "vitest";
import { cpuIntegerLoop, kvmPioLoop } from "./workloads.js";
import { summarize } from "./measure.js";

describe("benchmark workloads", () => {
  it("the integer loop retires exactly 3N + 2 instructions", () => {
    expect(cpuIntegerLoop(1000)).toBe(3002);
  });
  it("the port-I/O loop makes exactly one exit to user space per iteration", () => {
    expect(kvmPioLoop(100)).toBe(100);
  });
  it("summaries take the median run", () => {
    const s = summarize([
      { wallMs: 30, cpuMs: 29, units: 300 },
      { wallMs: 10, cpuMs: 9, units: 100 },
      { wallMs: 20, cpuMs: 19, units: 400 },
    ]);
    expect(s).toEqual({ runs: 3, medianWallMs: 20, medianCpuMs: 19, ratePerSec: 20000 });
  });
});
