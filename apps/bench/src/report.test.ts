import { describe, expect, it } from "vitest";
import type { BenchResult, Cell } from "./bench.js";
import { rateOf, scaledN } from "./bench.js";
import { countNote, formatTable, fromJson, headlineRatios, ratios, toJson, toMarkdown, toSvg } from "./report.js";
import { workloadByName } from "./rom.js";

function cell(workload: Cell["workload"], runner: string, rate: number, unit: Cell["unit"] = "MIPS"): Cell {
  return { workload, runner, unit, n: 10, rate, cpuRate: rate / 2, medianWallMs: 100, medianCpuMs: 200, runs: 3, registers: "", instructionsExpected: 35 };
}

const result: BenchResult = {
  date: "2025-01-02T03:04:05.000Z",
  host: { cpus: 2, model: "test", node: "v20" },
  options: { runs: 3, targetSeconds: 1 },
  runners: [
    { id: "virtkit-jit", title: "virtkit CPU, JIT", group: "virtkit" },
    { id: "virtkit-interpreter", title: "virtkit CPU, JIT off", group: "virtkit" },
    { id: "virtkit-qemu-kvm", title: "virtkit qemu-system", group: "virtkit" },
    { id: "qemu-tcg", title: "QEMU TCG", group: "peer" },
    { id: "bochs", title: "Bochs", group: "peer" },
    { id: "v86-jit", title: "v86", group: "peer", skipped: "not installed" },
  ],
  cells: [
    cell("integer", "virtkit-jit", 1000), cell("integer", "virtkit-interpreter", 240), cell("integer", "qemu-tcg", 2000), cell("integer", "bochs", 200),
    cell("pio", "virtkit-qemu-kvm", 1e6, "exits/s"), cell("pio", "qemu-tcg", 4e6, "exits/s"),
  ],
  failures: [{ workload: "paging", runner: "bochs", error: "it broke" }],
};

