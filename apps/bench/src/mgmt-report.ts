/**
 * The --mgmt part of the report: the terminal table and the "Management plane and memory" section of
 * results/latest.md. Each row: virtkit's median and the peer's (CPU figures in parentheses), the ratio oriented
 * so that > 1 = virtkit better (wall, CPU), and the issue #9 target with whether this run meets it.
 */
import { rowRatio, targetMet, type Figure, type MgmtResult, type MgmtRow } from "./mgmt.js";

/** A figure in its unit: whole numbers for rates and long times, decimals where they carry meaning. */
export function fmtValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return "-";
  if (unit === "× RAM") return `${v.toFixed(2)}×`;
  if (unit === "MiB") return v.toFixed(1);
  if (unit === "ms" || unit.startsWith("CPU ms")) return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3);
}

/** Two decimals, or two significant digits below 0.01. */
export function fmtRatio(v: number | null): string {
  if (v === null) return "";
  return `${v < 0.01 ? v.toPrecision(2) : v.toFixed(2)}×`;
}

/** "1,234 (5,678)": the median, and its CPU counterpart in parentheses when there is one. */
export function fmtFigure(f: Figure | null, row: MgmtRow): string {
  if (f === null) return "-";
  const cpu = f.cpu === null || row.cpuUnit === null ? "" : ` (${fmtValue(f.cpu, row.cpuUnit.startsWith("CPU ms") ? "ms" : row.unit)})`;
  return `${fmtValue(f.value, row.unit)}${cpu}`;
}

/** The target's verdict for this run. */
export function fmtTarget(row: MgmtRow): string {
  if (row.target === undefined) return "";
  const met = targetMet(row);
  return `${row.target.text}: ${met === null ? "not measured" : met ? "met" : "not met"}`;
}

export function formatMgmtTable(result: MgmtResult): string {
  const lines: string[] = [];
  lines.push(`mgmt: median of ${result.options.runs} run(s); CPU figures in parentheses; ratio > 1 = virtkit better (wall, CPU)`);
  const head = ["metric", "unit", "virtkit", "peer", "ratio", "cpu ratio", "target"];
  const body = result.rows.map((r) => {
    const q = rowRatio(r);
    return [r.metric, r.unit, fmtFigure(r.virtkit, r), fmtFigure(r.peer, r), fmtRatio(q.wall), fmtRatio(q.cpu), fmtTarget(r)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  lines.push(line(head), ...body.map(line));
  const notes = result.rows.flatMap((r) => r.notes.map((n) => `  ${r.metric}: ${n}`));
  if (notes.length > 0) lines.push("", "notes:", ...notes);
  for (const f of result.failures) lines.push(`  ${f.part}: failed: ${f.error}`);
  return lines.join("\n");
}

/** The "## Management plane and memory" section of latest.md. */
export function mgmtMarkdown(result: MgmtResult): string {
  const md = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const out: string[] = [];
  out.push("## Management plane and memory", "");
  out.push(`Measured ${result.date.slice(0, 16).replace("T", " ")} UTC on ${result.host.cpus} CPUs (${result.host.model}), Node ${result.host.node}; load average ${result.host.loadAverage.join(", ")} at the start and ${result.loadAverageAtEnd.join(", ")} at the end; median of ${result.options.runs} run${result.options.runs === 1 ? "" : "s"} per figure (RPC windows of ${result.options.rpcSeconds} s, ${result.options.rpcClients} concurrent clients; ${result.options.imageMiB} MiB qemu-img image; ${result.options.domains} defined domains).`);
  out.push("CPU figures in parentheses; ratios compare figures of the same run, > 1 = virtkit better (rates: virtkit / peer; times and sizes: peer / virtkit).", "");
  out.push("| metric | unit | virtkit | peer | ratio | CPU ratio | target (issue #9) |");
  out.push("| --- | --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of result.rows) {
    const q = rowRatio(r);
    const cell = (f: Figure | null): string => `${fmtFigure(f, r)}${f?.detail === undefined ? "" : `<br><small>${md(f.detail)}</small>`}`;
    out.push(`| ${md(r.metric)} | ${r.unit} | ${cell(r.virtkit)} | ${cell(r.peer)} | ${fmtRatio(q.wall)} | ${fmtRatio(q.cpu)} | ${md(fmtTarget(r))} |`);
  }
  out.push("", "Who is measured:", "");
  const who = new Map<string, string>();
  for (const r of result.rows) {
    const k = `${r.part}: ${r.virtkitName} vs ${r.peerName ?? "(no peer)"}`;
    if (!who.has(k)) who.set(k, r.part);
  }
  for (const k of who.keys()) out.push(`- ${md(k)}`);
  const cpuUnits = [...new Set(result.rows.map((r) => r.cpuUnit).filter((u): u is string => u !== null))];
  if (cpuUnits.length > 0) out.push(`- CPU figures: ${cpuUnits.join("; ")}`);
  const notes = [...result.rows.flatMap((r) => r.notes.map((n) => `${r.metric}: ${n}`)), ...result.failures.map((f) => `${f.part}: failed: ${f.error}`)];
  if (notes.length > 0) out.push("", "Notes from this run:", "", ...notes.map((n) => `- ${md(n)}`));
  return out.join("\n") + "\n";
}
