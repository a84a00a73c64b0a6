/**
 * The workloads do exactly the work they claim (counts, not times: no test here measures speed), and
 * every engine ends them in the same state with the same instruction count.
 */
import { describe, expect, it } from "vitest";
import { cpuBranchyLoop, cpuIntegerLoop, cpuMemoryLoop, cpuPagingLoop, cpuStringLoop, cpuX87Loop, ENGINES, kvmPioLoop, lastState, type Engine } from "./workloads.js";
import { summarize } from "./measure.js";

const cases: [string, (e: Engine) => number, number][] = [
  ["the integer loop retires exactly 3N + 2 instructions", (e) => cpuIntegerLoop(1000, e), 3002],
  ["the branchy loop retires 3 + 6 per odd and 5 per even ECX + 1", (e) => cpuBranchyLoop(1001, e), 3 + 6 * 501 + 5 * 500 + 1],
  ["the memory loop retires 5 + 7N + 1", (e) => cpuMemoryLoop(3000, e), 5 + 7 * 3000 + 1],
  ["the string loop retires each 16384-element REP four times (it yields every 4096)", (e) => cpuStringLoop(3, e), 1 + 3 * 15 + 1],
  ["the paging loop retires its passes plus 1024 runs of the #PF handler", (e) => cpuPagingLoop(3, e), 1 + 3 * (6 + 5 * 1024) + 1 + 1024 * 13],
  ["the x87 loop retires 3 + 6N + 3", (e) => cpuX87Loop(500, e), 3 + 6 * 500 + 3],
];

describe("benchmark workloads", () => {
  for (const [title, run, count] of cases) {
    it(`${title}, with identical final state on every engine`, () => {
      const states: string[] = [];
      for (const e of ENGINES) {
        expect(run(e), e).toBe(count);
        states.push(lastState());
      }
      expect(new Set(states).size, states.join("\n")).toBe(1);
    });
  }
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