describe("the report", () => {
  it("computes every virtkit/peer ratio of the same workload, on wall and CPU time", () => {
    const rs = ratios(result);
    expect(rs).toContainEqual({ workload: "integer", subject: "virtkit-jit", peer: "qemu-tcg", ratio: 0.5, cpuRatio: 0.5 });
    expect(rs).toContainEqual({ workload: "integer", subject: "virtkit-interpreter", peer: "bochs", ratio: 1.2, cpuRatio: 1.2 });
    expect(rs).toContainEqual({ workload: "pio", subject: "virtkit-qemu-kvm", peer: "qemu-tcg", ratio: 0.25, cpuRatio: 0.25 });
    expect(rs.some((r) => r.workload === "pio" && r.peer === "bochs")).toBe(false);
  });
  it("headlines the JIT for CPU work, the qemu-system path for exits, and JIT off against Bochs", () => {
    expect(headlineRatios(result).map((r) => `${r.workload} ${r.subject}/${r.peer}`).sort()).toEqual([
      "integer virtkit-interpreter/bochs", "integer virtkit-jit/bochs", "integer virtkit-jit/qemu-tcg", "pio virtkit-qemu-kvm/qemu-tcg",
    ]);
  });
  it("prints the table with ratios, failures and skipped peers", () => {
    const t = formatTable(result);
    expect(t).toMatch(/integer\s+virtkit-jit\s+1000 MIPS/);
    expect(t).toMatch(/integer\s+virtkit-jit\s+vs qemu-tcg\s+0\.50x \(0\.50x\)/);
    expect(t).toContain("failed: paging on Bochs: it broke");
    expect(t).toContain("skipped: v86: not installed");
  });
  it("writes JSON with the cells and the ratios", () => {
    const j = JSON.parse(toJson(result)) as { cells: unknown[]; ratios: { ratio: number }[] };
    expect(j.cells).toHaveLength(6);
    expect(j.ratios.map((r) => r.ratio).sort()).toEqual([0.12, 0.25, 0.5, 1.2, 5]);
  });
  it("draws one bar per headline ratio on a log axis where 1x is the parity line", () => {
    const svg = toSvg(result);
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<title>/g)).toHaveLength(headlineRatios(result).length);
    // 0.001x..1000x over 560 px from x=150: 1x at 430, 10x at 523.3, 0.1x at 336.7
    expect(svg).toContain(`<line x1="430.0"`);
    expect(svg).toMatch(/<title>integer: virtkit-jit vs bochs 5\.000×<\/title>/);
    expect(svg).toMatch(/<rect x="430\.0" y="\d+" width="65\.2"[^>]*><title>integer: virtkit-jit vs bochs/); // log10(5) of 93.3 px per decade
  });
  it("writes Markdown tables with the machine, the rates and the ratios", () => {
    const md = toMarkdown(result);
    expect(md).toContain("on 2 CPUs (test)");
    expect(md).toContain("| integer | MIPS | 1000 | 240 |  | 2000 | 200 |");
    expect(md).toContain("| integer | 0.50× | 5.00× | 1.20× |");
    expect(md).toContain("- paging on bochs: it broke");
  });
  it("marks instruction counts exact or by their difference", () => {
    expect(countNote({ ...cell("integer", "bochs", 1), instructionsReported: 35 })).toBe("exact");
    expect(countNote({ ...cell("integer", "v86-jit", 1), instructionsReported: 30 })).toBe("-5");
    expect(countNote({ ...cell("pio", "virtkit-kvm", 1), exits: 10 })).toBe("10 exits");
  });
  it("scales N toward the target length within the workload's bounds, and computes rates in its unit", () => {
    const integer = workloadByName("integer")!;
    expect(scaledN(integer, 100_000, 10, 1)).toBe(10_000_000);
    expect(scaledN(integer, 100_000, 1e9, 1)).toBe(integer.checkN);
    expect(scaledN(workloadByName("paging")!, 20, 0.01, 100)).toBe(1_000_000);
    expect(rateOf(integer, 1000, 1)).toBeCloseTo(3005 / 1000, 9);
    expect(rateOf(workloadByName("string")!, 16, 1000)).toBe(2);
    expect(rateOf(workloadByName("pio")!, 500, 250)).toBe(2000);
  });
});

describe("the --mgmt part of the results file", () => {
  const mgmt: NonNullable<BenchResult["mgmt"]> = {
    date: "2026-11-27T08:00:00.000Z", host: { cpus: 2, model: "m", node: "v20", loadAverage: [1, 1, 1] },
    options: { parts: ["rpc"], runs: 3, rpcSeconds: 1, rpcClients: 64, imageMiB: 1024, domains: 100, guestMiB: [256] },
    rows: [{
      part: "rpc", metric: "virConnectNumOfDomains, sequential", unit: "calls/s", better: "higher", cpuUnit: null,
      virtkitName: "ours", virtkit: { value: 20, cpu: null, samples: [20], cpuSamples: [] }, peerName: "real", peer: { value: 10, cpu: null, samples: [10], cpuSamples: [] },
      target: { kind: "ratioAtLeast", value: 1, text: "ours ≥ real" }, notes: [],
    }],
    failures: [], loadAverageAtEnd: [1, 1, 1],
  };
  it("carries each row's ratio and target verdict in the JSON and reads the part back without them", () => {
    const text = toJson({ ...result, mgmt });
    const j = JSON.parse(text) as { mgmt: { rows: { ratio: number; targetMet: boolean }[] } };
    expect(j.mgmt.rows[0]).toMatchObject({ ratio: 2, targetMet: true });
    expect(fromJson(text)?.mgmt).toEqual(mgmt);
    expect(fromJson(toJson(result))?.mgmt).toBeUndefined();
  });
  it("adds its markdown section after the workloads, and stands alone when there are no workloads yet", () => {
    expect(toMarkdown({ ...result, mgmt })).toContain("\n## Management plane and memory\n");
    const alone = toMarkdown({ ...result, runners: [], cells: [], failures: [], mgmt });
    expect(alone.startsWith("## Management plane and memory")).toBe(true);
  });
});
