import { describe, expect, it } from "vitest";
import { DEFAULT_MGMT_OPTIONS, MGMT_PARTS, QUICK_MGMT_OPTIONS, figure, mgmtOptions, orientedRatio, rowRatio, runMgmt, targetMet, type MgmtRow } from "./mgmt.js";

function row(better: MgmtRow["better"], virtkit: number | null, peer: number | null, target?: MgmtRow["target"]): MgmtRow {
  return {
    part: "rpc", metric: "m", unit: "calls/s", better, cpuUnit: null,
    virtkitName: "ours", virtkit: virtkit === null ? null : figure([virtkit]),
    peerName: "theirs", peer: peer === null ? null : figure([peer]),
    ...(target === undefined ? {} : { target }), notes: [],
  };
}

describe("--mgmt options", () => {
  it("defaults to every part, 3 runs, 1 s RPC windows, 64 clients, a 1 GiB image and 100 domains", () => {
    expect(mgmtOptions({})).toEqual(DEFAULT_MGMT_OPTIONS);
    expect(DEFAULT_MGMT_OPTIONS).toMatchObject({ parts: [...MGMT_PARTS], runs: 3, rpcSeconds: 1, rpcClients: 64, imageMiB: 1024, domains: 100 });
  });
  it("--quick is one short run of every part on a small image", () => {
    expect(mgmtOptions({ quick: true })).toEqual(QUICK_MGMT_OPTIONS);
    expect(QUICK_MGMT_OPTIONS.runs).toBe(1);
    expect(QUICK_MGMT_OPTIONS.imageMiB).toBeLessThan(DEFAULT_MGMT_OPTIONS.imageMiB);
  });
  it("takes --runs, --seconds and --only (a regular expression over the part names)", () => {
    const o = mgmtOptions({ runs: "5", seconds: "0.5", only: "rpc|memory" });
    expect(o.runs).toBe(5);
    expect(o.rpcSeconds).toBe(0.5);
    expect(o.parts).toEqual(["rpc", "memory"]);
    expect(mgmtOptions({ only: "qemu-img" }).parts).toEqual(["qemu-img"]);
  });
  it("rejects bad values with the CLI's message", () => {
    expect(() => mgmtOptions({ runs: "0" })).toThrow("--runs must be a positive integer, not 0");
    expect(() => mgmtOptions({ runs: "2.5" })).toThrow(/--runs must be a positive integer/);
    expect(() => mgmtOptions({ seconds: "-1" })).toThrow("--seconds must be a positive number, not -1");
    expect(() => mgmtOptions({ only: "(" })).toThrow("--only: not a regular expression: (");
    expect(() => mgmtOptions({ only: "boot" })).toThrow("--only boot matches no --mgmt part (rpc, start, qemu-img, memory)");
  });
});

describe("figures and ratios", () => {
  it("a figure is the median of its samples and of its CPU samples", () => {
    const f = figure([3, 1, 2], [30, 10, 20], "d");
    expect(f).toEqual({ value: 2, cpu: 20, samples: [3, 1, 2], cpuSamples: [30, 10, 20], detail: "d" });
    expect(figure([4]).cpu).toBeNull();
  });
  it("orients every ratio so that above 1 means virtkit better", () => {
    expect(orientedRatio("higher", 200, 100)).toBe(2); // calls/s: virtkit / peer
    expect(orientedRatio("lower", 200, 100)).toBe(0.5); // ms, MiB: peer / virtkit
    expect(orientedRatio("lower", 50, 100)).toBe(2);
  });
  it("has no ratio without both figures, or with a zero or non-finite one", () => {
    expect(orientedRatio("higher", null, 1)).toBeNull();
    expect(orientedRatio("higher", 1, null)).toBeNull();
    expect(orientedRatio("lower", 0, 5)).toBeNull();
    expect(orientedRatio("lower", Number.NaN, 5)).toBeNull();
    expect(rowRatio(row("higher", 10, null))).toEqual({ wall: null, cpu: null });
  });
  it("computes the CPU ratio from the CPU medians", () => {
    const r = row("higher", 100, 50);
    r.virtkit = figure([100], [300]);
    r.peer = figure([50], [100]);
    expect(rowRatio(r)).toEqual({ wall: 2, cpu: 3 });
  });
});

describe("issue #9 targets", () => {
  const atLeastPeer = { kind: "ratioAtLeast", value: 1, text: "ours ≥ peer" } as const;
  const time15 = { kind: "ratioAtLeast", value: 1 / 1.5, text: "ours ≤ 1.5× peer's time" } as const;
  const under150 = { kind: "atMost", value: 150, text: "< 150 MiB" } as const;
  it("a ratio target is met when the oriented ratio reaches it", () => {
    expect(targetMet(row("higher", 100, 100, atLeastPeer))).toBe(true);
    expect(targetMet(row("higher", 99, 100, atLeastPeer))).toBe(false);
    expect(targetMet(row("lower", 150, 100, time15))).toBe(true);
    expect(targetMet(row("lower", 151, 100, time15))).toBe(false);
  });
  it("an absolute target looks at virtkit's figure only", () => {
    expect(targetMet(row("lower", 149, null, under150))).toBe(true);
    expect(targetMet(row("lower", 151, 10, under150))).toBe(false);
  });
  it("is undecided without a target or the figures it needs", () => {
    expect(targetMet(row("higher", 1, 1))).toBeNull();
    expect(targetMet(row("higher", 1, null, atLeastPeer))).toBeNull();
    expect(targetMet(row("lower", null, 1, under150))).toBeNull();
  });
});

describe("runMgmt", () => {
  it("runs the chosen parts in order, records a part that throws and goes on", async () => {
    const seen: string[] = [];
    const part = (name: string, fail = false) => (): Promise<MgmtRow[]> => {
      seen.push(name);
      if (fail) return Promise.reject(new Error(`${name} broke`));
      return Promise.resolve([row("higher", 2, 1)]);
    };
    const lines: string[] = [];
    const r = await runMgmt({ ...DEFAULT_MGMT_OPTIONS, parts: ["rpc", "start", "memory"] }, { rpc: part("rpc"), start: part("start", true), "qemu-img": part("qemu-img"), memory: part("memory") }, (l) => lines.push(l));
    expect(seen).toEqual(["rpc", "start", "memory"]);
    expect(r.rows).toHaveLength(2);
    expect(r.failures).toEqual([{ part: "start", error: "start broke" }]);
    expect(lines).toContain("mgmt start: failed: start broke");
    expect(r.host.cpus).toBeGreaterThan(0);
    expect(r.loadAverageAtEnd).toHaveLength(3);
  });
});
