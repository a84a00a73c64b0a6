import { describe, expect, it } from "vitest";
import { DEFAULT_MGMT_OPTIONS, figure, type MgmtResult, type MgmtRow } from "./mgmt.js";
import { fmtFigure, fmtRatio, fmtTarget, fmtValue, formatMgmtTable, mgmtMarkdown } from "./mgmt-report.js";

const rpc: MgmtRow = {
  part: "rpc", metric: "virConnectNumOfDomains, sequential, @virtkit/libvirt client", unit: "calls/s", better: "higher", cpuUnit: "calls per daemon CPU-second",
  virtkitName: "our libvirtd", virtkit: figure([30_000, 31_000, 29_000], [60_000, 61_000, 59_000], "daemon busy 50% of a core, client 60%"),
  peerName: "Debian libvirtd 9.0", peer: figure([15_000], [10_000]),
  target: { kind: "ratioAtLeast", value: 1, text: "ours ≥ Debian libvirtd's calls/s" }, notes: [],
};
const img: MgmtRow = {
  part: "qemu-img", metric: "qemu-img check qcow2", unit: "ms", better: "lower", cpuUnit: "CPU ms",
  virtkitName: "virtkit qemu-img", virtkit: figure([300], [250]), peerName: "Debian qemu-img", peer: figure([100], [90]),
  target: { kind: "ratioAtLeast", value: 1 / 1.5, text: "ours ≤ 1.5× Debian qemu-img's time" }, notes: ["a | note"],
};
const mem: MgmtRow = {
  part: "memory", metric: "idle libvirtd RSS, qemu driver", unit: "MiB", better: "lower", cpuUnit: null,
  virtkitName: "our libvirtd", virtkit: figure([71.25]), peerName: null, peer: null,
  target: { kind: "atMost", value: 150, text: "ours < 150 MiB" }, notes: ["no peer: Debian's qemu driver cannot run here"],
};
const result: MgmtResult = {
  date: "2026-11-27T08:00:00.000Z", host: { cpus: 2, model: "test cpu", node: "v20", loadAverage: [3, 2, 1] },
  options: DEFAULT_MGMT_OPTIONS, rows: [rpc, img, mem], failures: [{ part: "start", error: "it broke" }], loadAverageAtEnd: [4, 3, 2],
};

describe("the --mgmt report", () => {
  it("formats each unit for reading", () => {
    expect(fmtValue(30_123.4, "calls/s")).toBe("30,123");
    expect(fmtValue(245.4, "ms")).toBe("245");
    expect(fmtValue(85.84, "ms")).toBe("85.8");
    expect(fmtValue(71.25, "MiB")).toBe("71.3");
    expect(fmtValue(0.2826, "× RAM")).toBe("0.28×");
    expect(fmtValue(Number.NaN, "ms")).toBe("-");
    expect(fmtRatio(2)).toBe("2.00×");
    expect(fmtRatio(0.0042)).toBe("0.0042×");
    expect(fmtRatio(null)).toBe("");
  });
  it("puts the CPU figure in parentheses beside the median, and a dash for a missing side", () => {
    expect(fmtFigure(rpc.virtkit, rpc)).toBe("30,000 (60,000)");
    expect(fmtFigure(img.virtkit, img)).toBe("300 (250)");
    expect(fmtFigure(mem.virtkit, mem)).toBe("71.3");
    expect(fmtFigure(null, mem)).toBe("-");
  });
  it("says whether this run meets each target", () => {
    expect(fmtTarget(rpc)).toBe("ours ≥ Debian libvirtd's calls/s: met");
    expect(fmtTarget(img)).toBe("ours ≤ 1.5× Debian qemu-img's time: not met");
    expect(fmtTarget(mem)).toBe("ours < 150 MiB: met");
    expect(fmtTarget({ ...mem, virtkit: null })).toBe("ours < 150 MiB: not measured");
  });
  it("prints one line per row with the oriented ratios, then the notes and failures", () => {
    const t = formatMgmtTable(result);
    const lines = t.split("\n");
    const rpcLine = lines.find((l) => l.startsWith("virConnectNumOfDomains"));
    expect(rpcLine).toMatch(/30,000 \(60,000\)\s+15,000 \(10,000\)\s+2\.00×\s+6\.00×\s+ours ≥ Debian libvirtd's calls\/s: met$/);
    expect(lines.find((l) => l.startsWith("qemu-img check"))).toMatch(/300 \(250\)\s+100 \(90\.0\)\s+0\.33×\s+0\.36×/);
    expect(t).toContain("  qemu-img check qcow2: a | note");
    expect(t).toContain("  start: failed: it broke");
  });
  it("writes a markdown section with the machine, the load, the table and the notes", () => {
    const md = mgmtMarkdown(result);
    expect(md.startsWith("## Management plane and memory\n")).toBe(true);
    expect(md).toContain("load average 3, 2, 1 at the start and 4, 3, 2 at the end; median of 3 runs per figure");
    expect(md).toContain("| virConnectNumOfDomains, sequential, @virtkit/libvirt client | calls/s | 30,000 (60,000)<br><small>daemon busy 50% of a core, client 60%</small> | 15,000 (10,000) | 2.00× | 6.00× | ours ≥ Debian libvirtd's calls/s: met |");
    expect(md).toContain("| idle libvirtd RSS, qemu driver | MiB | 71.3 | - |  |  | ours < 150 MiB: met |");
    expect(md).toContain("- qemu-img check qcow2: a \\| note");
    expect(md).toContain("- start: failed: it broke");
    expect(md).toContain("- memory: our libvirtd vs (no peer)");
    expect(md).toContain("- rpc: our libvirtd vs Debian libvirtd 9.0");
  });
});
