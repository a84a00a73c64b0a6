/**
 * The run's report: ratios of virtkit to each peer (same workload, same run), the terminal tables, the
 * JSON file and a hand-written SVG bar chart of the ratios (log scale, 1.0 = parity).
 */
import { WORKLOADS, type WorkloadName } from "./rom.js";
import type { BenchResult, Cell } from "./bench.js";
import { linuxBootRatios } from "./linux-boot.js";
import { linuxBootChartRatios, linuxBootMarkdown } from "./linux-boot-report.js";
import { rowRatio, targetMet, type MgmtResult } from "./mgmt.js";
import { mgmtMarkdown } from "./mgmt-report.js";

export interface Ratio {
  workload: WorkloadName;
  subject: string;
  peer: string;
  /** subject rate / peer rate (wall time); above 1 = virtkit faster. */
  ratio: number;
  /** The same on CPU time. */
  cpuRatio: number;
}

/** The virtkit figure each workload is quoted with: the JIT for CPU work, the full qemu-system path for exits. */
export function headlineRunner(unit: Cell["unit"]): string {
  return unit === "exits/s" ? "virtkit-qemu-kvm" : "virtkit-jit";
}

/** Every virtkit runner against every peer that measured the same workload in this run. */
export function ratios(result: BenchResult): Ratio[] {
  const group = new Map(result.runners.map((r) => [r.id, r.group]));
  const out: Ratio[] = [];
  for (const s of result.cells) {
    if (group.get(s.runner) !== "virtkit") continue;
    for (const p of result.cells) {
      if (p.workload !== s.workload || group.get(p.runner) !== "peer") continue;
      out.push({ workload: s.workload, subject: s.runner, peer: p.runner, ratio: s.rate / p.rate, cpuRatio: s.cpuRate / p.cpuRate });
    }
  }
  return out;
}

/** The ratios shown in the table and chart: the headline runner against each peer, and virtkit's JIT off against Bochs. */
export function headlineRatios(result: BenchResult): Ratio[] {
  const unitOf = new Map(result.cells.map((c) => [c.workload, c.unit]));
  return ratios(result).filter((r) => r.subject === headlineRunner(unitOf.get(r.workload) ?? "MIPS") || (r.subject === "virtkit-interpreter" && r.peer === "bochs"));
}

