/**
 * The linux-boot part of the report: the terminal table, the Markdown section of results/latest.md, and the
 * bars the SVG chart gets (to the prompt, each virtkit boot path against each peer of the same run).
 * A runner that failed shows "did not boot: <reason>" where its figures would be.
 */
import type { BootMilestone } from "./boot-milestones.js";
import { linuxBootRatios, type LinuxBootCell, type LinuxBootRatio, type LinuxBootResult } from "./linux-boot.js";

/** Seconds with one decimal (a boot is seconds to minutes). */
export function fmtSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "-";
}

/** Two decimals, or two significant digits below 0.01. */
function fmtRatio(v: number): string {
  return v < 0.01 ? v.toPrecision(2) : v.toFixed(2);
}

/** What stands in a runner's row: its median times, or why it has none. */
export function linuxBootRow(result: LinuxBootResult, runner: string): { cell?: LinuxBootCell; note?: string } {
  const cell = result.cells.find((c) => c.runner === runner);
  if (cell !== undefined) return { cell };
  const failure = result.failures.find((f) => f.runner === runner);
  if (failure !== undefined) return { note: `did not boot: ${failure.error}` };
  const skipped = result.runners.find((r) => r.id === runner)?.skipped;
  return { note: skipped === undefined ? "not run" : `skipped: ${skipped}` };
}

const COLUMNS: readonly [BootMilestone, string][] = [["banner", "to kernel banner"], ["marker", "to initramfs marker"], ["prompt", "to shell prompt"]];

/** The peers each virtkit runner is compared with, in the order of the runners. */
function peersOf(result: LinuxBootResult): string[] {
  return result.runners.filter((r) => r.group === "peer").map((r) => r.id);
}

export function formatLinuxBootTable(result: LinuxBootResult): string {
  const lines: string[] = [];
  lines.push(`linux-boot: ${result.guest.kernel ?? "Linux"}, "${result.options.cmdline}", ${result.options.memoryMiB} MiB, ${result.options.devices}; median of ${result.options.runs} boot(s), wall (CPU) from the emulator's start`);
  lines.push(`${"runner".padEnd(17)} ${"kernel".padEnd(8)} ${COLUMNS.map(([, t]) => t.padStart(22)).join(" ")}`);
  for (const r of result.runners) {
    const { cell, note } = linuxBootRow(result, r.id);
    if (cell === undefined) {
      lines.push(`${r.id.padEnd(17)} ${r.kernel.padEnd(8)} ${note ?? ""}`);
      continue;
    }
    lines.push(`${r.id.padEnd(17)} ${r.kernel.padEnd(8)} ${COLUMNS.map(([m]) => `${fmtSeconds(cell.median[m].wallMs)} (${fmtSeconds(cell.median[m].cpuMs)})`.padStart(22)).join(" ")}`);
  }
  const rs = linuxBootRatios(result);
  if (rs.length > 0) {
    lines.push("", "linux-boot ratios (peer's time / virtkit's, same run; wall, CPU in parentheses; > 1 = virtkit boots faster):");
    for (const q of rs) lines.push(`  to ${q.milestone.padEnd(6)} ${q.subject.padEnd(16)} vs ${q.peer.padEnd(9)} ${fmtRatio(q.ratio).padStart(7)}x (${fmtRatio(q.cpuRatio)}x)`);
  }
  return lines.join("\n");
}

/** The "## Linux boot" section of latest.md. */
export function linuxBootMarkdown(result: LinuxBootResult): string {
  const out: string[] = [];
  const md = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  out.push("## Linux boot", "");
  out.push(`Measured ${result.date.slice(0, 16).replace("T", " ")} UTC on ${result.host.cpus} CPUs (${result.host.model}), Node ${result.host.node}; median of ${result.options.runs} boot${result.options.runs === 1 ? "" : "s"} per runner, one boot at a time.`);
  out.push(`Guest: ${result.guest.kernel ?? "?"}, initramfs with ${result.guest.busybox ?? "busybox"} (tooling/guests); kernel command line \`${result.options.cmdline}\`; ${result.options.memoryMiB} MiB; ${result.options.devices}.`);
  out.push("Times from the emulator's start (the child process's start; `new V86()` for v86 in this process), wall time, CPU time of the emulator's process in parentheses.", "");
  out.push(`| runner | kernel | ${COLUMNS.map(([, t]) => t).join(" | ")} |`);
  out.push(`| --- | --- |${COLUMNS.map(() => " ---: |").join("")}`);
  for (const r of result.runners) {
    const { cell, note } = linuxBootRow(result, r.id);
    const figures = cell === undefined ? [md(note ?? ""), "", ""] : COLUMNS.map(([m]) => `${fmtSeconds(cell.median[m].wallMs)} (${fmtSeconds(cell.median[m].cpuMs)})`);
    out.push(`| ${r.id} | ${r.kernel} | ${figures.join(" | ")} |`);
  }
  const rs = linuxBootRatios(result);
  const subjects = [...new Set(rs.map((q) => q.subject))];
  const peers = peersOf(result).filter((p) => rs.some((q) => q.peer === p));
  if (subjects.length > 0) {
    out.push("", "Ratios (peer's time / virtkit's, same run, wall time; > 1 = virtkit boots faster):", "");
    const heads = (["prompt", "marker"] as const).flatMap((m) => peers.map((p) => ({ m, p })));
    out.push(`| virtkit | ${heads.map(({ m, p }) => `to ${m}: vs ${p}`).join(" | ")} |`);
    out.push(`| --- |${heads.map(() => " ---: |").join("")}`);
    for (const s of subjects) {
      out.push(`| ${s} | ${heads.map(({ m, p }) => {
        const q = rs.find((x) => x.subject === s && x.peer === p && x.milestone === m);
        return q === undefined ? "" : `${fmtRatio(q.ratio)}×`;
      }).join(" | ")} |`);
    }
  }
  const notes = [
    ...result.failures.map((f) => `${f.runner}: did not boot: ${md(f.error)}`),
    ...result.runners.filter((r) => r.skipped !== undefined).map((r) => `${r.id}: skipped: ${md(r.skipped ?? "")}`),
  ];
  if (notes.length > 0) out.push("", ...notes.map((n) => `- ${n}`));
  out.push("", "Invocations:", "", ...result.runners.map((r) => `- ${r.id}: \`${r.invocation}\``));
  return out.join("\n") + "\n";
}

/** The chart's bars: each virtkit boot path against each peer, to the shell prompt. */
export function linuxBootChartRatios(result: LinuxBootResult): LinuxBootRatio[] {
  return linuxBootRatios(result).filter((q) => q.milestone === "prompt");
}
