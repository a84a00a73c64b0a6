/**
 * Timing a guest that runs in another process (QEMU, Bochs, virtkit's qemu-system): the markers arrive
 * on the child's stdout (both emulators flush port 0xE9 output at once), so the region's wall time is
 * the time between their arrival, and its CPU time the difference of the child's utime + stime (all
 * threads) read from /proc/<pid>/stat at those moments (proc(5): fields 14 and 15, in clock ticks).
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Parses a /proc/<pid>/stat line: the CPU time (user + system) in milliseconds. */
export function cpuMsFromStat(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
  const close = stat.lastIndexOf(")");
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in ${JSON.stringify(stat.slice(0, 120))}`);
  return ((utime + stime) * 1000) / clockTicks();
}

/** The CPU time of a live process in milliseconds, or NaN once it is gone. */
export function childCpuMs(pid: number): number {
  try {
    return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return Number.NaN;
  }
}