function fmtRate(v: number, unit: Cell["unit"]): string {
  if (!Number.isFinite(v)) return "-";
  if (unit === "exits/s") return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(1)} k`;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** The "count" column: how the runner's own instruction count compares with the exact region length. */
export function countNote(c: Cell): string {
  if (c.instructionsReported === undefined) return c.exits === undefined ? "" : `${c.exits} exits`;
  if (c.instructionsReported === c.instructionsExpected) return "exact";
  const d = c.instructionsReported - c.instructionsExpected;
  return `${d > 0 ? "+" : ""}${d}`;
}

/** Two decimals, or two significant digits below 0.01 (exit ratios can be 1e-3). */
export function fmtRatio(v: number): string {
  return v < 0.01 ? v.toPrecision(2) : v.toFixed(2);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function formatTable(result: BenchResult): string {
  const lines: string[] = [];
  const titles = new Map(result.runners.map((r) => [r.id, r.title]));
  lines.push(`${pad("workload", 9)} ${pad("runner", 18)} ${pad("rate", 10, true)} ${pad("unit", 8)} ${pad("per CPU s", 10, true)} ${pad("wall ms", 8, true)} ${pad("cpu ms", 8, true)} ${pad("N", 11, true)}  count`);
  for (const w of WORKLOADS) {
    for (const c of result.cells.filter((x) => x.workload === w.name)) {
      lines.push(`${pad(c.workload, 9)} ${pad(c.runner, 18)} ${pad(fmtRate(c.rate, c.unit), 10, true)} ${pad(c.unit, 8)} ${pad(fmtRate(c.cpuRate, c.unit), 10, true)} ${pad(c.medianWallMs.toFixed(0), 8, true)} ${pad(c.medianCpuMs.toFixed(0), 8, true)} ${pad(String(c.n), 11, true)}  ${countNote(c)}`);
    }
  }
  const hr = headlineRatios(result);
  if (hr.length > 0) {
    lines.push("", "ratios (virtkit / peer, same run; wall time, CPU time in parentheses; > 1 = virtkit faster):");
    for (const r of hr) lines.push(`  ${pad(r.workload, 9)} ${pad(r.subject, 20)} vs ${pad(r.peer, 12)} ${pad(fmtRatio(r.ratio), 8, true)}x (${fmtRatio(r.cpuRatio)}x)`);
  }
  for (const f of result.failures) lines.push(`failed: ${f.workload} on ${titles.get(f.runner) ?? f.runner}: ${f.error}`);
  for (const r of result.runners) if (r.skipped !== undefined) lines.push(`skipped: ${r.title}: ${r.skipped}`);
  return lines.join("\n");
}

export function toJson(result: BenchResult): string {
  const { linuxBoot, mgmt, ...workloads } = result;
  return JSON.stringify({
    ...workloads,
    ratios: ratios(result),
    ...(linuxBoot === undefined ? {} : { linuxBoot: { ...linuxBoot, ratios: linuxBootRatios(linuxBoot) } }),
    // each --mgmt row with its ratios (> 1 = virtkit better) and whether it meets its target, computed here
    ...(mgmt === undefined ? {} : { mgmt: { ...mgmt, rows: mgmt.rows.map((r) => { const q = rowRatio(r); return { ...r, ratio: q.wall, cpuRatio: q.cpu, targetMet: targetMet(r) }; }) } }),
  }, null, 2) + "\n";
}

/** The mgmt part of a results file, without the figures toJson derives; null when it is not one. */
function mgmtFromJson(v: unknown): MgmtResult | null {
  if (typeof v !== "object" || v === null) return null;
  const m = v as Record<string, unknown>;
  if (typeof m.date !== "string" || !Array.isArray(m.rows) || !Array.isArray(m.failures)) return null;
  const rows = (m.rows as Record<string, unknown>[]).map(({ ratio: _r, cpuRatio: _c, targetMet: _t, ...row }) => row);
  return { ...m, rows } as unknown as MgmtResult;
}

/**
 * A results file written by toJson, read back so that a run of one kind (the ROM workloads, or --linux) keeps
 * the other kind's part; null when the text is not such a file (the caller then starts afresh).
 */
export function fromJson(text: string): BenchResult | null {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof j !== "object" || j === null) return null;
  const o = j as Record<string, unknown>;
  if (typeof o.date !== "string" || typeof o.host !== "object" || !Array.isArray(o.runners) || !Array.isArray(o.cells) || !Array.isArray(o.failures)) return null;
  const { ratios: _ratios, linuxBoot, mgmt, ...rest } = o;
  const result = rest as unknown as BenchResult;
  const m = mgmtFromJson(mgmt);
  if (m !== null) result.mgmt = m;
  if (typeof linuxBoot === "object" && linuxBoot !== null) {
    const l = linuxBoot as Record<string, unknown>;
    if (typeof l.date === "string" && Array.isArray(l.runners) && Array.isArray(l.cells) && Array.isArray(l.failures)) {
      const { ratios: _linuxRatios, ...linux } = l;
      result.linuxBoot = linux as unknown as NonNullable<BenchResult["linuxBoot"]>;
    }
  }
  return result;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One colour per series (the workloads' 11 and the Linux boot's 4 in a full run): no two series share one. */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#393b79", "#bcbd22", "#843c39", "#7b4173", "#637939"];
/** Log-scale range of the chart (ratios outside are drawn to the edge and labelled). */
const MIN_RATIO = 0.001;
const MAX_RATIO = 1000;

interface ChartBar {
  series: string;
  ratio: number;
  title: string;
}

/** The chart's groups of bars: the workloads' headline ratios, then the Linux boot to the prompt. */
function chartGroups(result: BenchResult): { label: string; bars: ChartBar[] }[] {
  const rs = headlineRatios(result);
  const groups: { label: string; bars: ChartBar[] }[] = WORKLOADS.map((w) => ({
    label: w.name,
    bars: rs.filter((r) => r.workload === w.name).map((r) => ({ series: `${r.subject} vs ${r.peer}`, ratio: r.ratio, title: `${w.name}: ${r.subject} vs ${r.peer} ${r.ratio.toFixed(3)}×` })),
  }));
  if (result.linuxBoot !== undefined) {
    groups.push({
      label: "Linux boot",
      bars: linuxBootChartRatios(result.linuxBoot).map((q) => ({ series: `${q.subject} vs ${q.peer}`, ratio: q.ratio, title: `Linux boot to the shell prompt: ${q.subject} vs ${q.peer} ${q.ratio.toFixed(3)}× (${result.linuxBoot?.date.slice(0, 10) ?? ""})` })),
    });
  }
  return groups.filter((g) => g.bars.length > 0);
}

/** A horizontal bar chart of the headline ratios on a log10 axis, grouped by workload (and the Linux boot, when measured). */
export function toSvg(result: BenchResult): string {
  const groups = chartGroups(result);
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const color = new Map(series.map((s, i) => [s, PALETTE[i % PALETTE.length]!]));
  const left = 150, plotW = 560, bar = 12, gap = 14, top = 50;
  const linuxNote = result.linuxBoot === undefined ? null : `Linux boot: time to the shell prompt, peer / virtkit, measured ${result.linuxBoot.date.slice(0, 10)}`;
  const height = top + groups.reduce((h, g) => h + g.bars.length * bar + gap, 0) + 40 + series.length * 16 + (linuxNote === null ? 0 : 16);
  const x = (v: number): number => left + ((Math.log10(Math.min(MAX_RATIO, Math.max(MIN_RATIO, v))) - Math.log10(MIN_RATIO)) / (Math.log10(MAX_RATIO) - Math.log10(MIN_RATIO))) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 80}" height="${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="18" font-size="13" font-weight="bold">${esc(`virtkit / peer, same run (log scale, > 1 = virtkit faster) — ${result.date.slice(0, 10)}, ${result.host.cpus} CPUs`)}</text>`);
  const axisBottom = top + groups.reduce((h, g) => h + g.bars.length * bar + gap, 0);
  for (let e = Math.log10(MIN_RATIO); e <= Math.log10(MAX_RATIO); e++) {
    const v = 10 ** e, xx = x(v).toFixed(1);
    out.push(`<line x1="${xx}" y1="${top - 8}" x2="${xx}" y2="${axisBottom}" stroke="${e === 0 ? "#000" : "#ddd"}"/>`);
    out.push(`<text x="${xx}" y="${top - 12}" text-anchor="middle">${v >= 1 ? String(v) : v.toString()}×</text>`);
  }
  let y = top;
  for (const g of groups) {
    out.push(`<text x="${left - 6}" y="${(y + (g.bars.length * bar) / 2 + 4).toFixed(1)}" text-anchor="end">${esc(g.label)}</text>`);
    for (const b of g.bars) {
      const x0 = x(1), x1 = x(b.ratio);
      out.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${bar - 2}" fill="${color.get(b.series) ?? "#999"}"><title>${esc(b.title)}</title></rect>`);
      out.push(`<text x="${(Math.max(x0, x1) + 3).toFixed(1)}" y="${y + bar - 3}" font-size="9">${fmtRatio(b.ratio)}</text>`);
      y += bar;
    }
    y += gap;
  }
  y = axisBottom + 24;
  for (const s of series) {
    out.push(`<rect x="${left}" y="${y - 9}" width="10" height="10" fill="${color.get(s) ?? "#999"}"/><text x="${left + 14}" y="${y}">${esc(s)}</text>`);
    y += 16;
  }
  if (linuxNote !== null) out.push(`<text x="${left}" y="${y}">${esc(linuxNote)}</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Markdown tables for the README: rates per runner, then the headline ratios per peer. */
export function toMarkdown(result: BenchResult): string {
  const runnersWithCells = result.runners.filter((r) => result.cells.some((c) => c.runner === r.id));
  const out: string[] = [];
  const linux = result.linuxBoot === undefined ? "" : linuxBootMarkdown(result.linuxBoot);
  const mgmt = result.mgmt === undefined ? "" : mgmtMarkdown(result.mgmt);
  // A --linux or --mgmt run before any workload run: only their sections.
  if (result.runners.length === 0) return [linux, mgmt].filter((s) => s !== "").join("\n");
  out.push(`Measured ${result.date.slice(0, 16).replace("T", " ")} UTC on ${result.host.cpus} CPUs (${result.host.model}), Node ${result.host.node}; median of ${result.options.runs} runs, each region about ${result.options.targetSeconds} s; wall-time rates (CPU-time rates in results/latest.json).`, "");
  out.push(`| workload | unit | ${runnersWithCells.map((r) => r.id).join(" | ")} |`);
  out.push(`| --- | --- |${runnersWithCells.map(() => " ---: |").join("")}`);
  for (const w of WORKLOADS) {
    const cells = result.cells.filter((c) => c.workload === w.name);
    if (cells.length === 0) continue;
    const failed = new Set(result.failures.filter((f) => f.workload === w.name).map((f) => f.runner));
    out.push(`| ${w.name} | ${w.unit} | ${runnersWithCells.map((r) => {
      const c = cells.find((x) => x.runner === r.id);
      return c === undefined ? (failed.has(r.id) ? "fails" : "") : fmtRate(c.rate, c.unit);
    }).join(" | ")} |`);
  }
  const hr = headlineRatios(result);
  const pairs = [...new Set(hr.map((r) => `${r.subject} / ${r.peer}`))];
  if (pairs.length > 0) {
    out.push("", `Ratios (same run, > 1 = virtkit faster): virtkit-jit for CPU workloads, virtkit-qemu-kvm for exits, and virtkit-interpreter (JIT off) against Bochs.`, "");
    const peers = [...new Set(hr.map((r) => r.peer))];
    out.push(`| workload | ${peers.map((p) => `vs ${p}`).join(" | ")} | JIT off vs bochs |`);
    out.push(`| --- |${peers.map(() => " ---: |").join("")} ---: |`);
    for (const w of WORKLOADS) {
      const row = hr.filter((r) => r.workload === w.name);
      if (row.length === 0) continue;
      const head = headlineRunner(w.unit);
      const cell = (r: Ratio | undefined): string => (r === undefined ? "" : `${fmtRatio(r.ratio)}×`);
      out.push(`| ${w.name} | ${peers.map((p) => cell(row.find((r) => r.subject === head && r.peer === p))).join(" | ")} | ${cell(row.find((r) => r.subject === "virtkit-interpreter" && r.peer === "bochs"))} |`);
    }
  }
  if (result.failures.length > 0) {
    out.push("", "Failures in this run:", "");
    for (const f of result.failures) out.push(`- ${f.workload} on ${f.runner}: ${f.error.replace(/\|/g, "\\|")}`);
  }
  if (linux !== "") out.push("", linux.trimEnd());
  if (mgmt !== "") out.push("", mgmt.trimEnd());
  return out.join("\n") + "\n";
}
